// The tray and native notifications with fakes for Tray/Menu/Notification (no Electron binary here) and a real
// core: a real gateway request (and a Chat turn) moves the tray's spend line; a budget crossing and a policy
// refusal, emitted by core's own services, become native notifications; other events do not.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { MenuItemConstructorOptions } from 'electron';
import OpenAI from 'openai';
import { startHarness, flushed } from '../core/testing/harness.ts';
import { AppApiService } from '../core/api/service.ts';
import type { CoreEvent } from '../core/core.ts';
import { TrayController, notificationFor, spendLabel, todayTotals, trayTemplate, wireNotifications, type GatewayView, type NativeNotification } from './tray.ts';

function fakeTray() {
  const t = { menus: [] as MenuItemConstructorOptions[][], tooltips: [] as string[] };
  return {
    t,
    tray: { setContextMenu: (m: unknown) => t.menus.push(m as MenuItemConstructorOptions[]), setToolTip: (s: string) => t.tooltips.push(s) },
  };
}

const label = (m: MenuItemConstructorOptions[], id: string) => m.find((i) => i.id === id)?.label;

test('tray menu: gateway state, today, open / pause or resume / quit wired to the shell', () => {
  const calls: string[] = [];
  const actions = { open: () => calls.push('open'), setPaused: (p: boolean) => calls.push(`paused=${p}`), quit: () => calls.push('quit') };
  const today = { requests: 3, costUsd: 0.4567, costUnknownRequests: 0 };
  const running = trayTemplate({ state: 'running', port: 4789 }, today, actions);
  assert.equal(label(running, 'status'), 'Gateway running on 127.0.0.1:4789');
  assert.equal(label(running, 'spend'), 'Today: $0.46 · 3 requests');
  assert.equal(running.find((i) => i.id === 'status')?.enabled, false);
  assert.equal(running.find((i) => i.id === 'resume'), undefined);
  for (const id of ['open', 'pause', 'quit']) (running.find((i) => i.id === id)!.click as () => void)();
  assert.deepEqual(calls, ['open', 'paused=true', 'quit']);
  const paused = trayTemplate({ state: 'paused', port: 4789 }, today, actions);
  assert.equal(label(paused, 'status'), 'Gateway paused');
  (paused.find((i) => i.id === 'resume')!.click as () => void)();
  assert.equal(calls.at(-1), 'paused=false');
  assert.equal(label(trayTemplate({ state: 'stopped', port: 4789 }, today, actions), 'status'), 'Gateway stopped (port 4789)');
  assert.equal(spendLabel({ requests: 1, costUsd: 0, costUnknownRequests: 0 }), 'Today: $0.00 · 1 request');
  // An unpriced model makes the figure a lower bound.
  assert.equal(spendLabel({ requests: 2, costUsd: 1, costUnknownRequests: 1 }), 'Today: $1.00+ · 2 requests');
});

test('the tray follows real traffic (a tool and Chat) and the gateway state', async () => {
  const h = await startHarness();
  const api = new AppApiService(h.core, { mode: 'desktop', version: 't', gateway: () => ({ state: 'running', port: h.gateway.port }) });
  const { t, tray } = fakeTray();
  let g: GatewayView = { state: 'running', port: h.gateway.port };
  const ctl = new TrayController(tray, { buildMenu: (m) => m, gateway: () => g, today: () => todayTotals(h.core.db), actions: { open() {}, setPaused() {}, quit() {} } });
  // Wired as electron/main/index.ts does: every committed request-log batch refreshes the tray.
  const off = api.subscribe((e) => {
    if (e.type === 'core' && e.event.kind === 'request') ctl.update();
  });
  try {
    ctl.update();
    assert.equal(label(t.menus.at(-1)!, 'spend'), 'Today: $0.00 · 0 requests');
    const client = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token });
    await client.chat.completions.create({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    await flushed(h.core);
    const afterTool = label(t.menus.at(-1)!, 'spend')!;
    assert.match(afterTool, /^Today: \$0\.\d\d · 1 request$/);
    // A Chat turn (internal client airlock-chat) counts like any tool.
    const conv = (await api.call('chat.create', { model: 'mock/gpt-4o' })) as { id: string };
    await api.call('chat.send', { conversationId: conv.id, content: 'hello' });
    for (let i = 0; i < 200 && !/2 requests/.test(label(t.menus.at(-1)!, 'spend')!); i++) await new Promise((r) => setTimeout(r, 25));
    assert.match(label(t.menus.at(-1)!, 'spend')!, /· 2 requests$/);
    assert.deepEqual((h.core.db.prepare('SELECT client FROM requests ORDER BY id').pluck().all() as string[]).sort(), ['airlock-chat', 'test-client']);
    assert.match(t.tooltips.at(-1)!, /^Airlock: gateway running · today \$\d+\.\d\d · 2 requests$/);
    g = { state: 'paused', port: h.gateway.port };
    ctl.update();
    assert.equal(label(t.menus.at(-1)!, 'status'), 'Gateway paused');
    assert.ok(t.menus.at(-1)!.some((i) => i.id === 'resume'));
  } finally {
    off();
    api.close();
    await h.close();
  }
});

test('budget and policy events become native notifications (click opens the window); others do not', async () => {
  const h = await startHarness();
  const shown: NativeNotification[] = [];
  let supported = true;
  let opened = 0;
  const off = wireNotifications(h.core.events, { isSupported: () => supported, show: (n, onClick) => (shown.push(n), onClick()) }, () => opened++);
  try {
    // Events core's own services emit: a soft budget crossed by a real request...
    const api = new AppApiService(h.core, { mode: 'desktop', version: 't', gateway: () => ({ state: 'running', port: h.gateway.port }) });
    await api.call('budgets.set', { scope: 'global', window: 'day', limitUsd: 0.000001, mode: 'soft', warnAtPct: 50 });
    const client = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0 });
    await client.chat.completions.create({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    await flushed(h.core);
    const budget = shown.find((n) => /budget/i.test(n.title));
    assert.ok(budget, `a budget notification (got ${JSON.stringify(shown)})`);
    assert.equal(budget.urgency, 'critical'); // used up: level error
    assert.match(budget.body, /used up/);
    // ...and a refused policy bundle.
    const before = shown.length;
    h.core.emit({ kind: 'policy', level: 'warn', title: 'Team policy refused', message: "Refused: bundle for tenant 'other'." });
    assert.equal(shown.length, before + 1);
    assert.deepEqual(shown.at(-1), { title: 'Team policy refused', body: "Refused: bundle for tenant 'other'.", urgency: 'normal' });
    assert.equal(opened, shown.length);
    // Request batches, DLP and audit events stay inside the app.
    for (const kind of ['request', 'dlp', 'audit'] as const) h.core.emit({ kind, level: 'warn', title: 'x', message: 'y' });
    assert.equal(shown.length, before + 1);
    // No notification service (some Linux desktops): nothing is shown, nothing throws.
    supported = false;
    h.core.emit({ kind: 'budget', level: 'warn', title: 'Budget 80% used', message: 'm' });
    assert.equal(shown.length, before + 1);
    api.close();
  } finally {
    off();
    await h.close();
  }
  const e: CoreEvent = { kind: 'budget', level: 'warn', title: 'Budget 80% used', message: 'The daily budget is at 80%.' };
  assert.deepEqual(notificationFor(e), { title: 'Budget 80% used', body: 'The daily budget is at 80%.', urgency: 'normal' });
  assert.equal(notificationFor({ ...e, kind: 'request' }), null);
});
