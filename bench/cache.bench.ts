// Cache-hit latency: p50 of a request answered from Airlock's exact cache vs the same request sent straight to
// the mock upstream (the baseline: what a client pays without Airlock), and vs an uncached pass through Airlock.
// Target: a cache hit adds <= 0.5 ms at p50.
// Semantic cache: p50 of a paraphrase answered by a semantic hit (one embeddings call to the mock, 1536-dim
// vectors in the real OpenAI wire format, nearest neighbour, replay, two request rows), and the nearest-neighbour
// search alone at 1k and 10k entries in one scope, sqlite-vec vs brute-force JS. Prints figures; asserts nothing.
import fs from 'node:fs';
import path from 'node:path';
import { startHarness, tempDataDir } from '../electron/core/testing/harness.ts';
import { openDatabase } from '../electron/core/store/db.ts';
import { VectorIndex, normalize } from '../electron/core/cache/vector-index.ts';
import { hasWrk, wrk, type WrkResult } from './lib.ts';

const DIMS = 1536;
let seed = 11;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
const randomVec = (dims = DIMS) => Array.from({ length: dims }, rnd);
/** A deterministic 1536-dim embedding per text; the benchmark's question and paraphrase get nearly the same one. */
const BASE = randomVec();
function embeddingOf(text: string): number[] {
  if (!text.includes('password')) return randomVec();
  return BASE.map((x, i) => (text.startsWith('What') && i % 97 === 0 ? x * 0.9 : x));
}

/** Nearest-neighbour search alone: mean microseconds per lookup over `n` entries in one scope. */
function searchBench(engine: 'auto' | 'js', n: number): { engine: string; us: number } {
  const dir = tempDataDir('airlock-bench-vec-');
  const db = openDatabase(path.join(dir, 'airlock.db'));
  const ix = new VectorIndex(db, { engine });
  try {
    const skey = Buffer.alloc(32, 1);
    const put = db.prepare(`INSERT INTO cache_entries (key, scope, provider, model, inbound, stream, content_type, body, size, usage, created_at, expires_at, last_hit_at, hits)
      VALUES (?, 's', 'p', 'm', 'openai.chat', 0, 'application/json', x'00', 1, NULL, 0, 9e15, 0, 0)`);
    db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const k = Buffer.from(`k${i}`);
        put.run(k);
        ix.add({ entryKey: k, skey, embedModel: 'e/m', vector: normalize(randomVec()), createdAt: 0, expiresAt: 9e15 });
      }
    })();
    const queries = Array.from({ length: 100 }, () => normalize(randomVec()));
    for (const q of queries.slice(0, 5)) ix.nearest(skey, 'e/m', q, 1);
    const t = performance.now();
    for (const q of queries) ix.nearest(skey, 'e/m', q, 1);
    return { engine: ix.engine, us: ((performance.now() - t) / queries.length) * 1000 };
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

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

    // Semantic cache: a route with it on; the question is stored once, then wrk sends a paraphrase (never an exact
    // hit, always a semantic one). The baseline for Airlock's own share is the embeddings call made directly.
    h.mock.on('POST /v1/embeddings', {
      kind: 'custom',
      handle: (_req, res, b) => {
        const out = { object: 'list', data: [{ object: 'embedding', index: 0, embedding: embeddingOf(String(b.input)) }], model: b.model, usage: { prompt_tokens: 8, total_tokens: 8 } };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
      },
    });
    h.core.settings.set('routing', { routes: { faq: { strategy: 'ordered', candidates: ['mock/gpt-4o'], semanticCache: { embeddings: 'mock/text-embedding-3-small', threshold: 0.9 } } } });
    const ask = (q: string) => JSON.stringify({ model: 'faq', temperature: 0.7, messages: [{ role: 'user', content: q }] });
    const seeded = await fetch(`${h.gateway.url}/chat/completions`, { method: 'POST', headers, body: ask('How do I reset my password?') });
    await seeded.text();
    const para = ask('What is the way to reset my password?');
    const check = await fetch(`${h.gateway.url}/chat/completions`, { method: 'POST', headers, body: para });
    await check.text();
    console.log(`semantic check: x-airlock-cache ${check.headers.get('x-airlock-cache')}, kind ${check.headers.get('x-airlock-cache-kind')}, similarity ${check.headers.get('x-airlock-cache-similarity')}`);
    const embBody = JSON.stringify({ model: 'text-embedding-3-small', input: 'What is the way to reset my password?' });
    const wrkBody = (url: string, b: string) => wrk(url, { connections: 1, seconds: SECONDS, body: b, headers });
    await wrkBody(`${h.mock.url}/embeddings`, embBody);
    const embDirect = await wrkBody(`${h.mock.url}/embeddings`, embBody);
    const sem = await wrkBody(`${h.gateway.url}/chat/completions`, para);
    row('direct embeddings call to mock', embDirect);
    row('Airlock, semantic hit', sem);
    const semAdded = sem.p50Ms - direct.p50Ms;
    console.log(`semantic hit added p50 latency vs direct chat call: ${semAdded.toFixed(3)} ms (includes one embeddings round trip to the mock, ${embDirect.p50Ms.toFixed(3)} ms direct)`);
    console.log(`semantic hit p50 minus the direct embeddings call p50 (Airlock's own share): ${(sem.p50Ms - embDirect.p50Ms).toFixed(3)} ms; exact hit p50 end to end: ${hit.p50Ms.toFixed(3)} ms`);
    console.log(`semantic hit p50 / exact hit p50: ${(sem.p50Ms / hit.p50Ms).toFixed(2)}x; semantic hit p50 / uncached Airlock p50 (mock answers instantly): ${(sem.p50Ms / miss.p50Ms).toFixed(2)}x`);
  } finally {
    await h.close();
  }
}

function searchFigures(): void {
  console.log(`\nnearest-neighbour search alone, ${DIMS}-dim vectors, all in one scope (mean of 100 lookups):`);
  const figs: Record<string, number> = {};
  for (const n of [1_000, 10_000]) {
    const v = searchBench('auto', n);
    const j = searchBench('js', n);
    figs[`${v.engine}-${n}`] = v.us;
    console.log(`  ${String(n).padStart(6)} entries: ${v.engine} ${(v.us / 1000).toFixed(3)} ms, js brute force ${(j.us / 1000).toFixed(3)} ms${n > 1000 ? ' (js scans only the newest 1,000)' : ''}; js / ${v.engine}: ${(j.us / v.us).toFixed(2)}x`);
  }
}

await main();
searchFigures();
