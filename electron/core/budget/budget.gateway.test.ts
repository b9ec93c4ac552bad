import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startHarness, flushed, type Harness } from '../testing/harness.ts';
import { estimatePromptTokens } from './estimate.ts';
import type { CoreEvent } from '../core.ts';

// The mock replays openai/chat/stream.text.usage.sse: 14 prompt + 30 completion tokens, on gpt-4o ($2.5 / $10 per M).
const IN_PRICE = 2.5e-6;
const OUT_PRICE = 1e-5;
const ACTUAL_USD = 14 * IN_PRICE + 30 * OUT_PRICE;
const PROMPT = "What's the weather like in Boston today? Answer in one sentence.";

let h: Harness;
let client: OpenAI;
let events: CoreEvent[] = [];
let audit: { type: string; data: Record<string, unknown> }[] = [];

before(async () => {
  h = await startHarness({ env: { AIRLOCK_TZ: 'UTC' } });
  client = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0 });
  h.core.events.on('event', (e: CoreEvent) => events.push(e));
  h.core.audit = { append: (type, data) => audit.push({ type, data }) };
});
after(() => h.close());

beforeEach(() => {
  // Each test starts with no budgets, no limits, and a fresh record of events.
  for (const b of h.core.budgets.repo.listBudgets()) h.core.budgets.repo.removeBudget({ id: b.id });
  for (const l of h.core.budgets.repo.listRateLimits()) h.core.budgets.repo.removeRateLimit(l.scope);
  h.core.db.exec('DELETE FROM spend_rollup');
  h.core.budgets.reloadSpend();
  h.core.policy = { managed: () => null, managedBy: () => null };
  h.mock.on('POST /v1/chat/completions', (b) => (b?.stream ? { kind: 'sse', file: 'openai/chat/stream.text.usage.sse', delayMs: 2 } : { kind: 'json', file: 'openai/chat/completion.text.json' }));
  events = [];
  audit = [];
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settled(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    await flushed(h.core);
    if (pred()) return;
    await sleep(10);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** One streaming request through the official SDK; resolves to 'ok' or the APIError. */
async function streamOnce(c: OpenAI = client, model = 'mock/gpt-4o'): Promise<'ok' | any> {
  try {
    const stream = await c.chat.completions.create({ model, stream: true, max_tokens: 30, messages: [{ role: 'user', content: PROMPT }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.ok(text.length > 0);
    return 'ok';
  } catch (err) {
    return err;
  }
}

const budgetRow = (scope: string) => h.core.budgets.list().find((b) => b.scope === scope)!;

test('50 concurrent streams against a hard USD budget that fits about ten: never spends past it; refusals are 429s naming the budget', async () => {
  const body = { model: 'mock/gpt-4o', stream: true, max_tokens: 30, messages: [{ role: 'user', content: PROMPT }] };
  const est = estimatePromptTokens(body);
  assert.ok(est >= 14, `the estimate (${est}) covers the real prompt tokens (14)`);
  const reservation = est * IN_PRICE + 30 * OUT_PRICE;
  const limit = 10.5 * reservation;
  h.core.budgets.repo.setBudget({ scope: 'client:test-client', window: 'day', limitUsd: limit, limitTokens: null, mode: 'hard', warnAtPct: 80 });

  const results = await Promise.all(Array.from({ length: 50 }, () => streamOnce()));
  const ok = results.filter((r) => r === 'ok').length;
  const refused = results.filter((r) => r !== 'ok');
  assert.ok(ok >= 10 && ok <= 15, `about ten admitted (got ${ok})`);
  assert.equal(ok + refused.length, 50);
  for (const e of refused) {
    assert.equal(e.status, 429, String(e));
    assert.equal(e.code, 'budget_exceeded');
    assert.equal(e.type, 'budget_exceeded');
    assert.match(e.message, /hard daily budget for client:test-client/);
    assert.match(e.message, /of \$0\.00\d+; this request may cost up to/);
    assert.match(e.message, /resets at \d{4}-\d\d-\d\dT00:00:00\+00:00 \(UTC, in /);
    const retry = Number(e.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 86_400, `retry-after ${retry}`);
    assert.equal(e.headers.get('x-airlock-budget'), 'client:test-client');
  }
  await settled(() => budgetRow('client:test-client').reservedUsd === 0, 'reservations to be released');
  const b = budgetRow('client:test-client');
  assert.ok(b.spentUsd <= limit, `spent ${b.spentUsd} <= limit ${limit}`);
  assert.ok(Math.abs(b.spentUsd - ok * ACTUAL_USD) < 1e-9, `spend settles to actual usage: ${b.spentUsd} vs ${ok * ACTUAL_USD}`);
  assert.equal(b.spentTokens, ok * 44);
  assert.equal(b.requests, ok);
  // One notification for the block, and throttled audit entries (not one per refused request).
  const blocks = events.filter((e) => e.kind === 'budget' && e.title === 'Budget limit reached');
  assert.equal(blocks.length, 1);
  assert.equal(blocks[0]!.level, 'error');
  assert.equal(blocks[0]!.data!.scope, 'client:test-client');
  const blockAudits = audit.filter((a) => a.type === 'budget.block');
  assert.equal(blockAudits.length, 1);
  // 80% of the limit was crossed on the way: one threshold event and audit entry.
  assert.equal(events.filter((e) => e.kind === 'budget' && e.level === 'warn').length, 1);
  assert.equal(audit.filter((a) => a.type === 'budget.threshold').length, 1);
});

test('a token budget on a model holds under 50 concurrent non-streaming calls', async () => {
  // completion.text.json reports 16 prompt + 363 completion tokens; max_tokens 400 makes each reservation cover it.
  const body = { model: 'mock/gpt-4o', max_tokens: 400, messages: [{ role: 'user', content: PROMPT }] };
  const per = estimatePromptTokens(body) + 400;
  const limit = per * 5 + 10;
  h.core.budgets.repo.setBudget({ scope: 'model:mock/gpt-4o', window: 'week', limitUsd: null, limitTokens: limit, mode: 'hard', warnAtPct: null });
  const results = await Promise.all(
    Array.from({ length: 50 }, () => client.chat.completions.create(body as any).then(() => 'ok', (e) => e)),
  );
  const ok = results.filter((r) => r === 'ok').length;
  assert.ok(ok >= 5, `at least five admitted (got ${ok})`);
  for (const e of results.filter((r) => r !== 'ok')) {
    assert.equal(e.status, 429);
    assert.match(e.message, /hard weekly budget for model:mock\/gpt-4o — used \d+ tokens/);
  }
  await settled(() => budgetRow('model:mock/gpt-4o').reservedTokens === 0, 'release');
  const b = budgetRow('model:mock/gpt-4o');
  assert.equal(b.spentTokens, ok * 379);
  assert.ok(b.spentTokens <= limit, `${b.spentTokens} <= ${limit}`);
});

test('cancelling a stream mid-way settles: reserved goes back to 0, spent reflects what was used', async () => {
  h.core.budgets.repo.setBudget({ scope: 'global', window: 'month', limitUsd: 5, limitTokens: 100_000, mode: 'hard', warnAtPct: null });
  h.mock.next({ kind: 'sse', file: 'openai/chat/stream.text.usage.sse', delayMs: 40 });
  const ac = new AbortController();
  const stream = await client.chat.completions.create({ model: 'mock/gpt-4o', stream: true, messages: [{ role: 'user', content: PROMPT }] }, { signal: ac.signal });
  let chunks = 0;
  let text = '';
  try {
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? '';
      if (++chunks === 1) {
        // Mid-flight, another process would see the reservation.
        await flushed(h.core);
        const mid = budgetRow('global');
        assert.ok(mid.reservedUsd > 0 && mid.reservedTokens > 0, 'reservation visible while streaming');
        assert.equal(h.core.db.prepare('SELECT COUNT(*) FROM budget_reservations').pluck().get(), 1);
      }
      if (chunks === 4) ac.abort();
    }
  } catch {
    /* the SDK may throw an AbortError or just end the iteration */
  }
  assert.equal(chunks, 4, 'the stream was cut after four chunks');
  await settled(() => budgetRow('global').reservedTokens === 0 && budgetRow('global').spentTokens > 0, 'the cancelled request to settle');
  const row = h.core.db.prepare('SELECT * FROM requests ORDER BY id DESC LIMIT 1').get() as any;
  assert.equal(row.status, 499);
  assert.equal(row.usage_estimated, 1);
  const b = budgetRow('global');
  assert.equal(b.reservedUsd, 0);
  assert.equal(b.spentTokens, row.input_tokens + row.output_tokens, 'spent equals the recorded (estimated) usage');
  assert.ok(row.output_tokens > 0 && row.output_tokens < 30, `partial output counted (${row.output_tokens})`);
  assert.ok(Math.abs(b.spentUsd - row.cost_usd) < 1e-12);
  assert.equal(h.core.db.prepare('SELECT COUNT(*) FROM budget_reservations').pluck().get(), 0);
});

test('an upstream failure releases the reservation and spends nothing', async () => {
  h.core.budgets.repo.setBudget({ scope: 'provider:mock', window: 'day', limitUsd: 1, limitTokens: null, mode: 'hard', warnAtPct: null });
  h.mock.next({ kind: 'error', file: 'openai/errors/400-unsupported_parameter.json' });
  const r = await client.chat.completions.create({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: PROMPT }] }).then(
    () => null,
    (e) => e,
  );
  assert.ok(r && r.status >= 400 && r.status !== 429, String(r));
  await settled(() => budgetRow('provider:mock').reservedUsd === 0, 'release');
  assert.equal(budgetRow('provider:mock').spentUsd, 0);
  assert.equal(budgetRow('provider:mock').requests, 0);
});

test('unknown price under a hard USD budget is refused with a clear message; a token budget still counts tokens', async () => {
  // A remote provider (not loopback-free) serving a model the catalog has no price for.
  if (!h.core.live.refresh().providers.has('remote')) {
    h.core.providers.add({ id: 'remote', type: 'openai-compatible', preset: null, baseUrl: h.mock.url, keyEnv: 'MOCK_KEY', options: { catalogProvider: 'openai', local: false } });
  }
  h.core.budgets.repo.setBudget({ scope: 'global', window: 'day', limitUsd: 10, limitTokens: null, mode: 'hard', warnAtPct: null });
  const e = await streamOnce(client, 'remote/house-model-7b');
  assert.equal(e.status, 403);
  assert.equal(e.code, 'budget_price_unknown');
  assert.match(e.message, /price of remote\/house-model-7b is unknown/);
  assert.match(e.message, /token budget/);
  // A priced model under the same budget goes through.
  assert.equal(await streamOnce(client, 'remote/gpt-4o'), 'ok');

  h.core.budgets.repo.removeBudget({ scope: 'global', window: 'day' });
  h.core.budgets.repo.setBudget({ scope: 'model:remote/house-model-7b', window: 'day', limitUsd: null, limitTokens: 10_000, mode: 'hard', warnAtPct: null });
  assert.equal(await streamOnce(client, 'remote/house-model-7b'), 'ok');
  await settled(() => budgetRow('model:remote/house-model-7b').spentTokens === 44, 'tokens to be counted');
  const b = budgetRow('model:remote/house-model-7b');
  assert.equal(b.costUnknownRequests, 1);
  assert.equal(b.spentUsd, 0);
});

test('soft budgets warn at the threshold and when exceeded, but never block', async () => {
  h.core.budgets.repo.setBudget({ scope: 'client:test-client', window: 'month', limitUsd: ACTUAL_USD * 3.5, limitTokens: null, mode: 'soft', warnAtPct: 50 });
  for (let i = 0; i < 5; i++) assert.equal(await streamOnce(), 'ok');
  await settled(() => budgetRow('client:test-client').requests === 5, 'spend');
  const budgetEvents = events.filter((e) => e.kind === 'budget');
  assert.deepEqual(budgetEvents.map((e) => [e.level, e.title]), [
    ['warn', 'Budget 57% used'],
    ['error', 'Soft budget exceeded'],
  ]);
  assert.match(budgetEvents[1]!.message, /soft monthly budget for client:test-client is used up/);
  assert.deepEqual(audit.filter((a) => a.type === 'budget.threshold').map((a) => a.data.threshold), [50, 100]);
  assert.ok(budgetRow('client:test-client').usedPct > 100);
});

test('team-policy budgets apply on top of user budgets (the tighter wins) and say who set them', async () => {
  h.core.budgets.repo.setBudget({ scope: 'global', window: 'day', limitUsd: 100, limitTokens: null, mode: 'hard', warnAtPct: null });
  const managed = { budgets: [{ scope: 'client:test-client', window: 'day' as const, mode: 'hard' as const, limitTokens: 100 }] };
  h.core.policy = { managed: () => managed, managedBy: () => "team policy 'acme' v3" };
  assert.equal(await streamOnce(), 'ok', 'the first call fits 100 tokens');
  await flushed(h.core);
  const e = await streamOnce();
  assert.equal(e.status, 429);
  assert.match(e.message, /hard daily budget for client:test-client \(set by team policy 'acme' v3\)/);
  const listed = h.core.budgets.list();
  assert.deepEqual(listed.map((b) => [b.id, b.scope, b.managedBy]), [
    ['policy:1', 'client:test-client', "team policy 'acme' v3"],
    [listed[1]!.id, 'global', null],
  ]);
});

test('rate limits under concurrency: rpm per client admits exactly N of 20 at once, with retry-after', async () => {
  h.core.budgets.repo.setRateLimit({ scope: 'client:test-client', rpm: 5, tpm: null });
  const results = await Promise.all(Array.from({ length: 20 }, () => streamOnce()));
  assert.equal(results.filter((r) => r === 'ok').length, 5);
  for (const e of results.filter((r) => r !== 'ok')) {
    assert.equal(e.status, 429);
    assert.equal(e.code, 'rate_limit_exceeded');
    assert.match(e.message, /Rate limit for client:test-client reached: 5 requests per minute/);
    const retry = Number(e.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 60, `retry-after ${retry}`);
  }
});

test('rate limits under concurrency: tpm per provider never admits more tokens than the minute allows', async () => {
  const body = { model: 'mock/gpt-4o', stream: true, max_tokens: 30, messages: [{ role: 'user', content: PROMPT }] };
  const per = estimatePromptTokens(body) + 30;
  h.core.budgets.repo.setRateLimit({ scope: 'provider:mock', rpm: null, tpm: per * 4 });
  const results = await Promise.all(Array.from({ length: 20 }, () => streamOnce()));
  const ok = results.filter((r) => r === 'ok').length;
  assert.ok(ok >= 4 && ok * 44 <= per * 4, `admitted ${ok}`);
  const refused = results.filter((r) => r !== 'ok');
  assert.ok(refused.length >= 1);
  for (const e of refused) {
    assert.equal(e.status, 429);
    assert.match(e.message, /Rate limit for provider:mock reached: \d+ tokens per minute/);
    assert.ok(Number(e.headers.get('retry-after')) >= 1);
  }
  const lim = h.core.budgets.rateLimits().find((l) => l.scope === 'provider:mock')!;
  assert.equal(lim.requestsLastMinute, ok);
  assert.equal(lim.tokensLastMinute, ok * 44, 'admitted estimates were corrected to actual usage');
});

test('Anthropic clients get the refusal in Anthropic error shape, with retry-after', async () => {
  const { default: Anthropic } = await import('@anthropic-ai/sdk');
  const claude = new Anthropic({ baseURL: `http://127.0.0.1:${h.gateway.port}`, apiKey: h.token, maxRetries: 0 });
  h.core.budgets.repo.setBudget({ scope: 'global', window: 'week', limitUsd: 0, limitTokens: null, mode: 'hard', warnAtPct: null });
  const e: any = await claude.messages.create({ model: 'mock/gpt-4o', max_tokens: 50, messages: [{ role: 'user', content: PROMPT }] }).catch((x) => x);
  assert.equal(e.status, 429);
  assert.equal(e.error?.type, 'error');
  assert.equal(e.error?.error?.type, 'rate_limit_error');
  assert.match(e.error?.error?.message, /hard weekly budget for global — spent \$[\d.]+ of \$0\.0000/);
  assert.ok(Number(e.headers.get('retry-after')) >= 1);
  assert.equal(h.mock.requests.filter((r) => r.body?.messages?.[0]?.content === PROMPT && r.body?.max_tokens === 50).length, 0, 'nothing left the machine');
});
