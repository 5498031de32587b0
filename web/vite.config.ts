// Builds the web UI to web/dist, which the controller serves (src/controller/web.ts).
// The controller's CSP allows only same-origin scripts: no inline scripts, no CDNs, so
// everything is bundled and the module preload polyfill (an inline script) is off.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    // `npx vite web` for development: the API goes to a controller on KILN_DEV_API (default :8080).
    proxy: { '/api': { target: process.env.KILN_DEV_API ?? 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
