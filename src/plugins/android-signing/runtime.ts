// What signAndroidApks does (declared in index.ts), as the Android Signing plugin's
// SignApksBuilder, ZipalignTool, SigningComponents and SignedApkMappingStrategy:
//   - a build already worse than UNSTABLE: "[SignApksBuilder] skipping Sign APKs step because a
//     previous step failed", nothing else.
//   - the key: keyStoreId must name a certificate credential (its PKCS#12 key store and password).
//     The store goes to a private file (0600) under the workspace's @tmp for the apksigner call and
//     is removed after; the password goes to apksigner on its stdin, never on a command line, and
//     is masked in what apksigner prints.
//   - apksToSign: comma-separated Ant patterns, each of which must match ("No APKs in workspace
//     matching <glob>"), SignApksBuilder-out/** excluded; the APKs signed in path order.
//   - zipalign (unless skipZipalign): zipalignPath (a file, or a directory holding it), else
//     androidHome's latest build-tools, else the node's ANDROID_ZIPALIGN, ANDROID_HOME, PATH, in
//     that order, as ZipalignTool looks, with the same console lines; run as
//     `zipalign -P 16 -f 4 <apk> SignApksBuilder-out/zipalign/aligned-<name>-<n>.apk` (a zipalign
//     without -P: `-f -p 4`); not 0: "zipalign failed on APK <apk>: exit code N".
//   - apksigner: beside zipalign, else in the SDK's latest build-tools, else on PATH; signs with
//     the v1 (signer name: the alias), v2 and v3 schemes, as the plugin's ApkSigner.Builder does
//     (v4 off). The signed APK goes where signedApkMapping says (unsignedApkSibling by default);
//     a previous one there is deleted first.
//   - archiving: signed (default) and unsigned (archiveUnsignedApks) APKs under
//     SignApksBuilder-out/<keyStoreId>/<keyAlias>/<apk name>/.
import path from 'node:path/posix';
import { randomUUID } from 'node:crypto';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { StepFailure, interruptionOf } from '../../core/errors.ts';
import { PATH_PREPEND_ENV } from '../../core/workspace.ts';
import { CONTAINER_SHELL } from '../../pipeline/steps/shell.ts';
import { bool, str } from '../../pipeline/steps/args.ts';
import { relPathProblem } from '../../pipeline/steps/files.ts';
import { isMap, type Value } from '../../pipeline/script/values.ts';

const STEP = 'signAndroidApks';
export const BUILDER_DIR = 'SignApksBuilder-out';
const say = (ctx: StepContext, line: string) => ctx.log(`[SignApksBuilder] ${line}`);

function processEnv(ctx: StepContext): Record<string, string> {
  const { [CONTAINER_SHELL]: _shell, [PATH_PREPEND_ENV]: prepend, ...rest } = ctx.env;
  return ctx.container && prepend ? { ...rest, [PATH_PREPEND_ENV]: prepend } : rest;
}

interface Ran { code: number; out: Buffer; err: Buffer }

/** Runs argv on the node (no shell), capturing its output. */
async function run(ctx: StepContext, argv: string[], stdin?: string): Promise<Ran> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const ws = ctx.workspace();
  const r = await ws.exec({
    argv, cwd: ws.root, env: processEnv(ctx), ...(stdin !== undefined ? { stdin } : {}),
    ...(ctx.container ? { container: ctx.container } : {}), signal: ctx.signal,
    onOutput: (c, s) => { (s === 'stderr' ? err : out).push(c); },
  }).catch((e: unknown) => {
    if (ctx.signal.aborted) throw interruptionOf(ctx.signal);
    throw new StepFailure(`${STEP}: ${argv[0]} could not be started: ${e instanceof Error ? e.message : String(e)}`);
  });
  if (r.aborted || ctx.signal.aborted) throw interruptionOf(ctx.signal);
  return { code: r.exitCode ?? (r.signal ? 128 : 1), out: Buffer.concat(out), err: Buffer.concat(err) };
}

const test = async (ctx: StepContext, flag: '-d' | '-f' | '-x', p: string) => (await run(ctx, ['test', flag, p])).code === 0;

/** A version directory name compared as hudson.util.VersionNumber roughly does: numbers numerically, then the rest. */
function versionCompare(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) { if (nx !== ny) return nx - ny; continue; }
    if (x === '' || y === '') return x === '' ? (/^\d/.test(y) ? -1 : 1) : (/^\d/.test(x) ? 1 : -1);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

