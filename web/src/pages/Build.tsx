// A build: status, abort, replay, restart from a stage (RestartStage.tsx), input approval, the
// stage view (live), the console, artifacts (and the build's fingerprints), test results and parameters.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, buildPath, jobPath } from '../api.ts';
import { Badge, BuildBadge, ErrorBox, Field, Loading, useAction } from '../components.tsx';
import { Console, type ConsoleHandle } from '../console.tsx';
import { bytes, duration, when } from '../format.ts';
import { useNow, useResource } from '../hooks.ts';
import { useLive } from '../live.ts';
import { Link, navigate, urls } from '../router.tsx';
import { can, useSession } from '../session.ts';
import type { AnswerOf, Build, BuildDetail, Job, PendingInput, StageNode, TestHistory, TestReport } from '../types.ts';
import { JenkinsfileEditor } from '../editor.tsx';
import { useTitle } from '../title.ts';
import { statusOf } from '../format.ts';
import { BuildIssues } from './BuildIssues.tsx';
import { BuildReports } from './BuildReports.tsx';
import { BuildPerformance } from './BuildPerformance.tsx';
import { BuildBenchmark } from './BuildBenchmark.tsx';
import { ChangesTab, Revision, useChanges } from './Changes.tsx';
import { RestartedFrom, RestartStageButton } from './RestartStage.tsx';
import { InputActiveChoice } from './InputActiveChoice.tsx';

