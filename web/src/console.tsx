// The console viewer: renders only the lines on screen, fetched by byte range (logmodel.ts),
// so a million-line log opens as fast as a short one. Follows a running build live over the
// console stream (SSE), colours ANSI, finds text anywhere in the log, jumps to the end, and
// downloads the raw log. Keyboard: arrows, Page Up/Down, Home/End while the log has focus.
import { useCallback, useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { buildPath } from './api.ts';
import { ansiState, parseAnsi, plainState, type AnsiState, type Span } from './ansi.ts';
import { bytes as fmtBytes } from './format.ts';
import { BLOCK, LogModel, type Line } from './logmodel.ts';
import { loadErrors, loadNewlines, loadSections, loadStageEntries, loadTimes, type LogTime, type Section } from './sections.ts';

/** A `#L123` link's line number, or null. */
const hashLine = (): number | null => { const m = /^#L(\d+)$/.exec(location.hash); return m ? Number(m[1]) : null; };

const LINE_H = 18;
/** The prefix `timestamps()` writes; hidden while the gutter shows each line's time. */
const TS = /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\] /;

/** What the time gutter shows: nothing, the local time of day each line arrived, or the time since the build started. */
type TimeMode = 'none' | 'time' | 'elapsed';
const TIME_MODE_KEY = 'kiln.console.times';

function savedTimeMode(): TimeMode {
  try {
    const v = localStorage.getItem(TIME_MODE_KEY);
    return v === 'time' || v === 'elapsed' ? v : 'none';
  } catch { return 'none'; }
}

/** The arrival time of the byte at `offset`: the last entry at or before it (entries are sorted). */
export function timeAt(times: readonly LogTime[], offset: number): number | null {
  let lo = 0;
  let hi = times.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]!.offset <= offset) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found < 0 ? null : times[found]!.at;
}

