import type { Policy } from '../../../shared/policy.ts';

/**
 * A named route (alias): what a client may put in `model` instead of a real model id.
 * - ordered: try `candidates` in order (fallbacks on 429/5xx/timeouts).
 * - auto: per request, the cheapest capable candidate that meets the quality tier (routing/auto.ts);
 *   with no `candidates`, every priced chat model of every configured provider is a candidate.
 */
export interface RouteSpec {
  strategy: 'ordered' | 'auto';
  /** `<provider>/<model>` (a '*' glob expands to the matching models of configured providers). */
  candidates: string[];
  /** auto: lowest quality tier (1 economy, 2 standard, 3 flagship) any request may go to. */
  minTier?: number;
  /** auto: highest tier a request may go to (e.g. `fast` never leaves economy). */
  maxTier?: number;
  /** Cache every request on this route, not only deterministic ones (temperature 0). */
  cache?: boolean;
  /** Cache lifetime for this route, in seconds. */
  cacheTtlSeconds?: number;
  /** Semantic (similarity) cache for this route; off unless set (cache/semantic.ts, docs/routing.md). */
  semanticCache?: SemanticCacheSpec;
  /** `<provider>/<model>` used to price "had it gone direct" (requested_cost_usd); default: see resolve.ts. */
  baseline?: string;
  /** Set when the route comes from the signed team policy (users cannot change it). */
  managed?: boolean;
}

/** A route's semantic cache: answer a paraphrase of an earlier last user turn from the cache. */
export interface SemanticCacheSpec {
  /** `<provider>/<model>` that computes the embeddings (an OpenAI-compatible provider). */
  embeddings: string;
  /** Lowest cosine similarity that counts as the same question (0..1; default 0.95). */
  threshold?: number;
  /** Lifetime of semantic entries, in seconds (default: the route's / the cache's TTL). */
  ttlSeconds?: number;
}

export interface RetrySettings {
  /** Retries of the same candidate before moving on to the next one. */
  maxRetries: number;
  /** First backoff; doubled per retry, with jitter. */
  baseDelayMs: number;
  /** A retry-after longer than this skips the wait and moves on to the next candidate. */
  maxDelayMs: number;
  /**
   * Also retry requests addressed directly as `<provider>/<model>` (not through a route). Off by default:
   * a direct address is a transparent pass-through, the client's SDK retries on its own (the OpenAI and
   * Anthropic SDKs do, twice) with the retry-after hints Airlock passes back, and stacked retries multiply
   * the load on a provider that is already rate-limiting.
   */
  direct: boolean;
}

export interface BreakerSettings {
  /** Consecutive failures that open the breaker of a provider/model. */
  failureThreshold: number;
  /** How long an open breaker refuses traffic before one half-open probe is let through. */
  cooldownMs: number;
  /** Longest cooldown after repeated failed probes (the cooldown doubles per failed probe). */
  maxCooldownMs: number;
}

/** The `routing` settings key. */
export interface RoutingSettings {
  routes: Record<string, RouteSpec>;
  /** Default `<provider>/<model>` for requested_cost_usd of auto routes ("always flagship"). */
  baseline?: string;
  retry: RetrySettings;
  breaker: BreakerSettings;
}

export const DEFAULT_RETRY: RetrySettings = { maxRetries: 1, baseDelayMs: 250, maxDelayMs: 5_000, direct: false };
export const DEFAULT_BREAKER: BreakerSettings = { failureThreshold: 5, cooldownMs: 30_000, maxCooldownMs: 5 * 60_000 };

/** Routes every install has unless the user or the policy defines the same name. */
export const BUILTIN_ROUTES: Record<string, RouteSpec> = {
  auto: { strategy: 'auto', candidates: [] },
  fast: { strategy: 'auto', candidates: [], maxTier: 1 },
  smart: { strategy: 'auto', candidates: [], minTier: 3 },
};

export const ALIAS_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

export function mergeRoutingSettings(stored: Partial<RoutingSettings> | undefined | null): RoutingSettings {
  const s = stored ?? {};
  return {
    routes: { ...(s.routes ?? {}) },
    baseline: s.baseline,
    retry: { ...DEFAULT_RETRY, ...(s.retry ?? {}) },
    breaker: { ...DEFAULT_BREAKER, ...(s.breaker ?? {}) },
  };
}

/**
 * Every route in force: built-ins, then the user's, then the team policy's (managed wins over both).
 * A policy alias is an ordered list; a single `auto` entry in it makes an auto route over the rest.
 */
export function effectiveRoutes(settings: RoutingSettings, policy: Policy | null): Map<string, RouteSpec> {
  const out = new Map<string, RouteSpec>();
  for (const [k, v] of Object.entries(BUILTIN_ROUTES)) out.set(k, v);
  for (const [k, v] of Object.entries(settings.routes)) out.set(k, { ...v, candidates: [...(v.candidates ?? [])], strategy: v.strategy ?? 'ordered' });
  for (const [k, list] of Object.entries(policy?.routing?.aliases ?? {})) {
    const auto = list.includes('auto');
    out.set(k, { strategy: auto ? 'auto' : 'ordered', candidates: list.filter((x) => x !== 'auto'), managed: true });
  }
  return out;
}

/** '*' matches any run of characters; everything else is literal. */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

/** Is `<provider>/<model>` allowed by the team policy's provider and model lists? */
export function policyAllows(policy: Policy | null, provider: { id: string; type: string }, model: string): boolean {
  if (!policy) return true;
  const pa = policy.providers;
  if (pa?.deny?.some((x) => x === provider.id || x === provider.type)) return false;
  if (pa?.allow && !pa.allow.some((x) => x === provider.id || x === provider.type)) return false;
  const full = `${provider.id}/${model}`;
  const ma = policy.models;
  if (ma?.deny?.some((g) => globMatch(g, full))) return false;
  if (ma?.allow && !ma.allow.some((g) => globMatch(g, full))) return false;
  return true;
}
