// The audit log against a real SQLite data dir: appends from repos, checkpoints, and every tamper case
// (edit, delete, insert, reorder, truncate, rewrite-and-rechain), through `airlock audit verify` and exports.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Core } from '../core.ts';
import { tempDataDir } from '../testing/harness.ts';
import { runCliCaptured } from '../../cli/testing.ts';
import { entryHash, GENESIS } from './chain.ts';
import { DEVICE_KEY_ACCOUNT, DEVICE_KEY_FILE } from './device-key.ts';
import type { SecretStore } from '../secrets/secret-store.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function fresh(n = 10, opts: { checkpointAt?: number } = {}): { core: Core; dir: string } {
  const dir = tempDataDir('airlock-audit-');
  dirs.push(dir);
  const core = new Core({ dataDir: dir, env: {}, secrets: null });
  for (let i = 1; i <= n; i++) {
    core.audit.append('test.event', { i });
    if (i === (opts.checkpointAt ?? n)) core.auditLog.checkpointSync();
  }
  return { core, dir };
}

const cli = (dir: string, ...args: string[]) => runCliCaptured(['--data-dir', dir, ...args], { env: {} });

const row = (core: Core, seq: number): any => core.db.prepare('SELECT * FROM audit_log WHERE seq = ?').get(seq);

test('entries chain from genesis; repos audit token and provider changes without values; verify passes', async () => {
  const { core, dir } = fresh(0);
  const { token } = core.clients.create('cursor');
  core.clients.revoke('cursor');
  core.providers.add({ id: 'openai', type: 'openai', preset: 'openai', baseUrl: 'https://api.openai.com/v1', keyEnv: 'OPENAI_API_KEY', options: {} });
  core.providers.remove('openai');
  core.settings.set('gateway', { corsOrigins: [] });
  core.audit.append('dlp.action', { types: { EMAIL: 2 }, note: `leaked ${token} and sk-proj-abcdefghijklmnopqrstuvwxyz123456` });
  const es = core.auditLog.entries();
  assert.deepEqual(es.map((e) => e.type), ['token.create', 'token.revoke', 'provider.add', 'provider.remove', 'settings.change', 'dlp.action']);
  assert.equal(es[0]!.prev, GENESIS);
  for (let i = 1; i < es.length; i++) assert.equal(es[i]!.prev, es[i - 1]!.hash);
  const all = JSON.stringify(core.db.prepare('SELECT * FROM audit_log').all());
  assert.ok(!all.includes(token), 'a token value never reaches the audit log');
  assert.ok(!all.includes('sk-proj-abcdefghij'), 'key-shaped strings are redacted');
  assert.equal(core.auditLog.checkpointSync()!.seq, 6);
  const r = await cli(dir, 'audit', 'verify');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /OK: 6 entries .* 1 signed checkpoint\(s\) verified/);
  const key = path.join(dir, DEVICE_KEY_FILE);
  assert.equal(fs.statSync(key).mode & 0o777, 0o600, 'the file device key is 0600');
});

test('two processes appending to one data dir (gateway and CLI) extend one valid chain', async () => {
  const { core, dir } = fresh(1);
  const other = new Core({ dataDir: dir, env: {}, secrets: null });
  for (let i = 0; i < 5; i++) {
    core.audit.append('test.a', { i });
    core.auditLog.flush();
    other.audit.append('test.b', { i });
    other.auditLog.flush();
  }
  other.close();
  const types = core.auditLog.entries().map((e) => e.type);
  assert.equal(types.length, 11);
  assert.deepEqual(types.slice(1, 5), ['test.a', 'test.b', 'test.a', 'test.b']);
  assert.equal((await cli(dir, 'audit', 'verify')).code, 0);
});

