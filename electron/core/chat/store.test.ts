// The chat store against a real SQLite file: ordering, FTS5 search kept in sync by triggers (insert, edit,
// truncate, delete), highlighted snippets, hostile query syntax, soft delete with undo and purge, export.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../store/db.ts';
import { tempDataDir } from '../testing/harness.ts';
import { ChatStore, UNDO_WINDOW_MS, autoTitle, ftsQuery } from './store.ts';
import { requestMessages, userContent, hintFor } from './runner.ts';

function fresh() {
  const dir = tempDataDir('airlock-chat-');
  const db = openDatabase(path.join(dir, 'airlock.db'));
  return { db, store: new ChatStore(db), done: () => (db.close(), fs.rmSync(dir, { recursive: true, force: true })) };
}

test('conversations list pinned first, then by most recent use; rename stops the auto title', () => {
  const { db, store, done } = fresh();
  try {
    const a = store.create({ model: 'fast' });
    const b = store.create();
    const c = store.create();
    store.append(a.id, [{ role: 'user', content: 'hello from a' }]);
    store.setAutoTitle(a.id, autoTitle('hello from a'));
    store.update(c.id, { pinned: true });
    // Same-millisecond creation: make "a was used last" explicit.
    db.prepare('UPDATE conversations SET updated_at = updated_at + 1000 WHERE id = ?').run(a.id);
    const order = store.list().conversations.map((x) => x.id);
    assert.deepEqual(order, [c.id, a.id, b.id]);
    assert.equal(store.get(a.id)!.title, 'hello from a');
    assert.equal(store.get(a.id)!.model, 'fast');
    store.update(b.id, { title: 'My title' });
    store.setAutoTitle(b.id, 'auto should not win');
    assert.equal(store.get(b.id)!.title, 'My title');
    assert.equal(store.list().total, 3);
  } finally {
    done();
  }
});

test('autoTitle: first meaningful line, cut at a word near 60 characters; code fences skipped', () => {
  assert.equal(autoTitle('  # How do I\nsecond line'), 'How do I');
  assert.equal(autoTitle('```js\nconst x = 1\n```\nExplain this code'), 'Explain this code');
  const long = autoTitle('Please write a detailed comparison of the three most popular relational databases for startups');
  assert.ok(long.length <= 61 && long.endsWith('…'), long);
  assert.ok(!long.includes('  '));
  assert.equal(autoTitle(''), 'New chat');
});

test('messages are numbered without gaps and paged by position; edit and truncate keep seq dense', () => {
  const { store, done } = fresh();
  try {
    const c = store.create();
    const items = Array.from({ length: 10 }, (_, i) => ({ role: (i % 2 ? 'assistant' : 'user') as 'user' | 'assistant', content: `m${i + 1}` }));
    store.append(c.id, items);
    const last = store.messages(c.id, undefined, 3);
    assert.equal(last.total, 10);
    assert.deepEqual(last.messages.map((m) => m.seq), [8, 9, 10]);
    assert.deepEqual(store.messages(c.id, 4, 2).messages.map((m) => m.content), ['m4', 'm5']);
    const m5 = store.messages(c.id, 5, 1).messages[0]!;
    store.editAndTruncate(m5.id, 'm5 edited');
    assert.equal(store.get(c.id)!.messageCount, 5);
    const [n6] = store.append(c.id, [{ role: 'assistant', content: 'new reply' }]);
    assert.equal(n6!.seq, 6);
    store.append(c.id, [{ role: 'assistant', content: 'regenerated' }], 5);
    assert.deepEqual(store.allMessages(c.id).map((m) => m.content), ['m1', 'm2', 'm3', 'm4', 'm5 edited', 'regenerated']);
  } finally {
    done();
  }
});

