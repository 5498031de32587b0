// Java's SimpleDateFormat, the part a `remoteDirectorySDF: true` remote directory uses
// (Publish Over SSH formats `remoteDirectory` with it: 'builds/'yyyy/MM/dd, 'rel-'yyyyMMdd-HHmm):
// letters y M d H h k K m s S D E u a, quoted text ('' for a quote), other characters kept.
// Time in the controller's time zone and English names, as the plugin on a default JVM. A
// letter Java has but Kiln does not format (G w W F z Z X Y L) is an error naming it, never
// printed wrong.

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const pad = (n: number, w: number) => String(n).padStart(w, '0');

function field(letter: string, count: number, d: Date): string {
  switch (letter) {
    case 'y': return count === 2 ? pad(d.getFullYear() % 100, 2) : pad(d.getFullYear(), count);
    case 'M': return count >= 4 ? MONTHS[d.getMonth()]! : count === 3 ? MONTHS[d.getMonth()]!.slice(0, 3) : pad(d.getMonth() + 1, count);
    case 'd': return pad(d.getDate(), count);
    case 'H': return pad(d.getHours(), count);
    case 'k': return pad(d.getHours() === 0 ? 24 : d.getHours(), count);
    case 'K': return pad(d.getHours() % 12, count);
    case 'h': return pad(d.getHours() % 12 === 0 ? 12 : d.getHours() % 12, count);
    case 'm': return pad(d.getMinutes(), count);
    case 's': return pad(d.getSeconds(), count);
    case 'S': return pad(d.getMilliseconds(), count);
    case 'D': {
      const start = new Date(d.getFullYear(), 0, 1);
      return pad(Math.round((new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() - start.getTime()) / 86_400_000) + 1, count);
    }
    case 'E': return count >= 4 ? DAYS[d.getDay()]! : DAYS[d.getDay()]!.slice(0, 3);
    case 'u': return pad(d.getDay() === 0 ? 7 : d.getDay(), count);
    case 'a': return d.getHours() < 12 ? 'AM' : 'PM';
    default: throw new Error(`the pattern letter '${letter}' is not supported by Kiln (it formats y M d H h k K m s S D E u a)`);
  }
}

/** Formats `pattern` at `d`; throws an Error saying why a pattern cannot be used. */
export function simpleDateFormat(pattern: string, d: Date): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      if (pattern[i + 1] === "'") { out += "'"; i += 2; continue; }
      // quoted text, up to the closing quote; '' inside it is one quote
      let j = i + 1;
      let text = '';
      for (;;) {
        const q = pattern.indexOf("'", j);
        if (q < 0) throw new Error(`Unterminated quote in [${pattern}]`);
        text += pattern.slice(j, q);
        if (pattern[q + 1] === "'") { text += "'"; j = q + 2; continue; }
        i = q + 1;
        break;
      }
      out += text;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let n = 1;
      while (pattern[i + n] === c) n++;
      out += field(c, n, d);
      i += n;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}
