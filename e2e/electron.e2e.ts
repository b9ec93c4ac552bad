// The first-run flow under the real desktop shell (Electron via Playwright's _electron), with the same page
// objects as the web-mode spec. Needs an Electron binary and `npm run build`; skipped with the reason otherwise.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { _electron } from 'playwright-core';
import { FirstRunPage, ConnectPage } from './pages.ts';
import { expectAttr, expectText } from './expect.ts';
import { startMockUpstream } from '../electron/core/testing/mock-upstream.ts';
import { tempDataDir } from '../electron/core/testing/harness.ts';
import { keyringSkipReason } from '../electron/core/secrets/keyring-testing.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const mainJs = path.join(root, 'out/main/index.js');

function electronBinary(): { path: string | null; reason: string | null } {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown;
    if (typeof p === 'string' && fs.existsSync(p)) return { path: p, reason: null };
    return { path: null, reason: `no Electron binary at ${String(p)}` };
  } catch (err) {
    return { path: null, reason: `no Electron binary (${(err as Error).message.split('\n')[0]}); the download is blocked here, so Electron-mode specs cannot run` };
  }
}

const bin = electronBinary();
let skip = bin.reason;
if (!skip && !fs.existsSync(mainJs)) skip = 'the desktop app is not built: run `npm run build` first';
if (!skip) skip = await keyringSkipReason();
if (skip) console.log(`# electron e2e skipped: ${skip}`);

test('desktop app: first run through the preload bridge, secure renderer', { skip: skip ?? false }, async (t) => {
  const dataDir = tempDataDir('airlock-electron-');
  const mock = await startMockUpstream();
  const app = await _electron.launch({
    executablePath: bin.path!,
    args: [mainJs, '--no-sandbox'],
    env: { ...process.env, AIRLOCK_DATA_DIR: dataDir, AIRLOCK_PORT: '0' },
  });
  t.after(async () => {
    await app.close();
    await mock.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const page = await app.firstWindow();
  assert.match(page.url(), /^app:\/\/airlock\//);
  // The renderer has the bridge and nothing of Node.
  assert.deepEqual(await page.evaluate(() => Object.keys((window as unknown as { airlock: object }).airlock).sort()), ['call', 'subscribe']);
  assert.equal(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require), 'undefined');
  assert.equal(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process), 'undefined');

  const first = new FirstRunPage(page);
  await first.root().waitFor();
  await first.addCustomProvider({ id: 'mock', baseUrl: mock.url, key: 'sk-electron-e2e-key-0000cafe' });
  await expectText(first.addedKeyStatus(), '…cafe');
  await expectAttr(await first.testKey(), 'data-status', 'works');
  const endpoint = await first.endpoint().innerText();
  assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  await first.continueToConnect();
  const connect = new ConnectPage(page);
  const token = await expectText(await connect.createToken('desktop-e2e'), /^alk_/);
  await expectText(connect.snippet('openai-python'), `base_url="${endpoint}"`);
  await expectText(connect.snippet('openai-python'), token);
  // Navigation away and new windows are refused.
  await page.evaluate(() => window.open('https://example.com/'));
  assert.equal(app.windows().length, 1);
});