class Tools {
  zipalign: string | null = null;
  private readonly ctx: StepContext;
  private readonly androidHome: string | null;
  private readonly zipalignPath: string | null;
  private readonly env: Record<string, string>;
  constructor(ctx: StepContext, androidHome: string | null, zipalignPath: string | null, env: Record<string, string>) {
    this.ctx = ctx;
    this.androidHome = androidHome;
    this.zipalignPath = zipalignPath;
    this.env = env;
  }

  abs(p: string): string { return path.isAbsolute(p) ? path.normalize(p) : path.join(this.ctx.workspace().root, p); }

  /** `p` itself when an executable file, else `p/zipalign` when `p` is a directory (ZipalignTool.zipalignOrZipalignExe). */
  async toolAt(p: string, name: string): Promise<string | null> {
    const candidate = (await test(this.ctx, '-d', p)) ? path.join(p, name) : p;
    if (!(await test(this.ctx, '-d', candidate)) && (await test(this.ctx, '-f', candidate))) return candidate;
    say(this.ctx, `no ${name} found in path ${path.dirname(candidate)}`);
    return null;
  }

  /** The SDK's latest build-tools directory. */
  async latestBuildTools(home: string): Promise<string> {
    const dir = path.join(this.abs(home), 'build-tools');
    const r = await run(this.ctx, ['find', dir, '-mindepth', '1', '-maxdepth', '1', '-type', 'd']);
    const dirs = r.code === 0 ? r.out.toString('utf8').split('\n').filter((l) => l.trim()) : [];
    if (dirs.length === 0) throw new StepFailure(`failed to find zipalign: no build-tools directory in Android home path ${home}`);
    dirs.sort((a, b) => versionCompare(path.basename(a), path.basename(b)));
    return dirs[dirs.length - 1]!;
  }

  async inAndroidHome(home: string): Promise<string> {
    const tools = await this.latestBuildTools(home);
    const z = await this.toolAt(tools, 'zipalign');
    if (z) { say(this.ctx, `found zipalign in Android SDK's latest build tools: ${z}`); return z; }
    throw new StepFailure(`failed to find zipalign: no zipalign found in latest Android build tools: ${tools}`);
  }

  async findZipalign(): Promise<string> {
    if (this.zipalign) return this.zipalign;
    let z: string | null = null;
    if (this.zipalignPath) {
      say(this.ctx, `zipalign path explicitly set to ${this.zipalignPath}`);
      z = await this.toolAt(this.abs(this.zipalignPath), 'zipalign');
    } else if (this.androidHome) {
      say(this.ctx, `zipalign ANDROID_HOME explicitly set to ${this.androidHome}`);
      z = await this.inAndroidHome(this.androidHome);
    } else if (this.env.ANDROID_ZIPALIGN) {
      say(this.ctx, `found zipalign path in env ANDROID_ZIPALIGN=${this.env.ANDROID_ZIPALIGN}`);
      z = await this.toolAt(this.abs(this.env.ANDROID_ZIPALIGN), 'zipalign');
    } else if (this.env.ANDROID_HOME) {
      say(this.ctx, `searching environment variable ANDROID_HOME=${this.env.ANDROID_HOME} for zipalign...`);
      z = await this.inAndroidHome(this.env.ANDROID_HOME);
    } else if (this.env.PATH) {
      say(this.ctx, `searching environment PATH=${this.env.PATH} for zipalign...`);
      for (const dir of this.env.PATH.split(':').filter(Boolean)) {
        say(this.ctx, `checking PATH dir ${this.abs(dir)} for zipalign...`);
        z = await this.toolAt(this.abs(dir), 'zipalign');
        if (z) break;
      }
    } else {
      throw new StepFailure('failed to find zipalign: no environment variable ANDROID_ZIPALIGN or ANDROID_HOME or PATH');
    }
    if (!z) throw new StepFailure('failed to find zipalign path in parameters or environment');
    this.zipalign = z;
    return z;
  }

  /** apksigner: beside zipalign, else the SDK's latest build-tools, else on PATH. */
  async findApksigner(): Promise<string> {
    const places: string[] = [];
    if (this.zipalign) places.push(path.dirname(this.zipalign));
    for (const home of [this.androidHome, this.env.ANDROID_HOME]) {
      if (home) { try { places.push(await this.latestBuildTools(home)); } catch { /* no SDK there */ } }
    }
    places.push(...(this.env.PATH ?? '').split(':').filter(Boolean).map((d) => this.abs(d)));
    for (const dir of places) {
      const p = path.join(dir, 'apksigner');
      if (await test(this.ctx, '-f', p)) return p;
    }
    throw new StepFailure(`${STEP}: apksigner not found (beside zipalign, in the Android SDK's build-tools or on PATH); install the SDK's build-tools on the node`);
  }
}

