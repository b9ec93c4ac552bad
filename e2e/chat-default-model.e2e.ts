// The first-run bug, end to end in web mode: a user whose only working provider is a custom OpenAI-compatible
// server on loopback opens Chat and sends a message: it is answered with the default model (auto → the server's
// own model); a provider whose model list cannot be read is named under the picker with what to fix.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { browserSkipReason, launchBrowser, pageErrors, screenshot, signedInPage, startWebServer, type WebServer } from './support.ts';
import { ChatPage } from './chat-pages.ts';
import { expectText } from './expect.ts';

const skip = browserSkipReason();
if (skip) console.log(`# chat default-model e2e skipped: ${skip}`);

test('only a custom server: the first chat message is answered; a broken provider is explained under the picker', { skip: skip ?? false }, async (t) => {
  process.env.AIRLOCK_E2E_CUSTOM_KEY = 'sk-e2e-custom-key-0000';
  const server: WebServer = await startWebServer();
  // "Other" provider at http://127.0.0.1:PORT/v1 (no catalog), and one whose key variable is not set.
  server.core.providers.add({ id: 'mymock', type: 'openai-compatible', preset: null, baseUrl: server.mock.url, keyEnv: 'AIRLOCK_E2E_CUSTOM_KEY', options: {} });
  server.core.providers.add({ id: 'broken', type: 'openai-compatible', preset: null, baseUrl: server.mock.url, keyEnv: 'AIRLOCK_E2E_UNSET_KEY_VAR', options: {} });
  const browser: Browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await server.close();
  });
  const { page } = await signedInPage(browser, server);
  const chat = new ChatPage(page);
  await chat.go();
  await page.getByTestId('chat-empty').waitFor();

  // Straight to the composer, as a new user does: the conversation is created with the default model.
  await chat.send('hello');
  assert.equal(await chat.settled(), 'done');
  await expectText(chat.lastAssistant().getByTestId('message-meta'), /mymock\/model-id-0 \(via auto\)/);
  assert.equal(await chat.modelPicker().inputValue(), 'auto');
  assert.equal(server.mock.requests.at(-1)!.body.model, 'model-id-0');
  await expectText(page.getByTestId('model-notice'), /Could not list the models of 'broken': .*AIRLOCK_E2E_UNSET_KEY_VAR.* fix its key or URL under Providers & keys/);
  await screenshot(page, 'chat-default-model-notice');
  assert.deepEqual(pageErrors(page), [], 'no console errors');
});
