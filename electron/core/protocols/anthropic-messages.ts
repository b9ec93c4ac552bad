import { GatewayError } from '../util/errors.ts';
import type { InboundProtocol, ParsedInbound } from './inbound.ts';
import { writeAnthropicError } from './anthropic-errors.ts';

function bad(message: string, param: string): GatewayError {
  return new GatewayError(400, 'invalid_request_error', message, { param, code: 'invalid_request' });
}

function requireModelAndMessages(body: Record<string, unknown>): string {
  const model = body.model;
  if (typeof model !== 'string' || model.trim() === '') throw bad("model: Field required (a string such as \"anthropic/claude-sonnet-4-5\").", 'model');
  const messages = body.messages;
  if (!Array.isArray(messages)) throw bad('messages: Field required (an array of {role, content}).', 'messages');
  messages.forEach((m, i) => {
    const role = (m as { role?: unknown } | null)?.role;
    if (role !== 'user' && role !== 'assistant') throw bad(`messages.${i}.role: Input should be 'user' or 'assistant'.`, `messages.${i}.role`);
    const c = (m as { content?: unknown }).content;
    if (typeof c !== 'string' && !Array.isArray(c)) throw bad(`messages.${i}.content: Input should be a string or a list of content blocks.`, `messages.${i}.content`);
  });
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) throw bad('system: Input should be a string or a list of text blocks.', 'system');
  if (body.tools !== undefined && !Array.isArray(body.tools)) throw bad('tools: Input should be a list.', 'tools');
  return model;
}

/** POST /v1/messages, Anthropic-compatible (Claude Code, the Anthropic SDKs). */
export const anthropicMessages: InboundProtocol = {
  id: 'anthropic.messages',
  parse(body): ParsedInbound {
    const model = requireModelAndMessages(body);
    if ((body.messages as unknown[]).length === 0) throw bad('messages: at least one message is required.', 'messages');
    const mt = body.max_tokens;
    if (typeof mt !== 'number' || !Number.isInteger(mt) || mt < 1) throw bad('max_tokens: Field required (a positive integer).', 'max_tokens');
    if (body.stream !== undefined && typeof body.stream !== 'boolean') throw bad('stream: Input should be a valid boolean.', 'stream');
    return { model, stream: body.stream === true, wantsUsage: false };
  },
  writeError: writeAnthropicError,
};

/** POST /v1/messages/count_tokens. */
export const anthropicCountTokens: InboundProtocol = {
  id: 'anthropic.count_tokens',
  parse(body): ParsedInbound {
    return { model: requireModelAndMessages(body), stream: false, wantsUsage: false };
  },
  writeError: writeAnthropicError,
};
