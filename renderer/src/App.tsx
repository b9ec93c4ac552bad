import { useEffect } from 'react';
import { api, checkSession, isDesktop, UNAUTHORIZED_EVENT } from './api.ts';
import { initialRoute, ROUTES, useApp, type Route } from './store.ts';
import { ErrorState, Loading } from './components/common.tsx';
import { Welcome } from './screens/Welcome.tsx';
import { Providers } from './screens/Providers.tsx';
import { Connect } from './screens/Connect.tsx';
import { SettingsScreen } from './screens/Settings.tsx';
import { ChatScreen } from './screens/chat/ChatScreen.tsx';
import { PolicyScreen } from './screens/policy/PolicyScreen.tsx';
import { AdminScreen } from './screens/admin/AdminScreen.tsx';
import { AuditScreen } from './screens/audit/AuditScreen.tsx';
import { DashboardScreen } from './screens/dashboard/DashboardScreen.tsx';
import { RequestsScreen } from './screens/requests/RequestsScreen.tsx';
import { BudgetsScreen } from './screens/budgets/BudgetsScreen.tsx';
import { DlpScreen } from './screens/dlp/DlpScreen.tsx';
import { usd } from './format.ts';

const NAV: { route: Route; label: string }[] = [
  { route: 'dashboard', label: 'Spend' },
  { route: 'requests', label: 'Request log' },
  { route: 'budgets', label: 'Budgets' },
  { route: 'chat', label: 'Chat' },
  { route: 'welcome', label: 'Get started' },
  { route: 'providers', label: 'Providers & keys' },
  { route: 'connect', label: 'Connect your tools' },
  { route: 'settings', label: 'Settings' },
  { route: 'dlp', label: 'DLP' },
  { route: 'policy', label: 'Policy' },
  { route: 'audit', label: 'Audit log' },
  { route: 'admin', label: 'Admin mode' },
];

function SignIn() {
  return (
    <main className="signin" data-testid="signin">
      <div className="card">
        <h1>Sign in to Airlock</h1>
        <p>
          Open the login link <code>airlock serve</code> printed when it started, or print a fresh one with:
        </p>
        <pre>
          <code>airlock ui-url</code>
        </pre>
        <p className="muted">Each link signs in one browser once. The session then lasts 30 days.</p>
      </div>
    </main>
  );
}

function StatusBar() {
  const info = useApp((s) => s.info.data);
  const today = useApp((s) => s.today.data);
  if (!info) return null;
  const g = info.gateway;
  return (
    <div className="status" aria-label="Gateway status">
      <span className={`dot dot-${g.state}`} aria-hidden="true" />
      <span data-testid="gateway-status" data-state={g.state}>
        Gateway {g.state} on <code>127.0.0.1:{g.port}</code>
      </span>
      {today && (
        <span className="status-spend" data-testid="today-spend">
          Today {usd(today.costUsd)} · {today.requests} request{today.requests === 1 ? '' : 's'}
        </span>
      )}
    </div>
  );
}

function Toasts() {
  const toasts = useApp((s) => s.toasts);
  const dismiss = useApp((s) => s.dismiss);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.level}`} role={t.level === 'error' ? 'alert' : 'status'}>
          <strong>{t.title}</strong>
          <span>{t.message}</span>
          <button type="button" className="btn btn-link" onClick={() => dismiss(t.id)} aria-label="Dismiss">
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

export function App() {
  const auth = useApp((s) => s.auth);
  const route = useApp((s) => s.route);
  const info = useApp((s) => s.info);
  const { setAuth, load, navigate, onEvent } = useApp.getState();

  useEffect(() => {
    let unsubscribe = () => {};
    const signedOut = () => setAuth('signed-out');
    window.addEventListener(UNAUTHORIZED_EVENT, signedOut);
    void (async () => {
      if (!(await checkSession())) return setAuth('signed-out');
      setAuth('ok');
      unsubscribe = api.subscribe(onEvent);
      await Promise.all([load('info'), load('providers'), load('today')]);
      const providers = useApp.getState().providers.data;
      if (providers) navigate(initialRoute(providers));
    })();
    const onHash = () => {
      const h = location.hash.replace(/^#\/?/, '');
      if ((ROUTES as string[]).includes(h)) navigate(h as Route);
    };
    window.addEventListener('hashchange', onHash);
    // "Today" rolls over at local midnight even without traffic.
    const todayTimer = setInterval(() => {
      if (useApp.getState().auth === 'ok') void load('today');
    }, 60_000);
    // Alt+1..4 switch screens.
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const i = Number(e.key) - 1;
      if (NAV[i]) {
        e.preventDefault();
        navigate(NAV[i].route);
        document.getElementById('main')?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => {
      unsubscribe();
      window.removeEventListener(UNAUTHORIZED_EVENT, signedOut);
      window.removeEventListener('hashchange', onHash);
      window.removeEventListener('keydown', onKey);
      clearInterval(todayTimer);
    };
  }, []);

  if (auth === 'signed-out') return <SignIn />;
  if (auth === 'checking' || (!info.data && !info.error)) {
    return (
      <main className="boot">
        <Loading what="Airlock" />
      </main>
    );
  }
  if (!info.data) {
    return (
      <main className="boot">
        <ErrorState message={info.error ?? 'Airlock did not answer.'} retry={() => load('info')} />
      </main>
    );
  }

  return (
    <div className={`shell ${isDesktop ? 'desktop' : 'web'}`}>
      <a href="#main" className="skip">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Airlock">
        <div className="brand">
          <img src="./favicon.svg" alt="" width="24" height="24" />
          <span>Airlock</span>
        </div>
        <ul>
          {NAV.map((n, i) => (
            <li key={n.route}>
              <a
                href={`#/${n.route}`}
                className={route === n.route ? 'active' : ''}
                aria-current={route === n.route ? 'page' : undefined}
                data-testid={`nav-${n.route}`}
                title={`Alt+${i + 1}`}
              >
                {n.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="content">
        <header className="topbar">
          <StatusBar />
        </header>
        <main id="main" tabIndex={-1} className={route === 'chat' ? 'main-chat' : undefined}>
          {route === 'welcome' && <Welcome />}
          {route === 'providers' && <Providers />}
          {route === 'connect' && <Connect />}
          {route === 'settings' && <SettingsScreen />}
          {route === 'chat' && <ChatScreen />}
          {route === 'policy' && <PolicyScreen />}
          {route === 'admin' && <AdminScreen />}
          {route === 'audit' && <AuditScreen />}
          {route === 'dashboard' && <DashboardScreen />}
          {route === 'requests' && <RequestsScreen />}
          {route === 'budgets' && <BudgetsScreen />}
          {route === 'dlp' && <DlpScreen />}
        </main>
      </div>
      <Toasts />
    </div>
  );
}
