// Settings in web mode, in Debian's Chromium: the advanced gateway settings (CORS origins, body cap, timeouts)
// validated through the app API and applied to the running gateway without a restart; screenshots in light and dark.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, launchBrowser, pageErrors, screenshot, signedInPage, startWebServer, type WebServer } from './support.ts';
import { expectText } from './expect.ts';

const skip = browserSkipReason();
if (skip) console.log(`# settings e2e skipped: ${skip}`);

const tid = (page: Page, id: string) => page.getByTestId(id);

test('Settings → Advanced gateway settings: defaults, refusals under the field, saved values live on the gateway, reset', { skip: skip ?? false }, async (t) => {
  // Wired like `airlock serve --port 0`: the gateway runs on a free port, not the configured 4789.
  let server: WebServer | null = null;
  server = await startWebServer({ gateway: () => ({ state: 'running', port: server?.gateway.port ?? 0, portOverride: '--port' }) });
  const browser: Browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await server?.close();
  });
  server.core.providers.add({ id: 'mock', type: 'openai-compatible', preset: null, baseUrl: server.mock.url, keyEnv: 'AIRLOCK_E2E_NO_KEY', options: {} });
  const { token } = server.core.clients.create('browser-tool');
  const { page } = await signedInPage(browser, server);
  await page.goto(`${server.origin}/#/settings`);
  const card = tid(page, 'gateway-settings');
  await card.waitFor();

  // The port field holds the configured port; the running one is said beside it, with the reason.
  const port = server.gateway.port;
  assert.equal(await tid(page, 'settings-port').inputValue(), '4789');
  await expectText(tid(page, 'settings-port-running'), `The gateway is running on 127.0.0.1:${port} because --port was given to airlock serve; started without it, it uses 4789.`);
  await expectText(tid(page, 'gateway-status'), `127.0.0.1:${port}`);

  // Defaults, written as people read them.
  assert.equal(await tid(page, 'gw-maxBodyBytes').inputValue(), '32 MiB');
  assert.equal(await tid(page, 'gw-connectMs').inputValue(), '10s');
  assert.equal(await tid(page, 'gw-firstByteMs').inputValue(), '5m');
  assert.equal(await tid(page, 'gw-idleMs').inputValue(), '2m');
  assert.equal(await tid(page, 'gw-corsOrigins').inputValue(), '');
  assert.equal(await tid(page, 'gw-save').isDisabled(), true, 'nothing to save yet');

  // '*' is refused by the API; the message lands under the origins field, and nothing is stored.
  await tid(page, 'gw-corsOrigins').fill('*');
  await tid(page, 'gw-save').click();
  await expectText(tid(page, 'gw-corsOrigins-error'), /'\*' is refused/);
  assert.equal(await tid(page, 'gw-corsOrigins').getAttribute('aria-invalid'), 'true');
  assert.equal(server.core.settings.get('gateway', null), null);
  await screenshot(page, 'settings-gateway-error-light');

  // A bad size goes under its own field.
  await tid(page, 'gw-corsOrigins').fill('http://localhost:5173');
  await tid(page, 'gw-maxBodyBytes').fill('lots');
  await tid(page, 'gw-save').click();
  await expectText(tid(page, 'gw-maxBodyBytes-error'), /'lots' is not a size/);

  // Valid values: saved, shown normalised, in the database, and live on the running gateway.
  await tid(page, 'gw-corsOrigins').fill('HTTP://LocalHost:5173\nhttps://app.example.com:443');
  await tid(page, 'gw-maxBodyBytes').fill('2KiB');
  await tid(page, 'gw-idleMs').fill('90s');
  await tid(page, 'gw-save').click();
  await expectText(tid(page, 'gw-saved'), /saved: applies to the next request/);
  assert.equal(await tid(page, 'gw-corsOrigins').inputValue(), 'http://localhost:5173\nhttps://app.example.com');
  assert.equal(await tid(page, 'gw-maxBodyBytes').inputValue(), '2 KiB');
  assert.equal(await tid(page, 'gw-idleMs').inputValue(), '90s');
  assert.deepEqual(server.core.settings.get('gateway', null), { corsOrigins: ['http://localhost:5173', 'https://app.example.com'], maxBodyBytes: 2048, timeouts: { idleMs: 90_000 } });
  await expectText(tid(page, 'gw-maxBodyBytes-default'), /Default 32 MiB/);

  const call = (origin: string | null, content: string) =>
    fetch(`${server.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(origin ? { origin } : {}) },
      body: JSON.stringify({ model: 'mock/gpt-4o', messages: [{ role: 'user', content }] }),
    });
  const cors = await call('http://localhost:5173', 'hi');
  assert.notEqual(cors.status, 403, 'the saved origin is allowed at once');
  assert.equal(cors.headers.get('access-control-allow-origin'), 'http://localhost:5173');
  assert.equal((await call('http://localhost:5174', 'hi')).status, 403);
  assert.equal((await call(null, 'x'.repeat(3000))).status, 413, 'the saved body cap applies at once');

  // "use the default" puts one key back.
  await tid(page, 'gw-maxBodyBytes-reset').click();
  await expectText(tid(page, 'gw-saved'), /Largest request body \(default\) saved/);
  assert.equal(await tid(page, 'gw-maxBodyBytes').inputValue(), '32 MiB');
  assert.notEqual((await call(null, 'x'.repeat(3000))).status, 413);
  await screenshot(page, 'settings-gateway-light');

  const dark = await signedInPage(browser, server, 'dark');
  await dark.page.goto(`${server.origin}/#/settings`);
  await tid(dark.page, 'gateway-settings').waitFor();
  await expectText(tid(dark.page, 'gw-corsOrigins-default'), /Default \(none\)/);
  await screenshot(dark.page, 'settings-gateway-dark');
  // The two refused saves are HTTP 400 answers (the browser logs them); nothing else went wrong.
  assert.deepEqual(pageErrors(page).filter((e) => !/status of 400/.test(e)), []);
  assert.deepEqual(pageErrors(dark.page), []);
});

