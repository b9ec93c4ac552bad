import type { ProviderRuntime } from './registry.ts';
import type { Timeouts } from './http.ts';
import type { UpstreamResponse } from './openai-compatible.ts';
import { postUpstream } from './upstream-post.ts';

/**
 * Gemini through its native API (generateContent / streamGenerateContent?alt=sse), not the OpenAI-compatible
 * endpoint: see docs/protocols.md for why.
 */
export function geminiPath(p: ProviderRuntime, model: string, stream: boolean): string {
  const base = /\/v1(alpha|beta)?\d*$/.test(p.basePath) ? p.basePath : `${p.basePath}/v1beta`;
  const m = model.replace(/^models\//, '');
  return `${base}/models/${encodeURIComponent(m)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;
}

export function postGemini(
  p: ProviderRuntime,
  key: string | null,
  model: string,
  body: unknown,
  opts: { signal: AbortSignal; timeouts: Timeouts; stream: boolean },
): Promise<UpstreamResponse> {
  const headers: Record<string, string> = {};
  if (key) headers['x-goog-api-key'] = key;
  return postUpstream(p, geminiPath(p, model, opts.stream), headers, body, opts);
}

/**
 * Gemini 3 returns a thoughtSignature with each function call and rejects the next turn if the call comes back
 * without it. Clients of other protocols have no field for it, so the gateway remembers it by tool-call id
 * (in memory, bounded; after a restart the documented "skip" value is sent instead).
 */
const MAX_SIGNATURES = 5000;
const signatures = new Map<string, string>();

export function rememberSignature(toolCallId: string, signature: string): void {
  if (signatures.size >= MAX_SIGNATURES) signatures.delete(signatures.keys().next().value!);
  signatures.set(toolCallId, signature);
}

export function signatureOf(toolCallId: string): string | undefined {
  return signatures.get(toolCallId);
}

/** `RetryInfo.retryDelay` ("34.4s") from a google.rpc error body, in whole seconds. */
export function geminiRetryDelay(bodyText: string): number | null {
  try {
    const details = JSON.parse(bodyText)?.error?.details;
    for (const d of Array.isArray(details) ? details : []) {
      const m = typeof d?.retryDelay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(d.retryDelay) : null;
      if (m) return Math.ceil(Number(m[1]));
    }
  } catch {
    /* not JSON */
  }
  return null;
}
