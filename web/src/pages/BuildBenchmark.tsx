// The build page's benchmark section (the benchmark plugin's `benchmark` step): a table of the
// build's results grouped as their files group them (group, result, value with its unit, the
// parameters, the thresholds checked, why a result failed) with the same result's values in the
// earlier builds (newest first: the trend the Benchmark plugin's tables show). Read from
// GET .../builds/:n/benchmark; shows nothing when the build has no results. Names and values
// come from the result files: rendered as text.
import { api, buildPath } from '../api.ts';
import { ErrorBox } from '../components.tsx';
import { useResource } from '../hooks.ts';
import type { AnswerOf } from '../types.ts';

type BenchAnswer = AnswerOf<'getBuildBenchmark'>;
type Value = BenchAnswer['results'][number]['value'];

const show = (v: Value | undefined) => (v === undefined ? '–' : v === null ? '' : String(v));

export function BuildBenchmark({ job, number, refresh }: { job: string; number: number; refresh: string }) {
  const bench = useResource((s) => api.get<BenchAnswer>(`${buildPath(job, number)}/benchmark`, s), [job, number, refresh]);
  if (bench.error) return <ErrorBox error={bench.error} />;
  const results = bench.data?.results ?? [];
  if (results.length === 0) return null;
  const history = (bench.data?.history ?? []).slice(0, 5);
  const failed = results.filter((r) => r.failed).length;
  return (
    <section className="card reports" aria-label="Benchmark">
      <h2>Benchmark</h2>
      <p className="muted small">
        {results.length} result{results.length === 1 ? '' : 's'} from {bench.data?.files.join(', ')} ({bench.data?.schema})
        {failed > 0 ? <span className="st-failure-text"> · {failed} failed</span> : null}
      </p>
      <table className="small benchmark-results">
        <thead>
          <tr><th>group</th><th>result</th><th>value</th>{history.map((h) => <th key={h.build}>#{h.build}</th>)}<th>parameters</th><th>thresholds</th></tr>
        </thead>
        <tbody>
          {results.map((r, i) => {
            const key = r.group ? `${r.group} / ${r.name}` : r.name;
            return (
              <tr key={`${key}-${i}`} className={r.failed ? 'st-failure-text' : undefined}>
                <td>{r.group}</td>
                <td title={r.description}>{r.name}</td>
                <td>{show(r.value)}{r.unit ? ` ${r.unit}` : ''}{r.messages.map((m) => <div key={m} className="small">{m}</div>)}</td>
                {history.map((h) => <td key={h.build} className="muted">{show(h.values[key])}</td>)}
                <td>{r.parameters.map((p) => `${p.name}=${show(p.value)}${p.unit ? ` ${p.unit}` : ''}`).join(', ')}</td>
                <td>{r.thresholds.join('; ')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {bench.data?.truncated ? <p className="muted small">More results than are kept: the first ones are shown.</p> : null}
    </section>
  );
}
