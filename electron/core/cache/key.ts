import crypto from 'node:crypto';

/** Top-level request fields that cannot change the answer: left out of the cache key. */
const IGNORED = new Set(['model', 'user', 'metadata', 'store', 'safety_identifier', 'prompt_cache_key']);

/** JSON with object keys sorted at every level, so the same request always serialises the same way. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

export interface CacheKeyParts {
  /** 'client:<id>' or 'shared'. */
  scope: string;
  /** Inbound protocol id: the stored bytes are in this protocol's wire format. */
  protocol: string;
  provider: string;
  /** The provider's base URL: re-pointing a provider id must not serve the old upstream's answers. */
  providerUrl: string;
  model: string;
  body: Record<string, unknown>;
}

/**
 * The exact-cache key: SHA-256 over the scope, the protocol, the resolved provider/model and the canonical
 * request (every field except the few in IGNORED, so any parameter that can change the output changes the key).
 */
export function cacheKey(p: CacheKeyParts): Buffer {
  const h = crypto.createHash('sha256');
  h.update(`airlock-cache-v1\n${p.scope}\n${p.protocol}\n${p.provider}\n${p.providerUrl}\n${p.model}\n`);
  h.update(canonicalJson(keyedFields(p.body)));
  return h.digest();
}

/** The request fields that take part in a cache key (all but the few in IGNORED). */
export function keyedFields(body: Record<string, unknown>): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const k of Object.keys(body)) if (!IGNORED.has(k)) rest[k] = body[k];
  return rest;
}
