import type { ProviderRuntime } from './registry.ts';
import { agentFor, type Timeouts } from './http.ts';
import { upstreamNetworkError } from './upstream-errors.ts';
import type { UpstreamResponse } from './openai-compatible.ts';

/**
 * POSTs JSON to `<origin><path>` with exactly the given headers (each adapter sets its own auth header; nothing
 * from the client's request is forwarded unless the adapter chose it).
 */
export async function postUpstream(
  p: ProviderRuntime,
  path: string,
  headers: Record<string, string>,
  body: unknown,
  opts: { signal: AbortSignal; timeouts: Timeouts; stream: boolean },
): Promise<UpstreamResponse> {
  try {
    const r = await agentFor(opts.timeouts).request({
      origin: p.origin,
      path,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: opts.stream ? 'text/event-stream' : 'application/json',
        'user-agent': 'Airlock-Gateway',
        ...headers,
      },
      body: JSON.stringify(body),
      signal: opts.signal,
    });
    return { status: r.statusCode, headers: r.headers, body: r.body };
  } catch (err) {
    if (opts.signal.aborted) throw err;
    throw upstreamNetworkError(p.id, p.origin, err, opts.timeouts);
  }
}
