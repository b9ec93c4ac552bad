import { GatewayError } from '../util/errors.ts';
import type { InboundProtocol, ParsedInbound } from './inbound.ts';
import { writeOpenAIError } from './openai-errors.ts';

/** POST /v1/responses, OpenAI Responses-compatible (Codex CLI, newer OpenAI SDK code). */
export const openAIResponses: InboundProtocol = {
  id: 'openai.responses',
  parse(body): ParsedInbound {
    const model = body.model;
    if (typeof model !== 'string' || model.trim() === '') {
      throw new GatewayError(400, 'invalid_request_error', "Missing required field 'model' (a string such as \"openai/gpt-4o-mini\").", {
        param: 'model',
        code: 'missing_required_parameter',
      });
    }
    const input = body.input;
    if (typeof input !== 'string' && !Array.isArray(input) && body.previous_response_id === undefined) {
      throw new GatewayError(400, 'invalid_request_error', "Field 'input' must be a string or an array of input items.", {
        param: 'input',
        code: input === undefined ? 'missing_required_parameter' : 'invalid_type',
      });
    }
    if (body.stream !== undefined && typeof body.stream !== 'boolean') {
      throw new GatewayError(400, 'invalid_request_error', "Field 'stream' must be true or false.", { param: 'stream', code: 'invalid_type' });
    }
    return { model, stream: body.stream === true, wantsUsage: false };
  },
  writeError: writeOpenAIError,
};
