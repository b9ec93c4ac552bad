// Audit coverage of admin changes (issue 8): every budget, limit, model, route, cache and DLP change made through
// the CLI (which calls the same core admin functions as the app API) leaves exactly one audit entry with names and
// numbers only, refused attempts to loosen a signed team policy leave a policy.loosen_refused entry, web-UI
// logins are not settings changes, and the chain still verifies.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { tempDataDir } from '../core/testing/harness.ts';
import { Core } from '../core/core.ts';
import { createWebUi, mintLoginToken } from '../core/server/app-api.ts';
import type { AppApiService } from '../core/api/service.ts';
import { runCliCaptured } from './testing.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const mkdir = (prefix: string) => {
  const d = tempDataDir(prefix);
  dirs.push(d);
  return d;
};

async function cli(dir: string, args: string[], env: NodeJS.ProcessEnv = {}, stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const res = await runCliCaptured(['--data-dir', dir, ...args], { stdin, env: { AIRLOCK_TZ: 'UTC', ...env } });
  // Audit appends are written once per event-loop turn.
  await new Promise((r) => setImmediate(r));
  return res;
}

interface Row {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}
function entries(dir: string): Row[] {
  const db = new Database(path.join(dir, 'airlock.db'), { readonly: true });
  try {
    return (db.prepare('SELECT seq, type, data FROM audit_log ORDER BY seq').all() as { seq: number; type: string; data: string }[]).map((r) => ({ ...r, data: JSON.parse(r.data) }));
  } finally {
    db.close();
  }
}

/** Runs one CLI change and returns the one audit entry it wrote (failing if it wrote none or several). */
async function oneEntry(dir: string, args: string[], env: NodeJS.ProcessEnv = {}, refused = false): Promise<Row> {
  const before = entries(dir).length;
  const r = await cli(dir, args, env);
  if (refused) assert.equal(r.code, 1, `${args.join(' ')} is refused with exit 1: ${r.err}`);
  else assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
  const added = entries(dir).slice(before);
  assert.equal(added.length, 1, `${args.join(' ')} wrote ${added.length} audit entries: ${JSON.stringify(added.map((e) => e.type))}`);
  return added[0]!;
}

test('every budget, limit, model, route, cache and DLP change leaves exactly one audit entry, with no values', async () => {
  const dir = mkdir('airlock-auditcov-');
  assert.equal(fs.existsSync(path.join(dir, 'airlock.db')), false);
  const tok = await cli(dir, ['token', 'create', 'cursor', '--json']);
  const token = JSON.parse(tok.out).token as string;

  let e = await oneEntry(dir, ['budget', 'set', '--scope', 'client:cursor', '--limit-usd', '5', '--window', 'day']);
  assert.equal(e.type, 'budget.set');
  assert.deepEqual({ ...e.data, id: null }, { id: null, scope: 'client:cursor', window: 'day', mode: 'hard', limit_usd: 5, limit_tokens: null, warn_at_pct: 80 });
  e = await oneEntry(dir, ['budget', 'remove', '--scope', 'client:cursor', '--window', 'day']);
  assert.equal(e.type, 'budget.remove');
  assert.equal(e.data.scope, 'client:cursor');

  e = await oneEntry(dir, ['limit', 'set', '--scope', 'client:cursor', '--rpm', '60']);
  assert.deepEqual([e.type, e.data], ['limit.set', { scope: 'client:cursor', rpm: 60, tpm: null }]);
  e = await oneEntry(dir, ['limit', 'remove', '--scope', 'client:cursor']);
  assert.deepEqual([e.type, e.data], ['limit.remove', { scope: 'client:cursor' }]);

  e = await oneEntry(dir, ['model', 'set', 'acme/custom-1', '--input-usd-per-mtok', '1.5', '--output-usd-per-mtok', '6', '--context', '32000']);
  assert.equal(e.type, 'model.set');
  assert.equal(e.data.model, 'acme/custom-1');
  assert.equal(e.data.input_usd_per_mtok, 1.5);
  assert.equal(e.data.output_usd_per_mtok, 6);
  e = await oneEntry(dir, ['model', 'remove', 'acme/custom-1']);
  assert.deepEqual([e.type, e.data], ['model.remove', { model: 'acme/custom-1' }]);

  e = await oneEntry(dir, ['route', 'set', 'coder', 'openai/gpt-4o', 'deepseek/deepseek-chat', '--cache', 'on']);
  assert.equal(e.type, 'route.set');
  assert.equal(e.data.alias, 'coder');
  assert.deepEqual(e.data.candidates, ['openai/gpt-4o', 'deepseek/deepseek-chat']);
  e = await oneEntry(dir, ['route', 'remove', 'coder']);
  assert.deepEqual([e.type, e.data], ['route.remove', { alias: 'coder' }]);

  e = await oneEntry(dir, ['cache', 'config', '--ttl', '2h', '--mode', 'all']);
  assert.equal(e.type, 'cache.config');
  assert.deepEqual(e.data.changed, { mode: 'all', ttlSeconds: 7200 });
  // Saying what is already set changes nothing and writes nothing.
  const n = entries(dir).length;
  assert.equal((await cli(dir, ['cache', 'config', '--ttl', '2h'])).code, 0);
  assert.equal(entries(dir).length, n);
  e = await oneEntry(dir, ['cache', 'clear']);
  assert.deepEqual([e.type, e.data], ['cache.clear', { entries: 0, semantic_entries: 0 }]);

  e = await oneEntry(dir, ['dlp', 'set', 'IBAN', 'block']);
  assert.deepEqual([e.type, e.data], ['dlp.set', { type: 'IBAN', action: 'block', previous: null }]);

  // Refusals of plain bad input write nothing.
  const m = entries(dir).length;
  assert.equal((await cli(dir, ['budget', 'remove', '--scope', 'global', '--window', 'month'])).code, 1);
  assert.equal((await cli(dir, ['route', 'remove', 'nope'])).code, 1);
  assert.equal(entries(dir).length, m);

  const all = JSON.stringify(entries(dir));
  assert.ok(!all.includes(token), 'no token value in the audit log');
  assert.ok(!/settings\.change/.test(all), `no generic settings.change next to the specific entries: ${all}`);
  const v = await cli(dir, ['audit', 'verify']);
  assert.equal(v.code, 0, v.err);
});

