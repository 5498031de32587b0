// The web UI's files: the single-page app that `npm run build:web` writes to web/dist, served
// on every GET path that is not the API. Hashed files under /assets/ are cached for good;
// index.html is revalidated each time, so a new build of the UI is picked up at once. Any
// other path gets index.html (the app routes in the browser). Paths are resolved inside the
// directory only: `..`, encoded or not, cannot leave it. Errors (a missing asset, the UI not
// built) answer with the error catalogue like the API's (http-errors.ts). These routes are the
// UI, not the API: they are left out of its OpenAPI document (`hide`).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createReadStream } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuthError } from './auth/service.ts';
import { ApiError } from './http-errors.ts';

export const WEB_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.woff': 'font/woff', '.map': 'application/json', '.txt': 'text/plain; charset=utf-8',
};

export function registerWeb(app: FastifyInstance, o: { dir?: string; publicUrl: () => string } ): void {
  const dir = path.resolve(o.dir ?? WEB_DIR);

  const send = async (req: FastifyRequest, reply: FastifyReply) => {
    const urlPath = (req.url.split('?')[0] ?? '/');
    // Unknown API paths are not pages: 401 before login (nothing to learn), then 404.
    if (urlPath.startsWith('/api/') || urlPath === '/api') {
      if (!req.principal) throw new AuthError(401, 'unauthorized', `log in first: send an API token as 'Authorization: Bearer <token>', or log in at ${o.publicUrl()}`);
      throw new ApiError('not-found', `no such route: GET ${urlPath}`);
    }
    let rel: string;
    try {
      rel = decodeURIComponent(urlPath);
    } catch {
      throw new ApiError('invalid', 'malformed URL encoding');
    }
    const file = path.resolve(dir, `.${path.posix.normalize(`/${rel}`)}`);
    const inside = file === dir || file.startsWith(dir + path.sep);
    if (inside && file !== dir && !rel.includes('\0')) {
      const st = await fsp.stat(file).catch(() => null);
      if (st?.isFile()) {
        const immutable = rel.startsWith('/assets/');
        return reply
          .type(TYPES[path.extname(file)] ?? 'application/octet-stream')
          .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
          .header('content-length', String(st.size))
          .send(createReadStream(file));
      }
      // A missing asset is a 404, not the app (a stale page asking for an old bundle).
      if (rel.startsWith('/assets/')) throw new ApiError('not-found', `no such file: ${rel}`);
    }
    const index = path.join(dir, 'index.html');
    const html = await fsp.readFile(index).catch(() => null);
    if (!html) throw new ApiError('unavailable', `The web UI is not built (no ${index}). Build it with: npm run build:web\nThe API is at ${o.publicUrl()}api/v1/`);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
  };

  app.get('/', { schema: { hide: true } }, send);
  app.get('/*', { schema: { hide: true } }, send);
}