test('tamper: an edited entry is named', async () => {
  const { core, dir } = fresh();
  core.db.prepare('UPDATE audit_log SET data = ? WHERE seq = 4').run('{"i":40}');
  const r = await cli(dir, 'audit', 'verify');
  assert.equal(r.code, 1);
  assert.match(r.err, /entry #4 \(test\.event, .*\) was edited/);
});

test('tamper: a deleted entry is named', async () => {
  const { core, dir } = fresh();
  core.db.prepare('DELETE FROM audit_log WHERE seq = 5').run();
  const r = await cli(dir, 'audit', 'verify');
  assert.equal(r.code, 1);
  assert.match(r.err, /entry #5 is missing before entry #6/);
});

test('tamper: an inserted entry (later ones renumbered) is found', async () => {
  const { core, dir } = fresh();
  core.db.transaction(() => {
    core.db.prepare('UPDATE audit_log SET seq = seq + 1000 WHERE seq > 3').run();
    core.db.prepare('UPDATE audit_log SET seq = seq - 999 WHERE seq > 1000').run();
    const prev = row(core, 3).hash;
    const forged = { seq: 4, ts: Date.now(), type: 'test.event', data: { i: 'forged' }, prev };
    core.db.prepare('INSERT INTO audit_log (seq, ts, type, data, prev, hash) VALUES (?, ?, ?, ?, ?, ?)').run(4, forged.ts, forged.type, JSON.stringify(forged.data), prev, entryHash(forged));
  })();
  const r = await cli(dir, 'audit', 'verify');
  assert.equal(r.code, 1);
  assert.match(r.err, /entry #5 .* was renumbered from #4: an entry was inserted or deleted before it/);
});

test('tamper: reordered entries are found', async () => {
  const { core, dir } = fresh();
  const a = row(core, 6);
  const b = row(core, 7);
  const put = core.db.prepare('UPDATE audit_log SET ts = ?, type = ?, data = ?, prev = ?, hash = ? WHERE seq = ?');
  core.db.transaction(() => {
    put.run(b.ts, b.type, b.data, b.prev, b.hash, 6);
    put.run(a.ts, a.type, a.data, a.prev, a.hash, 7);
  })();
  const r = await cli(dir, 'audit', 'verify');
  assert.equal(r.code, 1);
  assert.match(r.err, /entry #6 .* (was renumbered|does not follow)/);
});

test('tamper: a tail truncated below the last checkpoint is found', async () => {
  const { core, dir } = fresh(10, { checkpointAt: 10 });
  core.db.prepare('DELETE FROM audit_log WHERE seq > 7').run();
  const r = await cli(dir, 'audit', 'verify');
  assert.equal(r.code, 1);
  assert.match(r.err, /the log ends at #7 but the checkpoint signed at .* vouches for entries up to #10: the tail was truncated \(3 entries missing\)/);
});

test('tamper: history rewritten and re-chained is caught by the signed checkpoint', async () => {
  const { core, dir } = fresh(10, { checkpointAt: 8 });
  const rows = core.db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as any[];
  let prev = GENESIS;
  const put = core.db.prepare('UPDATE audit_log SET data = ?, prev = ?, hash = ? WHERE seq = ?');
  core.db.transaction(() => {
    for (const r of rows) {
      const data = r.seq === 2 ? { i: 'rewritten' } : JSON.parse(r.data);
      const hash = entryHash({ seq: r.seq, ts: r.ts, type: r.type, data, prev });
      put.run(JSON.stringify(data), prev, hash, r.seq);
      prev = hash;
    }
  })();
  const r = await cli(dir, 'audit', 'verify');
  assert.equal(r.code, 1);
  assert.doesNotMatch(r.err, /was edited|missing/, 'the chain itself is consistent again');
  assert.match(r.err, /entry #8 .* does not match the checkpoint signed at .* entries up to #8 were rewritten/);
});

test('tamper: a forged checkpoint and a silently dropped head of the log are found', async () => {
  const { core, dir } = fresh(6);
  core.db.prepare("UPDATE audit_checkpoints SET hash = '" + 'a'.repeat(64) + "'").run();
  let r = await cli(dir, 'audit', 'verify');
  assert.equal(r.code, 1);
  assert.match(r.err, /checkpoint .* has an invalid signature/);
  const two = fresh(6);
  const h = row(two.core, 3).hash;
  two.core.db.prepare('DELETE FROM audit_log WHERE seq <= 3').run();
  two.core.db.prepare("INSERT INTO audit_meta (key, value) VALUES ('pruned_through', ?)").run(JSON.stringify({ seq: 3, hash: h }));
  r = await cli(two.dir, 'audit', 'verify');
  assert.equal(r.code, 1);
  assert.match(r.err, /entries #1\.\.#3 are gone and no 'audit\.pruned' entry records/);
});

test('retention (policy auditDays) prunes only checkpointed old entries and the log still verifies', async () => {
  const dir = tempDataDir('airlock-audit-');
  dirs.push(dir);
  const core = new Core({ dataDir: dir, env: {}, secrets: null });
  for (let i = 0; i < 5; i++) core.audit.append('test.event', { i });
  core.auditLog.flush();
  core.db.prepare('UPDATE audit_log SET ts = ts - 40 * 86400000 WHERE seq <= 3').run(); // three 40-day-old entries
  // Rebuild the chain so the back-dated entries are valid, then checkpoint.
  let prev = GENESIS;
  for (const r of core.db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as any[]) {
    const hash = entryHash({ seq: r.seq, ts: r.ts, type: r.type, data: JSON.parse(r.data), prev });
    core.db.prepare('UPDATE audit_log SET prev = ?, hash = ? WHERE seq = ?').run(prev, hash, r.seq);
    prev = hash;
  }
  core.auditLog.checkpointSync();
  core.settings.set('policy.user', { retention: { auditDays: 30 } });
  core.auditLog.checkpointSync();
  const es = core.auditLog.entries();
  assert.equal(es[0]!.seq, 4, 'entries 1..3 (older than 30 days) were pruned');
  assert.ok(es.some((e) => e.type === 'audit.pruned' && e.data.through_seq === 3 && e.data.count === 3));
  const r = await cli(dir, 'audit', 'verify');
  assert.equal(r.code, 0, r.err);
});

test('export: entries plus the latest checkpoint; verify --file passes, and fails on an edited or truncated export', async () => {
  const { core, dir } = fresh(5);
  core.audit.append('test.event', { i: 'after checkpoint' });
  core.auditLog.flush(); // (another process's appends are written at the end of its event-loop turn)
  const file = path.join(dir, 'audit.jsonl');
  let r = await cli(dir, 'audit', 'export', '--out', file);
  assert.equal(r.code, 0, r.err);
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(JSON.parse(lines[0]!).kind, 'header');
  assert.equal(lines.filter((l) => JSON.parse(l).kind === 'entry').length, 6);
  const cp = JSON.parse(lines.at(-1)!);
  assert.equal(cp.kind, 'checkpoint');
  assert.equal(cp.seq, 6, 'export signs a checkpoint covering its last entry');
  r = await cli(dir, 'audit', 'verify', '--file', file, '--device-key', cp.keyid);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /OK: 6 entries/);

  const edited = path.join(dir, 'edited.jsonl');
  fs.writeFileSync(edited, lines.map((l) => l.replace('"i":2', '"i":20')).join('\n'));
  r = await cli(dir, 'audit', 'verify', '--file', edited);
  assert.equal(r.code, 1);
  assert.match(r.err, /entry #2 .* was edited/);

  const truncated = path.join(dir, 'truncated.jsonl');
  fs.writeFileSync(truncated, [...lines.slice(0, 4), lines.at(-1)].join('\n'));
  r = await cli(dir, 'audit', 'verify', '--file', truncated);
  assert.equal(r.code, 1);
  assert.match(r.err, /tail was truncated/);

  r = await cli(dir, 'audit', 'verify', '--file', file, '--device-key', 'b'.repeat(64));
  assert.equal(r.code, 1);
  assert.match(r.err, /not the pinned key/);

  // --since: a partial export starts after a known entry and still verifies.
  core.db.prepare('UPDATE audit_log SET ts = 0 WHERE seq <= 2').run();
  const lines2 = await core.auditLog.exportLines({ sinceTs: 1 });
  assert.equal(JSON.parse(lines2[0]!).after.seq, 2);
});

test('the device key lives in the keychain when core has one (no key file)', async () => {
  const items = new Map<string, string>();
  const store: SecretStore = {
    get: async (a) => items.get(a) ?? null,
    set: async (a, s) => void items.set(a, s),
    delete: async (a) => items.delete(a),
  };
  const dir = tempDataDir('airlock-audit-');
  dirs.push(dir);
  const core = new Core({ dataDir: dir, env: {}, secrets: store });
  core.audit.append('test.event', {});
  const c = await core.auditLog.checkpoint();
  assert.ok(c);
  assert.equal(core.auditLog.deviceKeyLocation(), 'keychain');
  assert.match(items.get(DEVICE_KEY_ACCOUNT)!, /BEGIN PRIVATE KEY/);
  assert.equal(fs.existsSync(path.join(dir, DEVICE_KEY_FILE)), false);
  core.close();
});
