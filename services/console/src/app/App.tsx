import type { Role } from '@hourmeter/domain';
import { useEffect, useState } from 'react';
import { ApiError, onLiveMode, session, stopLive, whoAmI, type LiveMode } from './api';
import { ErrorNote, Link, navigate, useLocation } from './ui';
import { AlertsView } from './views/Alerts';
import { AssetView } from './views/Asset';
import { ContractsView } from './views/Contracts';
import { FleetView } from './views/Fleet';
import { IntegrationsView } from './views/Integrations';
import { PartsView } from './views/Parts';
import { ReliabilityView } from './views/Reliability';
import { ReportsView } from './views/Reports';
import { WorkOrdersView } from './views/WorkOrders';

interface NavItem {
  to: string;
  label: string;
  /** Roles that may read it (admin always). */
  roles: readonly Role[];
}

const NAV: readonly NavItem[] = [
  { to: '/', label: 'Fleet', roles: ['engineer', 'planner', 'account-manager'] },
  { to: '/alerts', label: 'Alerts', roles: ['engineer', 'planner', 'account-manager'] },
  { to: '/work-orders', label: 'Work orders', roles: ['engineer', 'planner'] },
  { to: '/reliability', label: 'Reliability', roles: ['engineer', 'planner', 'account-manager'] },
  { to: '/parts', label: 'Parts', roles: ['engineer', 'planner', 'account-manager'] },
  { to: '/contracts', label: 'Contracts', roles: ['account-manager'] },
  { to: '/reports', label: 'Reports', roles: ['engineer', 'planner', 'account-manager'] },
  { to: '/integrations', label: 'Integrations', roles: [] },
];

const HOME: Record<Role, string> = { admin: '/', engineer: '/alerts', planner: '/work-orders', 'account-manager': '/contracts' };

function SignIn({ onSignedIn }: { onSignedIn: (role: Role) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  return (
    <main className="signin">
      <h1>Hourmeter console</h1>
      <form
        aria-label="Sign in"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          session.set(key.trim());
          whoAmI().then(
            (role) => onSignedIn(role),
            (err: unknown) => {
              session.clear();
              setBusy(false);
              setError(err instanceof ApiError && err.status === 401 ? new Error('This API key is not valid.') : (err as Error));
            },
          );
        }}
      >
        <label htmlFor="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autoComplete="off" required value={key} onChange={(e) => setKey(e.target.value)} autoFocus />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <ErrorNote error={error} />
        <p className="muted">The key stays in this browser tab (session storage) and is sent as a Bearer token.</p>
      </form>
    </main>
  );
}

function LiveIndicator() {
  const [mode, setMode] = useState<LiveMode>('connecting');
  useEffect(() => onLiveMode(setMode), []);
  const text = mode === 'sse' ? 'Live' : mode === 'polling' ? 'Live (polling)' : 'Connecting…';
  return (
    <span className={`live live-${mode}`} role="status" title="Alert and device updates">
      {text}
    </span>
  );
}

function Routes({ role }: { role: Role }) {
  const { path } = useLocation();
  const seg = path.split('/').filter(Boolean);
  const id = seg[1] ? decodeURIComponent(seg[1]) : undefined;
  switch (seg[0]) {
    case undefined:
      return <FleetView />;
    case 'assets':
      return id ? <AssetView id={id} role={role} /> : <FleetView />;
    case 'alerts':
      return <AlertsView selectedId={id} role={role} />;
    case 'work-orders':
      return <WorkOrdersView selectedId={id} role={role} />;
    case 'parts':
      return <PartsView />;
    case 'reliability':
      return <ReliabilityView role={role} />;
    case 'contracts':
      return <ContractsView selectedId={id} role={role} />;
    case 'reports':
      return <ReportsView role={role} />;
    case 'integrations':
      return <IntegrationsView selectedId={id} />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            There is no page at {path}. <Link to="/">Go to the fleet</Link>.
          </p>
        </section>
      );
  }
}

export function App() {
  const [role, setRole] = useState<Role | undefined>();
  const [checking, setChecking] = useState(Boolean(session.key));
  const { path } = useLocation();

  useEffect(() => {
    if (!session.key) return;
    whoAmI().then(
      (r) => (setRole(r), setChecking(false)),
      () => (session.clear(), setChecking(false)),
    );
  }, []);

  if (checking) return <p className="muted">Signing in…</p>;
  if (!role) {
    return (
      <SignIn
        onSignedIn={(r) => {
          setRole(r);
          if (location.pathname === '/') navigate(HOME[r]);
        }}
      />
    );
  }
  const items = NAV.filter((n) => role === 'admin' || n.roles.includes(role));
  const current = (to: string) => (to === '/' ? path === '/' || path.startsWith('/assets') : path.startsWith(to));
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Hourmeter</span>
        <nav aria-label="Main">
          <ul>
            {items.map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={current(n.to) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <LiveIndicator />
        <span className="role">{role}</span>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            session.clear();
            stopLive();
            setRole(undefined);
            navigate('/');
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Routes role={role} />
      </main>
    </>
  );
}
