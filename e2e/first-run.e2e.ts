// First run end to end in web mode, in Debian's Chromium: add a provider pointing at the mock upstream
// (key -> keychain), test the key, see the endpoint, create a tool token, read a snippet with the real port,
// send a request with it and watch the tool's last request appear; then every screen, in light and dark.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, launchBrowser, pageErrors, screenshot, signedInPage, startFakeOllama, startWebServer, type WebServer } from './support.ts';
import { ConnectPage, FirstRunPage, ProvidersPage, SettingsPage, Shell } from './pages.ts';
import { expectAttr, expectText } from './expect.ts';
import { keyringSkipReason } from '../electron/core/secrets/keyring-testing.ts';
import { databasePath } from '../electron/core/paths.ts';

const skip = browserSkipReason() ?? (await keyringSkipReason());
if (skip) console.log(`# first-run e2e skipped: ${skip}`);

test('first run in web mode: provider + key in the keychain, key test, endpoint, token, snippet, live last request', { skip: skip ?? false }, async (t) => {
  const ollama = await startFakeOllama(['llama3.2:3b', 'qwen2.5:7b']);
  const server: WebServer = await startWebServer({
    localServers: [
      { preset: 'ollama', baseUrl: ollama.url },
      // Nothing listens on port 1: LM Studio is "not running".
      { preset: 'lmstudio', baseUrl: 'http://127.0.0.1:1/v1' },
    ],
  });
  const browser: Browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await server.close();
    await ollama.close();
  });
  const port = server.gateway.port;
  const { page } = await signedInPage(browser, server);
  const shell = new Shell(page);
  const first = new FirstRunPage(page);

  // A fresh install lands on first run.
  await first.root().waitFor();
  await expectText(shell.gatewayStatus(), `127.0.0.1:${port}`);
  await screenshot(page, 'first-run-empty-light');

  // 1. Add a provider (custom OpenAI-compatible, the mock upstream), pasting its key.
  const key = 'sk-e2e-upstream-key-00001234abcd';
  await first.addCustomProvider({ id: 'mock', baseUrl: server.mock.url, key });
  await expectText(first.addedKeyStatus(), '…abcd');
  const stored = await server.core.keys.list('mock');
  assert.equal(stored.length, 1);
  assert.equal(stored[0]!.active, true);
  assert.equal((await server.core.keys.activeKey('mock'))?.secret, key, 'the keychain holds the pasted key');
  server.core.requestLog.flush();
  for (const f of fs.readdirSync(server.dataDir)) {
    const file = path.join(server.dataDir, f);
    if (fs.statSync(file).isFile()) assert.ok(!fs.readFileSync(file).includes(key), `key bytes must not be on disk (${f})`);
  }
  assert.ok(fs.existsSync(databasePath(server.dataDir)));

  // 2. Test the key: the mock upstream sees the key as a bearer token on GET /models.
  const result = await first.testKey();
  await expectAttr(result, 'data-status', 'works');
  const probe = server.mock.requests.find((r) => r.method === 'GET' && r.path.endsWith('/models'));
  assert.equal(probe?.headers.authorization, `Bearer ${key}`);

  // 3. The local endpoint, with the real port.
  assert.equal(await first.endpoint().innerText(), `http://127.0.0.1:${port}/v1`);
  await screenshot(page, 'first-run-done-light');

  // Connect a tool: a token, and snippets with the real URL and that token.
  await first.continueToConnect();
  const connect = new ConnectPage(page);
  await connect.root().waitFor();
  const tokenText = await expectText(await connect.createToken('e2e-tool'), /^alk_/);
  const python = await expectText(connect.snippet('openai-python'), `base_url="http://127.0.0.1:${port}/v1"`);
  assert.ok(python.includes(`api_key="${tokenText}"`), 'the snippet carries the new token');
  await connect.selectTool('claude-code');
  await expectText(connect.snippet('claude-code'), `ANTHROPIC_BASE_URL=http://127.0.0.1:${port}\n`);
  await connect.selectTool('curl');
  await expectText(connect.snippet('curl'), `Bearer ${tokenText}`);
  await expectText(connect.tokenLast('e2e-tool'), 'no requests yet');

  // The token works against the gateway, and the tool's last request shows up live (SSE).
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: tokenText });
  const reply = await client.chat.completions.create({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  assert.ok(reply.choices[0]?.message);
  await expectText(connect.tokenLast('e2e-tool'), /mock\/gpt-4o.*200/);
  await expectText(shell.todaySpend(), '1 request');
  // Chat is one more client of the same gateway (airlock-chat): its turns count in the header too, live.
  const conv = (await server.api.call('chat.create', { model: 'mock/gpt-4o' })) as { id: string };
  await server.api.call('chat.send', { conversationId: conv.id, content: 'hello from chat' });
  await expectText(shell.todaySpend(), '2 requests');

  // Providers & keys: status shows last 4 only; rotate; local servers detected.
  await shell.go('providers');
  const providers = new ProvidersPage(page);
  await providers.root().waitFor();
  await expectText(providers.keyStatus('mock'), '…abcd');
  assert.ok(!(await page.content()).includes(key), 'the key never reaches the page');
  await providers.rotate('mock', 'sk-e2e-upstream-key-rotated-wxyz');
  await expectText(providers.keyStatus('mock'), '…wxyz');
  await expectAttr(providers.local('ollama'), 'data-running', 'true');
  await expectText(providers.local('ollama'), '2 models');
  await expectAttr(providers.local('lmstudio'), 'data-running', 'false');
  await providers.addLocal('ollama').click();
  await providers.row('ollama').waitFor();
  await expectText(providers.keyStatus('ollama'), 'Local');

  // Settings: prompts off by default; start at login is desktop-only; a port change waits for a restart.
  await shell.go('settings');
  const settings = new SettingsPage(page);
  await settings.root().waitFor();
  assert.equal(await settings.storePrompts().isChecked(), false);
  assert.equal(await settings.startAtLogin().isDisabled(), true);
  await settings.storePrompts().click();
  await expectText(settings.saved(), 'Prompt storage saved');
  assert.equal((await server.api.call('settings.get', {}) as { storePrompts: boolean }).storePrompts, true);
  // Controlled by the server's answer: the box flips once the setting is stored.
  await settings.storePrompts().click({ force: true });
  await expectText(settings.saved(), 'Prompt storage saved');
  await settings.port().fill('80');
  await page.getByTestId('settings-port-save').click();
  await expectText(settings.error(), '1024');

  // The refused port (400) is the one expected failed request; nothing else, in particular no CSP violation.
  const errors = pageErrors(page).filter((e) => !/status of 400/.test(e));
  assert.deepEqual(errors, [], 'no console errors or CSP violations');
});

