// What the browser tests run against: a real controller process (bin/kiln controller) with a
// real agent process connected to it, the built UI (web/dist), and Debian's Chromium driven by
// playwright-core. Nothing is faked. A missing Chromium or an unbuilt UI fails with the way to
// get it, never a skip.
//
// startE2E() is the set-up every browser test file shares (a controller, maybe an agent, a
// browser page, the first admin set up one of three ways); unlockInPage() is the Unlock page's
// happy path; buildOutcome() says what became of a build (status, result, console tail) for a
// failure message, and badgeSays() waits for a build page's status badge with that message;
// axeOnPages() checks a list of pages with axe-core in a colour scheme.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { kilnBin, repoRoot } from '../helpers/kiln.ts';

export const CHROMIUM = process.env.KILN_CHROMIUM ?? '/usr/bin/chromium';
export const E2E_ADMIN_TOKEN = 'kiln-e2e-admin-token-0123456789abcdef0123456789';
export const SCREENSHOTS = path.join(repoRoot, 'test-results', 'screenshots');

/** The first admin every browser test sets up. */
export const ADMIN = { username: 'admin', password: 'correct horse battery staple' } as const;

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** Fails clearly when Chromium is not there. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the browser tests need Debian's chromium package (apt-get install -y chromium; scripts/test-prereqs.sh does it as root), or KILN_CHROMIUM=/path/to/chromium`);
  }
}

/** Builds web/dist when it is missing or older than web/src (so a test run never sees a stale UI). */
export function ensureWebBuilt(): void {
  const dist = path.join(repoRoot, 'web', 'dist', 'index.html');
  const newest = (dir: string): number => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }
    return t;
  };
  const src = Math.max(newest(path.join(repoRoot, 'web', 'src')), statSync(path.join(repoRoot, 'web', 'index.html')).mtimeMs);
  if (existsSync(dist) && statSync(dist).mtimeMs >= src) return;
  const vite = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'web', '--logLevel', 'warn'], { cwd: repoRoot, encoding: 'utf8' });
  if (vite.status !== 0) throw new Error(`building the web UI failed (npm run build:web):\n${vite.stdout}\n${vite.stderr}`);
}

export interface Kiln {
  url: string;
  home: string;
  /** The API as the configured admin token (for arranging things the test is not about). */
  api: (method: string, p: string, body?: unknown) => Promise<any>;
  startAgent: (name: string, executors?: number, labels?: string[]) => Promise<void>;
  stop: () => Promise<void>;
}

