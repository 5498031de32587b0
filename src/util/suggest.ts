// "Did you mean ...?": the closest known name to a misspelt one.

/** Damerau-Levenshtein distance (optimal string alignment), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = [];
  for (let i = 0; i <= s.length; i++) d.push(Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const row = d[i]!;
      const prev = d[i - 1]!;
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[s.length]![t.length]!;
}

/** The candidate nearest to `name` when it is near enough to be a likely typo, else null. */
export function closest(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const dist = editDistance(name, c);
    if (dist < bestD) {
      best = c;
      bestD = dist;
    }
  }
  if (best === null) return null;
  const limit = Math.max(1, Math.floor(Math.max(name.length, best.length) / 3));
  return bestD <= limit || best.toLowerCase().startsWith(name.toLowerCase()) && name.length >= 3 ? best : null;
}

/**
 * The candidate at the smallest edit distance, however far: Jenkins' validator always names one
 * ("did you mean"). As Jenkins' `hudson.util.EditDistance.findNearest`: plain case-sensitive
 * Levenshtein, the first of equally near candidates wins; candidates are taken in name order (the
 * order Jenkins lists a describable's parameters in), so ties break as Jenkins breaks them.
 */
export function nearest(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of [...candidates].sort()) {
    const d = levenshtein(name, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** Plain Levenshtein distance, case-sensitive (insert, delete, substitute: 1 each). */
function levenshtein(a: string, b: string): number {
  let cost = Array.from({ length: a.length + 1 }, (_, i) => i);
  let back = new Array<number>(a.length + 1).fill(0);
  for (let j = 0; j < b.length; j++) {
    [back, cost] = [cost, back];
    cost[0] = j + 1;
    for (let i = 0; i < a.length; i++) {
      const match = a[i] === b[j] ? 0 : 1;
      cost[i + 1] = Math.min(back[i]! + match, cost[i]! + 1, back[i + 1]! + 1);
    }
  }
  return cost[a.length]!;
}
