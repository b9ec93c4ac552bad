// Budget enforcement overhead: the same non-streaming request through Airlock with no budgets, then with three
// budgets (global/month USD, client/day USD+tokens, model/week tokens) and a per-client rate limit (rpm + tpm),
// all far from their limits so every request is admitted, reserved and settled. Prints figures; asserts nothing.
import { startHarness } from '../electron/core/testing/harness.ts';
import { hasWrk, wrk, type WrkResult } from './lib.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);

async function main(): Promise<void> {
  if (!hasWrk()) {
    console.log('wrk is not installed (scripts/setup-test-machine.sh installs it); skipping.');
    return;
  }
  const h = await startHarness();
  h.core.settings.set('dlp', { enabled: false });
  const body = JSON.stringify({ model: 'mock/gpt-4o', max_tokens: 400, messages: [{ role: 'user', content: 'Invent a holiday' }] });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${h.token}`, 'x-airlock-cache': 'no-store' };
  const url = `${h.gateway.url}/chat/completions`;
  const row = (name: string, r: WrkResult) => console.log(`${name.padEnd(40)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50Ms.toFixed(3)} ms   p99 ${r.p99Ms.toFixed(3)} ms   errors ${r.errors}`);
  try {
    await fetch(url, { method: 'POST', headers, body });
    const results: Record<string, WrkResult> = {};
    for (const c of [1, 10]) {
      await wrk(url, { connections: c, seconds: 1, body, headers });
      results[`none${c}`] = await wrk(url, { connections: c, seconds: SECONDS, body, headers });
    }
    h.core.budgets.repo.setBudget({ scope: 'global', window: 'month', limitUsd: 1e9, limitTokens: null, mode: 'hard', warnAtPct: 80 });
    h.core.budgets.repo.setBudget({ scope: 'client:test-client', window: 'day', limitUsd: 1e9, limitTokens: 1e12, mode: 'hard', warnAtPct: 80 });
    h.core.budgets.repo.setBudget({ scope: 'model:mock/gpt-4o', window: 'week', limitUsd: null, limitTokens: 1e12, mode: 'soft', warnAtPct: 80 });
    h.core.budgets.repo.setRateLimit({ scope: 'client:test-client', rpm: 1e9, tpm: 1e12 });
    for (const c of [1, 10]) {
      await wrk(url, { connections: c, seconds: 1, body, headers });
      results[`budgets${c}`] = await wrk(url, { connections: c, seconds: SECONDS, body, headers });
    }
    for (const c of [1, 10]) {
      console.log(`\n${c} connection(s), ${SECONDS}s each, non-streaming chat completion through Airlock`);
      const a = results[`none${c}`]!;
      const b = results[`budgets${c}`]!;
      row('no budgets (baseline)', a);
      row('3 budgets + rate limit', b);
      console.log(`budgets added p50: ${(b.p50Ms - a.p50Ms).toFixed(3)} ms; throughput with/without: ${(b.rps / a.rps).toFixed(2)}x`);
    }
    const st = h.core.budgets.list();
    console.log(`\nspend recorded: ${st.map((s) => `${s.scope}/${s.window} ${s.requests} requests`).join(', ')}`);
  } finally {
    await h.close();
  }
}

await main();
