// End to end: real gateway calls with x-airlock-tags (official openai SDK) show up in core.analytics —
// spend by tag, the request log filtered by tag, the totals — through the worker thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startHarness, flushed } from '../testing/harness.ts';

test('gateway traffic with x-airlock-tags is broken down by tag and listed in the request log', async () => {
  const h = await startHarness();
  try {
    const client = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0 });
    for (const feature of ['summarize', 'summarize', 'chat']) {
      await client.chat.completions.create(
        { model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-airlock-tags': ` Feature=${feature} , env=dev,feature=ignored` } },
      );
    }
    await client.chat.completions.create({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'untagged' }] });
    await flushed(h.core);
    const now = Date.now();
    const a = h.core.startAnalytics();
    const b = await a.breakdown({ from: now - 3_600_000, to: now + 60_000, by: 'tag:feature' });
    const by = Object.fromEntries(b.rows.map((r) => [r.key, r.requests]));
    assert.deepEqual(by, { summarize: 2, chat: 1, '(untagged)': 1 });
    assert.equal(b.total.requests, 4);
    assert.ok(b.total.costUsd > 0, 'priced from the catalog');
    const log = await a.requestLog({ tag: { key: 'feature', value: 'summarize' } });
    assert.equal(log.rows.length, 2);
    assert.deepEqual(log.rows[0].tags, [['feature', 'summarize'], ['env', 'dev']]);
    assert.equal(log.rows[0].client, 'test-client');
    const t = await a.totals({ zone: 'Europe/Berlin', now: now + 1000 });
    assert.ok(t.month.requests >= 4 || t.month.start > now - 3_600_000, 'this month holds the calls (unless it began within the hour)');
    assert.equal(t.today.requests, (await a.breakdown({ from: t.today.start, to: t.today.end, by: 'total' })).total.requests);
  } finally {
    await h.close();
  }
});
