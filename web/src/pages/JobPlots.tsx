// The job page's Plots section (the Plot plugin's `plot` step): the job's plots by group, each a
// uPlot chart of its series over the builds (as the Trends charts are drawn), in the plot's style
// (lines, areas, bars; stacked styles stacked; a logarithmic axis; the y range asked), and a
// table of the values under it, each value linking where the plot's url said (http(s) or a path
// only: the API keeps no other). Read from GET /api/v1/jobs/:job/plots; shows nothing when the
// job has no plots. Titles, labels and links come from the build's files: rendered as text.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, jobPath } from '../api.ts';
import { ErrorBox } from '../components.tsx';
import { useResource } from '../hooks.ts';
import { useLive } from '../live.ts';
import { Link, urls } from '../router.tsx';
import type { AnswerOf } from '../types.ts';

type Plot = AnswerOf<'listJobPlots'>['plots'][number];

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
/** The plugin's colours: hues spread evenly over the series. */
const hue = (i: number, n: number) => `hsl(${Math.round((360 / Math.max(1, n)) * i)}, 85%, 45%)`;

export function JobPlots({ job }: { job: string }) {
  const r = useResource((s) => api.get<AnswerOf<'listJobPlots'>>(`${jobPath(job)}/plots`, s), [job]);
  useLive(['build'], (e) => { if (e.type === 'poll' || (e.data.job === job && e.data.status === 'finished')) r.reload(); });
  if (r.error) return <ErrorBox error={r.error} />;
  if (!r.data || r.data.plots.length === 0) return null;
  const groups = new Map<string, Plot[]>();
  for (const p of r.data.plots) groups.set(p.group, [...(groups.get(p.group) ?? []), p]);
  return (
    <section className="plots" aria-label="Plots">
      <h2>Plots</h2>
      {[...groups].map(([group, plots]) => (
        <div key={group}>
          {group ? <h3>{group}</h3> : null}
          <div className="charts">
            {plots.map((p) => <PlotChart key={p.csvFileName} job={job} plot={p} />)}
          </div>
        </div>
      ))}
    </section>
  );
}

function data(p: Plot): uPlot.AlignedData {
  const xs = p.builds.map((b) => b.number);
  const stacked = /^stacked/i.test(p.style);
  const rows = p.series.map((s) => {
    const by = new Map(s.points.map((pt) => [pt.build, pt.value]));
    return xs.map((x) => by.get(x) ?? null);
  });
  if (stacked) for (let i = 1; i < rows.length; i++) rows[i] = rows[i]!.map((v, j) => (v === null ? null : v + (rows[i - 1]![j] ?? 0)));
  return [xs, ...rows];
}

function PlotChart({ job, plot: p }: { job: string; plot: Plot }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const style = p.style.toLowerCase();
    const bars = ['bar', 'bar3d', 'stackedbar', 'stackedbar3d', 'waterfall'].includes(style);
    const area = style === 'area' || style === 'stackedarea';
    const n = p.series.length;
    const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--line'), width: 1 }, ticks: { stroke: cssVar('--line') } };
    const series: uPlot.Series[] = p.series.map((s, i) => ({
      label: s.label || '(no label)', stroke: hue(i, n), width: 2,
      ...(area ? { fill: hue(i, n).replace('45%)', '45%, 0.35)').replace('hsl(', 'hsla(') } : {}),
      ...(bars ? { fill: hue(i, n), paths: uPlot.paths.bars!({ size: [0.6 / Math.max(1, /^stacked/.test(style) ? 1 : n), 40] }), points: { show: false } } : {}),
      ...(style === 'linesimple' ? { points: { show: false } } : {}),
    }));
    const y: uPlot.Scale = p.logarithmic ? { distr: 3 } : {
      range: (_u, min, max) => {
        let lo = p.yaxisMinimum ?? (p.exclZero ? min : Math.min(0, min));
        let hi = p.yaxisMaximum ?? (p.exclZero ? max : Math.max(0, max));
        if (lo === hi) { lo -= 1; hi += 1; }
        return [lo, hi];
      },
    };
    const plot = new uPlot({
      width: Math.max(280, el.clientWidth), height: 240, title: p.title,
      scales: { x: { time: false }, y },
      axes: [{ ...axis, label: 'Build', values: (_u, vals) => vals.map((v) => (Number.isInteger(v) ? `#${v}` : '')) }, { ...axis, label: p.yaxis }],
      series: [{ label: 'Build', value: (_u, v) => (v === null ? '' : `#${v}`) }, ...series],
      legend: { live: true },
    }, data(p), el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 240 }));
    ro.observe(el);
    return () => { ro.disconnect(); plot.destroy(); };
  }, [p]);
  return (
    <figure className="chart" aria-label={p.title}>
      <div ref={box} />
      <figcaption className="sr-only">{p.title}: {p.series.length} series over {p.builds.length} builds</figcaption>
      <details>
        <summary className="small">Values</summary>
        <table className="list small" aria-label={`${p.title} values`}>
          <thead><tr><th scope="col">Build</th>{p.series.map((s) => <th scope="col" key={s.label}>{s.label || '(no label)'}</th>)}</tr></thead>
          <tbody>
            {p.builds.slice().reverse().map((b) => (
              <tr key={b.number}>
                <th scope="row"><Link to={urls.build(job, b.number)}>#{b.number}</Link></th>
                {p.series.map((s) => {
                  const pt = s.points.find((x) => x.build === b.number);
                  if (!pt) return <td key={s.label} className="muted">—</td>;
                  return <td key={s.label}>{pt.url ? <a href={pt.url} rel="noopener noreferrer nofollow">{pt.value}</a> : pt.value}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
