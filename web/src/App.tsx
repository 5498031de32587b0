// The app shell: finds out who is logged in (GET /api/v1/me), shows unlock or login when
// nobody is, and otherwise the page for the current URL inside the layout.
import { useCallback, useEffect, useState, type ReactElement } from 'react';
import { ApiError, api, request, setCsrf, setUnauthorizedHandler } from './api.ts';
import { closeLive, useLive, useLiveState } from './live.ts';
import { useResource } from './hooks.ts';
import { ago } from './format.ts';
import { Link, match, navigate, useLocation } from './router.tsx';
import { SessionContext, can, useSession } from './session.ts';
import type { Health, Me } from './types.ts';
import { ErrorBox, Loading, NeedsRole } from './components.tsx';
import { LoginPage, SetupPage } from './pages/Auth.tsx';
import { Dashboard } from './pages/Dashboard.tsx';
import { JobEditPage } from './pages/JobEdit.tsx';
import { JobPage } from './pages/Job.tsx';
import { BuildPage } from './pages/Build.tsx';
import { AgentPage, AgentsPage } from './pages/Agents.tsx';
import { CredentialsPage } from './pages/Credentials.tsx';
import { UsersPage } from './pages/Users.tsx';
import { ProfilePage } from './pages/Profile.tsx';
import { CloudsPage } from './pages/Clouds.tsx';
import { LibrariesPage } from './pages/Libraries.tsx';
import { AuditPage } from './pages/Audit.tsx';
import { FoldersPage } from './pages/Folders.tsx';
import { MailPage } from './pages/Mail.tsx';
import { GlobalEnvPage, HttpServicesPage, ManagePage } from './pages/Settings.tsx';
import { LockableResourcesPage, SshServersPage } from './pages/LockableResources.tsx';
import { ThrottleCategoriesPage } from './pages/ThrottleCategories.tsx';

type Gate = { kind: 'loading' } | { kind: 'setup' } | { kind: 'login'; reason?: string } | { kind: 'in'; me: Me } | { kind: 'error'; error: unknown };

export function App() {
  const [gate, setGate] = useState<Gate>({ kind: 'loading' });
  const load = useCallback(async () => {
    try {
      const me = await request<Me>('GET', '/me', undefined, { quiet401: true });
      setCsrf(me.csrfToken ?? null);
      setGate({ kind: 'in', me });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setGate(e.code === 'setup-required' ? { kind: 'setup' } : { kind: 'login' });
      else setGate({ kind: 'error', error: e });
    }
  }, []);
  useEffect(() => { void load(); }, [load]);
  useEffect(() => setUnauthorizedHandler((code) => {
    closeLive();
    setCsrf(null);
    setGate(code === 'setup-required' ? { kind: 'setup' } : { kind: 'login', reason: 'Your session ended: log in again.' });
  }), []);

  const loggedIn = (me: Me) => { setCsrf(me.csrfToken ?? null); setGate({ kind: 'in', me }); };
  const logout = async () => {
    try { await api.post('/auth/logout'); } catch { /* already gone */ }
    closeLive();
    setCsrf(null);
    setGate({ kind: 'login', reason: 'You are logged out.' });
    navigate('/', true);
  };

  if (gate.kind === 'loading') return <main className="center"><Loading what="Kiln" /></main>;
  if (gate.kind === 'error') return <main className="center"><h1>Kiln</h1><ErrorBox error={gate.error} /><button onClick={() => void load()}>Try again</button></main>;
  if (gate.kind === 'setup') return <SetupPage onDone={loggedIn} />;
  if (gate.kind === 'login') return <LoginPage reason={gate.reason} onDone={loggedIn} />;
  return (
    <SessionContext.Provider value={{ me: gate.me, logout: () => void logout(), refresh: () => void load() }}>
      <Layout me={gate.me} onLogout={() => void logout()} />
    </SessionContext.Provider>
  );
}

