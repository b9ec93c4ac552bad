import { GatewayError, type ErrorKind } from '../util/errors.ts';
import { redactSecrets } from '../util/redact.ts';

/** Headers worth passing back to the client when an upstream refuses: retry hints and rate-limit state. */
const PASS_HEADERS = /^(retry-after|retry-after-ms|x-should-retry|x-ratelimit-[a-z-]+|anthropic-ratelimit-[a-z-]+)$/;

function kindFor(status: number): ErrorKind {
  if (status === 400 || status === 422) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 408 || status === 504) return 'timeout_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 529 || status === 503) return 'overloaded_error';
  return 'api_error';
}

interface Extracted {
  message?: string;
  type?: string;
  code?: string | null;
  param?: string | null;
}

/** Reads the error envelope of any provider we speak: OpenAI, Anthropic, Gemini (google.rpc), Ollama, OpenRouter. */
export function extractUpstreamError(text: string): Extracted {
  let j: any;
  try {
    j = JSON.parse(text);
  } catch {
    return { message: text.trim().slice(0, 500) || undefined };
  }
  if (Array.isArray(j)) j = j[0];
  if (j && typeof j === 'object') {
    const e = j.error;
    if (typeof e === 'string') return { message: e };
    if (e && typeof e === 'object') {
      return {
        message: typeof e.message === 'string' ? e.message : undefined,
        type: typeof e.type === 'string' ? e.type : typeof e.status === 'string' ? e.status : undefined,
        code: e.code === undefined || e.code === null ? null : String(e.code),
        param: typeof e.param === 'string' ? e.param : null,
      };
    }
    if (typeof j.message === 'string') return { message: j.message, type: typeof j.type === 'string' ? j.type : undefined };
  }
  return { message: text.trim().slice(0, 500) || undefined };
}

/** Turns an upstream HTTP error into a gateway error: status and message passed through, keys redacted. */
export function upstreamHttpError(
  providerId: string,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  bodyText: string,
  secrets: string[],
): GatewayError {
  const ex = extractUpstreamError(bodyText);
  const pass: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined && PASS_HEADERS.test(k.toLowerCase())) pass[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  const message = redactSecrets(ex.message ?? `HTTP ${status} with no error message`, secrets);
  const outStatus = status >= 400 && status <= 599 ? status : 502;
  return new GatewayError(outStatus, kindFor(outStatus), `Provider '${providerId}' returned HTTP ${status}: ${message}`, {
    code: ex.code ?? null,
    param: ex.param ?? null,
    headers: pass,
    upstreamType: ex.type ?? null,
  });
}

const NET_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed unexpectedly',
  UND_ERR_CLOSED: 'connection closed',
};

/** A network failure or timeout talking to a provider, said plainly. */
export function upstreamNetworkError(providerId: string, origin: string, err: unknown, timeouts: { connectMs: number; firstByteMs: number; idleMs: number }): GatewayError {
  const e = err as { code?: string; cause?: { code?: string }; message?: string };
  const code = e.code ?? e.cause?.code ?? '';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new GatewayError(504, 'timeout_error', `Provider '${providerId}' at ${origin} did not accept a connection within ${timeouts.connectMs / 1000}s.`, { code: 'upstream_connect_timeout' });
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new GatewayError(504, 'timeout_error', `Provider '${providerId}' did not start answering within ${timeouts.firstByteMs / 1000}s.`, { code: 'upstream_first_byte_timeout' });
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    return new GatewayError(504, 'timeout_error', `Provider '${providerId}' stalled: no data for ${timeouts.idleMs / 1000}s.`, { code: 'upstream_idle_timeout' });
  }
  const what = NET_CODES[code] ?? redactSecrets(e.message ?? 'unknown network error');
  return new GatewayError(502, 'upstream_error', `Provider '${providerId}' is unreachable at ${origin}: ${what}.`, { code: 'upstream_unreachable' });
}
