import type { Core } from '../core.ts';
import type { ModelInfoWithTier } from './catalog.ts';
import { tierOf } from './catalog.ts';
import { routingOf } from './runtime.ts';
import type { RouteSpec } from './routes.ts';

/**
 * The one place routes and model overrides change (the CLI calls these; an app API would too). Each change
 * writes one audit entry: names and numbers, never prompts or keys.
 */

const PER_M = 1e6;
const perM = (perToken: number | undefined): number | null => (perToken === undefined ? null : +(perToken * PER_M).toFixed(6));

/** The user's stored routes (settings key 'routing'), without built-ins or policy routes. */
export function userRoutes(core: Core): Record<string, RouteSpec> {
  return { ...(core.settings.get<{ routes?: Record<string, RouteSpec> } | null>('routing', null)?.routes ?? {}) };
}

function saveRoutes(core: Core, routes: Record<string, RouteSpec>, audit: { type: string; data: Record<string, unknown> }): void {
  const stored = core.settings.get<Record<string, unknown> | null>('routing', null) ?? {};
  core.settings.set('routing', { ...stored, routes }, audit);
}

/** Refused: the team policy defines this route. */
export class RouteLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RouteLockedError';
  }
}

/**
 * Creates or replaces the user's route `alias` (validated by the caller). A route the team policy defines is
 * refused (RouteLockedError) and the attempt audited.
 */
export function setRoute(core: Core, alias: string, spec: RouteSpec): void {
  if (core.policy.managed()?.routing?.aliases?.[alias]) {
    const by = core.policy.managedBy() ?? 'managed';
    core.audit.append('policy.loosen_refused', { setting: 'route', alias, managed_by: by });
    throw new RouteLockedError(`Route '${alias}' is set by your team policy (${by}) and cannot be changed here.`);
  }
  const routes = userRoutes(core);
  const replaced = alias in routes;
  routes[alias] = spec;
  saveRoutes(core, routes, {
    type: 'route.set',
    data: {
      alias,
      strategy: spec.strategy,
      candidates: spec.candidates,
      min_tier: spec.minTier ?? null,
      max_tier: spec.maxTier ?? null,
      cache: spec.cache ?? null,
      cache_ttl_seconds: spec.cacheTtlSeconds ?? null,
      semantic_cache: spec.semanticCache ? { embeddings: spec.semanticCache.embeddings, threshold: spec.semanticCache.threshold ?? null } : null,
      replaced,
    },
  });
}

/** Removes the user's route `alias`; false (and no audit entry) when there is none. */
export function removeRoute(core: Core, alias: string): boolean {
  const routes = userRoutes(core);
  if (!(alias in routes)) return false;
  delete routes[alias];
  saveRoutes(core, routes, { type: 'route.remove', data: { alias } });
  return true;
}

/** Stores a price/capability override for `<provider>/<model>`. */
export function setModelOverride(core: Core, provider: string, model: string, info: ModelInfoWithTier): void {
  routingOf(core).overrides.set(provider, model, info);
  core.audit.append('model.set', {
    model: `${provider}/${model}`,
    input_usd_per_mtok: perM(info.input),
    output_usd_per_mtok: perM(info.output),
    cached_input_usd_per_mtok: perM(info.cacheRead),
    context: info.contextWindow ?? null,
    tier: tierOf(info),
  });
}

/** Removes the override of `<provider>/<model>`; false (and no audit entry) when there is none. */
export function removeModelOverride(core: Core, provider: string, model: string): boolean {
  if (!routingOf(core).overrides.remove(provider, model)) return false;
  core.audit.append('model.remove', { model: `${provider}/${model}` });
  return true;
}
