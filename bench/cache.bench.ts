// Cache-hit latency: p50 of a request answered from Airlock's exact cache vs the same request sent straight to
// the mock upstream (the baseline: what a client pays without Airlock), and vs an uncached pass through Airlock.
// Target: a cache hit adds <= 0.5 ms at p50. Prints figures; asserts nothing.
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
  const body = JSON.stringify({ model: 'mock/gpt-4o', temperature: 0, messages: [{ role: 'user', content: 'Invent a holiday' }] });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${h.token}` };
  try {
    const run = (url: string, extra: Record<string, string> = {}) => wrk(url, { connections: 1, seconds: SECONDS, body, headers: { ...headers, ...extra } });
    // Warm both paths and fill the cache entry.
    await fetch(`${h.gateway.url}/chat/completions`, { method: 'POST', headers, body });
    await run(`${h.mock.url}/chat/completions`);
    const direct: WrkResult = await run(`${h.mock.url}/chat/completions`);
    const hit: WrkResult = await run(`${h.gateway.url}/chat/completions`);
    const miss: WrkResult = await run(`${h.gateway.url}/chat/completions`, { 'x-airlock-cache': 'no-store' });
    const row = (name: string, r: WrkResult) => console.log(`${name.padEnd(34)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50Ms.toFixed(3)} ms   p99 ${r.p99Ms.toFixed(3)} ms   errors ${r.errors}`);
    console.log(`1 connection, ${SECONDS}s each, non-streaming chat completion (${Buffer.byteLength(body)} B request)`);
    row('direct to mock (baseline)', direct);
    row('Airlock, cache hit', hit);
    row('Airlock, no-store (upstream call)', miss);
    const added = hit.p50Ms - direct.p50Ms;
    console.log(`cache hit added p50 latency vs direct: ${added.toFixed(3)} ms (target <= 0.5 ms: ${added <= 0.5 ? 'met' : 'NOT met'})`);
    console.log(`cache hit p50 / direct p50: ${(hit.p50Ms / direct.p50Ms).toFixed(2)}x; cache hit p50 / uncached Airlock p50: ${(hit.p50Ms / miss.p50Ms).toFixed(2)}x`);
    console.log(`cache hit throughput / direct: ${(hit.rps / direct.rps).toFixed(2)}x`);
  } finally {
    await h.close();
  }
}

await main();
