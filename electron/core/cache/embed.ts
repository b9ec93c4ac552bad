import { createContext, type RequestContext, type RouteCandidate } from '../pipeline/context.ts';
import { routingOf } from '../routing/runtime.ts';
import { lookupModelFor } from '../routing/catalog.ts';
import { resolveProviderKey } from '../secrets/provider-keys.ts';
import { postJson } from '../providers/openai-compatible.ts';
import { upstreamHttpError } from '../providers/upstream-errors.ts';
import { openAIEmbeddings } from '../protocols/openai-chat.ts';
import { settle } from '../pipeline/stages/settle.ts';
import { GatewayError } from '../util/errors.ts';
import { redactSecrets } from '../util/redact.ts';

export type EmbedResult = { ok: true; vector: number[] | Float32Array } | { ok: false; reason: string };

/** The embeddings provider/model of a semantic cache spec, if it can be used now. */
export function embeddingsTarget(ctx: RequestContext, spec: string): RouteCandidate | string {
  const slash = spec.indexOf('/');
  if (slash <= 0) return `'${spec}' is not <provider>/<model>`;
  const rt = routingOf(ctx.core);
  const p = rt.provider(spec.slice(0, slash));
  const model = spec.slice(slash + 1);
  if (!p) return `provider '${spec.slice(0, slash)}' is not configured`;
  if (p.record.type === 'anthropic' || p.record.type === 'gemini') return `provider '${p.id}' (${p.record.type}) has no OpenAI-compatible embeddings endpoint`;
  if (!rt.allowed(p, model)) return `${spec} is not allowed by the team policy`;
  return { provider: p, model, info: lookupModelFor(p, model) };
}

/**
 * Embeds the text of a semantic-cache lookup with the route's embeddings model. The call is a request of its
 * own, made for the same client: the provider key is resolved exactly as for any request (environment variable
 * or keychain), it is admitted by the client's budgets and rate limits, and it leaves its own request row
 * (inbound openai.embeddings, route_rule 'semantic-cache', the caller's tags) with tokens and cost. A failure
 * never fails the caller's request: the semantic lookup is skipped and the request goes on as a cache miss.
 */
export async function embedForCache(ctx: RequestContext, spec: string, text: string): Promise<EmbedResult> {
  const target = embeddingsTarget(ctx, spec);
  if (typeof target === 'string') return { ok: false, reason: target };
  const body = { model: target.model, input: text };
  // A request of its own for the same client: the caller's connection, abort, client, tags and key list; its own
  // id, route, usage and budget reservation (the caller's reservation, baseline and cache capture are not its).
  const sub = createContext({
    req: ctx.req,
    res: ctx.res,
    core: ctx.core,
    abort: ctx.abort,
    client: ctx.client,
    tags: ctx.tags,
    keys: ctx.keys,
    protocol: openAIEmbeddings,
    body,
    requestedModel: spec,
    candidates: [target],
    target,
    routeRule: 'semantic-cache',
    budget: null,
    baseline: null,
    cacheCapture: null,
  });
  try {
    sub.budget = ctx.core.budgets.reserve(sub);
  } catch (err) {
    // Over a budget or rate limit: no call, no row; the caller's request goes on uncached.
    return { ok: false, reason: (err as Error).message };
  }
  try {
    const key = await resolveProviderKey(target.provider, ctx.core);
    if (key) ctx.keys.push(key);
    sub.attempts = 1;
    const up = await postJson(target.provider, key, '/embeddings', body, { signal: ctx.abort.signal, timeouts: ctx.core.live.gateway.timeouts, stream: false });
    const raw = await up.body.text();
    if (up.status !== 200) throw upstreamHttpError(target.provider.id, up.status, up.headers, raw.slice(0, 64 * 1024), ctx.keys);
    const j = JSON.parse(raw) as { data?: { embedding?: unknown }[]; usage?: { prompt_tokens?: number } };
    const emb = j.data?.[0]?.embedding;
    const vector = typeof emb === 'string' ? base64Floats(emb) : Array.isArray(emb) && emb.every((x) => typeof x === 'number') ? (emb as number[]) : null;
    if (!vector || vector.length === 0) throw new GatewayError(502, 'api_error', `Provider '${target.provider.id}' answered the embeddings call without an embedding.`, { code: 'bad_upstream_response' });
    sub.status = 200;
    const tokens = Number(j.usage?.prompt_tokens ?? 0);
    sub.usage = { input: tokens, cached: 0, cacheWrite: 0, output: 0 };
    sub.ttftMs = performance.now() - sub.t0;
    return { ok: true, vector };
  } catch (err) {
    const ge = err instanceof GatewayError ? err : null;
    sub.status = ctx.abort.signal.aborted ? 499 : (ge?.status ?? 502);
    sub.errorType = ctx.abort.signal.aborted ? 'client_closed' : (ge?.code ?? ge?.kind ?? 'bad_upstream_response');
    return { ok: false, reason: redactSecrets((err as Error).message, ctx.keys) };
  } finally {
    sub.done = true;
    settle(sub);
  }
}

function base64Floats(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength - (b.byteLength % 4)));
}