test('refused attempts to loosen a signed team policy are audited (dlp set, budget set/remove, route set, policy user --set)', async () => {
  const adm = mkdir('airlock-auditcov-admin-');
  const dir = mkdir('airlock-auditcov-managed-');
  const trust = path.join(adm, 'trust.json');
  const env = { AIRLOCK_TRUST_ANCHOR: trust };
  const run = async (args: string[]) => {
    const r = await cli(dir, args, env);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
    return r;
  };
  await run(['policy', 'keygen', '--out', path.join(adm, 'acme')]);
  await run(['policy', 'trust', '--pub', path.join(adm, 'acme.pub'), '--tenant', 'acme', '--out', trust]);
  const policy = {
    dlp: { actions: { IBAN: 'block' } },
    budgets: [{ scope: 'global', window: 'month', mode: 'hard', limitUsd: 50 }],
    routing: { aliases: { team: ['openai/gpt-4o'] } },
  };
  fs.writeFileSync(path.join(adm, 'policy.json'), JSON.stringify(policy));
  await run(['policy', 'sign', path.join(adm, 'policy.json'), '--key', path.join(adm, 'acme.key'), '--tenant', 'acme', '--version', '1', '--expires', '30d', '--out', path.join(adm, 'bundle.json')]);
  await run(['policy', 'install', path.join(adm, 'bundle.json')]);

  let e = await oneEntry(dir, ['dlp', 'set', 'IBAN', 'allow'], env, true);
  assert.equal(e.type, 'policy.loosen_refused');
  assert.deepEqual({ ...e.data, managed_by: null }, { setting: 'dlp.actions.IBAN', requested: 'allow', managed: 'block', managed_by: null });
  assert.match(String(e.data.managed_by), /acme/);

  e = await oneEntry(dir, ['budget', 'set', '--scope', 'global', '--limit-usd', '80', '--window', 'month'], env, true);
  assert.equal(e.type, 'policy.loosen_refused');
  assert.equal(e.data.setting, 'budget');
  assert.equal(e.data.limit_usd, 80);
  assert.equal(e.data.managed_limit_usd, 50);
  e = await oneEntry(dir, ['budget', 'remove', '--scope', 'global', '--window', 'month'], env, true);
  assert.deepEqual([e.type, e.data.setting, e.data.action], ['policy.loosen_refused', 'budget', 'remove']);
  // Tightening is a change like any other.
  e = await oneEntry(dir, ['budget', 'set', '--scope', 'global', '--limit-usd', '20', '--window', 'month'], env);
  assert.equal(e.type, 'budget.set');

  e = await oneEntry(dir, ['route', 'set', 'team', 'deepseek/deepseek-chat'], env, true);
  assert.deepEqual([e.type, e.data.setting, e.data.alias], ['policy.loosen_refused', 'route', 'team']);

  const userPolicy = path.join(adm, 'user.json');
  fs.writeFileSync(userPolicy, JSON.stringify({ dlp: { actions: { IBAN: 'warn' } } }));
  e = await oneEntry(dir, ['policy', 'user', '--set', userPolicy], env, true);
  assert.equal(e.type, 'policy.loosen_refused');
  assert.deepEqual(e.data.paths, ['dlp.actions.IBAN']);
  assert.equal(e.data.setting, 'user_policy');

  const all = JSON.stringify(entries(dir));
  assert.ok(!all.includes('PRIVATE KEY'), 'no key material in the audit log');
  const v = await cli(dir, ['audit', 'verify'], env);
  assert.equal(v.code, 0, v.err);
});

test('web-UI login links and sessions are not settings changes; a sign-in is one webui.login entry', async () => {
  const dir = mkdir('airlock-auditcov-webui-');
  const core = new Core({ dataDir: dir, env: {} });
  try {
    const ui = createWebUi(core, { subscribe: () => () => {}, call: async () => ({}) } as unknown as AppApiService, { staticDir: dir });
    const login = async (token: string) => {
      let status = 0;
      const res = {
        writeHead(s: number) {
          status = s;
          return res;
        },
        end() {
          return res;
        },
      };
      await ui.handler({ method: 'GET', headers: {} } as never, res as never, new URL(`http://127.0.0.1/?token=${token}`));
      return status;
    };
    for (let i = 0; i < 3; i++) assert.equal(await login(mintLoginToken(core)), 302);
    assert.equal(await login('A'.repeat(43)), 403, 'an unknown link is refused');
    core.auditLog.flush();
    const types = core.auditLog.entries().map((x) => x.type);
    assert.deepEqual(types, ['webui.login', 'webui.login', 'webui.login']);
    assert.ok(core.auditLog.verify().ok);
    ui.close();
  } finally {
    core.close();
  }
});
