import type { Core } from '../core.ts';
import type { Policy } from '../../../shared/policy.ts';
import type { ProviderRuntime } from '../providers/registry.ts';
import { lookupModelFor, modelsOf, setModelOverrides, type ModelInfoWithTier } from './catalog.ts';
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
   * The default auto pool: every general-purpose, priced chat model of every configured provider that the
   * policy allows (snapshots and audio/realtime/search variants left out). Computed once per reload.
   */
  defaultPool(): PoolEntry[] {
    if (this.pool) return this.pool;
    const out: PoolEntry[] = [];
    for (const p of this.core.live.providers.values()) {
      const models = new Set<string>([
        ...(p.catalogProvider ? modelsOf(p.catalogProvider, ['chat', 'responses']) : []),
        ...((p.record.options.models as string[] | undefined) ?? []),
      ]);
      for (const o of this.overrides.list()) if (o.provider === p.id || o.provider === p.catalogProvider) models.add(o.model);
      for (const m of models) {
        if (!isGeneralPurpose(m) || !this.allowed(p, m)) continue;
        const info = lookupModelFor(p, m);
        if (!info || info.input === undefined || info.output === undefined) continue;
        out.push({ provider: p, model: m, info });
      }
    }
    this.pool = out;
    return out;
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
