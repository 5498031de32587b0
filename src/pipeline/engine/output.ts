// The path from a process's output to the console: split into lines, secrets masked, each line
// decorated (parallel branch prefix, timestamp). Works on bytes, never decoding, so binary
// output and any encoding pass through unchanged apart from masking.
//
// Masking must hold even when a secret is split across two chunks: a line is emitted only once
// complete; a partial line waiting longer than IDLE_FLUSH_MS is emitted except its last
// (longest secret - 1) bytes, which could be the start of a secret (then `onIdleFlush` is called:
// a durable exec's journal point covers those bytes, engine.ts #outputBarrier). A point says too
// whether the exec's output so far ends within a line (`lineOpen`), so that a resumed exec's rest
// of the line gets no second prefix (`continueLine`).
//
// A multi-line secret (a key, a JSON service account, a kubeconfig in secret text) is masked
// whole and line by line, because a script rarely prints it whole (`head -1`, `grep`, an
// error quoting one line). Each line is taken without its surrounding whitespace (so indented
// or re-indented output is masked too); lines shorter than MIN_SECRET_LINE characters are not
// masked on their own: `}`, `--` or `ab` hide nothing worth hiding and masking them would
// garble every log line that contains them. (Jenkins masks the whole value only.)
//
// A secret may carry its own mask (the Mask Passwords plugin prints ******** where credentials
// print ****), and patterns (its regexes) are masked too: each match, after the secrets, with
// valid UTF-8 decoded as such (else byte by byte as latin1). Patterns are checked for safety by
// their adder (plugins/mask-passwords); a match split over an idle flush of a partial line is
// not masked (Jenkins masks complete lines only, so it never prints a partial one).

import { isUtf8 } from 'node:buffer';

export const MASK = Buffer.from('****');
const IDLE_FLUSH_MS = 150;
const MAX_PENDING = 64 * 1024;
/** The shortest line of a multi-line secret that is masked on its own. */
export const MIN_SECRET_LINE = 4;
/** The longest piece of a line a mask pattern is matched against. */
export const PATTERN_SPAN = 4096;

/** The secrets of one build, masked in everything it prints. */
export class SecretMasker {
  #secrets: Buffer[] = [];
  /** A secret's own mask where it is not MASK (keyed by the secret's text). */
  #masks = new Map<string, Buffer>();
  #patterns: { re: RegExp; mask: string }[] = [];
  /** The secrets as added (not their lines), to tell whether a value is one. */
  #whole = new Set<string>();
  #maxLen = 0;

  /** Masks `secret` from now on; a multi-line one also line by line (see the header). */
  add(secret: string, mask: Buffer = MASK): void {
    if (secret.length === 0) return;
    this.#whole.add(secret);
    this.#add(secret, mask);
    if (!/[\r\n]/.test(secret)) return;
    for (const line of secret.split(/\r\n|\r|\n/)) {
      const t = line.trim();
      if (t.length >= MIN_SECRET_LINE) this.#add(t, mask);
    }
  }

