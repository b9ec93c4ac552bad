import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { runCliCaptured } from '../../cli/testing.ts';
import { tempDataDir } from '../testing/harness.ts';

const dir = tempDataDir('airlock-semantic-cli-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => runCliCaptured(['--data-dir', dir, ...args]);

test('route set --semantic switches the semantic cache on per route; list and cache stats show it; bad flags are refused', async () => {
  assert.equal((await cli(['provider', 'add', 'openai', '--key-env', 'OPENAI_API_KEY'])).code, 0);
  assert.equal((await cli(['provider', 'add', 'anthropic', '--key-env', 'ANTHROPIC_API_KEY'])).code, 0);
  let r = await cli(['cache', 'stats']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Semantic cache off/);

  r = await cli(['route', 'set', 'faq', 'openai/gpt-4o-mini', '--semantic', 'openai/text-embedding-3-small', '--semantic-threshold', '0.92', '--semantic-ttl', '2h']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Semantic cache on: .*>= 0\.92 .*openai\/text-embedding-3-small/);
  r = await cli(['route', 'list', '--json']);
  const faq = JSON.parse(r.out).find((x: any) => x.alias === 'faq');
  assert.deepEqual(faq.semantic_cache, { embeddings: 'openai/text-embedding-3-small', threshold: 0.92, ttlSeconds: 7200 });
  assert.match((await cli(['route', 'list'])).out, /semantic openai\/text-embedding-3-small >= 0\.92 ttl 7200s/);
  r = await cli(['cache', 'stats', '--json']);
  const st = JSON.parse(r.out).semantic;
  assert.deepEqual([st.routes, st.entries, st.hits], [['faq'], 0, 0]);
  assert.ok(st.engine === 'sqlite-vec' || st.engine === 'js');
  assert.match((await cli(['cache', 'stats'])).out, /Semantic cache on for faq: 0 entries, 0 hits/);

  // Setting the route again without --semantic turns it off (a route is replaced whole).
  r = await cli(['route', 'set', 'faq', 'openai/gpt-4o-mini', '--semantic', 'off']);
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse((await cli(['route', 'list', '--json'])).out).find((x: any) => x.alias === 'faq').semantic_cache, null);

  for (const [args, msg] of [
    [['--semantic', 'text-embedding-3-small'], /<provider>\/<embedding-model>/],
    [['--semantic', 'openai/text-embedding-3-small', '--semantic-threshold', '1.5'], /above 0 and at most 1/],
    [['--semantic', 'openai/text-embedding-3-small', '--semantic-threshold', 'high'], /above 0 and at most 1/],
    [['--semantic', 'openai/text-embedding-3-small', '--semantic-ttl', 'soon'], /duration/],
    [['--semantic-threshold', '0.9'], /need --semantic/],
    [['--semantic', 'anthropic/claude-sonnet-4-5'], /no OpenAI-compatible embeddings endpoint/],
  ] as const) {
    r = await cli(['route', 'set', 'faq', 'openai/gpt-4o-mini', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.out}`);
    assert.match(r.err, msg);
  }
});