test('FTS5 search: highlighted snippets, kept in sync by triggers, deleted conversations hidden, hostile syntax is plain text', () => {
  const { store, done } = fresh();
  try {
    const a = store.create();
    const b = store.create();
    store.append(a.id, [
      { role: 'user', content: 'How do I configure the kubernetes ingress controller?' },
      { role: 'assistant', content: 'Use an Ingress resource with nginx.' },
    ]);
    store.append(b.id, [{ role: 'user', content: 'Café menus and crème brûlée' }]);
    store.update(b.id, { title: 'Dessert ideas' });

    const hits = store.search('kubernetes');
    assert.equal(hits.length, 1);
    assert.equal(hits[0]!.conversationId, a.id);
    assert.equal(hits[0]!.role, 'user');
    assert.match(hits[0]!.snippet, /\u0002kubernetes\u0003/);
    // Prefix match on the last word, diacritics folded.
    assert.equal(store.search('ingr')[0]!.conversationId, a.id);
    assert.equal(store.search('creme brulee')[0]!.conversationId, b.id);
    // Title matches come first, marked too.
    const t = store.search('Dessert');
    assert.equal(t[0]!.messageId, null);
    assert.equal(t[0]!.snippet, '\u0002Dessert\u0003 ideas');

    // Edits re-index; truncation and deletes remove index rows.
    const first = store.allMessages(a.id)[0]!;
    store.editAndTruncate(first.id, 'Tell me about terraform modules');
    assert.equal(store.search('kubernetes').length, 0);
    assert.equal(store.search('nginx').length, 0, 'the truncated reply left the index');
    assert.equal(store.search('terraform').length, 1);
    store.delete(a.id);
    assert.equal(store.search('terraform').length, 0, 'a deleted conversation is not searchable');
    store.restore(a.id);
    assert.equal(store.search('terraform').length, 1, 'undo brings it back');

    // FTS syntax in user input is neither an error nor an operator.
    for (const q of ['"unbalanced', 'a OR', 'NEAR(x y)', '-foo', 'col:x', '*', '(((', "'; DROP TABLE messages; --", '']) {
      assert.doesNotThrow(() => store.search(q), q);
    }
    assert.equal(ftsQuery('"unbalanced'), '"unbalanced"*');
    assert.equal(ftsQuery('***'), null);
    assert.equal(store.search('%').length, 0, 'LIKE wildcards are escaped in title search');
  } finally {
    done();
  }
});

test('delete is undoable until the undo window passes; then the conversation, its messages and index rows are purged', () => {
  const { db, store, done } = fresh();
  try {
    const c = store.create();
    store.append(c.id, [{ role: 'user', content: 'purge me zebra' }]);
    const t0 = Date.now();
    assert.equal(store.delete(c.id, t0), true);
    assert.equal(store.get(c.id), null);
    assert.equal(store.list().total, 0);
    assert.equal(store.restore(c.id)!.id, c.id);
    assert.equal(store.list().total, 1);
    store.delete(c.id, t0 - UNDO_WINDOW_MS - 1);
    assert.equal(store.purgeDeleted(t0), 1);
    assert.equal(store.restore(c.id), null);
    assert.equal(db.prepare('SELECT COUNT(*) FROM messages').pluck().get(), 0);
    assert.equal(db.prepare("SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH 'zebra'").pluck().get(), 0);
  } finally {
    done();
  }
});

