// Request-log retention in force = the stricter of the Settings value and the effective policy's
// retention.requestLogDays, applied by the same job `airlock serve` and the desktop app run (startRetention), to the
// request rows and to stored prompts alike; a setting looser than the policy is refused, naming who set the limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Core } from '../core.ts';
import { tempDataDir } from '../testing/harness.ts';
import { AppApiService } from '../api/service.ts';
import { effectiveRetention, pruneRequestLog, startRetention } from '../api/settings.ts';
import { ApiError } from '../../../shared/api/errors.ts';

const DAY = 86_400_000;
const AGES = [1, 10, 40, 100, 400]; // days

let dir: string;
let core: Core;
let api: AppApiService;

before(() => {
  dir = tempDataDir('airlock-retention-');
  core = new Core({ dataDir: dir, secrets: null });
  api = new AppApiService(core, { mode: 'web', version: 't', gateway: () => ({ state: 'running', port: 1 }) });
});
after(() => {
  api.close();
  core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function seed(): void {
  core.db.exec('DELETE FROM requests; DELETE FROM request_bodies;');
  const now = Date.now();
  const row = core.db.prepare("INSERT INTO requests (ts, client, inbound, status) VALUES (?, 'tool', 'openai.chat', 200)");
  const body = core.db.prepare("INSERT INTO request_bodies (request_id, ts, client, inbound, model, status, request, response) VALUES (?, ?, 'tool', 'openai.chat', 'm/x', 200, '{}', '[]')");
  for (const d of AGES) {
    row.run(now - d * DAY - 60_000);
    body.run(`req-${d}`, now - d * DAY - 60_000);
  }
}
/** Ages (days) of the rows left, requests and stored bodies. */
const left = () => ({
  requests: (core.db.prepare('SELECT ts FROM requests ORDER BY ts DESC').pluck().all() as number[]).map((ts) => Math.round((Date.now() - ts) / DAY)),
  bodies: (core.db.prepare('SELECT request_id FROM request_bodies ORDER BY ts DESC').pluck().all() as string[]).map((id) => Number(id.slice(4))),
});
const call = (m: string, input: unknown = {}) => api.call(m, input) as Promise<any>;

test('default (90 days, no policy): the setting alone decides; stored bodies go with their rows', async () => {
  await call('settings.update', { storePrompts: true }); // stored bodies are kept only while storing is on
  seed();
  const s = await call('settings.get');
  assert.equal(s.requestLogRetentionDays, 90);
  assert.equal(s.requestLogRetentionEffectiveDays, 90);
  assert.equal(s.requestLogRetentionLimitedBy, null);
  assert.equal(pruneRequestLog(core), 2);
  assert.deepEqual(left(), { requests: [1, 10, 40], bodies: [1, 10, 40] });
});

test('a policy maximum shorter than the setting wins, in the job serve and the app run', async () => {
  seed();
  core.policyService.setUser({ retention: { requestLogDays: 30 } });
  const r = effectiveRetention(core);
  assert.deepEqual({ days: r.days, settingDays: r.settingDays, policyDays: r.policyDays }, { days: 30, settingDays: 90, policyDays: 30 });
  const s = await call('settings.get');
  assert.equal(s.requestLogRetentionDays, 90, 'the setting itself is kept');
  assert.equal(s.requestLogRetentionEffectiveDays, 30);
  assert.equal(s.requestLogRetentionLimitedBy, 'your policy settings');
  const stop = startRetention(core); // prunes at once, then every few hours
  stop();
  assert.deepEqual(left(), { requests: [1, 10], bodies: [1, 10] });
  // "Forever" or longer than the policy allows is refused, naming who set the limit.
  for (const days of [0, 60]) {
    await assert.rejects(call('settings.update', { requestLogRetentionDays: days }), (e: ApiError) => e.code === 'forbidden' && /30 days at most \(set by your policy settings\)/.test(e.message));
  }
});

test('a setting stricter than the policy wins, and applies at once', async () => {
  seed();
  const s = await call('settings.update', { requestLogRetentionDays: 7 });
  assert.equal(s.requestLogRetentionEffectiveDays, 7);
  assert.equal(s.requestLogRetentionLimitedBy, null);
  assert.deepEqual(left(), { requests: [1], bodies: [1] });
});

test('with "forever" and no policy nothing is deleted; turning storing off deletes stored bodies', async () => {
  core.policyService.setUser(null);
  await call('settings.update', { requestLogRetentionDays: 0 });
  seed();
  assert.equal(pruneRequestLog(core), 0);
  assert.deepEqual(left(), { requests: AGES, bodies: AGES });
  const s = await call('settings.update', { storePrompts: false });
  assert.equal(s.storedBodies, 0);
  assert.deepEqual(left(), { requests: AGES, bodies: [] });
});
