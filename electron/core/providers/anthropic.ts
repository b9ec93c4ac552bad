import type { IncomingHttpHeaders } from 'node:http';
import type { ProviderRuntime } from './registry.ts';
import type { Timeouts } from './http.ts';
import type { UpstreamResponse } from './openai-compatible.ts';
import { postUpstream } from './upstream-post.ts';

/** The API version sent when the client did not name one (a translated request, or a bare HTTP client). */
export const ANTHROPIC_VERSION = '2023-06-01';

/** `/v1/messages` under the base URL, whether the base URL was given with /v1 (the preset) or without. */
export function anthropicPath(p: ProviderRuntime, suffix: '/messages' | '/messages/count_tokens'): string {
  return (/\/v1$/.test(p.basePath) ? p.basePath : `${p.basePath}/v1`) + suffix;
}

/**
 * Calls the Anthropic Messages API: the key as x-api-key (never as Bearer), anthropic-version, and for a
 * pass-through call the client's anthropic-version and anthropic-beta (they select features such as
 * prompt-caching TTLs, context management, fine-grained tool streaming). No other client header is forwarded.
 */
export function postAnthropic(
  p: ProviderRuntime,
  key: string | null,
  suffix: '/messages' | '/messages/count_tokens',
  body: unknown,
  opts: { signal: AbortSignal; timeouts: Timeouts; stream: boolean; clientHeaders?: IncomingHttpHeaders },
): Promise<UpstreamResponse> {
  const ch = opts.clientHeaders;
  const version = typeof ch?.['anthropic-version'] === 'string' ? ch['anthropic-version'] : ANTHROPIC_VERSION;
  const headers: Record<string, string> = { 'anthropic-version': version };
  const beta = ch?.['anthropic-beta'];
  if (beta) headers['anthropic-beta'] = Array.isArray(beta) ? beta.join(',') : beta;
  if (key) headers['x-api-key'] = key;
  return postUpstream(p, anthropicPath(p, suffix), headers, body, opts);
}