function waitForLine(child: ChildProcess, re: RegExp, what: string, ms = 30_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; output so far:\n${seen}`)), ms);
    const on = (d: Buffer) => {
      seen += d.toString('utf8');
      const m = re.exec(seen);
      if (m) { clearTimeout(t); resolve(m); }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.on('exit', (code) => { clearTimeout(t); reject(new Error(`${what}: the process exited (${code}) first; output:\n${seen}`)); });
  });
}

/** Starts `kiln controller` on a free port in a fresh home. */
export async function startKiln(): Promise<Kiln> {
  const root = mkdtempSync(path.join(tmpdir(), 'kiln-e2e-'));
  const home = path.join(root, 'home');
  const procs: ChildProcess[] = [];
  // The caller's KILN_* settings (a database URL, a port, a token) must not leak into this controller.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KILN_')));
  const ctl = spawn(kilnBin, ['controller', '--home', home, '--port', '0'], {
    cwd: repoRoot, env: { ...env, KILN_ADMIN_TOKEN: E2E_ADMIN_TOKEN, KILN_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(ctl);
  const m = await waitForLine(ctl, /Kiln is ready at (http:\/\/\S+\/)/, 'the controller to be ready');
  const url = m[1]!;
  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(new URL(p.replace(/^\//, ''), url), {
      method, headers: { authorization: `Bearer ${E2E_ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const startAgent = async (name: string, executors = 2, labels: string[] = []) => {
    const a = await api('POST', '/api/v1/agents', { name, executors, labels });
    // The exact command the agent page shows, run with this checkout's bin/kiln.
    const argv = (a.command as string).split(/\s+/).map((s) => s.replace(/^'(.*)'$/, '$1'));
    if (argv[0] !== 'kiln') throw new Error(`unexpected connect command: ${a.command}`);
    const workdir = path.join(root, `agent-${name}`);
    mkdirSync(workdir, { recursive: true });
    const agent = spawn(kilnBin, [...argv.slice(1), '--workdir', workdir], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(agent);
    agent.stdout?.resume();
    agent.stderr?.resume();
    const end = Date.now() + 30_000;
    for (;;) {
      const info = await api('GET', `/api/v1/agents/${encodeURIComponent(name)}`);
      if (info.online) break;
      if (Date.now() > end) throw new Error(`agent ${name} did not come online`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stop = async () => {
    for (const p of procs.reverse()) {
      if (p.exitCode !== null) continue;
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    }
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
  return { url, home, api, startAgent, stop };
}

/** The initial admin password the controller wrote on its first start. */
export function initialPassword(home: string): string {
  return readFileSync(path.join(home, 'secrets', 'initialAdminPassword'), 'utf8').trim();
}

export interface Browsing { context: BrowserContext; page: Page; close: () => Promise<void> }

/** Headless Chromium with a fresh profile. `problems` collects page errors and console errors (CSP
 *  violations among them), but not the 4xx answers the UI shows as messages, nor the requests
 *  Chromium itself cancels with net::ERR_NETWORK_CHANGED when the host's interfaces change (the
 *  Docker tests running beside these add and remove veth interfaces; the UI retries on its own). */
export async function openBrowser(viewport = { width: 1280, height: 800 }): Promise<Browsing & { problems: string[] }> {
  requireChromium();
  const profile = mkdtempSync(path.join(tmpdir(), 'kiln-chromium-'));
  // A fresh profile each time (launchPersistentContext is how playwright takes a user-data-dir).
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport });
  const page = context.pages()[0] ?? await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const expected = /^Failed to load resource: (the server responded with a status of 4\d\d|net::ERR_NETWORK_CHANGED)/;
  page.on('console', (m) => { if (m.type() === 'error' && !expected.test(m.text())) problems.push(`console error: ${m.text()}`); });
  // A navigation Chromium cancels for the same reason (net::ERR_NETWORK_CHANGED) is made again,
  // as a person would reload: it says nothing about Kiln.
  const goto = page.goto.bind(page);
  page.goto = async (url, options) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await goto(url, options);
      } catch (e) {
        if (attempt >= 4 || !/net::ERR_NETWORK_CHANGED/.test(String(e))) throw e;
      }
    }
  };
  return {
    context, page, problems,
    close: async () => { await context.close(); rmSync(profile, { recursive: true, force: true, maxRetries: 3 }); },
  };
}

/** Saves a screenshot of the page as test-results/screenshots/<name>.png (kept out of git). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const ignore = path.join(repoRoot, 'test-results', '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** A page for axeOnPages: its path (from the root), its heading, and what to do there before the check. */
export type AxePage = [path: string, heading: RegExp, prepare?: () => Promise<void>];

/** axe-core's serious and critical findings on each page (axeFindings): opened, its heading waited
 *  for, `prepare` done, `settleMs` waited; in the colour scheme asked for, set back after. */
export async function axeOnPages(page: Page, kiln: Kiln, pages: AxePage[], o: { scheme?: 'light' | 'dark'; settleMs?: number } = {}): Promise<string[]> {
  if (o.scheme) await page.emulateMedia({ colorScheme: o.scheme });
  try {
    const found: string[] = [];
    for (const [p, heading, prepare] of pages) {
      await page.goto(new URL(p.slice(1), kiln.url).href);
      await page.getByRole('heading', { name: heading }).first().waitFor();
      await prepare?.();
      if (o.settleMs) await page.waitForTimeout(o.settleMs);
      found.push(...await axeFindings(page, p));
    }
    return found;
  } finally {
    if (o.scheme) await page.emulateMedia({ colorScheme: null });
  }
}

/** axe-core's serious and critical findings on the page as it is now, each as `<where>: id (impact) help at targets`.
 *  axe-core is evaluated through the DevTools protocol, which the page's CSP does not govern. */
export async function axeFindings(page: Page, where: string): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const r = await axe.run({ resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${where}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.join(', ')}`);
}

/** A controller and a browser page on it, as a browser test file starts them. */
export interface E2E {
  kiln: Kiln;
  b: Browsing & { problems: string[] };
  page: Page;
  /** Closes the browser, then stops the controller (and its agents). */
  stop: () => Promise<void>;
}

export interface E2EOptions {
  viewport?: { width: number; height: number };
  /** An agent connected before the browser opens. */
  agent?: { name: string; executors?: number; labels?: string[] };
  /** How the first admin (ADMIN) is set up: 'session' through the API from the browser's own
   *  context (its session cookie is the page's), 'api' through the API with no session (the page
   *  shows the login form), 'form' on the Unlock page (unlockInPage); left out: still locked. */
  setup?: 'session' | 'api' | 'form';
  /** The page's default timeout (20 s by default). */
  timeout?: number;
  /** Where the page's dialogs (alert, confirm) go: each message is pushed, the dialog dismissed. */
  dialogs?: string[];
}

/** Starts a controller (with an agent when asked) and a browser page on it, the first admin set up as asked. */
export async function startE2E(o: E2EOptions = {}): Promise<E2E> {
  requireChromium();
  ensureWebBuilt();
  const kiln = await startKiln();
  let b: E2E['b'] | undefined;
  try {
    if (o.agent) await kiln.startAgent(o.agent.name, o.agent.executors, o.agent.labels);
    b = o.viewport ? await openBrowser(o.viewport) : await openBrowser();
    const page = b.page;
    page.setDefaultTimeout(o.timeout ?? 20_000);
    const dialogs = o.dialogs;
    if (dialogs) page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    if (o.setup === 'session') {
      await page.goto(kiln.url);
      const r = await page.request.post(new URL('api/v1/setup', kiln.url).href, { data: { initialPassword: initialPassword(kiln.home), ...ADMIN } });
      if (r.status() !== 201) throw new Error(`setting up the first admin: ${r.status()} ${await r.text()}`);
    } else if (o.setup === 'api') {
      await kiln.api('POST', '/api/v1/setup', { initialPassword: initialPassword(kiln.home), ...ADMIN });
    } else if (o.setup === 'form') {
      await unlockInPage(page, kiln);
    }
    const browsing = b;
    return { kiln, b, page, stop: async () => { await browsing.close(); await kiln.stop(); } };
  } catch (err) {
    await b?.close().catch(() => {});
    await kiln.stop();
    throw err;
  }
}

/** Unlocks Kiln on its Unlock page with the initial password, creating ADMIN, and waits for the main navigation. */
export async function unlockInPage(page: Page, kiln: Kiln): Promise<void> {
  await page.goto(kiln.url);
  const form = page.getByRole('form', { name: 'Unlock Kiln' });
  await form.getByLabel('Initial admin password', { exact: true }).fill(initialPassword(kiln.home));
  await form.getByLabel('Username', { exact: true }).fill(ADMIN.username);
  await form.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await form.getByLabel('Confirm password', { exact: true }).fill(ADMIN.password);
  await form.getByRole('button', { name: 'Unlock and create admin' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** What became of a build, for a failure message: its status, result, message and stages, and
 *  the last `lines` lines of its console, as the API has them (each part says why when it cannot). */
export async function buildOutcome(kiln: Kiln, job: string, n: number, lines = 40): Promise<string> {
  const parts: string[] = [];
  try {
    const b = await kiln.api('GET', `/api/v1/jobs/${encodeURIComponent(job)}/builds/${n}`);
    const stages = (b.stages as { name: string; status: string }[] | undefined ?? []).map((s) => `${s.name}: ${s.status}`).join(', ');
    parts.push(`${job} #${n}: status ${b.status}, result ${b.result ?? '-'}, on ${b.node ?? '-'}${b.message ? `, message: ${b.message}` : ''}; stages: ${stages || 'none'}`);
  } catch (e) {
    parts.push(`${job} #${n}: the build could not be read: ${(e as Error).message}`);
  }
  try {
    const res = await fetch(new URL(`api/v1/jobs/${encodeURIComponent(job)}/builds/${n}/console`, kiln.url), { headers: { authorization: `Bearer ${E2E_ADMIN_TOKEN}` } });
    const text = await res.text();
    parts.push(res.ok ? `its console (last ${lines} lines):\n${text.split('\n').slice(-lines - 1).join('\n')}` : `its console could not be read: ${res.status} ${text}`);
  } catch (e) {
    parts.push(`its console could not be read: ${(e as Error).message}`);
  }
  return parts.join('\n');
}

/** Waits until the build page shows the status badge `status` (the page is on job #n); when it
 *  does not in `timeout` ms, fails saying what the badge shows, what the API says of the build
 *  (buildOutcome) and what `more` adds (an agent's output, say). */
export async function badgeSays(page: Page, kiln: Kiln, job: string, n: number, status: string, timeout = 60_000, more: () => Promise<string> | string = () => ''): Promise<void> {
  try {
    await page.locator('h1 .badge', { hasText: status }).waitFor({ timeout });
  } catch (err) {
    const shown = await page.locator('h1 .badge').allInnerTexts().then((t) => JSON.stringify(t), (e: Error) => `unknown (${e.message.split('\n')[0]})`);
    throw new Error(`the page of ${job} #${n} did not show the badge '${status}' in ${timeout} ms (${(err as Error).message.split('\n')[0]}); its badges: ${shown}; at ${page.url()}\n`
      + `${await buildOutcome(kiln, job, n)}${await (async () => { const m = await more(); return m ? `\n${m}` : ''; })()}`, { cause: err });
  }
}