test('screenshots of every screen in light and dark themes', { skip: skip ?? false }, async (t) => {
  const server = await startWebServer({ localServers: [{ preset: 'ollama', baseUrl: 'http://127.0.0.1:1/v1' }] });
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await server.close();
  });
  // Seed: a provider with a key, a tool token with traffic.
  await server.api.call('providers.add', { id: 'mock', baseUrl: server.mock.url, key: 'sk-seeded-key-0000beef' });
  const { token } = (await server.api.call('tokens.create', { name: 'cursor' })) as { token: string };
  await server.api.call('tokens.create', { name: 'aider' });
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${server.gateway.port}/v1`, apiKey: token });
  await client.chat.completions.create({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  // Stored prompts on: the next request is kept after DLP masking and shown under Settings → Privacy.
  await server.api.call('settings.update', { storePrompts: true });
  await client.chat.completions.create({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'Charge 4111 1111 1111 1111 for the order' }] });

  for (const theme of ['light', 'dark'] as const) {
    const { page, context } = await signedInPage(browser, server, theme);
    const shell = new Shell(page);
    await page.getByTestId('providers-screen').waitFor();
    await page.getByTestId('local-ollama').waitFor();
    await screenshot(page, `providers-${theme}`);
    await shell.go('connect');
    await page.getByTestId('token-row-cursor').waitFor();
    await screenshot(page, `connect-${theme}`);
    await shell.go('settings');
    await page.getByTestId('settings-screen').waitFor();
    await page.getByTestId('stored-prompt').first().locator('summary').click();
    const storedRequest = await expectText(page.getByTestId('stored-request').first(), '<CREDIT_CARD_1>');
    assert.ok(!storedRequest.includes('4111 1111'), 'the stored request holds the placeholder, not the card');
    await screenshot(page, `settings-${theme}`);
    await shell.go('welcome');
    await page.getByTestId('first-run').waitFor();
    // With a provider set up, step 1 lists it and opens the form on "Add another"; step 2 offers its key test.
    await page.getByTestId('key-test').waitFor();
    await page.getByTestId('first-run-add-another').click();
    await page.getByTestId('preset-openai').click();
    await screenshot(page, `first-run-form-${theme}`);
    assert.deepEqual(pageErrors(page), []);
    await context.close();

    // Signed out: the sign-in screen.
    const anon = await browser.newContext({ colorScheme: theme });
    const p2: Page = await anon.newPage();
    await p2.goto(server.origin + '/');
    await p2.getByTestId('signin').waitFor();
    await screenshot(p2, `signin-${theme}`);
    await anon.close();
  }
});
