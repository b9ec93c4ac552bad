import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../util/errors.ts';

/** What the gateway needs to know about a request before routing, whatever its wire format. */
export interface ParsedInbound {
  model: string;
  stream: boolean;
  /** The client asked for usage in the stream (OpenAI stream_options.include_usage). */
  wantsUsage: boolean;
}

/** An API the gateway serves to local clients. */
export interface InboundProtocol {
  readonly id: 'openai.chat' | 'openai.embeddings' | 'openai.responses' | 'anthropic.messages' | 'anthropic.count_tokens';
  parse(body: Record<string, unknown>): ParsedInbound;
  /** Writes a gateway error in this protocol's error shape. */
  writeError(res: ServerResponse, err: GatewayError): void;
}
