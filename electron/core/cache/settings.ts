import type { Policy } from '../../../shared/policy.ts';

/** The `cache` settings key. */
export interface CacheSettings {
  /** Master switch. A managed policy with cache.enabled = false turns it off whatever this says. */
  enabled: boolean;
  /**
   * Which requests are cached by default: 'deterministic' (temperature 0, embeddings, and routes with
   * cache switched on), 'all' (every request), or 'off' (only requests that send `x-airlock-cache: force`).
   */
  mode: 'deterministic' | 'all' | 'off';
  ttlSeconds: number;
  /** Size cap of the whole cache; least recently used entries are evicted above it. */
  maxBytes: number;
  /** Responses larger than this are not cached. */
  maxEntryBytes: number;
  /** Share entries between client tokens (off: each client has its own cache). The team policy can decide. */
  shareAcrossClients: boolean;
}

export const DEFAULT_CACHE_SETTINGS: CacheSettings = {
  enabled: true,
  mode: 'deterministic',
  ttlSeconds: 3600,
  maxBytes: 256 * 1024 * 1024,
  maxEntryBytes: 4 * 1024 * 1024,
  shareAcrossClients: false,
};

/** User settings tightened by the managed policy: policy 'off' wins, the shorter TTL wins, policy decides sharing. */
export function effectiveCacheSettings(stored: Partial<CacheSettings> | null | undefined, policy: Policy | null): CacheSettings {
  const s: CacheSettings = { ...DEFAULT_CACHE_SETTINGS, ...(stored ?? {}) };
  const p = policy?.cache;
  if (p) {
    if (p.enabled === false) s.enabled = false;
    if (p.ttlSeconds !== undefined) s.ttlSeconds = Math.min(s.ttlSeconds, p.ttlSeconds);
    if (p.shareAcrossClients !== undefined) s.shareAcrossClients = p.shareAcrossClients;
  }
  return s;
}
