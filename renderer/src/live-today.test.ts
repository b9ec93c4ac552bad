// The header's "Today $X · N requests" under Node with the web transport's fetch faked: every request-log batch
// event (tools and Chat alike: the server counts every client) refreshes it, the first at once, a burst at most
// once a second; budget/policy events become toasts, not refreshes.
import test, { mock } from 'node:test';
import assert from 'node:assert/strict';

const calls: string[] = [];
let today = { requests: 0, costUsd: 0, costUnknownRequests: 0 };
(globalThis as { location?: unknown }).location = { hash: '' };
globalThis.fetch = (async (url: string) => {
  const method = decodeURIComponent(String(url).split('/').pop()!);
  calls.push(method);
  const body = method === 'usage.today' ? today : method === 'tokens.list' ? [] : {};
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
}) as typeof fetch;

const { useApp, LIVE_REFRESH_MS } = await import('./store.ts');
const requestEvent = { type: 'core' as const, event: { kind: 'request' as const, level: 'info' as const, title: 'Requests logged', message: '1 request(s) logged', data: { count: 1 } } };
/** Lets the faked fetch and the store's promise chains run (setImmediate is not mocked). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};
const todayCalls = () => calls.filter((c) => c === 'usage.today').length;
const shown = () => useApp.getState().today.data?.requests;

// Time is mocked (setTimeout and Date): no assertion depends on the machine's speed.
test.before(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
test.after(() => mock.timers.reset());

test('a request batch (e.g. a Chat turn by airlock-chat) refreshes the header at once', async () => {
  await useApp.getState().load('today');
  assert.equal(shown(), 0);
  today = { requests: 1, costUsd: 0.000335, costUnknownRequests: 0 };
  useApp.getState().onEvent(requestEvent);
  mock.timers.tick(0); // no waiting for the throttle window
  await settle();
  assert.equal(shown(), 1);
  assert.equal(useApp.getState().requestTick, 1);
});

test('a burst of batches costs one more refresh, which shows the last count', async () => {
  mock.timers.tick(LIVE_REFRESH_MS);
  const before = todayCalls();
  for (let i = 2; i <= 6; i++) {
    today = { requests: i, costUsd: i / 1000, costUnknownRequests: 0 };
    useApp.getState().onEvent(requestEvent);
  }
  mock.timers.tick(0);
  await settle();
  assert.equal(shown(), 6);
  assert.equal(todayCalls() - before, 1, 'one refresh for the whole burst');
  // Within a second of that refresh: held until the second is over, then shown.
  today = { requests: 7, costUsd: 0.007, costUnknownRequests: 0 };
  useApp.getState().onEvent(requestEvent);
  mock.timers.tick(LIVE_REFRESH_MS / 2);
  await settle();
  assert.equal(shown(), 6);
  mock.timers.tick(LIVE_REFRESH_MS / 2);
  await settle();
  assert.equal(shown(), 7);
});

test('budget and policy events are toasts; they do not reload the totals', async () => {
  mock.timers.tick(LIVE_REFRESH_MS);
  const before = todayCalls();
  useApp.getState().onEvent({ type: 'core', event: { kind: 'budget', level: 'warn', title: 'Budget 80% used', message: 'm' } });
  mock.timers.tick(0);
  await settle();
  assert.equal(todayCalls(), before);
  assert.equal(useApp.getState().toasts.at(-1)?.title, 'Budget 80% used');
});
