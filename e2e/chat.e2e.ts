// The chat workspace end to end in web mode, in Debian's Chromium, against a real `airlock serve` wiring (core,
// gateway, app API + SSE) and a mock upstream speaking OpenAI's real SSE wire format. Covers: stream, stop,
// regenerate, edit-resend, search, a DLP-masked IBAN shown restored with its badge, a blocked message (budget),
// hostile markdown staying inert, keyboard shortcuts; screenshots in light and dark.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, launchBrowser, pageErrors, screenshot, signedInPage, startWebServer, type WebServer } from './support.ts';
import { ChatPage } from './chat-pages.ts';
import { expectText } from './expect.ts';

const skip = browserSkipReason();
if (skip) console.log(`# chat e2e skipped: ${skip}`);

const IBAN = 'DE89 3704 0044 0532 0130 00';

const HOSTILE = [
  'Hostile output follows.',
  '<script>window.__pwned = "script"</script>',
  '<img src="x" onerror="window.__pwned = \'img\'">',
  '[click me](javascript:window.__pwned=%22link%22)',
  '<a href="javascript:window.__pwned=\'a\'" id="evil">raw link</a>',
  '<iframe src="javascript:parent.__pwned=\'iframe\'"></iframe>',
  '<svg onload="window.__pwned=\'svg\'"><script>window.__pwned="svgscript"</script></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=\'mxss\'">',
  '<details open ontoggle="window.__pwned=\'details\'">x</details>',
  '<form action="javascript:alert(1)"><button>Log in again</button></form>',
  '<div style="position:fixed;inset:0;background:red">overlay</div>',
  'End of hostile output.',
].join('\n\n');

const RICH = [
  'Here is a **table**, some code and math.',
  '',
  '| Region | Requests | Cost |',
  '|---|---:|---:|',
  '| eu-west | 1,204 | $3.10 |',
  '| us-east | 981 | $2.45 |',
  '',
  '```ts',
  'export function add(a: number, b: number): number {',
  '  return a + b; // sum',
  '}',
  '```',
  '',
  'Inline math $e^{i\\pi} + 1 = 0$ and a block:',
  '',
  '$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$',
].join('\n');

/** Streams `pieces` as OpenAI chat.completion.chunk events (the shape of testdata/wire/openai/chat/stream.text.usage.sse). */
function stream(res: ServerResponse, pieces: string[], opts: { delayMs?: number } = {}) {
  const base = { id: 'chatcmpl-e2e', object: 'chat.completion.chunk', created: 1727346168, model: 'gpt-4o-mini-2024-07-18', system_fingerprint: 'fp_e2e' };
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }] })}\n\n`);
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    if (i < pieces.length) {
      res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: pieces[i++] }, logprobs: null, finish_reason: null }] })}\n\n`);
      setTimeout(next, opts.delayMs ?? 2);
      return;
    }
    res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] })}\n\n`);
    res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 120, completion_tokens: 48, total_tokens: 168 } })}\n\n`);
    res.end('data: [DONE]\n\n');
  };
  next();
}

const chunk = (s: string, n = 24) => s.match(new RegExp(`[\\s\\S]{1,${n}}`, 'g')) ?? [];

