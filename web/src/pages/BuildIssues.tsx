// The build page's static analysis section (recordIssues, the warnings plugin): counts by
// severity, new / fixed / outstanding against the reference build, and per result (tool, or the
// aggregation) its quality gate and a table of its issues at file:line. Read from
// GET /api/v1/jobs/:job/builds/:n/issues; shows nothing when the build recorded no issues.
import { useState } from 'react';
import { api, buildPath } from '../api.ts';
import { ErrorBox } from '../components.tsx';
import { useResource } from '../hooks.ts';
import type { AnswerOf } from '../types.ts';

type IssuesAnswer = AnswerOf<'getBuildIssues'>;
type Result = IssuesAnswer['results'][number];

const GATE: Record<Result['qualityGate'], string> = {
  INACTIVE: 'no quality gate', PASSED: 'quality gate passed', NOTE: 'quality gate: note', WARNING: 'quality gate missed: unstable', FAILED: 'quality gate missed: failed',
};

export function BuildIssues({ job, number, refresh }: { job: string; number: number; refresh: string }) {
  const r = useResource((s) => api.get<IssuesAnswer>(`${buildPath(job, number)}/issues?limit=1`, s), [job, number, refresh]);
  if (r.error) return <ErrorBox error={r.error} />;
  if (!r.data || r.data.results.length === 0) return null;
  const t = r.data.totals;
  return (
    <section className="card issues" aria-label="Static analysis">
      <h2>Static analysis</h2>
      <p className="issue-counts">
        <strong>{t.total}</strong> issues: {t.bySeverity.ERROR} errors, {t.bySeverity.HIGH} high, {t.bySeverity.NORMAL} normal, {t.bySeverity.LOW} low
        {' · '}<span className="st-failure-text">{t.new} new</span>, <span className="st-success-text">{t.fixed} fixed</span>, {t.outstanding} outstanding
      </p>
      {r.data.results.map((res) => <ResultBlock key={res.id} job={job} number={number} result={res} />)}
    </section>
  );
}

function ResultBlock({ job, number, result }: { job: string; number: number; result: Result }) {
  const [open, setOpen] = useState(false);
  const [state, setState] = useState<'current' | 'new' | 'fixed'>('current');
  const [offset, setOffset] = useState(0);
  const limit = 100;
  const page = useResource(
    (s) => (open ? api.get<IssuesAnswer>(`${buildPath(job, number)}/issues?result=${encodeURIComponent(result.id)}&state=${state}&offset=${offset}&limit=${limit}`, s) : Promise.resolve(null)),
    [job, number, result.id, open, state, offset]);
  const missed = result.gates.filter((g) => g.missed);
  return (
    <details className="issue-result" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>
        <strong>{result.name}</strong>{result.tools.length > 1 ? <span className="muted small"> ({result.tools.map((x) => x.name).join(', ')})</span> : null}
        {': '}{result.total} issues ({result.bySeverity.ERROR} errors, {result.bySeverity.HIGH} high, {result.bySeverity.NORMAL} normal, {result.bySeverity.LOW} low)
        {' · '}{result.new} new, {result.fixed} fixed, {result.outstanding} outstanding
        {' · '}<span className={result.qualityGate === 'FAILED' ? 'st-failure-text' : result.qualityGate === 'WARNING' ? 'st-unstable-text' : 'muted'}>{GATE[result.qualityGate]}</span>
      </summary>
      <p className="muted small">
        {result.reference ? <>Compared with {result.reference.job} #{result.reference.number}.</> : <>No reference build: every issue counts as outstanding.</>}
        {missed.map((g) => <span key={g.type}> {g.name}: {g.actual} ≥ {g.threshold} ({g.criticality.toLowerCase()}).</span>)}
      </p>
      {result.errors.length > 0 ? <pre className="error-line">{result.errors.join('\n')}</pre> : null}
      <div role="group" aria-label="Which issues" className="inline small">
        {(['current', 'new', 'fixed'] as const).map((s) => (
          <label key={s}><input type="radio" name={`issues-${result.id}`} checked={state === s} onChange={() => { setState(s); setOffset(0); }} /> {s === 'current' ? 'all current' : s}</label>
        ))}
      </div>
      {page.error ? <ErrorBox error={page.error} /> : null}
      {page.data ? (
        <>
          <table className="list issues-table">
            <thead><tr><th>File</th><th>Severity</th><th>Category / type</th><th>Message</th><th>State</th></tr></thead>
            <tbody>{page.data.issues.map((i, k) => (
              <tr key={k}>
                <td><code>{i.file}{i.line > 0 ? `:${i.line}` : ''}{i.column > 0 ? `:${i.column}` : ''}</code></td>
                <td>{i.severity.toLowerCase()}</td>
                <td>{[i.category, i.type].filter(Boolean).join(' / ')}</td>
                <td>{i.message}</td>
                <td className={i.state === 'new' ? 'st-failure-text' : i.state === 'fixed' ? 'st-success-text' : ''}>{i.state}</td>
              </tr>
            ))}</tbody>
          </table>
          {page.data.count > limit ? (
            <p className="small">
              {offset + 1}–{Math.min(offset + limit, page.data.count)} of {page.data.count}{' '}
              <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - limit))}>Previous</button>{' '}
              <button disabled={offset + limit >= page.data.count} onClick={() => setOffset(offset + limit)}>Next</button>
            </p>
          ) : null}
        </>
      ) : null}
    </details>
  );
}
