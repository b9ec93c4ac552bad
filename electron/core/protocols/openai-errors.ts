import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../util/errors.ts';

const OPENAI_TYPE: Record<string, string> = {
  invalid_request_error: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'invalid_request_error',
  rate_limit_error: 'rate_limit_error',
  budget_exceeded: 'budget_exceeded',
  policy_violation: 'policy_violation',
  request_too_large: 'invalid_request_error',
  unsupported_media_type: 'invalid_request_error',
  timeout_error: 'timeout_error',
  overloaded_error: 'server_error',
  api_error: 'server_error',
  upstream_error: 'upstream_error',
};

export function openAIErrorBody(err: GatewayError): string {
  return JSON.stringify({
    error: {
      message: err.message,
      type: err.upstreamType ?? OPENAI_TYPE[err.kind] ?? 'server_error',
      param: err.param,
      code: err.code,
    },
  });
}

export function writeJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function writeOpenAIError(res: ServerResponse, err: GatewayError): void {
  writeJson(res, err.status, openAIErrorBody(err), err.headers);
}
