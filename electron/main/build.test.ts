// The desktop bundle (`electron-vite build`, ~3 s): the worker threads core starts are entries of their own in
// out/main, the shell passes their built paths, and the built workers actually run (under Node, against a real
// database). Also: every chunk sits next to index.js, so the packaged pricing path rewrite still holds.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { MAIN_ENTRIES } from '../../electron.vite.config.ts';
import { WORKER_FILES, workerPaths } from './workers.ts';
import { Core } from '../core/core.ts';
import { AppApiService } from '../core/api/service.ts';
import { AnalyticsService } from '../core/analytics/service.ts';
import { databasePath } from '../core/paths.ts';
import { tempDataDir } from '../core/testing/harness.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
// Inside node_modules, so the built files resolve better-sqlite3 from the project like the packaged app does.
const outDir = path.join(root, 'node_modules', '.cache', `airlock-build-test-${process.pid}`);
const mainDir = path.join(outDir, 'main');

test.before(() => {
  fs.rmSync(outDir, { recursive: true, force: true });
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', outDir, '--logLevel', 'error'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
  });
  assert.equal(r.status, 0, `electron-vite build failed:\n${r.stdout}\n${r.stderr}`);
});
test.after(() => fs.rmSync(outDir, { recursive: true, force: true }));

test('the config and the shell agree on the worker file names', () => {
  const names = Object.keys(MAIN_ENTRIES).filter((k) => k !== 'index').map((k) => `${k}.js`).sort();
  assert.deepEqual(names, Object.values(WORKER_FILES).sort());
  assert.match(MAIN_ENTRIES['analytics-worker'], /electron\/core\/analytics\/worker\.ts$/);
  assert.match(MAIN_ENTRIES['audit-verify-worker'], /electron\/core\/api\/governance-verify-worker\.ts$/);
  for (const f of Object.values(MAIN_ENTRIES)) assert.ok(fs.existsSync(f), f);
  const p = workerPaths('/opt/Airlock/resources/app.asar/out/main');
  assert.equal(p.analyticsWorkerPath, '/opt/Airlock/resources/app.asar/out/main/analytics-worker.js');
  assert.equal(p.auditVerifyWorkerPath, '/opt/Airlock/resources/app.asar/out/main/audit-verify-worker.js');
});

test('out/main holds the worker entries, and the main bundle passes their paths to Core', () => {
  for (const f of ['index.js', ...Object.values(WORKER_FILES)]) assert.ok(fs.existsSync(path.join(mainDir, f)), `out/main/${f} is missing`);
  const files = fs.readdirSync(mainDir, { withFileTypes: true });
  // No chunk in a subdirectory: core's data paths are rewritten for files at out/main depth.
  assert.deepEqual(files.filter((f) => f.isDirectory()).map((f) => f.name), []);
  const index = fs.readFileSync(path.join(mainDir, 'index.js'), 'utf8');
  for (const f of Object.values(WORKER_FILES)) assert.ok(index.includes(JSON.stringify(f)), `index.js names ${f}`);
  assert.match(index, /analyticsWorkerPath/);
  assert.match(index, /auditVerifyWorkerPath/);
  // The worker scripts are real modules (not empty re-exports) and never pull in Electron.
  const analytics = fs.readFileSync(path.join(mainDir, WORKER_FILES.analytics), 'utf8');
  const verify = fs.readFileSync(path.join(mainDir, WORKER_FILES.auditVerify), 'utf8');
  assert.match(analytics, /parentPort/);
  assert.match(verify, /parentPort/);
  for (const js of files.filter((f) => f.name !== 'index.js')) {
    assert.doesNotMatch(fs.readFileSync(path.join(mainDir, js.name), 'utf8'), /from "electron"/, `${js.name} must not import electron`);
  }
});

test('the packaged pricing path: rewritten to ../../resources and present there relative to out/main', () => {
  const all = fs.readdirSync(mainDir).map((f) => fs.readFileSync(path.join(mainDir, f), 'utf8')).join('\n');
  assert.ok(all.includes('"../../resources/pricing.json"'), 'pricing.json is resolved two levels up from out/main');
  assert.doesNotMatch(all, /["'`]\.\.\/\.\.\/\.\.\/(resources|package\.json|out)\//, 'no source-depth data path survives');
  // In the real layout (out/main next to resources/), that path exists, and electron-builder packs it.
  assert.ok(fs.existsSync(path.resolve(root, 'out/main', '../../resources/pricing.json')));
  assert.match(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8'), /^\s+- out\/\*\*$/m);
  assert.match(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8'), /^\s+- resources\/pricing\.json$/m);
});

test('the built analytics worker answers queries on its own thread', async () => {
  const dataDir = tempDataDir();
  const core = new Core({ dataDir, secrets: null });
  core.close(); // migrations applied; the worker opens its own connections
  const svc = new AnalyticsService({ dbFile: databasePath(dataDir), workerPath: path.join(mainDir, WORKER_FILES.analytics), maintain: false });
  try {
    const s = await svc.status();
    assert.equal(s.maintaining, false);
    assert.equal(s.pending, 0);
  } finally {
    await svc.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the built audit-verify worker runs `audit.verify` off the main thread', async () => {
  const dataDir = tempDataDir();
  const core = new Core({ dataDir, secrets: null, ...workerPaths(mainDir) });
  const api = new AppApiService(core, { mode: 'desktop', version: 't', gateway: () => ({ state: 'running', port: 1 }) });
  try {
    core.audit.append('settings.change', { key: 'test' });
    const r = (await api.call('audit.verify', {})) as { ok: boolean; ranOn: string; entries: number };
    assert.equal(r.ranOn, 'worker');
    assert.equal(r.ok, true);
  } finally {
    api.close();
    core.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
