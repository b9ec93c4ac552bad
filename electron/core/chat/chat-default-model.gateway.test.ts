// First run with only a custom OpenAI-compatible server ("Other" provider on loopback): the chat's default model
// answers the very first message, and when the server's model list cannot be read the picker says what to fix.
// Real gateway, SQLite and app API (as the UI calls it); only the upstream is a mock speaking the real wire format.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Core } from '../core.ts';
import { startGateway, type Gateway } from '../server/gateway.ts';
import { startMockUpstream, type MockUpstream } from '../testing/mock-upstream.ts';
import { tempDataDir } from '../testing/harness.ts';
import { AppApiService } from '../api/service.ts';
import type { AppEvent } from '../../../shared/api/contract.ts';
import type { ChatMessage } from '../../../shared/api/chat.ts';

interface Setup {
  core: Core;
  api: AppApiService;
  mock: MockUpstream;
  events: AppEvent[];
  close(): Promise<void>;
}

/** A fresh install whose only provider is `id`: a custom server on loopback (no catalog), key from `keyEnv`. */
async function setup(id: string, keyEnv: string): Promise<Setup> {
  const dataDir = tempDataDir();
  const mock = await startMockUpstream();
  const core = new Core({ dataDir, env: { ...process.env, CUSTOM_CHAT_KEY: 'sk-custom-chat-key-0123456789' }, secrets: null });
  core.providers.add({ id, type: 'openai-compatible', preset: null, baseUrl: mock.url, keyEnv, options: {} });
  const gateway: Gateway = await startGateway(core, { port: 0 });
  const api = new AppApiService(core, { mode: 'web', version: 't', gateway: () => ({ state: 'running', port: gateway.port }) });
  const events: AppEvent[] = [];
  api.subscribe((e) => events.push(e));
  return {
    core,
    api,
    mock,
    events,
    async close() {
      api.close();
      await gateway.close();
      await mock.close();
      core.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function doneFor(s: Setup, messageId: number): Promise<ChatMessage> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const e = s.events.find((x) => x.type === 'chat' && x.event.kind === 'done' && x.event.message.id === messageId);
    if (e && e.type === 'chat' && e.event.kind === 'done') return e.event.message;
    if (Date.now() > deadline) assert.fail(`no done event for message ${messageId}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('only a custom loopback provider: the default model (auto) answers the first message', async () => {
  const s = await setup('mymock', 'CUSTOM_CHAT_KEY');
  try {
    const call = (m: string, input: unknown) => s.api.call(m, input) as Promise<any>;
    const models = await call('chat.models', {});
    assert.equal(models.defaultModel, 'auto');
    assert.equal(models.notice, null);
    assert.deepEqual(
      models.aliases.map((a: any) => [a.id, a.available]),
      [
        ['auto', true],
        ['fast', true],
        ['smart', true],
      ],
    );
    assert.deepEqual(
      models.providers.map((p: any) => [p.id, p.local, p.models.map((m: any) => [m.id, m.inputPerM, m.outputPerM])]),
      [['mymock', true, [['mymock/model-id-0', 0, 0], ['mymock/model-id-1', 0, 0], ['mymock/model-id-2', 0, 0]]]],
      'the server\'s own model list, free because it is local',
    );

    // What the UI does on first send: create a conversation without naming a model, then send.
    const conv = await call('chat.create', {});
    assert.equal(conv.model, 'auto');
    const turn = await call('chat.send', { conversationId: conv.id, content: 'hello' });
    const done = await doneFor(s, turn.assistant.id);
    assert.equal(done.status, 'done', `the first message is answered, not refused: ${done.error?.message ?? ''}`);
    assert.ok(done.content.length > 0);
    assert.deepEqual([done.provider, done.model, done.requestedModel], ['mymock', 'model-id-0', 'auto']);
    assert.equal(s.mock.requests.at(-1)!.body.model, 'model-id-0');
  } finally {
    await s.close();
  }
});

test('the model list cannot be read (key refused): the picker says what to fix; a send explains itself', async () => {
  const s = await setup('badkey', 'CUSTOM_CHAT_KEY');
  // The server refuses the key on every call, as a real OpenAI-compatible server answers a wrong key.
  s.mock.on('GET /v1/models', { kind: 'error', file: 'openai/errors/401-invalid_api_key.json' });
  try {
    const call = (m: string, input: unknown) => s.api.call(m, input) as Promise<any>;
    const models = await call('chat.models', {});
    assert.deepEqual(models.providers, []);
    assert.ok(models.aliases.every((a: any) => a.available === false), 'no alias can route');
    assert.match(models.notice, /^No model is available to chat with\. Could not list the models of 'badkey': GET http:\/\/127\.0\.0\.1:\d+\/v1\/models answered HTTP 401 \(the key was refused: check it under Providers & keys\)\./);
    assert.match(models.notice, /Providers & keys \(Test key\)/);
    assert.ok(!models.notice.includes('sk-custom-chat-key'), 'the key never reaches the renderer');

    // A message still gets a reason and a way out instead of "Checked 0 model(s)".
    const conv = await call('chat.create', {});
    const turn = await call('chat.send', { conversationId: conv.id, content: 'hello' });
    const done = await doneFor(s, turn.assistant.id);
    assert.notEqual(done.status, 'done');
    assert.equal(done.error?.status, 503);
    assert.equal(done.error?.code, 'no_model_available');
    assert.match(done.error?.message ?? '', /No model is available for 'auto' \(the model list of 'badkey' could not be read: .*HTTP 401/);
    assert.match(done.error?.message ?? '', /airlock model set/);
    assert.match(done.error?.hint ?? '', /Pick a model in the model picker/);
  } finally {
    await s.close();
  }
});
