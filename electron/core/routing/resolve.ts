import type { LiveConfig } from '../core.ts';
import type { RouteCandidate } from '../pipeline/context.ts';
import { inCatalog, lookupModel, lookupModelFor } from './catalog.ts';
import { GatewayError } from '../util/errors.ts';
import type { ProviderRuntime } from '../providers/registry.ts';
import type { RoutingRuntime } from './runtime.ts';
import { globMatch, type RouteSpec } from './routes.ts';
import { chooseAuto, isGeneralPurpose, noModelAvailable, requestFeatures, type PoolEntry } from './auto.ts';
import { discoverable, discoveredModels, discoveryError, prepareDiscovery } from './models.ts';
import type { SecretStore } from '../secrets/secret-store.ts';

/**
 * Turns a requested model name into candidates.
 * `<provider-id>/<model>` addresses a provider directly; a bare name goes to the one provider that serves it.
 */
export function resolveModel(live: LiveConfig, requested: string): { candidates: RouteCandidate[]; rule: string } {
  const providers = live.providers;
  if (providers.size === 0) {
    throw new GatewayError(
      503,
      'api_error',
      'No provider is configured in Airlock yet. Add one, e.g. `airlock provider add openai --key-env OPENAI_API_KEY`.',
      { code: 'no_provider_configured', headers: { 'x-should-retry': 'false' } },
    );
  }
  const slash = requested.indexOf('/');
  if (slash > 0) {
    const p = providers.get(requested.slice(0, slash));
    const model = requested.slice(slash + 1);
    if (p && model) return { candidates: [{ provider: p, model, info: lookupModel(p.catalogProvider, model) }], rule: 'explicit-provider' };
  }
  if (providers.size === 1) {
    const p = providers.values().next().value!;
    return { candidates: [{ provider: p, model: requested, info: lookupModel(p.catalogProvider, requested) }], rule: 'only-provider' };
  }
  const serving = [...providers.values()].filter((p) => p.knownModels.has(requested));
  if (serving.length === 1) {
    const p = serving[0]!;
    return { candidates: [{ provider: p, model: requested, info: lookupModel(p.catalogProvider, requested) }], rule: 'bare-model' };
  }
  const ids = [...providers.keys()];
  if (serving.length > 1) {
    throw new GatewayError(
      400,
      'invalid_request_error',
      `Model '${requested}' is offered by more than one provider (${serving.map((p) => p.id).join(', ')}). Name one: ${serving.map((p) => `'${p.id}/${requested}'`).join(' or ')}.`,
      { param: 'model', code: 'ambiguous_model' },
    );
  }
  throw new GatewayError(404, 'not_found_error', unknownModelMessage(providers, requested), { param: 'model', code: 'model_not_found' });
}

/** Edit distance, for "did you mean" on a mistyped provider id (short strings only). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * Why `requested` matched nothing, with a suggestion that can work: for a bare name, '<provider>/<name>'; for
 * 'x/y' whose 'x' is no provider, the provider it was probably meant to be ('opnai/gpt-4o' -> 'openai/gpt-4o'),
 * a provider whose own model ids contain '/' (OpenRouter-style 'openrouter/x/y'), or else the provider list.
 */
function unknownModelMessage(providers: LiveConfig['providers'], requested: string): string {
  const ids = [...providers.keys()];
  const list = `GET /v1/models lists the models`;
  const slash = requested.indexOf('/');
  if (slash <= 0) {
    return `Model '${requested}' is not known to any configured provider (${ids.join(', ')}). Address it as '<provider>/<model>', e.g. '${ids[0]}/${requested}'; ${list}.`;
  }
  const prefix = requested.slice(0, slash);
  const rest = requested.slice(slash + 1);
  const close = ids.filter((id) => id.toLowerCase() === prefix.toLowerCase() || editDistance(id, prefix.toLowerCase()) <= Math.min(2, Math.floor(id.length / 3)));
  const namespaced = [...providers.values()].filter((p) => [...p.knownModels].some((m) => m.includes('/')) || p.knownModels.has(requested));
  const tries = [...close.map((id) => `'${id}/${rest}'`), ...namespaced.filter((p) => !close.includes(p.id)).map((p) => `'${p.id}/${requested}'`)];
  return (
    `Model '${requested}' is not available: '${prefix}' is not a configured provider (configured: ${ids.join(', ')}). ` +
    (tries.length ? `Did you mean ${tries.join(' or ')}? ` : '') +
    `Address a model as '<provider>/<model>', e.g. '${ids[0]}/<model>'; ${list}.`
  );
}