  /** Masks every match of `re` (made global here) in each line with `mask` from now on. */
  addPattern(re: RegExp, mask: string): void {
    const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
    if (!this.#patterns.some((p) => p.re.source === g.source && p.re.flags === g.flags)) this.#patterns.push({ re: g, mask });
  }

  /** Whether `value` is one of the secrets (as added, not a line of one). */
  isSecret(value: string): boolean {
    return this.#whole.has(value);
  }

  #add(secret: string, mask: Buffer): void {
    const b = Buffer.from(secret, 'utf8');
    if (this.#secrets.some((s) => s.equals(b))) return;
    if (!mask.equals(MASK)) this.#masks.set(secret, mask);
    this.#secrets.push(b);
    // Longest first, so a secret containing another is masked whole.
    this.#secrets.sort((x, y) => y.length - x.length);
    this.#maxLen = Math.max(this.#maxLen, b.length);
  }

  get maxLen(): number {
    return this.#maxLen;
  }

  get size(): number {
    return this.#secrets.length + this.#patterns.length;
  }

  mask(buf: Buffer): Buffer {
    if (this.#secrets.length === 0 && this.#patterns.length === 0) return buf;
    let out = buf;
    for (const s of this.#secrets) {
      let i = out.indexOf(s);
      if (i < 0) continue;
      const m = this.#masks.size > 0 ? (this.#masks.get(s.toString('utf8')) ?? MASK) : MASK;
      const parts: Buffer[] = [];
      let from = 0;
      while (i >= 0) {
        parts.push(out.subarray(from, i), m);
        from = i + s.length;
        i = out.indexOf(s, from);
      }
      parts.push(out.subarray(from));
      out = Buffer.concat(parts);
    }
    if (this.#patterns.length > 0) {
      const enc: BufferEncoding = isUtf8(out) ? 'utf8' : 'latin1';
      let text = out.toString(enc);
      const before = text;
      // Line by line, as Jenkins (so ^ and $ are a line's ends and no match spans lines).
      // A line longer than PATTERN_SPAN is taken in pieces of that size, which bounds a pattern's
      // work per piece (a match across two pieces is not masked).
      const masked: string[] = [];
      for (const line of text.split(/(\r?\n)/)) {
        if (line === '\n' || line === '\r\n') { masked.push(line); continue; }
        for (let i = 0; i < line.length; i += PATTERN_SPAN) {
          let l = line.slice(i, i + PATTERN_SPAN);
          for (const p of this.#patterns) l = l.replace(p.re, (m) => (m.length === 0 ? m : p.mask));
          masked.push(l);
        }
      }
      text = masked.join('');
      if (text !== before) out = Buffer.from(text, enc);
    }
    return out;
  }

  maskText(text: string): string {
    return this.size === 0 ? text : this.mask(Buffer.from(text, 'utf8')).toString('utf8');
  }
}

/** Adds what goes at the start of each console line (timestamp, `[branch] `). */
export type LineDecorator = () => Buffer | null;

/**
 * One stream of output turned into console bytes. `emit` receives masked, decorated bytes:
 * whole lines, or a partial line when the stream goes quiet or ends.
 */
export class LineSink {
  #pending: Buffer = Buffer.alloc(0);
  #atLineStart = true;
  #timer: NodeJS.Timeout | null = null;
  readonly #emit: (data: Buffer) => void;
  readonly #masker: SecretMasker;
  readonly #decorate: LineDecorator;
  /** Whether lines can get a prefix at all; when not, bytes go through without a line walk. */
  readonly #decorates: boolean;
  /** Called after the idle delay emitted part of a partial line (a durable exec's point covers it: engine.ts). */
  onIdleFlush: (() => void) | null = null;

  constructor(emit: (data: Buffer) => void, masker: SecretMasker, decorate: LineDecorator, decorates = true) {
    this.#emit = emit;
    this.#masker = masker;
    this.#decorate = decorate;
    this.#decorates = decorates;
  }

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const data = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    const nl = data.lastIndexOf(10);
    if (nl < 0) {
      this.#pending = data;
    } else {
      this.#out(data.subarray(0, nl + 1));
      // A view, not a copy: process output chunks are never reused by Node.
      this.#pending = data.subarray(nl + 1);
    }
    if (this.#pending.length > MAX_PENDING) this.#flushPartial();
    this.#armIdle();
  }

  /** Bytes written and not emitted yet (a partial line). */
  get held(): number {
    return this.#pending.length;
  }

  /** Whether what was emitted so far ends within a line (the next byte emitted gets no prefix). */
  get lineOpen(): boolean {
    return !this.#atLineStart;
  }

  /**
   * The stream goes on within a line its earlier output left open (a durable exec resumed after a
   * restart from a point in the middle of a line: engine.ts): its next byte gets no prefix, as it
   * would have had the controller not stopped.
   */
  continueLine(): void {
    this.#atLineStart = false;
  }

  /** Emits everything still held (the stream ended). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pending.length > 0) {
      this.#out(this.#pending);
      this.#pending = Buffer.alloc(0);
    }
  }

  #armIdle(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pending.length === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const held = this.#pending.length;
      this.#flushPartial();
      if (this.#pending.length < held) this.onIdleFlush?.();
    }, IDLE_FLUSH_MS);
    this.#timer.unref();
  }

  /** Emits a partial line except the bytes that could begin a secret. */
  #flushPartial(): void {
    const keep = Math.max(0, this.#masker.maxLen - 1);
    if (this.#pending.length <= keep) return;
    const cut = this.#pending.length - keep;
    this.#out(this.#pending.subarray(0, cut));
    this.#pending = Buffer.from(this.#pending.subarray(cut));
  }

  /** Masks and decorates `data` (which may hold several lines; only the last may be partial). */
  #out(data: Buffer): void {
    const masked = this.#masker.mask(data);
    if (!this.#decorates) {
      // Nothing to put before lines (no timestamps, no branch): pass the bytes on as they are.
      this.#emit(masked);
      return;
    }
    const parts: Buffer[] = [];
    let from = 0;
    while (from < masked.length) {
      if (this.#atLineStart) {
        const d = this.#decorate();
        if (d) parts.push(d);
      }
      const nl = masked.indexOf(10, from);
      const end = nl < 0 ? masked.length : nl + 1;
      parts.push(masked.subarray(from, end));
      this.#atLineStart = nl >= 0;
      from = end;
    }
    this.#emit(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }
}
