// Auto routing vs always-flagship on a replayed mixed workload: for each request, what `auto` picks, what it
// would cost there and at the flagship (openai/gpt-4o), and whether every capability constraint held
// (context fits, tools, images, JSON schema). Routing decisions only: no upstream is called. Prints figures.
import fs from 'node:fs';
import { Core } from '../electron/core/core.ts';
import { tempDataDir } from '../electron/core/testing/harness.ts';
import { routingOf } from '../electron/core/routing/runtime.ts';
import { resolveRoute } from '../electron/core/routing/resolve.ts';
import { requestFeatures, unfit } from '../electron/core/routing/auto.ts';
import { costOf, lookupModelFor, tierOf } from '../electron/core/routing/catalog.ts';

const dir = tempDataDir('airlock-bench-routing-');
const core = new Core({ dataDir: dir });
core.providers.add({ id: 'openai', type: 'openai', preset: 'openai', baseUrl: 'https://api.openai.com/v1', keyEnv: 'OPENAI_API_KEY', options: {} });
core.providers.add({ id: 'deepseek', type: 'openai-compatible', preset: 'deepseek', baseUrl: 'https://api.deepseek.com/v1', keyEnv: 'DEEPSEEK_API_KEY', options: {} });
const rt = routingOf(core);
const flagship = { provider: rt.provider('openai')!, model: 'gpt-4o' };
const flagInfo = lookupModelFor(flagship.provider, flagship.model)!;

const u = (content: unknown) => [{ role: 'user', content }];
const tool = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
const img = [{ type: 'text', text: 'What is in this picture?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,' + 'A'.repeat(4000) } }];
const doc = 'The quarterly report covers revenue, churn and hiring across regions. '.repeat(2500);
// A workload shaped like a developer's day: [kind, share, body, output tokens]
const WORKLOAD: [string, number, Record<string, unknown>, number][] = [
  ['simple Q&A', 40, { messages: u('What is the capital of Australia?') }, 60],
  ['rewrite/summary', 15, { messages: u('Summarise in one sentence: ' + 'Airlock keeps keys local. '.repeat(40)) }, 80],
  ['tool call', 12, { messages: u('Weather in Lisbon tomorrow?'), tools: tool }, 40],
  ['JSON schema extraction', 8, { messages: u('Extract name and email: Jane, jane@example.com'), response_format: { type: 'json_schema', json_schema: { name: 'p', schema: { type: 'object' } } } }, 40],
  ['image question', 5, { messages: u(img) }, 120],
  ['code', 12, { messages: u('Write a TypeScript function that debounces a callback, with unit tests.') }, 600],
  ['multi-step reasoning', 5, { messages: u('Think step by step: compare the trade-offs of three caching strategies and prove which one minimises misses.') }, 800],
  ['long context (~40k tokens)', 3, { messages: u(doc + '\nWhat changed in hiring?'), max_tokens: 500 }, 300],
];

let autoCost = 0;
let flagCost = 0;
let held = 0;
let total = 0;
const rows: string[][] = [['KIND', 'N', 'AUTO PICK', 'RULE', 'AUTO $', 'FLAGSHIP $', 'SAVED', 'CONSTRAINTS']];
const t0 = performance.now();
for (const [kind, n, body, out] of WORKLOAD) {
  const full = { model: 'auto', ...body };
  const r = resolveRoute(rt, core.live, 'auto', full);
  const c = r.candidates[0]!;
  const f = requestFeatures(full);
  const usage = { input: f.promptTokens, cached: 0, cacheWrite: 0, output: out };
  const a = costOf(c.info, usage)! * n;
  const b = costOf(flagInfo, usage)! * n;
  const ok = unfit(c.info, f) === null && unfit(flagInfo, f) === null;
  autoCost += a;
  flagCost += b;
  total += n;
  if (ok) held += n;
  const needs = [f.tools && 'tools', f.images && 'vision', f.jsonSchema && 'json-schema', `ctx ${f.promptTokens + (f.maxOutput ?? 0)}<=${c.info?.contextWindow}`].filter(Boolean).join(' ');
  rows.push([kind, String(n), `${c.provider.id}/${c.model} (t${tierOf(c.info)})`, r.rule, a.toFixed(4), b.toFixed(4), `${((1 - a / b) * 100).toFixed(0)}%`, `${ok ? 'held' : 'VIOLATED'}: ${needs}`]);
}
const decideUs = ((performance.now() - t0) * 1000) / WORKLOAD.length;
const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i]!)).join('  '));
console.log(`\n${total} requests: auto $${autoCost.toFixed(4)} vs always-flagship (openai/gpt-4o) $${flagCost.toFixed(4)}`);
console.log(`cost ratio auto/flagship: ${(autoCost / flagCost).toFixed(3)} (saved ${((1 - autoCost / flagCost) * 100).toFixed(1)}%)`);
console.log(`capability constraints held for ${held}/${total} requests`);
// Decision cost on the hot path (pool of ${rt.defaultPool().length} models).
const N = 2000;
const t1 = performance.now();
for (let i = 0; i < N; i++) resolveRoute(rt, core.live, 'auto', { model: 'auto', ...WORKLOAD[i % WORKLOAD.length]![2] });
console.log(`auto decision time: ${(((performance.now() - t1) * 1000) / N).toFixed(1)} us per request over a pool of ${rt.defaultPool().length} models (first pass ${decideUs.toFixed(0)} us incl. warm-up)`);
core.close();
fs.rmSync(dir, { recursive: true, force: true });