/** SignedApkMappingStrategy.unqualifiedNameOfUnsignedApk: the base name without .apk and a trailing "-unsigned"/"unsigned". */
const unqualified = (base: string) => base.replace(/(-?unsigned)?$/i, '');
const baseName = (file: string) => { const n = path.basename(file); const i = n.lastIndexOf('.'); return i > 0 ? n.slice(0, i) : n; };

function mappingOf(v: Value | undefined): 'sibling' | 'builderDir' {
  if (v === undefined || v === null) return 'sibling';
  const name = isMap(v) ? String(v.get('$symbol') ?? v.get('$class') ?? '') : String(v);
  if (/^(unsignedApkSibling|UnsignedApkSiblingMapping|.*\$UnsignedApkSiblingMapping)$/.test(name)) return 'sibling';
  if (/^(unsignedApkNameDir|UnsignedApkBuilderDirMapping|.*\$UnsignedApkBuilderDirMapping)$/.test(name)) return 'builderDir';
  throw new StepFailure(`${STEP}: signedApkMapping must be unsignedApkSibling() or unsignedApkNameDir(), not ${name || String(v)}`);
}

const signAndroidApks: StepRun = async (ctx, args) => {
  const result = ctx.build.runResult ?? ctx.build.result;
  if (result === 'FAILURE' || result === 'ABORTED' || result === 'NOT_BUILT') {
    say(ctx, 'skipping Sign APKs step because a previous step failed');
    return null;
  }
  const keyStoreId = (str(args, 'keyStoreId') ?? '');
  const keyAlias = (str(args, 'keyAlias') ?? '').trim();
  const apksToSign = (str(args, 'apksToSign') ?? '');
  const mapping = mappingOf(args.values.signedApkMapping);
  const androidHome = (str(args, 'androidHome') ?? '').trim() || null;
  const zipalignPath = (str(args, 'zipalignPath') ?? '').trim() || null;
  const skipZipalign = bool(args, 'skipZipalign', false);
  const archiveSigned = bool(args, 'archiveSignedApks', true);
  const archiveUnsigned = bool(args, 'archiveUnsignedApks', false);
  if (!keyStoreId) throw new StepFailure(`${STEP}: keyStoreId is required: the id of a certificate credential`);
  for (const [k, v] of [['keyStoreId', keyStoreId], ['keyAlias', keyAlias]] as const) {
    if (v.includes('/') || v === '..' || v === '.' || /[\0-\x1f]/.test(v)) throw new StepFailure(`${STEP}: ${k} '${v}' cannot name an archive directory (no '/', '.', '..' or control characters)`);
  }
  const cred = await ctx.build.services.credential(keyStoreId);
  if (cred.type !== 'certificate') throw new StepFailure(`${STEP}: the credential '${keyStoreId}' is a ${cred.type}: signing needs a certificate credential (a PKCS#12 key store with its password)`);
  const password = cred.password ?? '';
  if (!password) throw new StepFailure(`Error reading signing key from key store credential ${keyStoreId}: the password for key store credential ${keyStoreId} is null - use the Credentials Plugin to configure a non-empty password`);
  const mask = (t: string) => (password ? t.split(password).join('****') : t);

  const ws = ctx.workspace();
  const root = ws.root;
  const globs = apksToSign.split(/\s*,\s*/).map((g) => g.trim()).filter(Boolean);
  if (globs.length === 0) throw new StepFailure(`${STEP}: apksToSign is required: Ant patterns of the APKs to sign`);
  const apks = new Set<string>();
  for (const glob of globs) {
    if (glob.startsWith('/') || glob.split('/').includes('..')) throw new StepFailure(`${STEP}: '${glob}' leaves the workspace: apksToSign are Ant patterns relative to it`);
    const found = (await ws.glob(root, glob, `${BUILDER_DIR}/**`)).filter((f) => relPathProblem(f) === null);
    if (found.length === 0) throw new StepFailure(`No APKs in workspace matching ${glob}`);
    for (const f of found) apks.add(f);
  }
  const env: Record<string, string> = {};
  {
    const r = await run(ctx, ['sh', '-c', 'printf "%s\\0%s\\0%s" "$ANDROID_ZIPALIGN" "$ANDROID_HOME" "$PATH"']);
    const [za, ah, p] = r.out.toString('utf8').split('\0');
    if (za) env.ANDROID_ZIPALIGN = za;
    if (ah) env.ANDROID_HOME = ah;
    if (p) env.PATH = p;
  }
  const tools = new Tools(ctx, androidHome, zipalignPath, env);
  const zipalignDir = path.join(root, BUILDER_DIR, 'zipalign');
  await ws.mkdir(zipalignDir);
  // The plugin's prefix names the alias as given: unset, Java's "null".
  const archivePrefix = `${BUILDER_DIR}/${keyStoreId}/${keyAlias || 'null'}/`;
  const toArchive: [string, string][] = [];
  const keyDir = `${ws.tmp}/android-signing/${randomUUID()}`;
  const keyStore = `${keyDir}/keystore.p12`;
  let apksigner: string | null = null;
  let modernZipalign: boolean | null = null;
  try {
    await ws.writeFile(keyStore, cred.content ?? Buffer.alloc(0), 0o600);
    for (const rel of [...apks].sort()) {
      const unsigned = path.join(root, rel);
      const name = path.basename(rel);
      const stripped = unqualified(baseName(rel));
      const signedRel = mapping === 'builderDir'
        ? `${BUILDER_DIR}/${name}/${stripped}-signed.apk`
        : path.join(path.dirname(rel), `${stripped}${baseName(rel).endsWith('-unsigned') ? '' : '-signed'}.apk`);
      const signed = path.join(root, signedRel);
      let aligned = unsigned;
      if (skipZipalign) {
        say(ctx, `skipping zipalign for unsigned apk ${unsigned}`);
      } else {
        const zipalign = await tools.findZipalign();
        if (modernZipalign === null) {
          const usage = await run(ctx, [zipalign]);
          modernZipalign = /-P\b/.test(usage.out.toString('utf8') + usage.err.toString('utf8'));
        }
        aligned = path.join(zipalignDir, `aligned-${baseName(rel)}-${randomUUID().slice(0, 8)}.apk`);
        const argv = modernZipalign ? [zipalign, '-P', '16', '-f', '4', unsigned, aligned] : [zipalign, '-f', '-p', '4', unsigned, aligned];
        say(ctx, argv.join(' '));
        const r = await run(ctx, argv);
        if (r.out.length) ctx.write(r.out, 'stdout');
        if (r.err.length) ctx.write(r.err, 'stderr');
        if (r.code !== 0) {
          say(ctx, `zipalign failed: exit code ${r.code}`);
          throw new StepFailure(`zipalign failed on APK ${unsigned}: exit code ${r.code}`);
        }
      }
      const alignedRel = path.relative(root, aligned);
      if (!(await ws.stat(aligned))) throw new StepFailure(`aligned APK does not exist: ${alignedRel}`);
      say(ctx, `signing APK ${alignedRel}`);
      await ws.mkdir(path.dirname(signed));
      if ((await ws.stat(signed))?.type === 'file') {
        say(ctx, `deleting previous signed APK ${signed}`);
        await ws.remove(signed);
      }
      apksigner ??= await tools.findApksigner();
      const argv = [apksigner, 'sign', '--ks', keyStore, '--ks-type', 'PKCS12', '--ks-pass', 'stdin',
        ...(keyAlias ? ['--ks-key-alias', keyAlias, '--v1-signer-name', keyAlias] : []),
        '--v1-signing-enabled', 'true', '--v2-signing-enabled', 'true', '--v3-signing-enabled', 'true', '--v4-signing-enabled', 'false',
        '--out', signed, aligned];
      const r = await run(ctx, argv, `${password}\n`);
      if (r.code !== 0) {
        const why = mask((r.err.toString('utf8') || r.out.toString('utf8')).replace(/^Keystore password for signer #1: /m, '').trim());
        say(ctx, `error signing APK ${aligned}`);
        if (why) ctx.log(why);
        const first = why.split('\n').find((l) => /Exception|ERROR|error/i.test(l)) ?? why.split('\n')[0] ?? '';
        throw new StepFailure(`failed to sign APK ${aligned}: ${first.replace(/^.*?Exception: /, '')}`);
      }
      say(ctx, `signed APK ${signedRel}`);
      if (archiveUnsigned) {
        say(ctx, `archiving unsigned APK ${unsigned}`);
        toArchive.push([`${archivePrefix}${name}/${name}`, unsigned]);
      }
      if (archiveSigned) {
        say(ctx, `archiving signed APK ${signedRel}`);
        toArchive.push([`${archivePrefix}${name}/${path.basename(signed)}`, signed]);
      }
    }
  } finally {
    await ws.remove(keyDir).catch(() => undefined);
  }
  say(ctx, 'finished signing APKs');
  const arts = ctx.build.services.artifacts;
  for (const [to, from] of toArchive) {
    const mode = (await ws.stat(from))?.mode ?? 0o644;
    if (arts.putFile && ws.openRead) {
      const f = await ws.openRead(from);
      try { await arts.putFile(to, f, mode); } finally { await f.close(); }
    } else {
      await arts.put(to, await ws.readFile(from), mode);
    }
  }
  return null;
};

const runtime: PluginRuntime = { steps: { signAndroidApks } };
export default runtime;
