// gateway.status says which port the gateway really uses and why, when it is not the one configured in Settings
// (QA: Settings showed 4789 while `airlock serve --port 0` ran on another port). Checked against a real
// `airlock serve --port 0` process through the web-mode API, and for AIRLOCK_PORT, a pending restart and the default.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { tempDataDir } from '../testing/harness.ts';
import { Core } from '../core.ts';
import { AppApiService } from './service.ts';
import type { ShellHooks } from './handlers.ts';
import type { GatewayStatus } from '../../../shared/api/contract.ts';
import { portOverrideText } from '../../../renderer/src/port-note.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

async function statusWith(gateway: ShellHooks['gateway'], env: NodeJS.ProcessEnv, port?: number): Promise<GatewayStatus> {
  const dataDir = tempDataDir();
  const core = new Core({ dataDir, secrets: null, env });
  const api = new AppApiService(core, { mode: 'desktop', version: 't', gateway });
  try {
    if (port !== undefined) await api.call('settings.update', { port });
    return (await api.call('gateway.status', {})) as GatewayStatus;
  } finally {
    api.close();
    core.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

test('gateway.status: configured port, running port, and why they differ', async () => {
  const noEnv = { PATH: process.env.PATH };
  const same = await statusWith(() => ({ state: 'running', port: 4789 }), noEnv);
  assert.deepEqual([same.port, same.configuredPort, same.portOverride, same.restartNeeded], [4789, 4789, null, false]);
  assert.equal(portOverrideText(same), '');

  const env = await statusWith(() => ({ state: 'running', port: 5555 }), { ...noEnv, AIRLOCK_PORT: '5555' }, 6000);
  assert.deepEqual([env.port, env.configuredPort, env.portOverride, env.restartNeeded], [5555, 6000, 'AIRLOCK_PORT', false]);
  assert.equal(portOverrideText(env), 'The gateway is running on 127.0.0.1:5555 because the AIRLOCK_PORT environment variable is set; without it, Airlock uses 6000.');

  // The port was changed in Settings after start: a restart applies it (that hint, not an override).
  const pending = await statusWith(() => ({ state: 'running', port: 4789 }), noEnv, 5000);
  assert.deepEqual([pending.configuredPort, pending.portOverride, pending.restartNeeded], [5000, null, true]);

  // --port wins over a configured port, and a restart would not change that.
  const flag = await statusWith(() => ({ state: 'running', port: 45123, portOverride: '--port' }), noEnv, 5000);
  assert.deepEqual([flag.configuredPort, flag.portOverride, flag.restartNeeded], [5000, '--port', false]);

  const other = await statusWith(() => ({ state: 'running', port: 33371 }), noEnv);
  assert.equal(other.portOverride, 'other');
  assert.match(portOverrideText(other), /running on 127\.0\.0\.1:33371, the port chosen by whatever started it; Airlock uses 4789/);
});

test('a real `airlock serve --port 0` reports its port as coming from --port, with the configured 4789 beside it', async (t) => {
  const dataDir = tempDataDir();
  const child = spawn(process.execPath, [path.join(root, 'electron/cli/main.ts'), 'serve', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AIRLOCK_PORT: '' } });
  t.after(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  let buf = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes('Data directory:')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${buf}`)));
  });
  const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)\/v1/.exec(buf)![1]);
  const link = /Airlock UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(buf)![1]!;
  const login = await fetch(link, { redirect: 'manual' });
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const r = await fetch(`http://127.0.0.1:${port}/_airlock/api/gateway.status`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
  const s = (await r.json()) as GatewayStatus;
  assert.equal(r.status, 200);
  assert.deepEqual([s.port, s.configuredPort, s.portOverride, s.restartNeeded], [port, 4789, '--port', false]);
  assert.equal(portOverrideText(s), `The gateway is running on 127.0.0.1:${port} because --port was given to airlock serve; started without it, it uses 4789.`);
});