function Layout({ me, onLogout }: { me: Me; onLogout: () => void }) {
  const { path } = useLocation();
  const live = useLiveState();
  const [menu, setMenu] = useState(false);
  useEffect(() => setMenu(false), [path]);
  const nav: [string, string, boolean][] = [
    ['/', 'Dashboard', true],
    ['/new-job', 'New job', can(me, 'developer')],
    ['/agents', 'Agents', true],
    ['/clouds', 'Clouds', can(me, 'admin')],
    ['/libraries', 'Libraries', true],
    ['/credentials', 'Credentials', can(me, 'developer')],
    ['/users', 'Users', can(me, 'admin')],
    ['/folders', 'Folders', can(me, 'admin')],
    ['/audit', 'Audit', can(me, 'admin')],
    ['/settings/mail', 'E-mail', can(me, 'admin')],
    ['/lockable-resources', 'Locks', !can(me, 'admin')],
    ['/manage', 'Manage', can(me, 'admin')],
  ];
  const current = (to: string) => (to === '/' ? path === '/' || path.startsWith('/job/') : to === '/manage' ? path === to || /^\/(settings\/(http-services|global-env|publish-over-ssh|throttle-categories)|lockable-resources)/.test(path) : path.startsWith(to));
  return (
    <div className="app">
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <Link to="/" className="brand" aria-label="Kiln home">Kiln</Link>
        <button className="menu-toggle" aria-expanded={menu} aria-controls="nav" onClick={() => setMenu(!menu)}>Menu</button>
        <nav id="nav" aria-label="Main" className={menu ? 'open' : ''}>
          {nav.filter(([, , show]) => show).map(([to, label]) => (
            <Link key={to} to={to} aria-current={current(to) ? 'page' : undefined}>{label}</Link>
          ))}
        </nav>
        <div className="who">
          <span className={`live live-${live}`} title={live === 'live' ? 'Live updates' : live === 'polling' ? 'Live stream lost: refreshing every few seconds' : 'Connecting'}>
            {live === 'live' ? 'live' : live === 'polling' ? 'polling' : '…'}
          </span>
          <Link to="/profile" aria-label={`Profile of ${me.user.name}`}>{me.user.name}</Link>
          <button className="link" onClick={onLogout}>Log out</button>
        </div>
      </header>
      <HealthBanner />
      <main id="main" tabIndex={-1}><Routes /></main>
    </div>
  );
}

/**
 * What is wrong with the controller (GET /api/v1/health), on every page while it lasts: a full
 * or read-only disk, a store that refuses writes. It goes when the controller recovers (a live
 * `health` event, or the poll while the live stream is down).
 */
function HealthBanner() {
  const health = useResource((s) => api.get<Health>('/health', s), []);
  useLive(['health'], () => health.reload());
  const h = health.data;
  if (!h || h.status === 'ok') return null;
  return (
    <div className="health-banner" role="alert" aria-label="Controller health">
      <strong>Kiln is degraded</strong>
      <ul>
        {h.problems.map((p) => (
          <li key={`${p.component}:${p.message}`}>
            {p.message} <span className="muted small">({p.component}, since {ago(p.since)}{p.count > 1 ? `, ${p.count} times` : ''})</span>
            {p.detail ? <details><summary>Details</summary><pre>{p.detail}</pre></details> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Routes() {
  const { path } = useLocation();
  const { me } = useSession();
  // A page only a role may use says so to others (instead of the API's refusal).
  const only = (role: 'admin' | 'developer', title: string, page: ReactElement) => (can(me, role) ? page : <NeedsRole title={title} role={role} />);
  let m: Record<string, string> | null;
  if (match('/', path)) return <Dashboard />;
  if (match('/new-job', path)) return <JobEditPage />;
  // Keyed by what they show: another job or build starts with fresh page state (tabs, forms).
  if ((m = match('/job/:name/configure', path))) return <JobEditPage key={m.name} name={m.name!} />;
  if ((m = match('/job/:name/build/:n', path))) return <BuildPage key={`${m.name}#${m.n}`} job={m.name!} number={Number(m.n)} />;
  if ((m = match('/job/:name', path))) return <JobPage key={m.name} name={m.name!} />;
  if (match('/agents', path)) return <AgentsPage />;
  if ((m = match('/agents/:name', path))) return <AgentPage key={m.name} name={m.name!} />;
  if (match('/credentials', path)) return only('developer', 'Credentials', <CredentialsPage />);
  if (match('/users', path)) return only('admin', 'Users', <UsersPage />);
  if (match('/profile', path)) return <ProfilePage />;
  if (match('/clouds', path)) return only('admin', 'Clouds', <CloudsPage />);
  if (match('/libraries', path)) return <LibrariesPage />;
  if (match('/audit', path)) return only('admin', 'Audit log', <AuditPage />);
  if (match('/folders', path)) return only('admin', 'Folder permissions', <FoldersPage />);
  if (match('/settings/mail', path)) return only('admin', 'E-mail', <MailPage />);
  if (match('/manage', path)) return only('admin', 'Manage Kiln', <ManagePage />);
  if (match('/settings/http-services', path)) return only('admin', 'HTTP services', <HttpServicesPage />);
  if (match('/settings/global-env', path)) return only('admin', 'Global environment variables', <GlobalEnvPage />);
  if (match('/lockable-resources', path)) return <LockableResourcesPage />;
  if (match('/settings/publish-over-ssh', path)) return only('admin', 'SSH servers', <SshServersPage />);
  if (match('/settings/throttle-categories', path)) return only('admin', 'Throttle categories', <ThrottleCategoriesPage />);
  if (match('/login', path) || match('/setup', path)) { navigate('/', true); return null; }
  return <section><h1>Not found</h1><p>There is no page at <code>{path}</code>. <Link to="/">Back to the dashboard</Link></p></section>;
}
