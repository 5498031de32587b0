// The one loop that runs a translated regular expression over a string, shared by the two
// places a pipeline's regex may run: inline on the controller's thread (patterns whose worst
// case is cheap for the input, see regex-safety.ts) and in a regex worker thread (everything
// else, with a deadline, see regex-pool.ts). Both must give the same answer, so both call this.
//
// The answer is flat and transferable: for each match, (groups + 1) pairs of [start, end] in
// an Int32Array, -1 for a group that took no part. The caller slices the strings out of its
// own copy of the input, so a worker never sends strings back and a million matches cost
// 8 bytes per group each, not a million arrays.

/** What to look for: every match (=~, findAll, split...), the first, the whole string (==~), or a match at the start (lookingAt). */
export type ScanOp = 'all' | 'first' | 'whole' | 'prefix';

export interface ScanRequest {
  /** JavaScript source and flags, as translateRegex() made them from the Java pattern. */
  readonly source: string;
  readonly flags: string;
  readonly input: string;
  readonly op: ScanOp;
  /** Capturing groups in the pattern (translateRegex counted them). */
  readonly groups: number;
  /** At most this many matches ('all'); the scan stops there and says it was cut. */
  readonly limit: number;
}

export interface ScanResult {
  /** Capturing groups in the pattern (not counting the whole match). */
  readonly groups: number;
  /** How many matches; spans holds count * (groups + 1) * 2 numbers. */
  readonly count: number;
  readonly spans: Int32Array;
  /** True when the scan stopped at `limit` with more of the input left to search. */
  readonly truncated: boolean;
}

function regexOf(req: ScanRequest, indices: boolean): RegExp {
  const flags = req.flags.replace(/[gyd]/g, '') + (indices ? 'd' : '');
  switch (req.op) {
    case 'whole': return new RegExp(`^(?:${req.source})$`, flags.replace('m', ''));
    case 'prefix': return new RegExp(req.source, flags + 'y');
    case 'first': return new RegExp(req.source, flags);
    case 'all': return new RegExp(req.source, flags + 'g');
  }
}

/** A growable Int32Array (a million matches as plain numbers would cost far more). */
class Spans {
  buf = new Int32Array(64);
  n = 0;
  push(a: number, b: number): void {
    if (this.n + 2 > this.buf.length) {
      const next = new Int32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = a;
    this.buf[this.n++] = b;
  }
}

/** Runs the request; throws only if the pattern does not compile (translateRegex checked it before). */
export function scan(req: ScanRequest): ScanResult {
  // Group spans need the 'd' flag, which makes every match slower: only when there are groups.
  const re = regexOf(req, req.groups > 0);
  const out = new Spans();
  let count = 0;
  let truncated = false;
  const push = (m: RegExpExecArray): void => {
    if (req.groups === 0) {
      out.push(m.index, m.index + m[0].length);
    } else {
      const ind = m.indices!;
      for (let i = 0; i <= req.groups; i++) {
        const span = ind[i];
        if (span === undefined) out.push(-1, -1);
        else out.push(span[0], span[1]);
      }
    }
    count++;
  };
  if (req.op !== 'all') {
    const m = re.exec(req.input);
    if (m !== null) push(m);
  } else {
    for (let m = re.exec(req.input); m !== null; m = re.exec(req.input)) {
      if (count >= req.limit) {
        truncated = true;
        break;
      }
      push(m);
      if (m[0].length === 0) re.lastIndex++;
    }
  }
  return { groups: req.groups, count, spans: out.buf.slice(0, out.n), truncated };
}
