// The tray and native notifications, in a module that does not import 'electron' at runtime: index.ts hands in
// the real Tray/Menu/Notification, tests (electron/main/tray.test.ts) hand in fakes and a real Core.
import type { EventEmitter } from 'node:events';
import type { MenuItemConstructorOptions } from 'electron';
import type { CoreEvent } from '../core/core.ts';
import type { DB } from '../core/store/db.ts';
import { usageReport } from '../core/store/requests-repo.ts';
import { startOfToday } from '../core/api/handlers.ts';

export interface GatewayView {
  state: 'running' | 'paused' | 'stopped';
  port: number;
}

export interface TodayTotals {
  requests: number;
  costUsd: number;
  /** Requests whose price is unknown (a model missing from the catalog): the spend is then a lower bound. */
  costUnknownRequests: number;
}

/** Today's requests and spend (local midnight on), every client counted: tools, scripts and Chat alike. */
export function todayTotals(db: DB, now = new Date()): TodayTotals {
  const r = usageReport(db, { since: startOfToday(now) });
  return { requests: r.requests, costUsd: r.cost_usd, costUnknownRequests: r.cost_unknown_requests };
}

export function spendLabel(t: TodayTotals): string {
  const usd = `$${t.costUsd.toFixed(2)}${t.costUnknownRequests > 0 ? '+' : ''}`;
  return `Today: ${usd} · ${t.requests} request${t.requests === 1 ? '' : 's'}`;
}

export function gatewayLabel(g: GatewayView): string {
  if (g.state === 'running') return `Gateway running on 127.0.0.1:${g.port}`;
  return g.state === 'paused' ? 'Gateway paused' : `Gateway stopped (port ${g.port})`;
}

export interface TrayActions {
  open(): void;
  setPaused(paused: boolean): void;
  quit(): void;
}

/** The tray's menu: gateway state and today's spend (read-only lines), open, pause/resume, quit. */
export function trayTemplate(g: GatewayView, t: TodayTotals, actions: TrayActions): MenuItemConstructorOptions[] {
  return [
    { id: 'status', label: gatewayLabel(g), enabled: false },
    { id: 'spend', label: spendLabel(t), enabled: false },
    { type: 'separator' },
    { id: 'open', label: 'Open Airlock', click: () => actions.open() },
    g.state === 'running'
      ? { id: 'pause', label: 'Pause gateway', click: () => actions.setPaused(true) }
      : { id: 'resume', label: 'Resume gateway', click: () => actions.setPaused(false) },
    { type: 'separator' },
    { id: 'quit', label: 'Quit Airlock', click: () => actions.quit() },
  ];
}

export function trayTooltip(g: GatewayView, t: TodayTotals): string {
  return `Airlock: gateway ${g.state} · ${spendLabel(t).replace(/^Today: /, 'today ')}`;
}

/** What the tray needs from Electron's Tray (and Menu.buildFromTemplate). */
export interface TrayLike {
  setContextMenu(menu: unknown): void;
  setToolTip(text: string): void;
}

/**
 * Keeps the tray current: on every request-log batch (live spend), on gateway state changes (the shell calls
 * update()), and once a minute so "today" rolls over at midnight.
 */
export class TrayController {
  private readonly tray: TrayLike;
  private readonly deps: { buildMenu(t: MenuItemConstructorOptions[]): unknown; gateway(): GatewayView; today(): TodayTotals; actions: TrayActions };
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(tray: TrayLike, deps: TrayController['deps']) {
    this.tray = tray;
    this.deps = deps;
  }

  update(): void {
    const g = this.deps.gateway();
    let t: TodayTotals;
    try {
      t = this.deps.today();
    } catch {
      t = { requests: 0, costUsd: 0, costUnknownRequests: 0 }; // a closed or busy database: show zeros, retry next time
    }
    this.tray.setContextMenu(this.deps.buildMenu(trayTemplate(g, t, this.deps.actions)));
    this.tray.setToolTip(trayTooltip(g, t));
  }

  start(everyMs = 60_000): void {
    this.update();
    this.timer = setInterval(() => this.update(), everyMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

export interface NativeNotification {
  title: string;
  body: string;
  urgency: 'normal' | 'critical';
}

/** Budget and policy events become native notifications; everything else stays in the app (toasts, log). */
export function notificationFor(e: CoreEvent): NativeNotification | null {
  if (e.kind !== 'budget' && e.kind !== 'policy') return null;
  return { title: e.title, body: e.message, urgency: e.level === 'error' ? 'critical' : 'normal' };
}

export interface Notifier {
  isSupported(): boolean;
  /** Shows one notification; `onClick` opens the window. */
  show(n: NativeNotification, onClick: () => void): void;
}

/** Subscribes to core's events and shows budget/policy ones natively. Returns the unsubscribe function. */
export function wireNotifications(events: EventEmitter, notifier: Notifier, open: () => void): () => void {
  const on = (e: CoreEvent) => {
    const n = notificationFor(e);
    if (!n || !notifier.isSupported()) return;
    try {
      notifier.show(n, open);
    } catch (err) {
      console.error(`airlock: could not show a notification: ${(err as Error).message}`);
    }
  };
  events.on('event', on);
  return () => events.off('event', on);
}
