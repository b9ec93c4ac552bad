import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { runCliCaptured } from '../testing.ts';
import { tempDataDir } from '../../core/testing/harness.ts';
import { Core } from '../../core/core.ts';
import { lookupModelFor } from '../../core/routing/catalog.ts';
import { routingOf } from '../../core/routing/runtime.ts';

const dir = tempDataDir('airlock-routing-cli-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => runCliCaptured(['--data-dir', dir, ...args]);

test('model set/list/remove: overrides, custom models, local models free by default; routing and pricing see them', async () => {
  assert.equal((await cli(['provider', 'add', 'openai', '--key-env', 'OPENAI_API_KEY'])).code, 0);
  assert.equal((await cli(['provider', 'add', 'lab', '--type', 'openai-compatible', '--base-url', 'https://lab.example.com/v1', '--key-env', 'LAB_KEY'])).code, 0);
  assert.equal((await cli(['provider', 'add', 'ollama'])).code, 0);

  let r = await cli(['model', 'set', 'lab/my-model']);
  assert.equal(r.code, 2);
  assert.match(r.err, /give its prices/);
  r = await cli(['model', 'set', 'lab/my-model', '--input-usd-per-mtok', '0.2', '--output-usd-per-mtok', '0.8', '--context', '32000', '--tools', '--tier', '2', '--json']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out), {
    model: 'lab/my-model',
    input_usd_per_mtok: 0.2,
    output_usd_per_mtok: 0.8,
    cached_input_usd_per_mtok: null,
    context: 32000,
    max_output: null,
    tools: true,
    vision: null,
    json_schema: null,
    reasoning: null,
    tier: 2,
  });
  r = await cli(['model', 'set', 'ollama/llama3.1:8b', '--context', '8192', '--json']);
  assert.equal(JSON.parse(r.out).input_usd_per_mtok, 0, 'a local model is free unless priced');
  r = await cli(['model', 'set', 'openai/gpt-4o', '--input-usd-per-mtok', '2', '--json']);
  assert.deepEqual([JSON.parse(r.out).input_usd_per_mtok, JSON.parse(r.out).output_usd_per_mtok, JSON.parse(r.out).context], [2, 10, 128000], 'catalog fields kept');
  assert.equal((await cli(['model', 'set', 'lab', '--input-usd-per-mtok', '1'])).code, 2);
  assert.equal((await cli(['model', 'set', 'lab/x', '--input-usd-per-mtok', '-1'])).code, 2);

  r = await cli(['model', 'list', '--json']);
  assert.deepEqual(JSON.parse(r.out).map((m: any) => m.model), ['lab/my-model', 'ollama/llama3.1:8b', 'openai/gpt-4o']);
  r = await cli(['model', 'list']);
  assert.match(r.out, /lab\/my-model\s+override\s+\$0\.2\s+\$0\.8\s+32000\s+standard\s+tools/);

  // The gateway's view (another Core on the same data dir) sees the overrides for pricing and routing.
  const core = new Core({ dataDir: dir });
  try {
    const rt = routingOf(core);
    assert.equal(lookupModelFor(rt.provider('openai')!, 'gpt-4o')!.input, 2e-6);
    assert.ok(rt.defaultPool().some((e) => e.provider.id === 'lab' && e.model === 'my-model'));
  } finally {
    core.close();
  }

  assert.equal((await cli(['model', 'remove', 'openai/gpt-4o'])).code, 0);
  assert.equal((await cli(['model', 'remove', 'openai/gpt-4o'])).code, 1);
});

test('route set/list/remove/explain', async () => {
  let r = await cli(['route', 'set', 'cheap']);
  assert.equal(r.code, 2);
  r = await cli(['route', 'set', 'bad/name', 'openai/gpt-4o']);
  assert.equal(r.code, 2);
  r = await cli(['route', 'set', 'gpt-4o', 'openai/gpt-4o', 'azure/gpt-4o']);
  assert.equal(r.code, 0);
  assert.match(r.out, /openai\/gpt-4o -> azure\/gpt-4o/);
  assert.match(r.out, /azure\/gpt-4o names a provider that is not configured/);
  r = await cli(['route', 'set', 'auto', '--auto', 'openai/gpt-4o-mini', 'openai/gpt-4o', 'lab/my-model', '--cache', 'on', '--cache-ttl', '10m']);
  assert.equal(r.code, 0, r.err);
  r = await cli(['route', 'list', '--json']);
  const routes = JSON.parse(r.out);
  const auto = routes.find((x: any) => x.alias === 'auto');
  assert.deepEqual([auto.source, auto.strategy, auto.cache, auto.cache_ttl_seconds], ['settings', 'auto', true, 600]);
  assert.equal(routes.find((x: any) => x.alias === 'fast').source, 'built-in');
  assert.deepEqual(routes.find((x: any) => x.alias === 'gpt-4o').candidates, ['openai/gpt-4o', 'azure/gpt-4o']);

  r = await cli(['route', 'explain', 'auto', '--prompt', 'hello', '--json']);
  assert.deepEqual(JSON.parse(r.out).candidates[0], 'openai/gpt-4o-mini');
  r = await cli(['route', 'explain', 'auto', '--prompt', 'Refactor this function and add unit tests', '--json']);
  assert.deepEqual([JSON.parse(r.out).rule, JSON.parse(r.out).candidates[0]], ['auto:code', 'openai/gpt-4o']);
  r = await cli(['route', 'explain', 'auto', '--image', '--json']);
  assert.ok(!JSON.parse(r.out).candidates.includes('lab/my-model'), 'no vision: never chosen for an image');

  assert.equal((await cli(['route', 'remove', 'gpt-4o'])).code, 0);
  assert.equal((await cli(['route', 'remove', 'gpt-4o'])).code, 1);
  r = await cli(['route', 'remove', 'auto']);
  assert.match(r.out, /built-in one applies again/);
});

test('cache stats/config/clear', async () => {
  let r = await cli(['cache', 'config', '--ttl', '2h', '--mode', 'all', '--json']);
  assert.deepEqual([JSON.parse(r.out).ttlSeconds, JSON.parse(r.out).mode], [7200, 'all']);
  assert.equal((await cli(['cache', 'config', '--mode', 'sometimes'])).code, 2);
  r = await cli(['cache', 'stats', '--json']);
  assert.equal(JSON.parse(r.out).entries, 0);
  r = await cli(['cache', 'clear']);
  assert.match(r.out, /Removed 0 cache entries/);
});