test('export: Markdown with roles, models, costs and refusals; JSON round-trips the API shapes without payloads', () => {
  const { store, done } = fresh();
  try {
    const c = store.create({ systemPrompt: 'Be brief.' });
    store.update(c.id, { title: 'Export: test/1' });
    const [u, a] = store.append(c.id, [
      { role: 'user', content: 'What is 2+2?', attachments: [{ name: 'notes.txt', kind: 'text', mime: 'text/plain', size: 5, text: 'hello' }] },
      { role: 'assistant', content: '', status: 'streaming' },
    ]);
    store.finish(a!.id, '4', 'done', null, { requestedModel: 'auto', provider: 'mock', model: 'gpt-4o-mini', inputTokens: 10, outputTokens: 1, cachedTokens: 0, costUsd: 0.0000021, cacheHit: false, dlp: null, latencyMs: 12 });
    const [, b] = store.append(c.id, [{ role: 'user', content: 'my iban' }, { role: 'assistant', content: '', status: 'streaming' }]);
    store.finish(b!.id, '', 'blocked', { status: 403, code: 'dlp_blocked', message: 'Blocked by policy: 1 IBAN detected', hint: null, retryAfterSeconds: null }, { requestedModel: 'auto', provider: null, model: null, inputTokens: null, outputTokens: null, cachedTokens: null, costUsd: null, cacheHit: false, dlp: [{ type: 'IBAN', count: 1, action: 'block' }], latencyMs: 3 });

    const md = store.export(c.id, 'markdown')!;
    assert.equal(md.filename, 'Export-test1.md');
    assert.match(md.content, /^# Export: test\/1/);
    assert.match(md.content, /## System prompt\n\nBe brief\./);
    assert.match(md.content, /## You\n\n> Attachment: notes.txt \(text, 5 bytes\)\n\nWhat is 2\+2\?/);
    assert.match(md.content, /## Assistant \(mock\/gpt-4o-mini · \$0\.000002\)\n\n4/);
    assert.match(md.content, /> Blocked: Blocked by policy: 1 IBAN detected/);

    const j = JSON.parse(store.export(c.id, 'json')!.content);
    assert.equal(j.format, 'airlock-chat/1');
    assert.equal(j.conversation.costUsd, 0.0000021);
    assert.equal(j.messages.length, 4);
    assert.equal(j.messages[0].attachments[0].name, 'notes.txt');
    assert.equal(j.messages[0].payloads, undefined, 'attachment payloads are not part of the export shape');
    assert.deepEqual(j.messages[3].dlp, [{ type: 'IBAN', count: 1, action: 'block' }]);
    assert.equal(store.get(c.id)!.inputTokens, 10);
    assert.equal(store.export('c_missing00000', 'json'), null);
  } finally {
    done();
  }
});

test('request messages: system prompt, answered turns only (refused turns are not resent), attachments inlined, oldest cut first', () => {
  const { store, done } = fresh();
  try {
    const c = store.create();
    const ms = store.append(c.id, [
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'secret IBAN' },
      { role: 'assistant', content: '', status: 'blocked' },
      { role: 'user', content: 'q3', attachments: [{ name: 'x.py', kind: 'text', mime: 'text/x-python', size: 9, text: 'print(1)' }] },
    ]);
    const out = requestMessages('Be brief.', store.allMessages(c.id), ms[4]!);
    assert.deepEqual(out.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
    assert.equal(out[1]!.content, 'q1');
    assert.match(out[3]!.content as string, /^Attached file `x\.py`:\n```py\nprint\(1\)\n```\n\nq3$/);
    const cut = requestMessages('', store.allMessages(c.id), ms[4]!, 10);
    assert.deepEqual(cut.map((m) => m.role), ['user'], 'over budget: only the current message');
    const img = userContent({ content: 'what is this?', payloads: [{ name: 'a.png', kind: 'image', mime: 'image/png', size: 3, dataUrl: 'data:image/png;base64,AAAA' }] });
    assert.deepEqual(img, [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }]);
  } finally {
    done();
  }
});

test('hints say what to do for each refusal', () => {
  assert.match(hintFor(403, 'dlp_blocked', null)!, /remove the value/);
  assert.match(hintFor(429, 'budget_exceeded', 120)!, /about 2 min/);
  assert.match(hintFor(429, 'rate_limit_exceeded', 5)!, /about 5 s/);
  assert.match(hintFor(403, 'model_not_allowed', null)!, /Pick another model/);
  assert.equal(hintFor(400, null, null), null);
});
