import { create } from 'zustand';
import type { AppInfo, LocalServer, Preset, Provider, Settings, Token, UsageToday, AppEvent } from '../../shared/api/contract.ts';
import { ApiError } from '../../shared/api/errors.ts';
import { api } from './api.ts';

export type Route = 'chat' | 'welcome' | 'providers' | 'connect' | 'settings' | 'policy' | 'admin' | 'audit' | 'dashboard' | 'requests' | 'budgets' | 'dlp';
export const ROUTES: Route[] = ['chat', 'welcome', 'providers', 'connect', 'settings', 'policy', 'admin', 'audit', 'dashboard', 'requests', 'budgets', 'dlp'];

/** A piece of server data with its loading and error state. */
export interface Res<T> {
  data: T | null;
  loading: boolean;
  error: string | null;
}
const idle = <T,>(): Res<T> => ({ data: null, loading: false, error: null });

export interface Toast {
  id: number;
  level: 'info' | 'warn' | 'error';
  title: string;
  message: string;
}

interface State {
  auth: 'checking' | 'ok' | 'signed-out';
  route: Route;
  info: Res<AppInfo>;
  presets: Res<Preset[]>;
  providers: Res<Provider[]>;
  local: Res<LocalServer[]>;
  tokens: Res<Token[]>;
  models: Res<string[]>;
  settings: Res<Settings>;
  today: Res<UsageToday>;
  toasts: Toast[];
  /** Bumped when new request rows were logged (at most once a second): live screens refresh on it. */
  requestTick: number;
  setAuth(a: State['auth']): void;
  navigate(r: Route): void;
  load(key: LoadKey): Promise<void>;
  toast(t: Omit<Toast, 'id'>): void;
  dismiss(id: number): void;
  onEvent(e: AppEvent): void;
}

type LoadKey = 'info' | 'presets' | 'providers' | 'local' | 'tokens' | 'models' | 'settings' | 'today';

const LOADERS: { [K in LoadKey]: () => Promise<NonNullable<State[K]['data']>> } = {
  info: () => api.call('app.info'),
  presets: () => api.call('providers.presets'),
  providers: () => api.call('providers.list'),
  local: () => api.call('providers.detectLocal'),
  tokens: () => api.call('tokens.list'),
  models: () => api.call('models.list'),
  settings: () => api.call('settings.get'),
  today: () => api.call('usage.today'),
};

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return (err as Error)?.message ?? String(err);
}

function routeFromHash(): Route | null {
  const h = location.hash.replace(/^#\/?/, '');
  return (ROUTES as string[]).includes(h) ? (h as Route) : null;
}

let toastId = 0;
let refreshTimer: ReturnType<typeof setTimeout> | null = null;
let lastRefresh = 0;
/** Live figures refresh at most once a second: at once for the first batch, then once for a burst's tail. */
export const LIVE_REFRESH_MS = 1000;

export const useApp = create<State>((set, get) => ({
  auth: 'checking',
  route: routeFromHash() ?? 'providers',
  info: idle(),
  presets: idle(),
  providers: idle(),
  local: idle(),
  tokens: idle(),
  models: idle(),
  settings: idle(),
  today: idle(),
  toasts: [],
  requestTick: 0,
  setAuth: (auth) => set({ auth }),
  navigate(route) {
    if (location.hash !== `#/${route}`) history.replaceState(null, '', `#/${route}`);
    set({ route });
  },
  async load(key) {
    set({ [key]: { ...get()[key], loading: true, error: null } } as Partial<State>);
    try {
      const data = await LOADERS[key]();
      set({ [key]: { data, loading: false, error: null } } as Partial<State>);
    } catch (err) {
      set({ [key]: { ...get()[key], loading: false, error: errorText(err) } } as Partial<State>);
    }
  },
  toast(t) {
    const id = ++toastId;
    set({ toasts: [...get().toasts, { ...t, id }].slice(-4) });
    setTimeout(() => get().dismiss(id), 8000);
  },
  dismiss: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),
  onEvent(e) {
    if (e.type === 'gateway') {
      const info = get().info.data;
      if (info) set({ info: { ...get().info, data: { ...info, gateway: e.status } } });
      return;
    }
    const ev = e.event;
    if (ev.kind === 'request') {
      // Live spend: every request-log batch (tools and Chat alike) refreshes today's totals in the header and the
      // per-tool table; the first at once, then at most once a second.
      if (refreshTimer) return;
      refreshTimer = setTimeout(() => {
        refreshTimer = null;
        lastRefresh = Date.now();
        set({ requestTick: get().requestTick + 1 });
        void get().load('today');
        if (get().tokens.data) void get().load('tokens');
      }, Math.max(0, lastRefresh + LIVE_REFRESH_MS - Date.now()));
      return;
    }
    if (ev.kind === 'budget' || ev.kind === 'policy') get().toast({ level: ev.level, title: ev.title, message: ev.message });
  },
}));

export function initialRoute(providers: Provider[]): Route {
  return routeFromHash() ?? (providers.length === 0 ? 'welcome' : 'providers');
}
