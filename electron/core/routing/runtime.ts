import type { Core } from '../core.ts';
import type { Policy } from '../../../shared/policy.ts';
import type { ProviderRuntime } from '../providers/registry.ts';
import { inCatalog, lookupModelFor, modelsOf, setModelOverrides, type ModelInfoWithTier } from './catalog.ts';
import { discoverable, discoveredModels, discoveryVersion, listsOwnModels } from './models.ts';
import { scopesOf } from '../budget/scopes.ts';
import { ModelOverridesRepo } from './overrides.ts';
import { effectiveRoutes, mergeRoutingSettings, policyAllows, type RouteSpec, type RoutingSettings } from './routes.ts';
import { Breakers } from './breaker.ts';
import { isGeneralPurpose, type PoolEntry } from './auto.ts';
import { CacheStore } from '../cache/store.ts';
import { effectiveCacheSettings, type CacheSettings } from '../cache/settings.ts';

/**
 * Routing and cache state of one Core: routes (settings + policy), model overrides, the default auto pool,
 * circuit breakers and the cache store. Reloaded when the live config reloads (the database changed, in this
 * process or another) or the managed policy object changes; breakers live across reloads.
 */
export class RoutingRuntime {
  private readonly core: Core;
  readonly overrides: ModelOverridesRepo;
  readonly breakers: Breakers;
  readonly cacheStore: CacheStore;
  private seenProviders: Map<string, ProviderRuntime> | null = null;
  private seenPolicy: Policy | null | undefined = undefined;
  settings: RoutingSettings = mergeRoutingSettings(undefined);
  cacheSettings: CacheSettings = effectiveCacheSettings(undefined, null);
  routes = new Map<string, RouteSpec>();
  policy: Policy | null = null;
  private pool: PoolEntry[] | null = null;
  private poolVersion = -1;

  constructor(core: Core) {
    this.core = core;
    this.overrides = new ModelOverridesRepo(core.db);
    this.overrides.onChange = () => core.live.invalidate();
    this.breakers = new Breakers(this.settings.breaker);
    this.cacheStore = new CacheStore(core.db, this.cacheSettings.maxBytes);
  }

  /** Cheap when nothing changed: two identity checks. Call after core.live.refresh(). */
  refresh(): this {
    const live = this.core.live;
    const policy = this.core.policy.managed();
    if (live.providers === this.seenProviders && policy === this.seenPolicy) return this;
    this.seenProviders = live.providers;
    this.seenPolicy = policy;
    this.policy = policy;
    const rows = this.overrides.list();
    setModelOverrides(rows.map((o) => [`${o.provider}/${o.model}`, o.info]));
    this.settings = mergeRoutingSettings(this.core.settings.get<Partial<RoutingSettings> | null>('routing', null));
    this.breakers.settings = this.settings.breaker;
    this.cacheSettings = effectiveCacheSettings(this.core.settings.get<Partial<CacheSettings> | null>('cache', null), policy);
    this.cacheStore.maxBytes = this.cacheSettings.maxBytes;
    this.routes = effectiveRoutes(this.settings, policy);
    this.pool = null;
    return this;
  }

  providerList(): ProviderRuntime[] {
    return [...this.core.live.providers.values()];
  }

  provider(id: string): ProviderRuntime | undefined {
    return this.core.live.providers.get(id);
  }

  /** Every model a provider is known to serve: its catalog models, `--models`, discovery, and overrides. */
  modelsOf(p: ProviderRuntime): string[] {
    const set = new Set<string>(p.knownModels);
    for (const m of discoveredModels(p) ?? []) set.add(m);
    for (const [k] of this.overrideEntries()) {
      const slash = k.indexOf('/');
      const prov = k.slice(0, slash);
      if (prov === p.id || prov === p.catalogProvider) set.add(k.slice(slash + 1));
    }
    return [...set];
  }

  private overrideEntries(): [string, ModelInfoWithTier][] {
    return this.overrides.list().map((o) => [`${o.provider}/${o.model}`, o.info]);
  }

  /** Is a model of a configured provider allowed by the team policy? */
  allowed(p: ProviderRuntime, model: string): boolean {
    return policyAllows(this.policy, { id: p.id, type: p.record.type }, model);
  }

  /**
   * The default auto pool: every general-purpose chat model of every configured provider that the policy allows
   * (snapshots and audio/realtime/search variants left out): priced catalog models, `--models`, models with
   * overrides (`airlock model set`), and what local servers and custom endpoints list on GET /models (models.ts
   * discovery). An Ollama/LM Studio server that answered contributes what it serves, not its kind's catalog list. Models
   * outside the catalog are `unverified`: their unknown capabilities are doubts (auto.ts), their price is 0 on a
   * local provider and unknown elsewhere. Computed once per reload and discovery change.
   */
  defaultPool(): PoolEntry[] {
    const v = discoveryVersion();
    if (this.pool && this.poolVersion === v) return this.pool;
    const out: PoolEntry[] = [];
    const overridden = this.overrides.list();
    for (const p of this.core.live.providers.values()) {
      const served = discoverable(p) ? discoveredModels(p) : null;
      const models = new Set<string>([
        ...(p.catalogProvider && !(listsOwnModels(p) && served) ? modelsOf(p.catalogProvider, ['chat', 'responses']) : []),
        ...((p.record.options.models as string[] | undefined) ?? []),
        ...(served ?? []),
      ]);
      const byOverride = new Set<string>();
      for (const o of overridden) if (o.provider === p.id || o.provider === p.catalogProvider) byOverride.add(o.model);
      for (const m of byOverride) models.add(m);
      for (const m of models) {
        if (!isGeneralPurpose(m) || !this.allowed(p, m)) continue;
        const info = lookupModelFor(p, m);
        if (info?.mode && info.mode !== 'chat' && info.mode !== 'responses') continue;
        const cataloged = inCatalog(p.catalogProvider, m);
        const priced = info !== undefined && info.input !== undefined && info.output !== undefined;
        // A catalog model without a price stays out (as the catalog's own entries always did); a model the
        // catalog does not know is in, priced or not (unknown prices are ranked last; see auto.ts).
        if (!priced && cataloged && !byOverride.has(m)) continue;
        out.push({ provider: p, model: m, info, unverified: !cataloged });
      }
    }
    this.pool = out;
    this.poolVersion = v;
    return out;
  }

  /**
   * A predicate: would a hard USD budget apply to a request of this client to `<provider>/<model>`? Such a budget
   * refuses a model whose price is unknown (budget/service.ts), so auto never picks one under it. The budgets
   * are read on first use (only pools with unpriced models ask), once per decision.
   */
  usdBudgetCheck(client: string | null): (providerId: string, model: string) => boolean {
    let scopes: Set<string> | null = null;
    return (providerId, model) => {
      scopes ??= new Set(
        [...this.core.budgets.managedDefs(), ...this.core.budgets.repo.listBudgets()].filter((b) => b.mode === 'hard' && b.limitUsd !== null).map((b) => b.scope),
      );
      return scopes.size > 0 && scopesOf(client, providerId, model).some((s) => scopes!.has(s));
    };
  }
}

const runtimes = new WeakMap<Core, RoutingRuntime>();

/** The routing runtime of a core, created on first use and refreshed. */
export function routingOf(core: Core): RoutingRuntime {
  let rt = runtimes.get(core);
  if (!rt) {
    rt = new RoutingRuntime(core);
    runtimes.set(core, rt);
  }
  core.live.refresh();
  return rt.refresh();
}
