// The chat UI's pure pieces: DLP badge text, search snippet splitting (never HTML), costs and prices, file kinds,
// vision lookup and the keyboard shortcut map.
import test from 'node:test';
import assert from 'node:assert/strict';
import { dlpSummary, fileKind, fmtCost, fmtPrice, messageMeta, pickerNotice, shortcutOf, splitSnippet, usableModel, visionOf } from './chat-format.ts';
import type { ChatMessage } from '../../../../shared/api/chat.ts';

test('DLP badge: masked values by type, blocks, detections and output findings', () => {
  assert.equal(dlpSummary(null), null);
  assert.deepEqual(dlpSummary([{ type: 'EMAIL', count: 1, action: 'mask' }, { type: 'IBAN', count: 1, action: 'mask' }]), { text: '2 values masked before sending: EMAIL, IBAN', level: 'info' });
  assert.equal(dlpSummary([{ type: 'IBAN', count: 1, action: 'block' }])!.level, 'block');
  assert.match(dlpSummary([{ type: 'IBAN', count: 1, action: 'block' }])!.text, /^Blocked before sending: 1 value \(IBAN\)/);
  assert.equal(dlpSummary([{ type: 'PHONE', count: 2, action: 'warn' }])!.text, '2 detected and sent (policy allows): PHONE');
  assert.match(dlpSummary([{ type: 'IBAN', count: 1, action: 'mask' }, { type: 'AWS_KEY', count: 1, action: 'output_redact' }])!.text, /1 value masked before sending: IBAN · 1 found in the answer: AWS_KEY/);
});

test('search snippets split into marked and plain text; stray markers and HTML stay text', () => {
  assert.deepEqual(splitSnippet('a \u0002b\u0003 c'), [
    { text: 'a ', mark: false },
    { text: 'b', mark: true },
    { text: ' c', mark: false },
  ]);
  assert.deepEqual(splitSnippet('<img src=x onerror=alert(1)> \u0002hit\u0003'), [
    { text: '<img src=x onerror=alert(1)> ', mark: false },
    { text: 'hit', mark: true },
  ]);
  assert.deepEqual(splitSnippet('x\u0002'), [{ text: 'x', mark: false }]);
});

test('costs, prices and the per-message meta line', () => {
  assert.equal(fmtCost(null), 'price unknown');
  assert.equal(fmtCost(0.0000468), '$0.000047');
  assert.equal(fmtCost(0.0042), '$0.0042');
  assert.equal(fmtCost(1.5), '$1.500');
  assert.equal(fmtPrice({ inputPerM: 2.5, outputPerM: 10 }), '$2.50 in / $10 out per M');
  assert.equal(fmtPrice({ inputPerM: 0, outputPerM: 0 }), 'free');
  const m = { provider: 'openai', model: 'gpt-4o-mini', requestedModel: 'auto', inputTokens: 1200, outputTokens: 48, status: 'done', cacheHit: false, costUsd: 0.0002 } as ChatMessage;
  assert.equal(messageMeta(m), 'openai/gpt-4o-mini (via auto) · 1.2k in · 48 out · $0.00020');
  assert.equal(messageMeta({ ...m, cacheHit: true }), 'openai/gpt-4o-mini (via auto) · 1.2k in · 48 out · cache hit · $0');
});

test('attachments: text and code files by type or extension, images for vision, the rest refused', () => {
  assert.equal(fileKind('main.rs', ''), 'text');
  assert.equal(fileKind('Dockerfile', ''), 'text');
  assert.equal(fileKind('data.json', 'application/json'), 'text');
  assert.equal(fileKind('shot.png', 'image/png'), 'image');
  assert.equal(fileKind('doc.pdf', 'application/pdf'), 'unsupported');
  assert.equal(fileKind('vector.svg', 'image/svg+xml'), 'text', 'SVG goes as its source text, never as an image');
  const models = { aliases: [], providers: [{ id: 'p', local: false, models: [{ id: 'p/v', name: 'v', inputPerM: 1, outputPerM: 2, vision: true, contextWindow: null }] }], defaultModel: 'p/v', notice: null };
  assert.equal(visionOf(models, 'p/v'), true);
  assert.equal(visionOf(models, 'auto'), null);
});

test('keyboard: Ctrl+Shift+O new chat, Ctrl+K search, Shift+Esc composer, Esc stop', () => {
  const k = (key: string, m: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {}) => shortcutOf({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...m });
  assert.equal(k('O', { ctrlKey: true, shiftKey: true }), 'new-chat');
  assert.equal(k('o', { metaKey: true, shiftKey: true }), 'new-chat');
  assert.equal(k('k', { ctrlKey: true }), 'search');
  assert.equal(k('Escape', { shiftKey: true }), 'focus-composer');
  assert.equal(k('Escape'), 'stop');
  assert.equal(k('k'), null);
  assert.equal(k('Enter'), null);
});

test('model picker: which picks can answer, and what the picker says when auto or discovery cannot', () => {
  const alias = (id: string, available: boolean) => ({ id, description: id, managed: false, available });
  const model = { id: 'mymock/model-id-0', name: 'model-id-0', inputPerM: 0, outputPerM: 0, vision: null, contextWindow: null };
  const ok = { aliases: [alias('auto', true)], providers: [{ id: 'mymock', local: true, models: [model] }], defaultModel: 'auto', notice: null };
  assert.equal(usableModel(ok, 'auto'), true);
  assert.equal(usableModel(ok, 'mymock/model-id-0'), true);
  assert.equal(usableModel(ok, 'gone/model'), false);
  assert.equal(usableModel(null, 'auto'), true, 'unknown while loading');
  assert.equal(pickerNotice(ok, 'auto', null), null);
  assert.match(pickerNotice(ok, 'gone/model', null)!, /not offered any more/);
  // auto cannot route, a model is listed: say so and name the model to pick
  const noAuto = { ...ok, aliases: [alias('auto', false)], defaultModel: 'mymock/model-id-0' };
  assert.equal(usableModel(noAuto, 'auto'), false);
  assert.equal(pickerNotice(noAuto, 'auto', null), "'auto' has no model to choose from: pick a model below (e.g. mymock/model-id-0).");
  // discovery failed: nothing listed, only aliases that cannot route; the server's notice says what to fix
  const broken = { aliases: [alias('auto', false), alias('fast', false)], providers: [], defaultModel: 'auto', notice: "No model is available to chat with. Could not list the models of 'mymock': the key is missing." };
  assert.equal(pickerNotice(broken, 'auto', null), "'auto' has no model to choose from. No model is available to chat with. Could not list the models of 'mymock': the key is missing.");
  assert.match(pickerNotice(null, 'auto', 'network down')!, /Could not load the model list: network down/);
});
