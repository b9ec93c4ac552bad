/**
 * A failure the gateway answers to its caller. Each inbound protocol renders it in its own wire shape
 * (OpenAI error JSON, Anthropic error JSON), so stages throw this and never write responses themselves.
 */
export type ErrorKind =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error'
  | 'timeout_error'
  | 'request_too_large'
  | 'unsupported_media_type'
  | 'policy_violation'
  | 'budget_exceeded'
  | 'upstream_error';

export class GatewayError extends Error {
  readonly status: number;
  readonly kind: ErrorKind;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;
  /** The upstream's own error type, passed through to same-protocol clients. */
  readonly upstreamType: string | null;

  constructor(
    status: number,
    kind: ErrorKind,
    message: string,
    opts: { code?: string | null; param?: string | null; headers?: Record<string, string>; upstreamType?: string | null } = {},
  ) {
    super(message);
    this.name = 'GatewayError';
    this.status = status;
    this.kind = kind;
    this.code = opts.code ?? null;
    this.param = opts.param ?? null;
    this.headers = opts.headers ?? {};
    this.upstreamType = opts.upstreamType ?? null;
  }
}

/** An error a person runs into at the CLI: printed without a stack trace, exit code 1 (or the given one). */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}
