import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../store/db.ts';
import { tempDataDir } from '../testing/harness.ts';
import { VectorIndex, normalize, sqliteVecPath, type VectorEngine } from './vector-index.ts';
import { splitForSemantic, semanticScopeKey } from './semantic-key.ts';

function freshDb() {
  const dir = tempDataDir('airlock-vec-');
  const db = openDatabase(path.join(dir, 'airlock.db'));
  return { db, dir, close: () => (db.close(), fs.rmSync(dir, { recursive: true, force: true })) };
}

const key = (n: number) => Buffer.from(`entry-${n}`);
const scope = (s: string) => Buffer.from(s.padEnd(32, '.'));
function putEntry(db: ReturnType<typeof freshDb>['db'], k: Buffer): void {
  db.prepare(`INSERT INTO cache_entries (key, scope, provider, model, inbound, stream, content_type, body, size, usage, created_at, expires_at, last_hit_at, hits)
    VALUES (?, 's', 'p', 'm', 'openai.chat', 0, 'application/json', x'00', 1, NULL, 0, 9e15, 0, 0)`).run(k);
}

let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
const randomVec = (dims: number) => normalize(Array.from({ length: dims }, rnd));

test('sqlite-vec installs and loads with this better-sqlite3 where its platform package is present', () => {
  let file: string | null = null;
  try {
    file = sqliteVecPath();
  } catch {
    /* unsupported platform: the JS engine is used, checked below */
  }
  const t = freshDb();
  try {
    const ix = new VectorIndex(t.db);
    if (file) assert.equal(ix.engine, 'sqlite-vec', `sqlite-vec did not load: ${ix.fallbackReason}`);
    else assert.equal(ix.engine, 'js');
    assert.equal(new VectorIndex(t.db, { engine: 'js' }).engine, 'js');
  } finally {
    t.close();
  }
});

for (const engine of ['sqlite-vec', 'js'] as VectorEngine[]) {
  test(`${engine}: nearest within the scope only, expiry, replace by entry, the cache_entries trigger, prune`, (tt) => {
    const t = freshDb();
    try {
      const ix = new VectorIndex(t.db, { engine: engine === 'js' ? 'js' : 'auto' });
      if (ix.engine !== engine) return tt.skip(`sqlite-vec unavailable: ${ix.fallbackReason}`);
      const add = (n: number, s: string, v: number[], expiresAt = 1e15) => {
        putEntry(t.db, key(n));
        ix.add({ entryKey: key(n), skey: scope(s), embedModel: 'e/m', vector: normalize(v), createdAt: 0, expiresAt });
      };
      add(1, 'A', [1, 0, 0, 0]);
      add(2, 'A', [0.6, 0.8, 0, 0]);
      add(3, 'B', [0, 0, 1, 0]);
      let n = ix.nearest(scope('A'), 'e/m', normalize([0.96, 0.28, 0, 0]), 1000)!;
      assert.ok(n.entryKey.equals(key(1)));
      assert.ok(Math.abs(n.similarity - 0.96) < 1e-5, String(n.similarity));
      // Scope B holds the exact vector, but A's lookup never sees it.
      n = ix.nearest(scope('A'), 'e/m', normalize([0, 0, 1, 0]), 1000)!;
      assert.ok(!n || !n.entryKey.equals(key(3)));
      assert.equal(ix.nearest(scope('C'), 'e/m', normalize([1, 0, 0, 0]), 1000), null);
      // A vector of another size is another index: no match, no error.
      assert.equal(ix.nearest(scope('A'), 'e/m', normalize([1, 0, 0]), 1000), null);
      // Expired rows are skipped.
      add(4, 'D', [1, 0, 0, 0], 500);
      assert.equal(ix.nearest(scope('D'), 'e/m', normalize([1, 0, 0, 0]), 1000), null);
      // Re-adding an entry replaces its vector.
      ix.add({ entryKey: key(1), skey: scope('A'), embedModel: 'e/m', vector: normalize([0, 0, 0, 1]), createdAt: 0, expiresAt: 1e15 });
      assert.ok(ix.nearest(scope('A'), 'e/m', normalize([1, 0, 0, 0]), 1000)!.entryKey.equals(key(2)));
      assert.equal(ix.stats().entries, 4);
      // The cache entry going (eviction, clear, any process) takes its semantic row with it.
      t.db.prepare('DELETE FROM cache_entries WHERE key = ?').run(key(2));
      n = ix.nearest(scope('A'), 'e/m', normalize([0.6, 0.8, 0, 0]), 1000)!;
      assert.ok(n.entryKey.equals(key(1)), 'the deleted entry is never returned');
      assert.equal(ix.stats().entries, 3);
      // Prune: expired rows and the oldest above the cap.
      assert.equal(ix.prune(1, 1000), 2);
      assert.equal(ix.stats().entries, 1);
      assert.equal(ix.clear(), 1);
      assert.equal(ix.nearest(scope('B'), 'e/m', normalize([0, 0, 1, 0]), 1000), null);
    } finally {
      t.close();
    }
  });
}

