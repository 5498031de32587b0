// Splitting a command line's words as Jenkins' Util.tokenize does (the cmake and .NET plugins' args).
import { StepFailure } from '../core/errors.ts';

/**
 * Jenkins' Util.tokenize: the delimiters (whitespace) separate, single or double quotes group and are
 * removed, a backslash escapes a quote or a backslash inside double quotes; a quoted empty string is
 * a token. Throws StepFailure on an unbalanced quote.
 */
export function splitQuoted(s: string, delimiters = ' \t\n\r\f'): string[] {
  const out: string[] = [];
  let cur = '';
  let inTok = false;
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < s.length && (s[i + 1] === '"' || s[i + 1] === '\\')) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inTok = true;
    } else if (delimiters.includes(c)) {
      if (inTok) out.push(cur);
      cur = '';
      inTok = false;
    } else {
      cur += c;
      inTok = true;
    }
  }
  if (quote) throw new StepFailure(`unbalanced quote ${quote} in '${s}'`);
  if (inTok) out.push(cur);
  return out;
}
