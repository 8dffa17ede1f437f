import { isCustomerRole, type Role } from '@hourmeter/domain';
import { useEffect, useState } from 'react';
import { onLiveMode, session, signOut, stopLive, whoAmI, type LiveMode, type Me } from './api';
import { ErrorBoundary } from './ErrorBoundary';
import { SignIn } from './SignIn';
import { Link, navigate, TimeZonePicker, useLocation, useTimeZone, adoptTimeZoneOf } from './ui';
import { AdminView } from './views/Admin';
import { AlertsView } from './views/Alerts';
import { AssetView } from './views/Asset';
import { ContractsView } from './views/Contracts';
import { DispatchView } from './views/Dispatch';
import { CustomersView } from './views/Customers';
import { FleetView } from './views/Fleet';
import { IntegrationsView } from './views/Integrations';
import { LeadsView } from './views/Leads';
import { MyNotificationsView } from './views/MyNotifications';
import { PartsView } from './views/Parts';
import { PORTAL_NAV, PortalRoutes } from './views/Portal';
import { ReliabilityView } from './views/Reliability';
import { ReportsView } from './views/Reports';
import { ServiceProductsView } from './views/ServiceProducts';
import { SiteMapView } from './views/SiteMap';
import { ServiceRequestsView } from './views/ServiceRequests';
import { HazardsView } from './views/FieldQuality';
import { UsersView } from './views/Users';
import { WorkOrdersView } from './views/WorkOrders';

interface NavItem {
  to: string;
  label: string;
  /** Roles that may read it (admin always). */
  roles: readonly Role[];
}

const NAV: readonly NavItem[] = [
  { to: '/', label: 'Fleet', roles: ['engineer', 'planner', 'account-manager'] },
  { to: '/map', label: 'Map', roles: ['engineer', 'planner', 'account-manager'] },
  { to: '/alerts', label: 'Alerts', roles: ['engineer', 'planner', 'account-manager'] },
  { to: '/work-orders', label: 'Work orders', roles: ['engineer', 'planner'] },
  { to: '/service-requests', label: 'Service requests', roles: ['engineer', 'planner', 'account-manager'] },
  { to: '/dispatch', label: 'Dispatch', roles: ['engineer', 'planner'] },
  { to: '/hazards', label: 'Hazards', roles: ['engineer', 'planner'] },
  { to: '/reliability', label: 'Reliability', roles: ['engineer', 'planner', 'account-manager'] },
  { to: '/parts', label: 'Parts', roles: ['engineer', 'planner', 'account-manager'] },
  { to: '/contracts', label: 'Contracts', roles: ['account-manager'] },
  { to: '/customers', label: 'Customers', roles: ['account-manager'] },
  { to: '/leads', label: 'Leads', roles: ['account-manager'] },
  { to: '/service-products', label: 'Service products', roles: ['account-manager', 'engineer'] },
  { to: '/reports', label: 'Reports', roles: ['engineer', 'planner', 'account-manager'] },
  { to: '/admin', label: 'Admin', roles: [] },
  { to: '/integrations', label: 'Integrations', roles: [] },
  { to: '/users', label: 'Users', roles: [] },
  { to: '/notifications', label: 'E-mail', roles: ['engineer', 'planner', 'account-manager'] },
];

const HOME: Record<Role, string> = { admin: '/', engineer: '/alerts', planner: '/work-orders', 'account-manager': '/contracts', 'customer-admin': '/', 'customer-viewer': '/' };

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
    case 'map':
      return <SiteMapView />;
    case 'alerts':
      return <AlertsView selectedId={id} role={role} />;
    case 'work-orders':
      return <WorkOrdersView selectedId={id} role={role} />;
    case 'service-requests':
      return <ServiceRequestsView selectedId={id} role={role} />;
    case 'dispatch':
      return <DispatchView role={role} />;
    case 'hazards':
      return <HazardsView selectedId={id} role={role} />;
    case 'parts':
      return <PartsView />;
    case 'reliability':
      return <ReliabilityView role={role} />;
    case 'contracts':
      return <ContractsView selectedId={id} role={role} />;
    case 'customers':
      return <CustomersView selectedId={id} />;
    case 'leads':
      return <LeadsView />;
    case 'service-products':
      return <ServiceProductsView role={role} />;
    case 'reports':
      return <ReportsView role={role} />;
    case 'integrations':
      return <IntegrationsView selectedId={id} />;
    case 'users':
      return <UsersView />;
    case 'admin':
      return <AdminView section={id} />;
    case 'notifications':
      return <MyNotificationsView />;
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
  const [me, setMe] = useState<Me | undefined>();
  const [checking, setChecking] = useState(session.mayResume);
  const { path } = useLocation();
  const zone = useTimeZone();

  useEffect(() => {
    if (!session.mayResume) return;
    whoAmI().then(
      (m) => (setMe(m), setChecking(false)),
      () => (session.clear(), setChecking(false)),
    );
  }, []);

  if (checking) return <p className="muted">Signing in…</p>;
  if (!me) {
    return (
      <SignIn
        onSignedIn={(m) => {
          setMe(m);
          if (location.pathname === '/') navigate(HOME[m.role]);
        }}
      />
    );
  }
  const role = me.role;
  adoptTimeZoneOf(me.id);
  // A customer's people get the portal: its own navigation and pages, and never a staff view (nor its requests).
  const portal = isCustomerRole(role);
  const items = portal ? PORTAL_NAV.filter((n) => n.roles.includes(role)) : NAV.filter((n) => role === 'admin' || n.roles.includes(role));
  const current = (to: string) => (to === '/' ? path === '/' || path.startsWith('/assets') : path.startsWith(to));
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">{portal ? 'Hourmeter · customer portal' : 'Hourmeter'}</span>
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
        {/* The live stream is staff-only (the portal has no SSE): a customer's tab never opens it. */}
        {portal ? null : <LiveIndicator />}
        <TimeZonePicker />
        <span className="role" title={me.kind === 'api-key' ? 'signed in with an API key' : undefined}>
          <span className="who">{me.name}</span> · {role}
        </span>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            stopLive();
            // Whatever the server answers, this tab forgets the session.
            void signOut().catch(() => undefined);
            setMe(undefined);
            navigate('/');
          }}
        >
          Sign out
        </button>
      </header>
      {/* Keyed by the zone: every time on the page, charts included, is drawn again in the new one. */}
      <main id="main" tabIndex={-1} key={zone}>
        <ErrorBoundary resetKey={path}>
          {portal ? <PortalRoutes role={role} me={me.id} name={me.name} /> : <Routes role={role} />}
        </ErrorBoundary>
      </main>
    </>
  );
}