test('chat in web mode: stream, DLP restore, blocked, stop, regenerate, edit-resend, search, hostile markdown, keyboard', { skip: skip ?? false }, async (t) => {
  process.env.AIRLOCK_E2E_CHAT_KEY = 'sk-e2e-chat-upstream-key-0000';
  const server: WebServer = await startWebServer();
  server.core.providers.add({ id: 'mock', type: 'openai-compatible', preset: null, baseUrl: server.mock.url, keyEnv: 'AIRLOCK_E2E_CHAT_KEY', options: { catalogProvider: 'openai' } });
  let answers = 0;
  server.mock.on('POST /v1/chat/completions', () => ({
    kind: 'custom',
    handle: (_req: IncomingMessage, res: ServerResponse, body: any) => {
      const last = body.messages.at(-1);
      const text: string = typeof last.content === 'string' ? last.content : last.content.find((p: any) => p.type === 'text')?.text ?? '';
      answers++;
      if (text.includes('HOSTILE')) return stream(res, chunk(HOSTILE, 40));
      if (text.includes('RICH')) return stream(res, chunk(RICH, 16));
      if (text.includes('SLOW')) return stream(res, Array.from({ length: 400 }, (_, i) => `word${i} `), { delayMs: 15 });
      stream(res, chunk(`You said: ${text} (answer #${answers})`, 6));
    },
  }));
  const browser: Browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await server.close();
  });
  const { page } = await signedInPage(browser, server);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  const chat = new ChatPage(page);
  await chat.go();
  await page.getByTestId('chat-empty').waitFor();

  // Keyboard: new chat focuses the composer; Shift+Enter is a newline, Enter sends.
  await page.keyboard.press('Control+Shift+O');
  await chat.title().waitFor();
  await chat.pickModel('mock/gpt-4o-mini');
  await expectText(page.getByTestId('model-info'), /per M/);
  await chat.composer().click();
  await page.keyboard.type('Hello gateway');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('second line');
  assert.equal(await chat.composer().inputValue(), 'Hello gateway\nsecond line');
  await chat.mark();
  await page.keyboard.press('Enter');
  assert.equal(await chat.settled(), 'done');
  await expectText(chat.lastAssistant().getByTestId('message-text'), /You said: Hello gateway\s+second line/);
  await expectText(chat.lastAssistant().getByTestId('message-meta'), /mock\/gpt-4o-mini · 120 in · 48 out · \$0\.0000\d+$/);
  await expectText(chat.title(), 'Hello gateway');
  await expectText(chat.total(), /Total \$0\.0000\d+ · 168 tokens/);
  const up = server.mock.requests.at(-1)!;
  assert.equal(up.body.model, 'gpt-4o-mini');
  assert.equal(up.body.stream, true);

  // DLP: the IBAN is masked before sending, restored in the answer, and the badge says so.
  await chat.send(`Please file my refund to ${IBAN} today.`);
  assert.equal(await chat.settled(), 'done');
  const sent = JSON.stringify(server.mock.requests.at(-1)!.body);
  assert.ok(!sent.includes('DE89') && !sent.includes('3704 0044'), `the provider never saw the IBAN: ${sent}`);
  assert.match(sent, /<IBAN_1>/, 'the provider saw a placeholder');
  await expectText(chat.lastAssistant().getByTestId('message-text'), `refund to ${IBAN} today`);
  const badge = chat.lastAssistant().getByTestId('dlp-badge');
  await expectText(badge, '1 value masked before sending: IBAN');
  await badge.getByTestId('dlp-toggle').click();
  await expectText(badge.getByTestId('dlp-details'), /IBAN × 1 — masked before sending, restored in the answer/);

  // Rich markdown: GFM table, highlighted code with a working copy button, MathML math.
  await chat.send('RICH please');
  assert.equal(await chat.settled(), 'done');
  const rich = chat.lastAssistant();
  assert.equal(await rich.locator('table th').count(), 3);
  assert.ok((await rich.locator('.md-code code .hljs-keyword').count()) > 0, 'code is highlighted');
  assert.ok((await rich.locator('math').count()) >= 2, 'math renders as MathML');
  await rich.getByTestId('code-copy').click();
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /^export function add/);
  await screenshot(page, 'chat-light');

  // Hostile markdown/HTML in an answer is inert: nothing runs, no active elements or handlers survive.
  await chat.send('HOSTILE test');
  assert.equal(await chat.settled(), 'done');
  const hostile = chat.lastAssistant();
  await expectText(hostile.getByTestId('message-text'), 'End of hostile output.');
  const inert = await hostile.evaluate((el) => {
    const all = [...el.querySelectorAll('*')];
    return {
      pwned: (window as any).__pwned ?? null,
      scripts: el.querySelectorAll('script, iframe, svg, form, style, object, embed').length,
      buttons: el.querySelectorAll('.md button:not(.md-copy)').length,
      handlers: all.filter((n) => [...n.attributes].some((a) => a.name.startsWith('on'))).length,
      jsLinks: el.querySelectorAll('a[href^="javascript" i]').length,
      styled: el.querySelectorAll('.md [style]').length,
    };
  });
  assert.deepEqual(inert, { pwned: null, scripts: 0, buttons: 0, handlers: 0, jsLinks: 0, styled: 0 });
  await hostile.getByText('click me').click().catch(() => {});
  await hostile.getByText('raw link').click().catch(() => {});
  await page.waitForTimeout(100);
  assert.equal(await page.evaluate(() => (window as any).__pwned ?? null), null, 'clicking the links ran nothing');
  assert.equal(page.url().startsWith(server.origin), true, 'no navigation happened');

  // Stop: Esc ends a long answer; the partial text is kept.
  await chat.send('SLOW answer');
  await expectText(chat.lastAssistant().getByTestId('message-text'), 'word3');
  await page.keyboard.press('Escape');
  assert.equal(await chat.settled(), 'stopped');
  await expectText(chat.lastAssistant().getByTestId('message-meta'), 'Stopped');
  const partial = await chat.lastAssistant().getByTestId('message-text').innerText();
  assert.ok(!partial.includes('word399'), 'the answer was cut short');

  // Regenerate replaces the last answer.
  const before = server.mock.requests.length;
  await chat.mark();
  await chat.lastAssistant().getByTestId('regenerate').click();
  assert.equal(await chat.settled(), 'done');
  assert.equal(server.mock.requests.length, before + 1);

  // Edit-resend: editing the first message drops everything after it.
  // The list is virtualized: scroll up until the first message is rendered.
  await page.getByTestId('message-list').evaluate((el) => el.scrollTo({ top: 0 }));
  const firstMsg = page.locator('[data-testid="message"][data-seq="1"]');
  await firstMsg.getByTestId('edit').click();
  await firstMsg.getByTestId('edit-input').fill('Edited first message');
  await chat.mark();
  await firstMsg.getByTestId('edit-save').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="message"]').length === 2);
  assert.equal(await chat.settled(), 'done');
  await expectText(chat.lastAssistant().getByTestId('message-text'), /You said: Edited first message/);
  assert.deepEqual(server.mock.requests.at(-1)!.body.messages.map((m: any) => m.role), ['user'], 'nothing after the edited message was sent');

  // A blocked message: a hard budget on the chat client refuses the turn with the reason and what to do.
  server.core.budgets.repo.setBudget({ scope: 'client:airlock-chat', window: 'day', limitUsd: 0.00000001, limitTokens: null, mode: 'hard', warnAtPct: null });
  server.core.live.invalidate();
  server.core.budgets.reloadSpend();
  await chat.send('this one is over budget');
  assert.equal(await chat.settled(), 'blocked');
  await expectText(chat.lastAssistant().getByTestId('refusal-reason'), /budget/i);
  await expectText(chat.lastAssistant().getByTestId('refusal-hint'), /raise the limit|cheaper model/);
  await screenshot(page, 'chat-blocked-light');
  for (const b of server.core.budgets.repo.listBudgets()) server.core.budgets.repo.removeBudget({ id: b.id });
  server.core.live.invalidate();
  server.core.budgets.reloadSpend();

  // A second conversation, then search across both with highlighted matches.
  await chat.newChat();
  await chat.send('Tell me about the quokka marsupial');
  assert.equal(await chat.settled(), 'done');
  await chat.search('marsup');
  const hit = chat.hits().first();
  await expectText(hit.locator('mark').first(), /^marsup/i);
  // (The refund exchange went with the edit above: truncated messages leave the index too.)
  await page.getByTestId('chat-search').fill('refund');
  await expectText(page.getByTestId('search-results'), 'No matches.');
  await page.getByTestId('chat-search').fill('edited');
  await expectText(chat.hits().first(), /Edited first message/);
  await chat.hits().first().click();
  await expectText(chat.title(), 'Hello gateway');

  // Pin, delete with undo.
  await page.getByTestId('chat-search').fill('');
  await page.getByTestId('pin').click();
  await expectText(chat.conversations().first(), /Hello gateway/);
  await page.getByTestId('delete').click();
  await page.getByTestId('undo-bar').waitFor();
  assert.equal(await chat.conversations().count(), 1);
  await page.getByTestId('undo').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="conversation"]').length === 2);

  // Export downloads Markdown.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-md').click()]);
  assert.match(download.suggestedFilename(), /^Hello-gateway\.md$/);

  assert.deepEqual(pageErrors(page), [], 'no console errors or CSP violations');

  // Dark theme screenshot of the same conversation.
  const dark = await signedInPage(browser, server, 'dark');
  const darkChat = new ChatPage(dark.page);
  await darkChat.go();
  await darkChat.lastAssistant().waitFor();
  await dark.page.getByTestId('conversation').filter({ hasText: 'Hello gateway' }).click();
  await darkChat.lastAssistant().waitFor();
  await screenshot(dark.page, 'chat-dark');
  assert.deepEqual(pageErrors(dark.page), []);
});

export type { Page };