test('sqlite-vec and the JS fallback find the same neighbour; rows written without the extension are indexed on open', (tt) => {
  const t = freshDb();
  try {
    const js = new VectorIndex(t.db, { engine: 'js' });
    for (let i = 0; i < 300; i++) {
      putEntry(t.db, key(i));
      js.add({ entryKey: key(i), skey: scope(i % 3 === 0 ? 'A' : 'B'), embedModel: 'e/m', vector: randomVec(64), createdAt: 0, expiresAt: 1e15 });
    }
    const vec = new VectorIndex(t.db);
    if (vec.engine !== 'sqlite-vec') return tt.skip(`sqlite-vec unavailable: ${vec.fallbackReason}`);
    for (let q = 0; q < 20; q++) {
      const v = randomVec(64);
      const a = js.nearest(scope('A'), 'e/m', v, 1000)!;
      const b = vec.nearest(scope('A'), 'e/m', v, 1000)!;
      assert.ok(a.entryKey.equals(b.entryKey), `query ${q}`);
      assert.ok(Math.abs(a.similarity - b.similarity) < 1e-5);
    }
  } finally {
    t.close();
  }
});

test('semantic split: only the last user turn varies; tools, non-text turns and short turns are not eligible', () => {
  const base = { model: 'm', temperature: 0.5, messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'How do I reset my password?' }] };
  const a = splitForSemantic('openai.chat', base);
  const b = splitForSemantic('openai.chat', { ...base, messages: [base.messages[0], { role: 'user', content: [{ type: 'text', text: 'Resetting my password: how?' }] }] });
  assert.ok(a.ok && b.ok);
  assert.equal(a.text, 'How do I reset my password?');
  const k = (s: ReturnType<typeof splitForSemantic>, extra: Partial<Parameters<typeof semanticScopeKey>[0]> = {}) =>
    s.ok ? semanticScopeKey({ scope: 'client:1', protocol: 'openai.chat', provider: 'p', providerUrl: 'u', model: 'm', embeddings: 'e/m', numbers: s.numbers, rest: s.rest, ...extra }).toString('hex') : '';
  // The string and the text-part forms differ in the exact part (content shape), which is fine: the key is exact.
  assert.equal(k(a), k(splitForSemantic('openai.chat', { ...base, messages: [base.messages[0], { role: 'user', content: 'Totally different words here' }] })));
  assert.notEqual(k(a), k(a, { scope: 'client:2' }));
  assert.notEqual(k(a), k(a, { embeddings: 'e/other' }));
  assert.notEqual(k(a), k(splitForSemantic('openai.chat', { ...base, temperature: 0.6 })));
  assert.notEqual(k(a), k(splitForSemantic('openai.chat', { ...base, messages: [{ role: 'system', content: 'T' }, base.messages[1]] })));
  assert.equal(k(a), k(splitForSemantic('openai.chat', { ...base, user: 'someone', metadata: { x: 1 } })), 'fields that cannot change the answer are ignored, as in the exact key');
  const no = (body: Record<string, unknown>, protocol = 'openai.chat') => {
    const s = splitForSemantic(protocol, body);
    return s.ok ? 'ok' : s.reason;
  };
  assert.equal(no({ ...base, tools: [{ type: 'function', function: { name: 'f' } }] }), 'tools');
  assert.equal(no({ ...base, messages: [...base.messages, { role: 'assistant', content: 'Sure' }] }), 'last turn is not the user');
  assert.equal(no({ ...base, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:x' } }, { type: 'text', text: 'what is this picture' }] }] }), 'last turn is not plain text');
  assert.equal(no({ ...base, messages: [{ role: 'user', content: 'yes please' }] }), 'last turn too short');
  assert.equal(no({ ...base, messages: [{ role: 'user', content: 'x '.repeat(9000) }] }), 'last turn too long');
  assert.equal(no({ model: 'm', input: [1, 2] }, 'openai.embeddings'), 'not available for openai.embeddings');
  // Anthropic: tool results are not plain text; Responses: string input and user message items.
  assert.equal(no({ model: 'c', messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'ok' }] }] }, 'anthropic.messages'), 'last turn is not plain text');
  assert.equal(no({ model: 'c', system: 'S', messages: [{ role: 'user', content: [{ type: 'text', text: 'How do I reset it?' }] }] }, 'anthropic.messages'), 'ok');
  assert.equal(no({ model: 'o', input: 'How do I reset it?' }, 'openai.responses'), 'ok');
  assert.equal(no({ model: 'o', input: [{ role: 'user', content: [{ type: 'input_text', text: 'How do I reset it?' }] }] }, 'openai.responses'), 'ok');
  assert.equal(no({ model: 'o', input: [{ type: 'function_call_output', call_id: 'c', output: 'x' }] }, 'openai.responses'), 'last turn is not the user');
  const n = splitForSemantic('openai.chat', { ...base, messages: [{ role: 'user', content: 'Convert 3.5 km and 12 miles, please' }] });
  assert.ok(n.ok && n.numbers === '3.5 12');
});
