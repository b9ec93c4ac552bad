import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../util/errors.ts';
import { writeJson } from './openai-errors.ts';

/** Anthropic's error types (https://docs.anthropic.com/en/api/errors). */
const ANTHROPIC_TYPES = new Set([
  'invalid_request_error',
  'authentication_error',
  'billing_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'api_error',
  'timeout_error',
  'overloaded_error',
]);

const BY_KIND: Record<string, string> = {
  invalid_request_error: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'not_found_error',
  rate_limit_error: 'rate_limit_error',
  request_too_large: 'request_too_large',
  unsupported_media_type: 'invalid_request_error',
  timeout_error: 'timeout_error',
  overloaded_error: 'overloaded_error',
  api_error: 'api_error',
  policy_violation: 'permission_error',
  budget_exceeded: 'rate_limit_error',
  upstream_error: 'api_error',
};

/** The Anthropic error type for a gateway error: the upstream's own when it is an Anthropic type, else by kind. */
export function anthropicErrorType(err: GatewayError): string {
  if (err.upstreamType && ANTHROPIC_TYPES.has(err.upstreamType)) return err.upstreamType;
  if (err.status === 402) return 'billing_error';
  if (err.status === 529) return 'overloaded_error';
  return BY_KIND[err.kind] ?? 'api_error';
}

/** `{"type":"error","error":{"type","message"},"request_id"}`, the shape the Anthropic SDK reads. */
export function anthropicErrorBody(err: GatewayError, requestId?: string): string {
  const body: Record<string, unknown> = { type: 'error', error: { type: anthropicErrorType(err), message: err.message } };
  if (requestId) body.request_id = requestId;
  return JSON.stringify(body);
}

export function writeAnthropicError(res: ServerResponse, err: GatewayError): void {
  writeJson(res, err.status, anthropicErrorBody(err), err.headers);
}
