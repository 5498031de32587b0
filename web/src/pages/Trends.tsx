// A job's trends, as pictures (GET /api/v1/jobs/:job/trend): build time and result over the
// newest builds, the test results over the same builds, the stage grid (Jenkins' Stage View:
// each stage's time per build, coloured by its state), and the last stable / successful /
// failed builds. Charts are uPlot's (small, canvas, fast on thousands of points); the grid is a
// table, so it reads without a mouse and with a screen reader.
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, jobPath } from '../api.ts';
import { Badge, ErrorBox, Loading } from '../components.tsx';
import { duration } from '../format.ts';
import { useResource } from '../hooks.ts';
import { useLive } from '../live.ts';
import { Link, urls } from '../router.tsx';
import type { JobTrend } from '../types.ts';

const RANGES = [30, 100, 1000] as const;

/** The badge colours of styles.css, read from the page so dark mode gets its own. */
function colour(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

export function Trends({ job }: { job: string }) {
  const [limit, setLimit] = useState<number>(30);
  const t = useResource((s) => api.get<JobTrend>(`${jobPath(job)}/trend?limit=${limit}`, s), [job, limit]);
  useLive(['build'], (e) => { if (e.type === 'poll' || (e.data.job === job && e.data.status === 'finished')) t.reload(); });
  if (t.error) return <ErrorBox error={t.error} />;
  if (!t.data) return <Loading what="trends" />;
  const d = t.data;
  if (d.builds.length === 0) return null;
  const link = (label: string, n: number | null) => n === null ? null : <li key={label}><Link to={urls.build(job, n)}>{label} (#{n})</Link></li>;
  return (
    <section className="trends" aria-label="Trends">
      <div className="section-head">
        <h2>Trends</h2>
        <label className="inline small"><span aria-hidden="true">Builds </span>
          <select aria-label="Builds shown" value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
            {RANGES.map((n) => <option key={n} value={n}>last {n}</option>)}
          </select>
        </label>
      </div>
      <ul className="permalinks">
        {link('Last stable build', d.last.stable)}
        {link('Last successful build', d.last.successful)}
        {link('Last failed build', d.last.failed)}
        {link('Last unsuccessful build', d.last.unsuccessful)}
        {link('Last completed build', d.last.completed)}
      </ul>
      <div className="charts">
        <Chart title="Build time" data={durationData(d)} series={durationSeries()} yLabel="minutes" />
        {d.builds.some((b) => b.tests) ? <Chart title="Test results" data={testData(d)} series={testSeries()} yLabel="tests" /> : null}
      </div>
      <StageGrid job={job} trend={d} />
    </section>
  );
}

/** x = build number (oldest first, as charts read); one bar series per result, so colour says it. */
const RESULTS = [['SUCCESS', '--ok', 'Success'], ['UNSTABLE', '--warn', 'Unstable'], ['FAILURE', '--bad', 'Failed'], ['ABORTED', '--gray', 'Aborted']] as const;

function durationData(d: JobTrend): uPlot.AlignedData {
  const bs = d.builds.filter((b) => b.startedAt !== null && b.endedAt !== null).slice().reverse();
  const xs = bs.map((b) => b.number);
  const ys = RESULTS.map(([r]) => bs.map((b) => ((b.result ?? '') === r || (r === 'ABORTED' && b.result === 'NOT_BUILT') ? (b.endedAt! - b.startedAt!) / 60000 : null)));
  return [xs, ...ys];
}

function durationSeries(): uPlot.Series[] {
  return RESULTS.map(([, v, label]) => ({ label, fill: colour(v), stroke: colour(v), paths: uPlot.paths.bars!({ size: [0.8, 40] }), points: { show: false } }));
}

function testData(d: JobTrend): uPlot.AlignedData {
  const bs = d.builds.filter((b) => b.tests).slice().reverse();
  return [bs.map((b) => b.number), bs.map((b) => b.tests!.passed), bs.map((b) => b.tests!.failed), bs.map((b) => b.tests!.skipped)];
}

function testSeries(): uPlot.Series[] {
  return [
    { label: 'Passed', stroke: colour('--ok'), width: 2 },
    { label: 'Failed', stroke: colour('--bad'), width: 2 },
    { label: 'Skipped', stroke: colour('--gray'), width: 1 },
  ];
}

/** One uPlot chart, sized to its box, with a text summary for those who cannot see it. */
function Chart({ title, data, series, yLabel }: { title: string; data: uPlot.AlignedData; series: uPlot.Series[]; yLabel: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const fg = colour('--muted');
    const axis = { stroke: fg, grid: { stroke: colour('--line'), width: 1 }, ticks: { stroke: colour('--line') } };
    const plot = new uPlot({
      width: Math.max(280, el.clientWidth), height: 180, title,
      scales: { x: { time: false } },
      axes: [{ ...axis, label: 'build', values: (_u, vals) => vals.map((v) => (Number.isInteger(v) ? `#${v}` : '')) }, { ...axis, label: yLabel }],
      series: [{ label: 'Build', value: (_u, v) => (v === null ? '' : `#${v}`) }, ...series],
      legend: { live: true },
    }, data, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 180 }));
    ro.observe(el);
    return () => { ro.disconnect(); plot.destroy(); };
  }, [title, data, series, yLabel]);
  const n = (data[0] ?? []).length;
  return <figure className="chart" aria-label={title}><div ref={box} /><figcaption className="sr-only">{title} over {n} builds</figcaption></figure>;
}

/** Jenkins' Stage View: builds down, stages across, each cell the stage's time in its state's colour. */
function StageGrid({ job, trend }: { job: string; trend: JobTrend }) {
  const { names, rows } = trend.stages;
  if (names.length === 0) return null;
  const avg = (name: string) => {
    const ds = rows.map((r) => r.cells[name]?.durationMs).filter((x): x is number => typeof x === 'number');
    return ds.length ? ds.reduce((a, b) => a + b, 0) / ds.length : null;
  };
  return (
    <div className="stage-grid-wrap">
      <table className="list stage-grid" aria-label="Stage times by build">
        <thead>
          <tr><th scope="col">Build</th>{names.map((n) => <th scope="col" key={n}>{n}</th>)}</tr>
          <tr className="muted small"><th scope="row">Average</th>{names.map((n) => <td key={n}>{duration(avg(n))}</td>)}</tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.number}>
              <th scope="row"><Link to={urls.build(job, r.number)}>#{r.number}</Link></th>
              {names.map((n) => {
                const c = r.cells[n];
                return c
                  ? <td key={n} className={`cell st-${c.status}`} data-stage={n} data-status={c.status}><Badge state={c.status} compact /> {duration(c.durationMs)}</td>
                  : <td key={n} className="cell muted">—</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
