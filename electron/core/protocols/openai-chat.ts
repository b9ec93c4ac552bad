import { GatewayError } from '../util/errors.ts';
import type { InboundProtocol, ParsedInbound } from './inbound.ts';
import { writeOpenAIError } from './openai-errors.ts';

function requireModel(body: Record<string, unknown>): string {
  const model = body.model;
  if (model === undefined || model === null || model === '') {
    throw new GatewayError(400, 'invalid_request_error', "Missing required field 'model' (a string such as \"openai/gpt-4o-mini\").", {
      param: 'model',
      code: 'missing_required_parameter',
    });
  }
  if (typeof model !== 'string' || model.trim() === '') {
    throw new GatewayError(400, 'invalid_request_error', `Field 'model' must be a string such as "openai/gpt-4o-mini" (got ${JSON.stringify(model)}).`, {
      param: 'model',
      code: 'invalid_type',
    });
  }
  return model;
}

export const openAIChat: InboundProtocol = {
  id: 'openai.chat',
  parse(body): ParsedInbound {
    const model = requireModel(body);
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new GatewayError(400, 'invalid_request_error', "Field 'messages' must be a non-empty array of chat messages.", {
        param: 'messages',
        code: messages === undefined ? 'missing_required_parameter' : 'invalid_type',
      });
    }
    const bad = messages.findIndex((m) => !m || typeof m !== 'object' || Array.isArray(m) || typeof (m as { role?: unknown }).role !== 'string');
    if (bad >= 0) {
      throw new GatewayError(400, 'invalid_request_error', `messages[${bad}] must be an object with a string 'role' (e.g. {"role":"user","content":"hi"}).`, {
        param: `messages[${bad}]`,
        code: 'invalid_type',
      });
    }
    if (body.stream !== undefined && typeof body.stream !== 'boolean') {
      throw new GatewayError(400, 'invalid_request_error', "Field 'stream' must be true or false.", { param: 'stream', code: 'invalid_type' });
    }
    const stream = body.stream === true;
    const so = body.stream_options as { include_usage?: unknown } | undefined | null;
    return { model, stream, wantsUsage: Boolean(stream && so && so.include_usage === true) };
  },
  writeError: writeOpenAIError,
};

export const openAIEmbeddings: InboundProtocol = {
  id: 'openai.embeddings',
  parse(body): ParsedInbound {
    const model = requireModel(body);
    const input = body.input;
    if (input === undefined || input === null || (typeof input !== 'string' && !Array.isArray(input))) {
      throw new GatewayError(400, 'invalid_request_error', "Field 'input' must be a string or an array of strings or token arrays.", {
        param: 'input',
        code: input === undefined ? 'missing_required_parameter' : 'invalid_type',
      });
    }
    return { model, stream: false, wantsUsage: false };
  },
  writeError: writeOpenAIError,
};
