import type { Dispatcher } from 'undici';
import type { ProviderRuntime } from './registry.ts';
import { agentFor, type Timeouts } from './http.ts';
import { upstreamNetworkError } from './upstream-errors.ts';
import { postUpstream } from './upstream-post.ts';

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/**
 * POSTs a JSON body to an OpenAI-compatible provider (`<base URL><path>`), with the provider's key and
 * nothing from the client's request headers. Network failures become gateway errors that say what happened.
 */
export async function postJson(
  p: ProviderRuntime,
  key: string | null,
  path: string,
  body: unknown,
  opts: { signal: AbortSignal; timeouts: Timeouts; stream: boolean; extraHeaders?: Record<string, string> },
): Promise<UpstreamResponse> {
  const headers: Record<string, string> = { ...opts.extraHeaders };
  if (key) headers.authorization = `Bearer ${key}`;
  return postUpstream(p, p.basePath + path, headers, body, opts);
}

export async function getJson(
  p: ProviderRuntime,
  key: string | null,
  path: string,
  opts: { signal?: AbortSignal; timeouts: Timeouts },
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'Airlock-Gateway' };
  if (key) headers.authorization = `Bearer ${key}`;
  try {
    const r = await agentFor(opts.timeouts).request({ origin: p.origin, path: p.basePath + path, method: 'GET', headers, signal: opts.signal });
    return { status: r.statusCode, text: await r.body.text() };
  } catch (err) {
    throw upstreamNetworkError(p.id, p.origin, err, opts.timeouts);
  }
}
