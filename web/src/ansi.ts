// ANSI SGR colours for console lines, other escape sequences dropped. The colours carry over
// from one line to the next as on a terminal: give parseAnsi the same AnsiState for consecutive
// lines (it starts each line in that state and leaves the line's final state in it). The
// virtualized console renders a window of lines; it computes the state at the window's first
// line by running ansiState() over the bytes before it that it has fetched (console.tsx).
export interface Span { text: string; cls: string; fg: string | null; bg: string | null }

const BASIC = ['#000000', '#cd3131', '#0dbc79', '#e5e510', '#2472c8', '#bc3fbc', '#11a8cd', '#e5e5e5'];
const BRIGHT = ['#666666', '#f14c4c', '#23d18b', '#f5f543', '#3b8eea', '#d670d6', '#29b8db', '#ffffff'];

function color256(n: number): string | null {
  if (n < 8) return BASIC[n]!;
  if (n < 16) return BRIGHT[n - 8]!;
  if (n < 232) {
    const c = n - 16;
    const v = (x: number) => (x === 0 ? 0 : 55 + x * 40);
    return `rgb(${v(Math.floor(c / 36))},${v(Math.floor(c / 6) % 6)},${v(c % 6)})`;
  }
  if (n < 256) { const g = 8 + (n - 232) * 10; return `rgb(${g},${g},${g})`; }
  return null;
}

// eslint-disable-next-line no-control-regex
const ESC = /\x1b\[([0-9;:]*)([A-Za-z])|\x1b[\]P^_][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[()][A-Za-z0-9]|\x1b.|[\x00-\x08\x0b-\x1f\x7f]/g;

export function hasEscapes(line: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x08\x0b-\x1f\x7f]/.test(line);
}

/** The SGR attributes in force (what carries from one line to the next). */
export interface AnsiState { fg: string | null; bg: string | null; bold: boolean; italic: boolean; underline: boolean; dim: boolean; inverse: boolean }

export const plainState = (): AnsiState => ({ fg: null, bg: null, bold: false, italic: false, underline: false, dim: false, inverse: false });
const isPlain = (s: AnsiState) => !s.fg && !s.bg && !s.bold && !s.italic && !s.underline && !s.dim && !s.inverse;

/** The state after `text` (many lines) starting from `state` (changed in place and returned). */
export function ansiState(text: string, state: AnsiState = plainState()): AnsiState {
  // eslint-disable-next-line no-control-regex
  if (!text.includes('\x1b')) return state;
  parseAnsi(text, state);
  return state;
}

export function parseAnsi(line: string, state?: AnsiState): Span[] {
  if (!hasEscapes(line) && (!state || isPlain(state))) return [{ text: line, cls: '', fg: null, bg: null }];
  const out: Span[] = [];
  let { fg, bg, bold, italic, underline, dim, inverse } = state ?? plainState();
  let last = 0;
  const push = (text: string) => {
    if (!text) return;
    const cls = [bold ? 'b' : '', italic ? 'i' : '', underline ? 'u' : '', dim ? 'd' : ''].filter(Boolean).join(' ');
    out.push({ text, cls, fg: inverse ? (bg ?? '#1e1e1e') : fg, bg: inverse ? (fg ?? '#d4d4d4') : bg });
  };
  ESC.lastIndex = 0;
  for (let m = ESC.exec(line); m; m = ESC.exec(line)) {
    push(line.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[0] === '\t') { push('\t'); continue; }
    if (m[2] !== 'm') continue;
    const codes = (m[1] ?? '').split(/[;:]/).map((x) => (x === '' ? 0 : Number(x)));
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      if (c === 0) { fg = bg = null; bold = italic = underline = dim = inverse = false; }
      else if (c === 1) bold = true;
      else if (c === 2) dim = true;
      else if (c === 3) italic = true;
      else if (c === 4) underline = true;
      else if (c === 7) inverse = true;
      else if (c === 22) { bold = false; dim = false; }
      else if (c === 23) italic = false;
      else if (c === 24) underline = false;
      else if (c === 27) inverse = false;
      else if (c >= 30 && c <= 37) fg = BASIC[c - 30]!;
      else if (c === 39) fg = null;
      else if (c >= 40 && c <= 47) bg = BASIC[c - 40]!;
      else if (c === 49) bg = null;
      else if (c >= 90 && c <= 97) fg = BRIGHT[c - 90]!;
      else if (c >= 100 && c <= 107) bg = BRIGHT[c - 100]!;
      else if (c === 38 || c === 48) {
        let col: string | null = null;
        if (codes[i + 1] === 5) { col = color256(codes[i + 2] ?? 0); i += 2; }
        else if (codes[i + 1] === 2) { col = `rgb(${codes[i + 2] ?? 0},${codes[i + 3] ?? 0},${codes[i + 4] ?? 0})`; i += 4; }
        if (c === 38) fg = col; else bg = col;
      }
    }
  }
  push(line.slice(last));
  if (state) Object.assign(state, { fg, bg, bold, italic, underline, dim, inverse });
  return out;
}
