// Gateway overhead: the same non-streaming chat completion sent directly to a mock upstream, through Airlock
// (request log on) and through Portkey's gateway (@portkey-ai/gateway, --headless), measured with wrk.
// Targets (issue #2): Airlock's added p50 at 1 connection <= 0.3 ms; throughput at 10 connections >= 5x Portkey's.
import fs from 'node:fs';
import path from 'node:path';
import { startMockUpstream } from '../electron/core/testing/mock-upstream.ts';
import { tempDataDir } from '../electron/core/testing/harness.ts';
import { ROOT, fmt, hasWrk, startProcess, stop, wrk, type WrkResult } from './lib.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

if (!hasWrk()) {
  console.log('gateway bench skipped: wrk is not installed (apt-get install wrk)');
  process.exit(0);
}

const mock = await startMockUpstream();
const dataDir = tempDataDir('airlock-bench-');
const cli = path.join(ROOT, 'electron/cli/main.ts');
const node = process.execPath;
const run = (args: string[]) => startProcess(node, [cli, '--data-dir', dataDir, ...args], /\n$/);
await run(['provider', 'add', 'mock', '--type', 'openai-compatible', '--base-url', mock.url, '--key-env', 'MOCK_KEY']);
const tokenOut = await startProcess(node, [cli, '--data-dir', dataDir, 'token', 'create', 'bench', '--json'], /(\{.*\})\n/);
const token = JSON.parse(tokenOut.match[1]!).token as string;

const airlock = await startProcess(node, [cli, '--data-dir', dataDir, 'serve', '--port', '0'], /listening on http:\/\/127\.0\.0\.1:(\d+)\/v1/, { MOCK_KEY: 'sk-bench-key' });
const airlockPort = Number(airlock.match[1]);
const portkeyPort = 20000 + (process.pid % 20000);
const portkey = await startProcess(node, [path.join(ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js'), `--port=${portkeyPort}`, '--headless'], /(listening|running|started|8787|\d{4,5})/i, { NODE_ENV: 'production' });
await new Promise((r) => setTimeout(r, 500));

const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Say hello' }] });
const targets: { name: string; url: string; headers: Record<string, string>; body: string }[] = [
  { name: 'direct', url: `${mock.url}/chat/completions`, headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench-key' }, body },
  { name: 'airlock', url: `http://127.0.0.1:${airlockPort}/v1/chat/completions`, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body.replace('"gpt-4o"', '"mock/gpt-4o"') },
  {
    name: 'portkey',
    url: `http://127.0.0.1:${portkeyPort}/v1/chat/completions`,
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench-key', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': mock.url },
    body,
  },
];

// Each target must answer 200 with the fixture before it is measured.
for (const t of targets) {
  const r = await fetch(t.url, { method: 'POST', headers: t.headers, body: t.body });
  const j: any = await r.json().catch(() => null);
  if (r.status !== 200 || !j?.choices) throw new Error(`${t.name} did not answer correctly (${r.status}): ${JSON.stringify(j).slice(0, 300)}`);
}

const results: Record<string, Record<number, WrkResult>> = {};
for (const conns of [1, 10]) {
  for (const t of targets) {
    await wrk(t.url, { connections: conns, seconds: 1, body: t.body, headers: t.headers }); // warm-up
    (results[t.name] ??= {})[conns] = await wrk(t.url, { connections: conns, seconds: SECONDS, body: t.body, headers: t.headers });
  }
}

console.log(`\nGateway overhead (non-streaming chat completion, mock upstream on loopback, ${SECONDS}s per run, wrk -t1)`);
console.log('target    conns   req/s      p50 ms   p99 ms   non-2xx');
for (const t of targets) for (const c of [1, 10]) {
  const r = results[t.name]![c]!;
  console.log(`${t.name.padEnd(9)} ${String(c).padStart(5)}   ${fmt(r.rps, 0).padStart(8)}   ${fmt(r.p50Ms, 3).padStart(6)}   ${fmt(r.p99Ms, 3).padStart(6)}   ${r.errors}`);
}
const d1 = results.direct![1]!, a1 = results.airlock![1]!, p1 = results.portkey![1]!;
const a10 = results.airlock![10]!, p10 = results.portkey![10]!, d10 = results.direct![10]!;
console.log('');
console.log(`Airlock added p50 at 1 connection: ${fmt((a1.p50Ms - d1.p50Ms) * 1000, 0)} us (target <= 300 us); Portkey added: ${fmt((p1.p50Ms - d1.p50Ms) * 1000, 0)} us`);
console.log(`Throughput at 10 connections: Airlock/Portkey = ${fmt(a10.rps / p10.rps)}x (target >= 5x); Airlock/direct = ${fmt(a10.rps / d10.rps)}x`);
console.log(`p50 at 1 connection: Airlock/Portkey = ${fmt(a1.p50Ms / p1.p50Ms)}x`);

await stop(airlock.proc);
await stop(portkey.proc);
await mock.close();
fs.rmSync(dataDir, { recursive: true, force: true });
