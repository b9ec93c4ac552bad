import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Core } from '../core.ts';
import { startGateway, type Gateway } from '../server/gateway.ts';
import { startMockUpstream, type MockUpstream } from './mock-upstream.ts';
import type { SecretStore } from '../secrets/secret-store.ts';

export function tempDataDir(prefix = 'airlock-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface Harness {
  dataDir: string;
  core: Core;
  gateway: Gateway;
  mock: MockUpstream;
  /** A client token for the gateway. */
  token: string;
  /** The provider key the mock should see (from env var MOCK_KEY). */
  providerKey: string;
  close(): Promise<void>;
}

/**
 * A real gateway on loopback with a real SQLite data dir, one client token, and one OpenAI-compatible
 * provider `mock` whose upstream is the fixture-replaying mock.
 */
export async function startHarness(opts: { providerId?: string; secrets?: SecretStore | null; env?: NodeJS.ProcessEnv } = {}): Promise<Harness> {
  const dataDir = tempDataDir();
  const mock = await startMockUpstream();
  const providerKey = 'sk-mock-provider-key-0123456789abcdef';
  const core = new Core({ dataDir, env: { ...process.env, MOCK_KEY: providerKey, ...opts.env }, secrets: opts.secrets ?? null });
  core.providers.add({ id: opts.providerId ?? 'mock', type: 'openai-compatible', preset: null, baseUrl: mock.url, keyEnv: 'MOCK_KEY', options: { catalogProvider: 'openai' } });
  const { token } = core.clients.create('test-client');
  const gateway = await startGateway(core, { port: 0 });
  return {
    dataDir,
    core,
    gateway,
    mock,
    token,
    providerKey,
    async close() {
      await gateway.close();
      await mock.close();
      core.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Writes the request log's queued rows now (it otherwise flushes on a short timer). */
export async function flushed(core: Core): Promise<void> {
  await new Promise((r) => setImmediate(r));
  core.requestLog.flush();
}
