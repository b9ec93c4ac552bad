import type { Core } from '../core.ts';
import { routingOf } from '../routing/runtime.ts';
import { semanticIndexOf } from './semantic.ts';
import { DEFAULT_CACHE_SETTINGS, type CacheSettings } from './settings.ts';

/**
 * The one place the response cache is configured or cleared (CLI and app API). Each change writes one audit
 * entry with the changed fields or the number of entries removed, never cached content.
 */

/** The user's cache settings as stored, over the defaults (before the team policy tightens them). */
export function storedCacheSettings(core: Core): CacheSettings {
  return { ...DEFAULT_CACHE_SETTINGS, ...(core.settings.get<Partial<CacheSettings> | null>('cache', null) ?? {}) };
}

/** Applies a validated change; returns the fields that changed (nothing is written or audited when none did). */
export function configureCache(core: Core, patch: Partial<CacheSettings>): Partial<CacheSettings> {
  const cur = storedCacheSettings(core);
  const changed: Partial<CacheSettings> = {};
  for (const [k, v] of Object.entries(patch) as [keyof CacheSettings, unknown][]) {
    if (v !== undefined && cur[k] !== v) (changed as Record<string, unknown>)[k] = v;
  }
  if (Object.keys(changed).length === 0) return changed;
  const from = Object.fromEntries(Object.keys(changed).map((k) => [k, cur[k as keyof CacheSettings]]));
  core.settings.set('cache', { ...cur, ...changed }, { type: 'cache.config', data: { changed, previous: from } });
  return changed;
}

/** Empties the exact and the semantic cache. */
export function clearCache(core: Core): { entries: number; semanticEntries: number } {
  const entries = routingOf(core).cacheStore.clear();
  const semanticEntries = semanticIndexOf(core).clear();
  core.audit.append('cache.clear', { entries, semantic_entries: semanticEntries });
  return { entries, semanticEntries };
}