export function BuildPage({ job, number }: { job: string; number: number }) {
  const { me } = useSession();
  const b = useResource((s) => api.get<BuildDetail>(buildPath(job, number), s), [job, number]);
  const running = !!b.data && b.data.status !== 'finished';
  useTitle(`${job} #${number}`, b.data ? statusOf(b.data) : null);
  useLive(['build'], (e) => { if (e.type === 'poll' || (e.data.job === job && e.data.number === number)) b.reload(); });
  // A safety net while it runs: the stage view stays current even if an event is missed (say the
  // build ended between this page's first read and its event stream opening). It depends on
  // `reload` (stable), not on `b`, a new object each render: the page renders every second while
  // it runs (useNow), which would clear the interval before it ever fired.
  const reload = b.reload;
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => reload(), 5000);
    return () => clearInterval(t);
  }, [running, reload]);
  const now = useNow(1000, running);
  const [tab, setTab] = useState<'console' | 'changes' | 'artifacts' | 'tests' | 'params'>('console');
  const [run, busy, error] = useAction();
  const [editing, setEditing] = useState(false);
  /** The console follows the running build's end: the stage view becomes a strip to leave it the window. */
  const [following, setFollowing] = useState(false);
  const consoleRef = useRef<ConsoleHandle | null>(null);
  const setHandle = useCallback((h: ConsoleHandle) => { consoleRef.current = h; }, []);
  // A stage picked in the stage view: the console shows its part alone (once the console is there, after a tab switch too).
  const showStage = (id: string, name: string) => {
    // From another tab the console mounts first (its handle replaces the old one when it has).
    if (tab === 'console' && consoleRef.current) consoleRef.current.showStage(id, name); else setTimeout(() => consoleRef.current?.showStage(id, name), 150);
  };
  const changes = useChanges(job, number, b.data ? b.data.scm?.commit ?? '' : null, b.data?.libraries.length ?? 0);
  if (b.error) return <section><h1>{job} #{number}</h1><ErrorBox error={b.error} /></section>;
  if (!b.data) return <Loading what={`${job} #${number}`} />;
  const d = b.data;
  const dev = can(me, 'developer');
  const abort = () => run(async () => { await api.post(`${buildPath(job, number)}/abort`); b.reload(); });
  const replay = (script?: string, libraries?: Record<string, Record<string, string>>) => run(async () => {
    const body = { ...(script !== undefined ? { script } : {}), ...(libraries && Object.keys(libraries).length > 0 ? { libraries } : {}) };
    const r = await api.post<Build>(`${buildPath(job, number)}/replay`, body);
    navigate(urls.build(job, r.number));
  });
  const rebuild = () => run(async () => { const r = await api.post<Build>(`${jobPath(job)}/builds`, { params: d.params }); navigate(urls.build(job, r.number)); });
  return (
    <section className={`build${following && running && tab === 'console' ? ' following' : ''}`}>
      <nav className="crumbs" aria-label="Breadcrumb"><Link to="/">Dashboard</Link> › <Link to={urls.job(job)}>{job}</Link> › <span>#{number}</span></nav>
      <div className="section-head">
        <h1>{job} #{number} <BuildBadge build={d} /></h1>
        {dev ? (
          <div className="actions">
            {running ? <button className="danger" disabled={busy} onClick={() => void abort()}>Abort</button> : null}
            <button disabled={busy} onClick={() => void replay()}>Replay</button>
            <button disabled={busy} aria-expanded={editing} onClick={() => setEditing(!editing)}>Replay with changes</button>
            <button disabled={busy} onClick={() => void rebuild()}>Rebuild</button>
            {d.restartable ? <RestartStageButton job={job} number={number} disabled={busy} /> : null}
          </div>
        ) : null}
      </div>
      <p className="meta muted small">
        {d.causes.filter((c) => c.type !== 'restart').map((c) => c.description).join('; ')}
        {d.startedAt ? <> · started {when(d.startedAt)} · {duration((d.endedAt ?? now) - d.startedAt)}</> : <> · queued {when(d.queuedAt)}</>}
        {d.scm ? <Revision scm={d.scm} head={changes.data?.head} /> : null}
        {d.node ? <> · on <Link to={urls.agent(d.node)}>{d.node}</Link></> : null}
        {running && d.currentResult && d.currentResult !== 'SUCCESS' ? <> · so far {d.currentResult}</> : null}
      </p>
      <RestartedFrom job={job} build={d} />
      {d.description ? <p className="build-description">{d.description}</p> : null}
      <RunBadges badges={d.badges} />
      {d.libraries.length > 0 ? (
        <p className="meta muted small" aria-label="Shared libraries">
          Libraries: {d.libraries.map((l, i) => <span key={`${l.name}@${i}`}>{i > 0 ? ', ' : ''}<code>{l.name}@{l.version}</code>{l.commit ? <> ({l.commit.slice(0, 7)})</> : null}</span>)}
        </p>
      ) : null}
      {d.message ? <p className={d.result && d.result !== 'SUCCESS' ? 'error-line' : 'muted'}>{d.message}</p> : null}
      <ErrorBox error={error} />
      {running ? <Waiting job={job} number={number} /> : null}
      {editing ? <ReplayEditor job={job} number={number} hasLibraries={d.libraries.length > 0} busy={busy} onReplay={(script, libs) => void replay(script, libs)} onCancel={() => setEditing(false)} /> : null}
      {d.inputs.map((i) => <InputBox key={i.id} job={job} number={number} input={i} canAnswer={dev} onDone={() => b.reload()} />)}
      <StageView stages={d.stages} now={now} strip={following && running && tab === 'console'} onPick={(s) => { setTab('console'); showStage(s.id, s.name); }} />
      <BuildIssues job={job} number={number} refresh={d.status} />
      <BuildReports job={job} number={number} refresh={d.status} />
      <BuildPerformance job={job} number={number} refresh={d.status} />
      <BuildBenchmark job={job} number={number} refresh={d.status} />
      <div className="tabs" role="tablist" aria-label="Build details" onKeyDown={(e) => {
        // Arrow keys move between tabs, as in every tab list.
        const order = ['console', 'changes', 'artifacts', 'tests', 'params'] as const;
        const i = order.indexOf(tab);
        const next = e.key === 'ArrowRight' ? order[(i + 1) % order.length] : e.key === 'ArrowLeft' ? order[(i + order.length - 1) % order.length] : null;
        if (!next) return;
        e.preventDefault();
        setTab(next);
        (e.currentTarget.querySelector(`[data-tab="${next}"]`) as HTMLElement | null)?.focus();
      }}>
        {(['console', 'changes', 'artifacts', 'tests', 'params'] as const).map((t) => (
          <button key={t} role="tab" data-tab={t} tabIndex={tab === t ? 0 : -1} aria-selected={tab === t} aria-controls={`tab-${t}`} className={tab === t ? 'active' : ''} onClick={() => setTab(t)}>
            {t === 'console' ? 'Console' : t === 'changes' ? 'Changes' : t === 'artifacts' ? 'Artifacts' : t === 'tests' ? 'Tests' : 'Parameters'}
          </button>
        ))}
      </div>
      <div id={`tab-${tab}`} role="tabpanel">
        {tab === 'console' ? <Console key={`${job}#${number}`} job={job} number={number} live={running} failed={d.result === 'FAILURE'} startedAt={d.startedAt ?? null} onFollow={setFollowing} onEnd={() => b.reload()} handle={setHandle} /> : null}
        {tab === 'changes' ? <ChangesTab job={job} changes={changes} /> : null}
        {tab === 'artifacts' ? <Artifacts job={job} number={number} /> : null}
        {tab === 'tests' ? <Tests job={job} number={number} /> : null}
        {tab === 'params' ? (Object.keys(d.params).length === 0 ? <p className="muted">This build has no parameters.</p> : (
          <table className="list"><tbody>{Object.entries(d.params).map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td><code>{String(v)}</code></td></tr>)}</tbody></table>
        )) : null}
      </div>
    </section>
  );
}

