// What a browser tab says: the page's title names the job, build and status ("✓ ship-it #12 ·
// Kiln"), and the favicon is a dot in the colour of the status of the build being watched, so a
// row of tabs can be told apart and a build followed from another tab. Pages call useTitle with
// their words and, for a build or a job, the status; leaving the page restores the plain icon.
import { useEffect } from 'react';

/** The sign before a title, by the status's badge name (format.ts statusOf). */
const SIGNS: Record<string, string> = {
  success: '✓', failure: '✗', unstable: '!', aborted: '■', not_built: '–',
  running: '▶', paused: '⏸', queued: '…', pending: '…',
};

/** The favicon's colour, by status; the same hues as the badges (styles.css). */
const COLOURS: Record<string, string> = {
  success: '#1a7f37', failure: '#c62828', unstable: '#a36b00', aborted: '#6e7781', not_built: '#6e7781',
  running: '#1f6feb', paused: '#8250df', queued: '#6e7781', pending: '#6e7781',
};

/** The plain icon: the brand's colour. */
const PLAIN = '#b4441c';

/** An SVG favicon: a filled circle, with a ring while something runs. */
export function faviconFor(status: string | null): string {
  const s = status?.toLowerCase() ?? null;
  const fill = (s && COLOURS[s]) ?? PLAIN;
  const ring = s === 'running' || s === 'queued' || s === 'pending' || s === 'paused';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">${ring
    ? `<circle cx="8" cy="8" r="6" fill="none" stroke="${fill}" stroke-width="3"/><circle cx="8" cy="8" r="2.5" fill="${fill}"/>`
    : `<circle cx="8" cy="8" r="7" fill="${fill}"/>`}</svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/** The tab's title for a page: its words, with the status's sign first when there is one. */
export function titleFor(words: string, status: string | null = null): string {
  const sign = status ? SIGNS[status.toLowerCase()] : undefined;
  return `${sign ? `${sign} ` : ''}${words} · Kiln`;
}

function setIcon(href: string): void {
  let link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) {
    link = document.createElement('link');
    link.rel = 'icon';
    document.head.appendChild(link);
  }
  if (link.href !== href) link.href = href;
}

/** Sets the tab's title (and, with a status, its icon) while the page is shown. */
export function useTitle(words: string, status: string | null = null): void {
  useEffect(() => {
    document.title = titleFor(words, status);
    setIcon(faviconFor(status));
  }, [words, status]);
  useEffect(() => () => { document.title = 'Kiln'; setIcon(faviconFor(null)); }, []);
}