test('Get started with providers already set up: step 2 tests one of them (not "Add a provider first")', { skip: skip ?? false }, async (t) => {
  const server = await startWebServer();
  const browser: Browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await server.close();
    delete process.env.AIRLOCK_E2E_WELCOME_KEY;
  });
  // Keys from the environment, so no keychain is needed: 'mock' has one, 'second' has none.
  process.env.AIRLOCK_E2E_WELCOME_KEY = 'sk-e2e-welcome-key-0000wxyz';
  server.core.providers.add({ id: 'mock', type: 'openai-compatible', preset: null, baseUrl: server.mock.url, keyEnv: 'AIRLOCK_E2E_WELCOME_KEY', options: {} });
  server.core.providers.add({ id: 'second', type: 'openai-compatible', preset: null, baseUrl: server.mock.url, keyEnv: 'AIRLOCK_E2E_UNSET_KEY', options: {} });
  for (const scheme of ['light', 'dark'] as const) {
    const { page } = await signedInPage(browser, server, scheme);
    await page.goto(`${server.origin}/#/welcome`);
    await tid(page, 'first-run').waitFor();
    await expectText(tid(page, 'first-run-existing'), /2 providers are set up: mock, second/);
    assert.equal(await tid(page, 'key-test-none').count(), 0, 'step 2 does not ask to add a provider');
    assert.equal(await tid(page, 'key-test-provider').inputValue(), 'mock');
    await tid(page, 'key-test').click();
    await expectText(tid(page, 'key-test-result'), /./);
    assert.equal(await tid(page, 'key-test-result').getAttribute('data-status'), 'works');
    await screenshot(page, `first-run-with-providers-${scheme}`);
    // The other provider: its key variable is not set, and the test says so.
    await tid(page, 'key-test-provider').selectOption('second');
    assert.equal(await tid(page, 'key-test-result').count(), 0, 'a new pick clears the old result');
    await tid(page, 'key-test').click();
    await expectText(tid(page, 'key-test-result'), /AIRLOCK_E2E_UNSET_KEY/);
    // "Add another" opens the form again.
    await tid(page, 'first-run-add-another').click();
    await tid(page, 'first-run-existing').waitFor({ state: 'detached' });
    assert.deepEqual(pageErrors(page), []);
  }
});

test('Chat: a turn that failed routing (never sent) does not claim its masked IBAN was sent or restored', { skip: skip ?? false }, async (t) => {
  const server = await startWebServer();
  const browser: Browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await server.close();
  });
  // Two providers with keys, so a model neither offers fails at the route stage, before anything is sent.
  process.env.AIRLOCK_E2E_CHAT_KEY = 'sk-e2e-chat-key-00000000';
  t.after(() => delete process.env.AIRLOCK_E2E_CHAT_KEY);
  server.core.providers.add({ id: 'mock', type: 'openai-compatible', preset: null, baseUrl: server.mock.url, keyEnv: 'AIRLOCK_E2E_CHAT_KEY', options: {} });
  server.core.providers.add({ id: 'other', type: 'openai-compatible', preset: null, baseUrl: server.mock.url, keyEnv: 'AIRLOCK_E2E_CHAT_KEY', options: {} });
  const conv = (await server.api.call('chat.create', { model: 'nowhere/no-such-model' })) as { id: string };
  const before = server.mock.requests.length;
  await server.api.call('chat.send', { conversationId: conv.id, content: 'Refund to DE89 3704 0044 0532 0130 00 please.' });
  type Msg = { role: string; status: string; dlp: { type: string; action: string }[] | null };
  let last: Msg | undefined;
  for (let i = 0; i < 200; i++) {
    const { messages } = (await server.api.call('chat.messages', { conversationId: conv.id })) as { messages: Msg[] };
    last = messages.at(-1);
    if (last?.role === 'assistant' && last.status !== 'streaming') break;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.ok(last && (last.status === 'error' || last.status === 'blocked'), `the turn failed: ${JSON.stringify(last)}`);
  assert.match(JSON.stringify(last), /model_not_found|not offered|No provider/i, 'it failed routing');
  assert.deepEqual(last.dlp?.map((f) => `${f.type}=${f.action}`), ['IBAN=mask'], 'DLP ran before routing failed');
  assert.equal(server.mock.requests.length, before, 'nothing reached the provider');

  for (const scheme of ['light', 'dark'] as const) {
    const { page } = await signedInPage(browser, server, scheme);
    await page.goto(`${server.origin}/#/chat`);
    await tid(page, 'chat-screen').waitFor();
    await tid(page, 'conversation').first().click();
    const answer = page.locator('[data-testid="message"][data-role="assistant"]').last();
    await answer.getByTestId('refusal').waitFor();
    const badge = answer.getByTestId('dlp-badge');
    await expectText(badge, '1 value to mask: IBAN; not answered, nothing restored');
    await badge.getByTestId('dlp-toggle').click();
    const details = await expectText(badge.getByTestId('dlp-details'), /may never have left this machine/);
    assert.doesNotMatch(details, /masked before sending|restored in the answer|shows them restored/);
    await screenshot(page, `chat-failed-turn-dlp-${scheme}`);
    assert.deepEqual(pageErrors(page), []);
  }
});
