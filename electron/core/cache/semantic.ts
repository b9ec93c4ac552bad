import type { Core } from '../core.ts';
import type { RequestContext, RouteCandidate } from '../pipeline/context.ts';
import type { SemanticCacheSpec } from '../routing/routes.ts';
import { VectorIndex, normalize } from './vector-index.ts';
import { embedForCache } from './embed.ts';
import { semanticScopeKey, splitForSemantic } from './semantic-key.ts';

/**
 * The semantic (similarity) cache: on an exact-cache miss, a request on a route with `semanticCache` set has its
 * last user turn embedded (a real embeddings call, accounted as its own request row) and looked up among
 * earlier answers with the same semantic scope key; the nearest one at or above the route's threshold answers.
 * Off unless a route turns it on. See docs/routing.md.
 */
export const DEFAULT_THRESHOLD = 0.95;
/** Rows kept in the semantic index (oldest go first); each holds one vector (6 KiB at 1536 dimensions). */
export const MAX_SEMANTIC_ENTRIES = 10_000;

const indexes = new WeakMap<Core, VectorIndex>();
let forcedEngine: 'auto' | 'js' = process.env.AIRLOCK_SEMANTIC_ENGINE === 'js' ? 'js' : 'auto';

/**
 * The semantic index of a core, created (and sqlite-vec loaded into the core's connection) on first use.
 * (Not a connection of its own: its writes would change the database's data_version under the core's
 * connection and make the live config reload on every semantic hit.)
 */
export function semanticIndexOf(core: Core): VectorIndex {
  let ix = indexes.get(core);
  if (!ix) {
    ix = new VectorIndex(core.db, { engine: forcedEngine });
    if (ix.fallbackReason && forcedEngine === 'auto') console.error(`airlock: semantic cache uses brute-force search in JS (sqlite-vec did not load: ${ix.fallbackReason})`);
    indexes.set(core, ix);
  }
  return ix;
}

/** Tests and benchmarks: build indexes with this engine from now on ('js' = never load sqlite-vec). */
export function setSemanticEngine(engine: 'auto' | 'js', core?: Core): void {
  forcedEngine = engine;
  if (core) indexes.delete(core);
}

/** A semantic lookup in progress for one request: what is needed to look up and, on a miss, to store. */
export interface SemanticPlan {
  spec: SemanticCacheSpec;
  threshold: number;
  text: string;
  skeyFor(c: RouteCandidate): Buffer;
  /** Set once the text is embedded (normalized). */
  vector: Float32Array | null;
}

/**
 * Whether this request may use the route's semantic cache, and how it is scoped. Never for a request in which
 * DLP found anything (masked values above all: the stored answer holds restored originals; and any finding means
 * the text should not go to one more provider), nor for requests that offer tools or whose last turn is not
 * plain user text (semantic-key.ts).
 */
export function planSemantic(ctx: RequestContext, spec: SemanticCacheSpec | undefined, scope: string): SemanticPlan | null {
  if (!spec || !spec.embeddings) return null;
  if (ctx.dlp && ctx.dlp.length > 0) return null;
  const split = splitForSemantic(ctx.protocol.id, ctx.body);
  if (!split.ok) return null;
  const threshold = typeof spec.threshold === 'number' && spec.threshold > 0 && spec.threshold <= 1 ? spec.threshold : DEFAULT_THRESHOLD;
  return {
    spec,
    threshold,
    text: split.text,
    vector: null,
    skeyFor: (c) =>
      semanticScopeKey({
        scope,
        protocol: ctx.protocol.id,
        provider: c.provider.id,
        providerUrl: c.provider.record.baseUrl,
        model: c.model,
        embeddings: spec.embeddings,
        numbers: split.numbers,
        rest: split.rest,
      }),
  };
}

export interface SemanticHit {
  entryKey: Buffer;
  similarity: number;
  id: number;
}

/**
 * Embeds the request's last user turn and finds the nearest earlier answer in its scope (null: nothing to compare
 * with, or the embeddings call failed). The caller compares `similarity` with `plan.threshold`.
 */
export async function semanticLookup(ctx: RequestContext, plan: SemanticPlan, first: RouteCandidate): Promise<SemanticHit | null> {
  const r = await embedForCache(ctx, plan.spec.embeddings, plan.text);
  if (!r.ok) return null;
  plan.vector = normalize(r.vector);
  return semanticIndexOf(ctx.core).nearest(plan.skeyFor(first), plan.spec.embeddings, plan.vector);
}

let lastPrune = 0;

/** Records the vector of a freshly stored cache entry (called when the answer was stored in the exact cache). */
export function semanticStore(core: Core, plan: SemanticPlan, target: RouteCandidate, entryKey: Buffer, createdAt: number, expiresAt: number): void {
  if (!plan.vector) return;
  const ix = semanticIndexOf(core);
  const ttl = plan.spec.ttlSeconds;
  ix.add({
    entryKey,
    skey: plan.skeyFor(target),
    embedModel: plan.spec.embeddings,
    vector: plan.vector,
    createdAt,
    expiresAt: typeof ttl === 'number' && ttl > 0 ? Math.min(expiresAt, createdAt + ttl * 1000) : expiresAt,
  });
  if (createdAt - lastPrune > 60_000) {
    lastPrune = createdAt;
    ix.prune(MAX_SEMANTIC_ENTRIES, createdAt);
  }
}
