// The build page's reports section (the coverage and htmlpublisher plugins): each coverage result
// (recordCoverage, jacoco, cobertura) with its percentage per metric and its quality gates, and a
// link to each HTML report publishHTML kept. Read from GET .../builds/:n/coverage and
// .../html-reports; shows nothing when the build has neither. An HTML report opens in its own
// tab, served by the controller with a sandboxing Content-Security-Policy (no script of the
// report runs, and it gets no access to Kiln's origin).
import { api, buildPath } from '../api.ts';
import { ErrorBox } from '../components.tsx';
import { useResource } from '../hooks.ts';
import type { AnswerOf } from '../types.ts';

type CoverageAnswer = AnswerOf<'getBuildCoverage'>;
type HtmlAnswer = AnswerOf<'listHtmlReports'>;

const GATE: Record<string, string> = {
  INACTIVE: 'no quality gate', PASSED: 'quality gates passed', NOTE: 'quality gate: note', WARNING: 'quality gate missed: unstable', FAILED: 'quality gate missed: failed',
};

const pct = (c: { covered: number; missed: number }) => (c.covered + c.missed === 0 ? 'n/a' : `${((c.covered * 100) / (c.covered + c.missed)).toFixed(2)}%`);

/** Gates on software metrics (complexity, lines of code): missed when the value is above the threshold, not a percentage. */
const VALUE_METRICS = new Set(['COMPLEXITY', 'COMPLEXITY_DENSITY', 'COMPLEXITY_MAXIMUM', 'LOC']);

export function BuildReports({ job, number, refresh }: { job: string; number: number; refresh: string }) {
  const cov = useResource((s) => api.get<CoverageAnswer>(`${buildPath(job, number)}/coverage`, s), [job, number, refresh]);
  const html = useResource((s) => api.get<HtmlAnswer>(`${buildPath(job, number)}/html-reports`, s), [job, number, refresh]);
  if (cov.error) return <ErrorBox error={cov.error} />;
  if (html.error) return <ErrorBox error={html.error} />;
  const results = cov.data?.results ?? [];
  const reports = html.data?.reports ?? [];
  if (results.length === 0 && reports.length === 0) return null;
  return (
    <section className="card reports" aria-label="Reports">
      <h2>Reports</h2>
      {reports.length > 0 ? (
        <ul className="html-reports">
          {reports.map((r) => <li key={r.name}><a href={r.url} target="_blank" rel="noopener noreferrer">{r.name}</a> <span className="muted small">(HTML report, scripts disabled)</span></li>)}
        </ul>
      ) : null}
      {results.map((r) => (
        <div key={r.id} className="coverage-result">
          <p>
            <strong>{r.name}</strong>{' · '}
            <span className={r.qualityGate === 'FAILED' ? 'st-failure-text' : r.qualityGate === 'WARNING' ? 'st-unstable-text' : 'muted'}>{GATE[r.qualityGate] ?? r.qualityGate}</span>
          </p>
          <table className="small">
            <thead><tr><th>metric</th><th>covered</th><th>missed</th><th>coverage</th></tr></thead>
            <tbody>
              {r.metrics.map((m) => <tr key={m.metric}><td>{m.metric.toLowerCase()}</td><td>{m.covered}</td><td>{m.missed}</td><td>{pct(m)}</td></tr>)}
            </tbody>
          </table>
          {r.gates.filter((g) => g.missed).map((g) => <p key={g.name} className="muted small">{g.name}: {VALUE_METRICS.has(g.metric) ? `${+g.actual.toFixed(2)} > ${g.threshold}` : `${g.actual.toFixed(2)}% < ${g.threshold}%`} ({g.criticality.toLowerCase()})</p>)}
          {r.errors.length > 0 ? <pre className="error-line">{r.errors.join('\n')}</pre> : null}
        </div>
      ))}
    </section>
  );
}
