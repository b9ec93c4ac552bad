import type { InboundProtocol } from './inbound.ts';
import type { GatewayError } from '../util/errors.ts';
import { openAIErrorBody } from './openai-errors.ts';
import { anthropicErrorBody } from './anthropic-errors.ts';

/**
 * An error told in-band, once a stream's headers are already out: each protocol's own mid-stream error event,
 * the one its official SDK turns into an exception.
 */
export function streamErrorEvent(protocol: InboundProtocol['id'], err: GatewayError): string {
  if (protocol === 'anthropic.messages') return `event: error\ndata: ${anthropicErrorBody(err)}\n\n`;
  if (protocol === 'openai.responses') return `event: error\ndata: ${JSON.stringify({ type: 'error', error: JSON.parse(openAIErrorBody(err)).error })}\n\n`;
  return `data: ${openAIErrorBody(err)}\n\n`;
}
