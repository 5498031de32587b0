// The build page's performance section (the performance plugin's perfReport): a table per report
// (samples, average, median, 90 % line, min, max, errors per label and in total) with the change
// against the same label of the newest earlier build that has reports (the trend Jenkins'
// Performance plugin shows on its report page). Read from GET .../builds/:n/performance; shows
// nothing when the build has no reports. Labels come from the report files: rendered as text.
import { api, buildPath } from '../api.ts';
import { ErrorBox } from '../components.tsx';
import { useResource } from '../hooks.ts';
import type { AnswerOf } from '../types.ts';

type PerfAnswer = AnswerOf<'getBuildPerformance'>;
type Report = PerfAnswer['reports'][number];
type Row = Report['uris'][number];

const ms = (x: number) => `${x} ms`;
const diff = (now: number, before: number | undefined, unit: string) => {
  if (before === undefined) return null;
  const d = Math.round((now - before) * 100) / 100;
  if (d === 0) return null;
  return <span className={d > 0 ? 'st-failure-text small' : 'muted small'}> ({d > 0 ? '+' : ''}{d}{unit})</span>;
};

function Line({ r, prev }: { r: Row | Report; prev: Row | Report | undefined }) {
  return (
    <>
      <td>{r.samples}{diff(r.samples, prev?.samples, '')}</td>
      <td>{ms(r.average)}{diff(r.average, prev?.average, ' ms')}</td>
      <td>{ms(r.median)}{diff(r.median, prev?.median, ' ms')}</td>
      <td>{ms(r.line90)}</td>
      <td>{ms(r.min)}</td>
      <td>{ms(r.max)}</td>
      <td className={r.errors > 0 ? 'st-failure-text' : undefined}>{r.errorPercent.toFixed(2)}%{diff(r.errorPercent, prev?.errorPercent, ' %')}</td>
    </>
  );
}

export function BuildPerformance({ job, number, refresh }: { job: string; number: number; refresh: string }) {
  const perf = useResource((s) => api.get<PerfAnswer>(`${buildPath(job, number)}/performance`, s), [job, number, refresh]);
  if (perf.error) return <ErrorBox error={perf.error} />;
  const reports = perf.data?.reports ?? [];
  if (reports.length === 0) return null;
  const previous = perf.data?.previous ?? null;
  return (
    <section className="card reports" aria-label="Performance">
      <h2>Performance</h2>
      {previous ? <p className="muted small">Changes against build #{previous.build}.</p> : null}
      {reports.map((r, i) => {
        const before = previous?.reports.find((p) => p.file === r.file);
        return (
          <div key={`${r.path}-${i}`} className="performance-report">
            <p><strong>{r.file}</strong> <span className="muted small">({r.parser}, {r.path})</span>{r.result !== 'SUCCESS' ? <span className={r.result === 'FAILURE' ? 'st-failure-text' : 'st-unstable-text'}> · {r.result.toLowerCase()}</span> : null}</p>
            <table className="small">
              <thead><tr><th>URI</th><th>samples</th><th>average</th><th>median</th><th>90% line</th><th>min</th><th>max</th><th>errors</th></tr></thead>
              <tbody>
                {r.uris.map((u) => <tr key={u.uri}><td>{u.uri}</td><Line r={u} prev={before?.uris.find((x) => x.uri === u.uri)} /></tr>)}
                <tr><td><strong>all</strong></td><Line r={r} prev={before} /></tr>
              </tbody>
            </table>
            {r.truncated ? <p className="muted small">More labels than are kept: the first ones are shown.</p> : null}
          </div>
        );
      })}
    </section>
  );
}