/** While a build waits for an executor (or a quiet period), the queue's words for why. */
function Waiting({ job, number }: { job: string; number: number }) {
  const q = useResource((s) => api.get<AnswerOf<'getQueue'>>('/queue', s).then((r) => r.items.filter((i) => i.job === job && i.number === number)), [job, number]);
  useLive(['queue', 'agent'], () => q.reload());
  if (!q.data || q.data.length === 0) return null;
  return (
    <div className="card notice waiting" role="status">
      {q.data.map((i) => <div key={i.id}><strong>Waiting{i.label ? ` for an agent labelled ${i.label}` : ''}:</strong> {i.why}</div>)}
    </div>
  );
}

/**
 * Replay with changes: the job's Jenkinsfile in the editor (an inline one), and the files of the
 * shared libraries the build loaded (as Jenkins' replay has them), run once as edited: the job and
 * the libraries keep their own.
 */
function ReplayEditor({ job, number, hasLibraries, busy, onReplay, onCancel }: {
  job: string; number: number; hasLibraries: boolean; busy: boolean;
  onReplay: (script: string | undefined, libraries: Record<string, Record<string, string>>) => void; onCancel: () => void;
}) {
  const j = useResource((s) => api.get<Job>(jobPath(job), s), [job]);
  const libs = useResource((s) => (hasLibraries ? api.get<AnswerOf<'getBuildLibraries'>>(`${buildPath(job, number)}/libraries`, s) : Promise.resolve({ libraries: [] })), [job, number, hasLibraries]);
  const [script, setScript] = useState<string | null>(null);
  const [picked, setPicked] = useState<string>('');
  const [changed, setChanged] = useState<Record<string, Record<string, string>>>({});
  if (j.error) return <ErrorBox error={j.error} />;
  if (!j.data) return <Loading what="the Jenkinsfile" />;
  const inline = j.data.definition.kind === 'inline' ? j.data.definition.script : null;
  const value = script ?? inline ?? '';
  const files = (libs.data?.libraries ?? []).flatMap((l) => Object.keys(l.files).sort().map((p) => ({ key: `${l.name}:${p}`, lib: l.name, path: p, text: l.files[p]! })));
  const cur = files.find((f) => f.key === picked) ?? null;
  const edits = Object.values(changed).reduce((n, f) => n + Object.keys(f).length, 0);
  if (inline === null && !hasLibraries) return <p className="muted">This job's Jenkinsfile comes from {j.data.definition.kind === 'git' ? j.data.definition.url : 'its repository'}; Replay runs it again as it was.</p>;
  return (
    <div className="card">
      {inline !== null ? <JenkinsfileEditor label="Jenkinsfile for this replay" value={value} onChange={setScript} job={job} /> : <p className="muted small">The Jenkinsfile comes from the job's repository and runs as it was.</p>}
      {hasLibraries ? (
        <div className="replay-libraries">
          <ErrorBox error={libs.error} />
          <label className="inline small">Library file{' '}
            <select value={picked} onChange={(e) => setPicked(e.target.value)} aria-label="Library file to change">
              <option value="">(choose a file to change)</option>
              {files.map((f) => <option key={f.key} value={f.key}>{f.lib}: {f.path}{changed[f.lib]?.[f.path] !== undefined ? ' (changed)' : ''}</option>)}
            </select>
          </label>
          {cur ? (
            <textarea className="mono" rows={16} aria-label={`${cur.lib} ${cur.path}`} spellCheck={false}
              value={changed[cur.lib]?.[cur.path] ?? cur.text}
              onChange={(e) => setChanged({ ...changed, [cur.lib]: { ...(changed[cur.lib] ?? {}), [cur.path]: e.target.value } })} />
          ) : null}
          {edits > 0 ? <p className="muted small">{edits} library file{edits === 1 ? '' : 's'} changed for this replay.</p> : null}
        </div>
      ) : null}
      <div className="actions">
        <button className="primary" disabled={busy} onClick={() => onReplay(inline !== null ? value : undefined, changed)}>Run replay</button>
        <button onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}

/** Stages left to right; parallel branches and matrix cells stacked inside their stage. */
export function StageView({ stages, now, onPick, strip = false }: { stages: StageNode[]; now: number; onPick: (s: StageNode) => void; strip?: boolean }) {
  const top = stages.filter((s) => s.kind !== 'post');
  if (top.length === 0) return <p className="muted">No stages yet.</p>;
  if (strip) {
    // One line: each top-level stage as a chip with its state; a click shows it in the console.
    return (
      <div className="stages strip" role="list" aria-label="Stages">
        {top.map((s) => (
          <button key={s.id} role="listitem" className={`stage-chip st-${s.status}`} data-stage={s.name} data-status={s.status} onClick={() => onPick(s)} title={`${s.name}: ${s.status}`}>
            <Badge state={s.status} compact /> {s.name}
          </button>
        ))}
      </div>
    );
  }
  return (
    <div className="stages" role="list" aria-label="Stages">
      {top.map((s) => <StageBox key={s.id} s={s} now={now} onPick={onPick} />)}
    </div>
  );
}

function StageBox({ s, now, onPick }: { s: StageNode; now: number; onPick: (s: StageNode) => void }) {
  const ms = s.durationMs ?? (s.startedAt ? now - s.startedAt : null);
  const kids = s.children.filter((c) => c.kind !== 'post');
  return (
    <div className={`stage st-${s.status}`} role="listitem" data-stage={s.name} data-status={s.status}>
      <button className="stage-head" onClick={() => onPick(s)} title={s.message ?? `Show ${s.name} in the console`}>
        <span className="stage-name">{s.name}</span>
        <Badge state={s.status} />
        <span className="stage-time">{s.startedAt ? duration(ms) : ''}</span>
      </button>
      {s.message && s.status !== 'success' ? <div className="stage-msg small">{s.message}</div> : null}
      {kids.length > 0 ? (
        <div role="list" aria-label={`Stages in ${s.name}`} className={kids.every((k) => k.kind === 'parallel' || k.kind === 'matrix-cell') ? 'branches' : 'substages'}>
          {kids.map((k) => <StageBox key={k.id} s={k} now={now} onPick={onPick} />)}
        </div>
      ) : null}
    </div>
  );
}

function InputBox({ job, number, input, canAnswer, onDone }: { job: string; number: number; input: PendingInput; canAnswer: boolean; onDone: () => void }) {
  const [values, setValues] = useState<Record<string, string | boolean>>(() => Object.fromEntries(input.parameters.map((p) => [p.name, typeof p.defaultValue === 'boolean' ? p.defaultValue : String(p.defaultValue ?? (p.choices[0] ?? ''))])));
  const [run, busy, error] = useAction();
  const answer = (action: 'approve' | 'reject') => run(async () => {
    await api.post(`${buildPath(job, number)}/inputs/${encodeURIComponent(input.id)}`, action === 'approve' ? { action, params: values } : { action });
    onDone();
  });
  return (
    <div className="card input-box" role="region" aria-label="Input requested">
      <strong>Input requested:</strong> <span className="input-message">{input.message}</span>
      {input.submitter ? <div className="muted small">May be answered by: {input.submitter}</div> : null}
      {input.parameters.map((p) => (
        <Field key={p.name} label={p.name} hint={p.description || undefined}>
          {(id) => p.choiceType
            ? <InputActiveChoice job={job} number={number} inputId={input.id} param={p} id={id} values={values} onChange={(v) => setValues((old) => ({ ...old, [p.name]: v }))} />
            : typeof p.defaultValue === 'boolean'
            ? <input id={id} type="checkbox" checked={values[p.name] === true} onChange={(e) => setValues({ ...values, [p.name]: e.target.checked })} />
            : p.choices.length > 0
              ? <select id={id} value={String(values[p.name])} onChange={(e) => setValues({ ...values, [p.name]: e.target.value })}>{p.choices.map((c) => <option key={c}>{c}</option>)}</select>
              : <input id={id} value={String(values[p.name] ?? '')} onChange={(e) => setValues({ ...values, [p.name]: e.target.value })} />}
        </Field>
      ))}
      <ErrorBox error={error} />
      {canAnswer ? (
        <div className="actions">
          <button className="primary" disabled={busy} onClick={() => void answer('approve')}>{input.ok || 'Proceed'}</button>
          <button className="danger" disabled={busy} onClick={() => void answer('reject')}>Abort</button>
        </div>
      ) : <p className="muted small">You need the developer role to answer.</p>}
    </div>
  );
}

function Artifacts({ job, number }: { job: string; number: number }) {
  return <><ArtifactList job={job} number={number} /><Fingerprints job={job} number={number} /></>;
}

/** The files the build fingerprinted (fingerprint, archiveArtifacts(fingerprint: true), copyArtifacts) and the build each came from. */
function Fingerprints({ job, number }: { job: string; number: number }) {
  const r = useResource((s) => api.get<AnswerOf<'listBuildFingerprints'>>(`${buildPath(job, number)}/fingerprints`, s).then((x) => x.fingerprints), [job, number]);
  if (r.error) return <ErrorBox error={r.error} />;
  if (!r.data || r.data.length === 0) return null;
  return (
    <section aria-label="Fingerprints">
      <h3>Fingerprints</h3>
      <table className="list">
        <thead><tr><th scope="col">File</th><th scope="col">Original owner</th><th scope="col" className="hide-narrow">MD5</th></tr></thead>
        <tbody>{r.data.map((f) => (
          <tr key={f.path}>
            <td>{f.path}</td>
            <td>{f.original === null ? <span className="muted">outside Kiln</span>
              : f.original.job === job && f.original.number === number ? 'this build'
              : <Link to={urls.build(f.original.job, f.original.number)}>{f.original.job} #{f.original.number}</Link>}</td>
            <td className="hide-narrow mono small"><a href={`/api/v1/fingerprints/${f.md5}`}>{f.md5}</a></td>
          </tr>
        ))}</tbody>
      </table>
    </section>
  );
}

function ArtifactList({ job, number }: { job: string; number: number }) {
  const r = useResource((s) => api.get<AnswerOf<'listArtifacts'>>(`${buildPath(job, number)}/artifacts`, s).then((x) => x.artifacts), [job, number]);
  if (r.error) return <ErrorBox error={r.error} />;
  if (!r.data) return <Loading what="artifacts" />;
  if (r.data.length === 0) return <p className="muted">No artifacts (archive them with <code>archiveArtifacts</code>).</p>;
  return (
    <table className="list">
      <thead><tr><th scope="col">File</th><th scope="col">Size</th><th scope="col" className="hide-narrow">SHA-256</th></tr></thead>
      <tbody>{r.data.map((a) => (
        <tr key={a.path}>
          <td><a href={`/api/v1${buildPath(job, number)}/artifacts/${a.path.split('/').map(encodeURIComponent).join('/')}`} download>{a.path}</a></td>
          <td>{bytes(a.size)}</td><td className="hide-narrow mono small">{a.sha256.slice(0, 16)}…</td>
        </tr>
      ))}</tbody>
    </table>
  );
}

/** A case's history in words: how long it has failed, and whether it flips. */
function historyNote(h: TestHistory['cases'][string] | undefined, number: number): string | null {
  if (!h) return null;
  const parts: string[] = [];
  if (h.failingSince !== null) parts.push(h.failingSince === number ? 'failing since this build' : `failing since #${h.failingSince}`);
  if (h.flaky) parts.push(`flaky: failed ${h.failed} of the last ${h.ran} runs`);
  else if (h.ran > 1) parts.push(`failed ${h.failed} of the last ${h.ran} runs`);
  return parts.join(' · ') || null;
}

function Tests({ job, number }: { job: string; number: number }) {
  const r = useResource((s) => api.get<TestReport>(`${buildPath(job, number)}/tests`, s), [job, number]);
  const hist = useResource((s) => api.get<TestHistory>(`${buildPath(job, number)}/tests/history`, s), [job, number]);
  const [all, setAll] = useState(false);
  if (r.error) return <ErrorBox error={r.error} />;
  if (!r.data) return <Loading what="test results" />;
  const t = r.data;
  if (t.total === 0) return <p className="muted">No test results (record them with <code>junit</code>).</p>;
  const failing = t.cases.filter((c) => c.status === 'failed' || c.status === 'error');
  const shown = all ? t.cases : failing;
  return (
    <div>
      <p className="test-counts"><strong>{t.total}</strong> tests: <span className="st-success-text">{t.passed} passed</span>, <span className="st-failure-text">{t.failed} failed</span>, {t.errors} errors, {t.skipped} skipped</p>
      <label className="inline small"><input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> Show all cases</label>
      <ul className="cases">
        {shown.map((c, i) => (
          <li key={i} className={`case ${c.status}`}>
            <details open={!all && shown.length < 10}>
              <summary>
                <Badge state={c.status === 'passed' ? 'success' : c.status === 'skipped' ? 'skipped-when' : 'failure'} /> {c.className}.{c.name} <span className="muted small">{duration(c.durationMs)}</span>
                {(() => {
                  const h = hist.data?.cases[`${c.className}.${c.name}`];
                  const note = historyNote(h, number);
                  return note ? <span className={`test-history small${h?.flaky ? ' flaky' : ''}`}> · {note}</span> : null;
                })()}
              </summary>
              {c.message ? <pre>{c.message}</pre> : null}
              {c.details ? <pre>{c.details}</pre> : null}
              {c.stdout ? <><div className="small">stdout</div><pre>{c.stdout}</pre></> : null}
              {c.stderr ? <><div className="small">stderr</div><pre>{c.stderr}</pre></> : null}
            </details>
          </li>
        ))}
      </ul>
      {!all && failing.length === 0 ? <p className="ok">All tests passed.</p> : null}
    </div>
  );
}


const BADGE_SIGNS: Record<string, string> = { info: 'ℹ', warning: '⚠', error: '✖' };

/**
 * The badge plugin's summaries (addSummary, createSummary: a list of texts) and badges
 * (addBadge, addInfoBadge, addHtmlBadge, ...): text only, never HTML
 * (an HTML badge shows its markup escaped, as Jenkins' default markup formatter does), its style
 * not applied, its link followed only when http(s) or a path of this site.
 */
function RunBadges({ badges: all }: { badges: BuildDetail['badges'] }) {
  const badges = all.filter((b) => b.kind !== 'summary');
  const summaries = all.filter((b) => b.kind === 'summary');
  if (all.length === 0) return null;
  const safe = (l: string | null) => (l && (/^https?:\/\//i.test(l) || /^\/(?!\/)/.test(l)) ? l : null);
  return (
    <>
    {summaries.length > 0 ? (
      <ul className="run-summaries" aria-label="Summaries">
        {summaries.map((b, i) => {
          const link = safe(b.link);
          return <li key={i}>{link ? <a href={link} rel="noopener noreferrer">{b.text}</a> : b.text}</li>;
        })}
      </ul>
    ) : null}
    {badges.length === 0 ? null : <p className="run-badges" aria-label="Badges">
      {badges.map((b, i) => {
        const sign = b.icon ? BADGE_SIGNS[b.icon] : undefined;
        const body = <>{sign ? <span aria-label={b.icon ?? undefined}>{sign} </span> : null}{b.text}</>;
        const link = safe(b.link);
        return (
          <span key={i} className={`run-badge${b.icon && BADGE_SIGNS[b.icon] ? ` run-badge-${b.icon}` : ''}`}>
            {link ? <a href={link} rel="noopener noreferrer">{body}</a> : body}
          </span>
        );
      })}
    </p>}
    </>
  );
}