// ---------------------------------------------------------------------------------------------------------
// Aliases, auto routing and health ordering (issue 7).

export interface Resolved {
  candidates: RouteCandidate[];
  rule: string;
  /** Where "had it gone direct" is priced (requested_cost_usd); null: the model that answered. */
  baseline: RouteCandidate | null;
  /** The alias's route, when the requested name was one. */
  route: RouteSpec | null;
}

function candidateOf(rt: RoutingRuntime, p: ProviderRuntime, model: string): RouteCandidate {
  return { provider: p, model, info: lookupModelFor(p, model) };
}

/** `<provider>/<model>` of a configured provider, or null. */
export function parseTarget(rt: RoutingRuntime, spec: string): RouteCandidate | null {
  const slash = spec.indexOf('/');
  if (slash <= 0) return null;
  const p = rt.provider(spec.slice(0, slash));
  const model = spec.slice(slash + 1);
  return p && model ? candidateOf(rt, p, model) : null;
}

/** Expands a route's candidate list: literal entries of configured providers, globs over their models. */
function expand(rt: RoutingRuntime, list: string[]): { out: RouteCandidate[]; missing: string[] } {
  const out: RouteCandidate[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  const push = (c: RouteCandidate) => {
    const k = `${c.provider.id}/${c.model}`;
    if (seen.has(k) || !rt.allowed(c.provider, c.model)) return;
    seen.add(k);
    out.push(c);
  };
  for (const entry of list) {
    if (entry.includes('*')) {
      const slash = entry.indexOf('/');
      const provGlob = slash > 0 ? entry.slice(0, slash) : '*';
      const matches: RouteCandidate[] = [];
      for (const p of rtProviders(rt)) {
        if (!globMatch(provGlob, p.id)) continue;
        for (const m of rt.modelsOf(p)) if (globMatch(entry, `${p.id}/${m}`) && isGeneralPurpose(m)) matches.push(candidateOf(rt, p, m));
      }
      // A glob expands cheapest first, so `openai/*` in an ordered route still tries a sensible order.
      matches.sort((a, b) => (a.info?.output ?? Infinity) - (b.info?.output ?? Infinity) || a.model.localeCompare(b.model));
      if (matches.length === 0) missing.push(entry);
      matches.forEach(push);
      continue;
    }
    const c = parseTarget(rt, entry);
    if (c) push(c);
    else missing.push(entry);
  }
  return { out, missing };
}

function rtProviders(rt: RoutingRuntime): ProviderRuntime[] {
  return rt.providerList();
}

/** Healthy candidates first (stable), those whose circuit breaker is open last. */
export function healthOrder(rt: RoutingRuntime, cs: RouteCandidate[]): RouteCandidate[] {
  if (cs.length < 2) return cs;
  const healthy = cs.filter((c) => rt.breakers.healthy(`${c.provider.id}/${c.model}`));
  if (healthy.length === cs.length) return cs;
  return [...healthy, ...cs.filter((c) => !healthy.includes(c))];
}

/**
 * Turns the requested name into candidates: a route/alias (ordered or auto) first, then a model address
 * (resolveModel). Candidates whose breaker is open are moved to the end.
 */
export function resolveRoute(rt: RoutingRuntime, live: LiveConfig, requested: string, body: Record<string, unknown>, opts: { client?: string | null } = {}): Resolved {
  const route = rt.routes.get(requested);
  if (!route) {
    const r = resolveModel(live, requested);
    for (const c of r.candidates) c.info = lookupModelFor(c.provider, c.model);
    return { candidates: r.candidates, rule: r.rule, baseline: null, route: null };
  }
  if (live.providers.size === 0) resolveModel(live, requested); // throws the "no provider configured" error
  if (route.strategy === 'auto') {
    let pool: PoolEntry[];
    if (route.candidates.length > 0) {
      const { out, missing } = expand(rt, route.candidates);
      if (out.length === 0) throw noCandidates(requested, missing);
      pool = out.map((c) => ({ provider: c.provider, model: c.model, info: c.info, unverified: !inCatalog(c.provider.catalogProvider, c.model) }));
    } else {
      pool = rt.defaultPool();
      if (pool.length === 0) throw noModelAvailable(requested, emptyPoolHint(rt));
    }
    const f = requestFeatures(body);
    // A hard USD budget refuses a model whose price is unknown: auto must not pick one under it.
    const underUsdBudget = rt.usdBudgetCheck(opts.client ?? null);
    const choice = chooseAuto(requested, pool, f, route, { priceRequired: (e) => !e.provider.local && underUsdBudget(e.provider.id, e.model) });
    let baseline: RouteCandidate | null = null;
    const b = route.baseline ?? rt.settings.baseline;
    if (b) baseline = parseTarget(rt, b);
    else {
      try {
        baseline = chooseAuto(requested, pool, f, { ...route, minTier: 3, maxTier: undefined }).candidates[0] ?? null;
      } catch {
        baseline = null;
      }
    }
    return { candidates: healthOrder(rt, choice.candidates), rule: choice.rule, baseline, route };
  }
  const { out, missing } = expand(rt, route.candidates);
  if (out.length === 0) throw noCandidates(requested, missing);
  const baseline = route.baseline ? parseTarget(rt, route.baseline) : out[0]!;
  return { candidates: healthOrder(rt, out), rule: `alias:${requested}${route.managed ? ' (policy)' : ''}`, baseline, route };
}

/** A real model to name in the "no model available" error, and why the auto pool is empty when known. */
function emptyPoolHint(rt: RoutingRuntime): { example: string | null; why: string | null } {
  let example: string | null = null;
  const failed: string[] = [];
  for (const p of rt.providerList()) {
    const err = discoverable(p) ? discoveryError(p) : null;
    if (err) failed.push(`the model list of '${p.id}' could not be read: ${err.replace(/\.$/, '')}`);
    const m = (discoveredModels(p) ?? [...rt.modelsOf(p)]).find((x) => isGeneralPurpose(x));
    if (m && !example) example = `${p.id}/${m}`;
  }
  return { example, why: failed.length ? failed.join('; ') : null };
}

/**
 * Routes whose candidates depend on what providers list on GET /models (auto over the default pool, globs)
 * first ask the providers never asked (models.ts discovery); null when nothing needs waiting for.
 */
export function discoveryBeforeRoute(rt: RoutingRuntime, deps: { env: NodeJS.ProcessEnv; secrets?: SecretStore | null }, live: LiveConfig, requested: string): Promise<void> | null {
  const route = rt.routes.get(requested);
  if (!route) return null;
  const pooled = route.strategy === 'auto' && route.candidates.length === 0;
  if (!pooled && !route.candidates.some((c) => c.includes('*'))) return null;
  return prepareDiscovery(rt.providerList(), deps, live);
}

function noCandidates(alias: string, missing: string[]): GatewayError {
  return new GatewayError(
    503,
    'api_error',
    `Route '${alias}' has no usable model: ${missing.length ? `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not served by a configured provider` : 'every candidate is blocked by team policy'}. Fix it with \`airlock route set ${alias} <provider>/<model> ...\` or add the provider.`,
    { code: 'route_unavailable', headers: { 'x-should-retry': 'false' } },
  );
}