const two = (n: number) => String(n).padStart(2, '0');
/** 14:03:07 in the browser's time zone. */
export function clock(at: number): string {
  const d = new Date(at);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
/** +1:02:07 / +2:07 since the start. */
export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  return h > 0 ? `+${h}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `+${Math.floor(s / 60)}:${two(s % 60)}`;
}

export interface ConsoleHandle {
  findAndShow: (text: string) => void;
  /** Shows only the stage's part of the console (its byte range in the log index), by id, else by name. */
  showStage: (id: string, name: string) => void;
}

export function Console({ job, number, live, failed = false, startedAt = null, onEnd, onFollow, handle }: {
  job: string; number: number; live: boolean; failed?: boolean; onEnd?: () => void;
  /** When the build started (ms since the epoch): the gutter's elapsed times count from it. */
  startedAt?: number | null;
  /** Told when following the end of a running build starts and stops (the page makes room for the console). */
  onFollow?: (following: boolean) => void;
  handle?: (h: ConsoleHandle) => void;
}) {
  const model = useMemo(() => new LogModel(job, number), [job, number]);
  const viewId = useId();
  const [, setVersion] = useState(0);
  const [top, setTopState] = useState(0);
  const topRef = useRef(0);
  const [rows, setRows] = useState(30);
  const rowsRef = useRef(30);
  const [follow, setFollowState] = useState(false);
  const followRef = useRef(false);
  const [ready, setReady] = useState(false);
  const [timeMode, setTimeModeState] = useState<TimeMode>(savedTimeMode);
  const setTimeMode = (m: TimeMode) => { setTimeModeState(m); try { localStorage.setItem(TIME_MODE_KEY, m); } catch { /* private mode */ } };
  const [times, setTimes] = useState<LogTime[]>([]);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<{ at: number; text: string } | null>(null);
  const [searchMsg, setSearchMsg] = useState<string | null>(null);
  const viewRef = useRef<HTMLDivElement>(null);
  const lastLines = useRef<Line[]>([]);
  const onEndRef = useRef(onEnd);
  onEndRef.current = onEnd;
  const [sections, setSections] = useState<Map<number, Section>>(new Map());
  const [complete, setComplete] = useState(false);
  /** Where the ERROR lines start, and the one shown (highlighted); "Next error" steps through them. */
  const [errors, setErrors] = useState<number[]>([]);
  const [errorAt, setErrorAt] = useState<number | null>(null);
  /** Newlines per whole block (the line numbers), their running sums, and the line a #L link shows. */
  const [newlines, setNewlines] = useState<number[]>([]);
  const prefix = useMemo(() => { const p = [0]; for (const c of newlines) p.push(p[p.length - 1]! + c); return p; }, [newlines]);
  const [linkedAt, setLinkedAt] = useState<number | null>(null);
  /** The stage whose part of the console is shown alone, or null: the whole console. */
  const [stage, setStage] = useState<{ name: string; start: number; end: number } | null>(null);
  const [indexed, setIndexed] = useState(false);
  const failedRef = useRef(failed);
  failedRef.current = failed;
  useEffect(() => {
    if (!complete) return;
    let gone = false;
    loadSections(job, number, model.size).then((list) => {
      if (gone) return;
      const m = new Map<number, Section>();
      // A stage and its first step may start at the same byte: the stage (the wider) wins.
      for (const x of list) { const had = m.get(x.start); if (!had || x.end > had.end) m.set(x.start, x); }
      setSections(m);
    }, () => { /* no folding: the log still reads */ });
    return () => { gone = true; };
  }, [complete, job, number, model]);
  /** Changes folds, keeping the view on a visible line. */
  const refold = (fn: () => void) => {
    fn();
    const t = model.visibleLineStart(topRef.current);
    if (t !== null && t !== topRef.current) setTop(t);
  };
  const toggle = (sec: Section) => refold(() => model.fold(sec, !model.isFolded(sec.start)));

  const setTop = (t: number) => { topRef.current = t; setTopState(t); };
  const onFollowRef = useRef(onFollow);
  onFollowRef.current = onFollow;
  const setFollow = (f: boolean) => {
    if (followRef.current !== f) onFollowRef.current?.(f);
    followRef.current = f;
    setFollowState(f);
  };

  /** Retries `fn` each time more of the log arrives, until it has what it needs. */
  const settle = useCallback(async <T,>(fn: () => T | null): Promise<T | null> => {
    for (let i = 0; i < 40; i++) {
      const v = fn();
      if (v !== null) return v;
      if (model.error) return null;
      await new Promise<void>((resolve) => { const off = model.subscribe(() => { off(); resolve(); }); });
    }
    return null;
  }, [model]);

  /** The top that shows the log's last lines at the bottom of the view. */
  const endTop = useCallback((): number | null => {
    let p = model.lastLineStart();
    if (p === null) return null;
    for (let i = 1; i < rowsRef.current; i++) {
      if (p <= model.begin) break;
      const q = model.prevLine(p);
      if (q === null) return null;
      p = q;
    }
    return p;
  }, [model]);

  const goEnd = useCallback(async () => {
    const t = await settle(endTop);
    if (t !== null) setTop(t);
    setFollow(!model.complete);
  }, [settle, endTop, model]);

  const move = useCallback(async (n: number) => {
    if (n === 0) return;
    const compute = () => {
      let p = topRef.current;
      for (let i = 0; i < Math.abs(n); i++) {
        const q = n > 0 ? model.nextLine(p) : model.prevLine(p);
        if (q === null) return null;
        if (n > 0 && q >= model.end) break;
        p = q;
      }
      if (n > 0) {
        const e = endTop();
        if (e === null) return null;
        if (p >= e) { p = Math.max(topRef.current, e); }
      }
      return p;
    };
    // With the bytes at hand the view moves at once, so that quick wheel turns add up exactly.
    const t = compute() ?? await settle(compute);
    if (t === null) return;
    setTop(t);
    if (n < 0) setFollow(false);
    else if (!model.complete) { const e = endTop(); if (e !== null && t >= e) setFollow(true); }
  }, [settle, endTop, model]);

  const goTo = useCallback(async (offset: number, context = 0) => {
    setFollow(false);
    const t = await settle(() => {
      let p = model.visibleLineStart(Math.max(model.begin, Math.min(offset, model.end)));
      if (p === null) return null;
      for (let i = 0; i < context && p > 0; i++) { const q = model.prevLine(p); if (q === null) return null; p = q; }
      const e = endTop();
      if (e === null) return null;
      return Math.min(p, e);
    });
    if (t !== null) setTop(t);
  }, [settle, endTop, model]);

  // The arrival times, while the gutter shows them: once for a finished log, every 2 s while it grows.
  useEffect(() => {
    if (timeMode === 'none') return;
    let gone = false;
    const load = () => loadTimes(job, number).then((t) => { if (!gone) setTimes(t); }, () => { /* the log still reads */ });
    void load();
    if (complete) return () => { gone = true; };
    const t = setInterval(() => void load(), 2000);
    return () => { gone = true; clearInterval(t); };
  }, [timeMode, complete, job, number]);

  // The line index: once for a finished log, every 2 s while it grows.
  useEffect(() => {
    let gone = false;
    const load = () => loadNewlines(job, number).then((c) => { if (!gone) { setNewlines((old) => (old.length === c.length ? old : c)); setIndexed(true); } }, () => { /* no line numbers: the log still reads */ });
    void load();
    if (complete) return () => { gone = true; };
    const t = setInterval(() => void load(), 2000);
    return () => { gone = true; clearInterval(t); };
  }, [complete, job, number]);

  /** The 1-based number of the line starting at `off`; null while the bytes or the index are missing. */
  const lineNumber = (off: number): number | null => {
    const bi = Math.floor(off / BLOCK);
    if (bi >= prefix.length) return null;
    const blk = model.block(bi);
    if (!blk) return null;
    let c = 0;
    const end = off % BLOCK;
    for (let i = blk.indexOf(10); i >= 0 && i < end; i = blk.indexOf(10, i + 1)) c++;
    return prefix[bi]! + c + 1;
  };

  /** Where line `n` starts: the block from the index, then its newlines; the end when the log is shorter. */
  const lineOffset = useCallback(async (n: number, pre: number[]): Promise<number> => {
    const want = Math.max(0, n - 1);
    let bi = 0;
    while (bi + 1 < pre.length && pre[bi + 1]! < want) bi++;
    if (bi + 1 < pre.length && pre[bi + 1]! >= want && pre[bi]! >= want) return bi * BLOCK;
    await model.load(bi);
    const blk = model.block(bi);
    if (!blk) return model.size;
    let k = want - pre[bi]!;
    if (k === 0) return bi * BLOCK;
    for (let i = blk.indexOf(10); i >= 0; i = blk.indexOf(10, i + 1)) if (--k === 0) return bi * BLOCK + i + 1;
    return model.size;
  }, [model]);

  // A #L123 link: open there, the line highlighted (on load, once the index is there, and when the hash changes).
  const linkedDone = useRef<string | null>(null);
  useEffect(() => {
    const show = () => {
      const n = hashLine();
      if (n === null || !indexed || !ready) return;
      if (linkedDone.current === location.hash) return;
      linkedDone.current = location.hash;
      openedAtError.current = true;
      void lineOffset(n, prefix).then((at) => { setLinkedAt(at); void goTo(at, 3); });
    };
    show();
    const onHash = () => { linkedDone.current = null; show(); };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [prefix, indexed, ready, lineOffset, goTo]);

  // A finished build's errors: a failed one opens at its first, highlighted (unless the URL asks for a place).
  const openedAtError = useRef(false);
  useEffect(() => {
    if (!complete) return;
    let gone = false;
    loadErrors(job, number).then((list) => {
      if (gone) return;
      setErrors(list);
      if (list.length > 0 && failedRef.current && !openedAtError.current && !followRef.current && hashLine() === null) {
        openedAtError.current = true;
        setErrorAt(list[0]!);
        void goTo(list[0]!, 3);
      }
    }, () => { /* no error marks: the log still reads */ });
    return () => { gone = true; };
  }, [complete, job, number, goTo]);
  const showError = (dir: 1 | -1) => {
    if (errors.length === 0) return;
    const cur = errorAt ?? (dir === 1 ? -1 : Infinity);
    const next = dir === 1 ? errors.find((e) => e > cur) ?? errors[0]! : [...errors].reverse().find((e) => e < cur) ?? errors[errors.length - 1]!;
    setErrorAt(next);
    void goTo(next, 3);
  };

  // First load: the first block (gives the size); a running build starts at its end, following.
  useEffect(() => {
    const off = model.subscribe(() => {
      setVersion((v) => v + 1);
      // Following: stay on the last lines as more of them (or the blocks they need) arrive.
      if (followRef.current) { const t = endTop(); if (t !== null && t !== topRef.current) setTop(t); }
    });
    let es: EventSource | null = null;
    let cancelled = false;
    void (async () => {
      await model.load(0);
      if (cancelled) return;
      if (model.complete) setComplete(true);
      if (!model.complete || live) await goEnd();
      setReady(true);
      if (model.complete || cancelled) return;
      let pos = model.size;
      let broken = false;
      es = new EventSource(`/api/v1${buildPath(job, number)}/console/stream?from=${pos}`);
      const enc = new TextEncoder();
      es.addEventListener('log', (m) => {
        const ev = m as MessageEvent<string>;
        const bytes = enc.encode(JSON.parse(ev.data) as string);
        model.append(bytes, pos);
        pos += bytes.length;
        const id = Number(ev.lastEventId);
        if (Number.isFinite(id) && id > model.size) model.size = id;
        model.changed();
      });
      es.addEventListener('end', () => {
        es?.close();
        model.complete = true;
        setComplete(true);
        if (followRef.current) void goEnd(); else setFollow(false);
        model.changed();
        onEndRef.current?.();
      });
      es.onerror = () => { broken = true; };
      es.onopen = () => {
        if (!broken) return;
        // Resumed after a drop (the browser sends Last-Event-ID = the byte offset reached).
        broken = false;
        model.drop(pos);
        pos = Math.max(pos, model.size);
      };
    })();
    return () => { cancelled = true; off(); es?.close(); };
  }, [model, job, number, live, goEnd, endTop]);

  // While following, the console fills the window below its own top, so the newest line is
  // always in view (the page above it shrinks: the stage view becomes a strip). Otherwise it
  // keeps the height the stylesheet gives it.
  const mainRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = mainRef.current;
    if (!el) return;
    if (!follow) { el.style.height = ''; return; }
    const fit = () => {
      const below = (el.nextElementSibling as HTMLElement | null)?.offsetHeight ?? 0;
      const top = el.getBoundingClientRect().top + window.scrollY;
      el.style.height = `${Math.max(240, window.innerHeight - top - below - 12)}px`;
      if (window.scrollY > 0 && el.getBoundingClientRect().bottom > window.innerHeight) window.scrollTo(0, 0);
    };
    fit();
    const ro = new ResizeObserver(fit);
    if (el.parentElement?.parentElement) ro.observe(el.parentElement.parentElement);
    window.addEventListener('resize', fit);
    return () => { ro.disconnect(); window.removeEventListener('resize', fit); };
  }, [follow]);

  // Rows follow the viewer's height.
  useEffect(() => {
    const el = viewRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      const r = Math.max(5, Math.floor(el.clientHeight / LINE_H));
      rowsRef.current = r;
      setRows(r);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Wheel scrolling, in whole lines (a passive listener cannot preventDefault).
  useEffect(() => {
    const el = viewRef.current;
    if (!el) return;
    let acc = 0;
    const onWheel = (e: WheelEvent) => {
      if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) return;
      e.preventDefault();
      acc += e.deltaMode === 1 ? e.deltaY * LINE_H : e.deltaMode === 2 ? e.deltaY * rowsRef.current * LINE_H : e.deltaY;
      const n = Math.trunc(acc / LINE_H);
      if (n !== 0) { acc -= n * LINE_H; void move(n); }
    };
    // Touch: a vertical swipe scrolls by lines too (horizontal stays the browser's, for long lines).
    let lastY: number | null = null;
    const onTouchStart = (e: TouchEvent) => { lastY = e.touches.length === 1 ? e.touches[0]!.clientY : null; };
    const onTouchMove = (e: TouchEvent) => {
      if (lastY === null || e.touches.length !== 1) return;
      const y = e.touches[0]!.clientY;
      acc += lastY - y;
      lastY = y;
      const n = Math.trunc(acc / LINE_H);
      if (n !== 0) { acc -= n * LINE_H; void move(n); }
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    el.addEventListener('touchstart', onTouchStart, { passive: true });
    el.addEventListener('touchmove', onTouchMove, { passive: true });
    return () => {
      el.removeEventListener('wheel', onWheel);
      el.removeEventListener('touchstart', onTouchStart);
      el.removeEventListener('touchmove', onTouchMove);
    };
  }, [move]);

  // A follower: when live bytes come, stay at the end.
  const showWhole = useCallback(() => {
    const at = topRef.current;
    model.clip = null;
    setStage(null);
    model.changed();
    void goTo(at, 0);
  }, [model, goTo]);
  useEffect(() => {
    const findAndShow = (text: string) => void (async () => {
      const ac = new AbortController();
      const at = await model.find(text, 0, ac.signal);
      if (at >= 0) await goTo(at, 0);
    })();
    handle?.({
      findAndShow,
      showStage: (id, name) => void (async () => {
        // The stage's range from the log index: its start entry to its end entry (still open: to the live end).
        const entries = await loadStageEntries(job, number).catch(() => null);
        const start = entries?.find((e) => e.kind === 'stage-start' && e.id === id) ?? entries?.find((e) => e.kind === 'stage-start' && e.name === name);
        if (!start) { findAndShow(`[Pipeline] { (${name})`); return; }
        const end = entries!.find((e) => e.kind === 'stage-end' && e.id === start.id && e.offset >= start.offset);
        model.clip = { start: start.offset, end: end ? end.offset : Infinity };
        setStage({ name, start: start.offset, end: end ? end.offset : Infinity });
        setFollow(false);
        setTop(start.offset);
        model.changed();
        await goTo(start.offset, 0);
      })(),
    });
  }, [handle, model, goTo, job, number]);

  const lines = model.lines(top, rows + 1);
  if (lines) lastLines.current = lines;
  const shown = lines ?? lastLines.current;

  const searchAc = useRef<AbortController | null>(null);
  const search = async (from: number) => {
    if (!query) return;
    setSearchMsg('Searching…');
    // A new search replaces one still reading through a long log.
    searchAc.current?.abort();
    const ac = new AbortController();
    searchAc.current = ac;
    let at = -1;
    let wrapped = false;
    try {
      at = await model.find(query, from, ac.signal);
      if (at < 0 && from > 0 && !ac.signal.aborted) { at = await model.find(query, 0, ac.signal); wrapped = true; }
    } catch (e) {
      if (!ac.signal.aborted) setSearchMsg(`search failed: ${(e as Error).message}`);
      return;
    }
    if (ac.signal.aborted) return;
    if (at < 0) { setFound(null); setSearchMsg(`"${query}" is not in the log.`); return; }
    setFound({ at, text: query });
    setSearchMsg(wrapped ? 'Found (searched again from the start).' : null);
    await goTo(at, 3);
  };

  const onKey = (e: React.KeyboardEvent) => {
    if ((e.target as HTMLElement).tagName === 'BUTTON') return;
    const k = e.key;
    const page = Math.max(1, rowsRef.current - 1);
    if (k === 'ArrowDown') void move(1);
    else if (k === 'ArrowUp') void move(-1);
    else if (k === 'PageDown' || (k === ' ' && !e.shiftKey)) void move(page);
    else if (k === 'PageUp' || (k === ' ' && e.shiftKey)) void move(-page);
    else if (k === 'End') void goEnd();
    else if (k === 'Home') { setFollow(false); setTop(model.begin); }
    else return;
    e.preventDefault();
  };

  // The scrollbar: the thumb's place is the top line's byte offset in the log.
  const e0 = model.size > 0 ? endTop() : 0;
  const maxTop = e0 ?? model.size;
  const frac = maxTop > 0 ? Math.min(1, top / maxTop) : 0;
  const thumbPct = Math.max(4, Math.min(100, model.size > 0 ? (shown.reduce((s, l) => s + (l.end - l.start), 0) / model.size) * 100 : 100));
  const trackRef = useRef<HTMLDivElement>(null);
  const dragTo = (clientY: number) => {
    const tr = trackRef.current;
    if (!tr) return;
    const r = tr.getBoundingClientRect();
    const f = Math.max(0, Math.min(1, (clientY - r.top) / r.height));
    void goTo(Math.round(f * maxTop));
  };
  const rafRef = useRef(0);

  const atEnd = model.size === 0 || (e0 !== null && top >= e0);
  return (
    <div className="console-box">
      <div className="console-bar" role="toolbar" aria-label="Console">
        <form className="inline" role="search" onSubmit={(e) => { e.preventDefault(); void search(found && found.text === query ? found.at + 1 : topRef.current); }}>
          <input type="search" aria-label="Find in console" placeholder="Find in console" value={query} onChange={(e) => { setQuery(e.target.value); setFound(null); setSearchMsg(null); }} />
          <button type="submit" className="small" disabled={!query}>Find next</button>
        </form>
        <label className="inline small">Times{' '}
          <select value={timeMode} onChange={(e) => setTimeMode(e.target.value as TimeMode)}>
            <option value="none">None</option>
            <option value="time">Time of day</option>
            <option value="elapsed">Since start</option>
          </select>
        </label>
        <button className="small" onClick={() => { setFollow(false); setTop(model.begin); }}>Top</button>
        {errors.length > 0 ? <>
          <button className="small" onClick={() => showError(-1)} aria-label="Previous error">↑ Error</button>
          <button className="small" onClick={() => showError(1)}>Next error</button>
          <span className="muted small">{errors.length} error{errors.length === 1 ? '' : 's'}</span>
        </> : null}
        <button className="small" onClick={() => void goEnd()} aria-label="Jump to end">End{!model.complete ? (follow ? ' (following)' : ' and follow') : ''}</button>
        {sections.size > 0 ? <>
          <button className="small" onClick={() => refold(() => { for (const x of sections.values()) if (x.kind === 'step' && !model.isFolded(x.start)) model.fold(x, true); })}>Fold steps</button>
          <button className="small" onClick={() => refold(() => model.unfoldAll())}>Unfold all</button>
        </> : null}
        <a className="button small" href={`/api/v1${buildPath(job, number)}/console`} download={`${job.replace(/\//g, '_')}-${number}.log`}>Download raw</a>
        <span className="muted small" aria-live="polite">{fmtBytes(model.size)}{model.complete ? '' : ' · live'}{searchMsg ? ` · ${searchMsg}` : ''}</span>
      </div>
      {stage ? (
        <div className="console-stage" role="status">
          Showing only the stage <strong>{stage.name}</strong> ({fmtBytes((Number.isFinite(stage.end) ? stage.end : model.size) - stage.start)} of {fmtBytes(model.size)}).{' '}
          <button className="small" onClick={showWhole}>Show whole console</button>
        </div>
      ) : null}
      <div className="console-main" ref={mainRef}>
        <div className="console" id={viewId} ref={viewRef} tabIndex={0} onKeyDown={onKey} role="log" aria-label={`Console of ${job} #${number}`} aria-busy={!ready || lines === null} data-top={top} data-size={model.size} data-at-end={atEnd ? 'true' : 'false'}>
          {model.error ? <div className="error">{model.error.message}</div> : null}
          {(() => {
            const state = shown.length > 0 ? stateBefore(model, shown[0]!.start) : plainState();
            let n = shown.length > 0 ? lineNumber(shown[0]!.start) : null;
            return shown.map((l, i) => {
              if (i > 0) n = shown[i - 1]!.folded ? lineNumber(l.start) : n === null ? null : n + 1;
              const sec = sections.get(l.start);
              const foldable = sec && (l.folded || sec.end > l.end) ? sec : undefined;
              const time = timeMode === 'none' ? null : gutterText(timeMode, timeAt(times, l.start), startedAt);
              const hl = (at: number | null) => at !== null && l.start <= at && at < Math.max(l.end, l.start + 1);
              return <LogLine key={l.start} line={l} number={n} spans={lineSpans(l, time !== null, state)} error={hl(errorAt) || hl(linkedAt)} time={time} query={found ? found.text : query.length >= 2 ? query : ''} section={foldable} onToggle={toggle} />;
            });
          })()}
          {ready && model.size === 0 ? <div className="muted">{model.complete ? 'The console is empty.' : 'Waiting for output…'}</div> : null}
        </div>
        <div className="scrolltrack" ref={trackRef} role="scrollbar" aria-controls={viewId} aria-orientation="vertical" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(frac * 100)} aria-label="Position in log"
          onPointerDown={(e) => { e.currentTarget.setPointerCapture(e.pointerId); dragTo(e.clientY); }}
          onPointerMove={(e) => {
            if (!e.currentTarget.hasPointerCapture(e.pointerId)) return;
            const y = e.clientY;
            cancelAnimationFrame(rafRef.current);
            rafRef.current = requestAnimationFrame(() => dragTo(y));
          }}>
          <div className="thumb" style={{ top: `${frac * (100 - thumbPct)}%`, height: `${thumbPct}%` }} />
        </div>
      </div>
      <div className="muted small">{model.size > 0 ? `Showing from byte ${top.toLocaleString()} of ${model.size.toLocaleString()} (${Math.round(frac * 100)}%) · blocks of ${BLOCK / 1024} KiB fetched as needed` : ''}</div>
    </div>
  );
}

/** The gutter's words for a line: its time of day or its time since the start; blank when not known. */
function gutterText(mode: TimeMode, at: number | null, startedAt: number | null): string {
  if (at === null) return '';
  if (mode === 'time') return clock(at);
  return startedAt === null ? '' : elapsed(at - startedAt);
}

/**
 * The SGR state in force where the line at `start` begins, as a terminal would have it: the
 * bytes before it in the fetched blocks, at most the block holding it and the one before (64 to
 * 128 KiB) are read; a colour set earlier than that is not known (the line starts plain).
 */
function stateBefore(model: LogModel, start: number): AnsiState {
  const state = plainState();
  if (start === 0) return state;
  const bi = Math.floor(start / BLOCK);
  let from = bi > 0 && model.block(bi - 1) ? (bi - 1) * BLOCK : bi * BLOCK;
  if (!model.block(bi)) return state;
  if (from > 0) {
    // Begin at a line's start, not inside an escape sequence.
    const firstLine = model.nextLine(from);
    if (firstLine === null || firstLine > start) return state;
    from = firstLine;
  }
  return ansiState(model.text(from, start), state);
}

/** A line's coloured spans, starting in `state` and leaving its end state there (a `\r` overwrite hides what came before it). */
function lineSpans(line: Line, hideTs: boolean, state: AnsiState): Span[] {
  let text = line.text;
  const cr = text.lastIndexOf('\r', text.length - 2);
  if (cr >= 0) { ansiState(text.slice(0, cr), state); text = text.slice(cr + 1); }
  if (hideTs) text = text.replace(TS, '');
  return parseAnsi(text, state);
}

function LogLine({ line, number, spans, error, time, query, section, onToggle }: { line: Line; number: number | null; spans: Span[]; error: boolean; time: string | null; query: string; section: Section | undefined; onToggle: (s: Section) => void }) {
  return (
    <div className={`line${line.folded ? ' folded' : ''}${error ? ' error-hl' : ''}`} aria-current={error ? 'true' : undefined}>
      {/* The number is drawn by CSS (attr(data-n)): not part of the line's text when copied or read. */}
      {number !== null ? <a className="ln" href={`#L${number}`} data-n={number} aria-label={`Line ${number}`} /> : <span className="ln" aria-hidden="true" />}
      {time !== null ? <span className="ts" aria-hidden={time === '' ? 'true' : undefined}>{time}</span> : null}
      {section
        ? <button className="fold" aria-expanded={!line.folded} aria-label={`${line.folded ? 'Unfold' : 'Fold'} ${section.kind} ${section.label}`} onClick={() => onToggle(section)}>{line.folded ? '▸' : '▾'}</button>
        : <span className="fold-space" aria-hidden="true" />}
      {spans.map((s, i) => (
        <span key={i} className={s.cls || undefined} style={s.fg || s.bg ? { color: s.fg ?? undefined, backgroundColor: s.bg ?? undefined } : undefined}>{mark(s.text, query)}</span>
      ))}
      {line.cut ? <span className="muted"> … (line cut; download the raw log for all of it)</span> : null}
      {line.folded ? <span className="fold-note"> … {fmtBytes(line.folded.end - line.folded.start)} folded</span> : null}
    </div>
  );
}

function mark(text: string, q: string): ReactNode {
  if (!q) return text;
  const lower = text.toLowerCase();
  const ql = q.toLowerCase();
  let i = lower.indexOf(ql);
  if (i < 0) return text;
  const out: ReactNode[] = [];
  let last = 0;
  while (i >= 0) {
    out.push(text.slice(last, i), <mark key={i}>{text.slice(i, i + q.length)}</mark>);
    last = i + q.length;
    i = lower.indexOf(ql, last);
  }
  out.push(text.slice(last));
  return out;
}
