import type { LiveConfig } from '../core.ts';
import type { ProviderRuntime } from '../providers/registry.ts';
import { getJson } from '../providers/openai-compatible.ts';
import { resolveProviderKey } from '../secrets/provider-keys.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { GatewayError } from '../util/errors.ts';
import { PRESETS } from '../providers/presets.ts';

type KeyDeps = { env: NodeJS.ProcessEnv; secrets?: SecretStore | null };

export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** The last discovery of one provider (by id; void when its base URL changed). */
interface Discovery {
  url: string;
  /** When the last attempt ended. */
  at: number;
  /** The last attempt succeeded. */
  ok: boolean;
  /** Models of the last successful attempt (kept when a later attempt fails), or null if none succeeded. */
  models: string[] | null;
  /** Why the last attempt failed (safe to show: never a key). */
  error: string | null;
  pending: Promise<string[]> | null;
}

const discovered = new Map<string, Discovery>();
const DISCOVERY_TTL_MS = 5 * 60_000;
/** A failed discovery is not retried for this long (a dead local server must not slow every request). */
const FAILURE_TTL_MS = 15_000;
let version = 0;

const urlOf = (p: ProviderRuntime) => `${p.origin}${p.basePath}`;

/** Providers whose model list comes from their own GET /models: local servers and endpoints without a catalog. */
export function discoverable(p: ProviderRuntime): boolean {
  return !p.catalogProvider || p.local;
}

/** Catalog providers that are local servers (Ollama, LM Studio): their catalog lists models one may pull, not what runs. */
const LOCAL_CATALOGS = new Set(PRESETS.filter((x) => x.local).map((x) => x.catalogProvider));

/**
 * What a provider serves comes from its own GET /models (when it answered), not from the catalog: true for
 * local servers of a local kind (Ollama, LM Studio) and for loopback endpoints without a catalog provider.
 */
export function listsOwnModels(p: ProviderRuntime): boolean {
  return p.local && (!p.catalogProvider || LOCAL_CATALOGS.has(p.catalogProvider));
}

function entryOf(p: ProviderRuntime): Discovery | undefined {
  const d = discovered.get(p.id);
  return d && d.url === urlOf(p) ? d : undefined;
}

/** Bumped whenever a discovery result changes (the routing runtime rebuilds its auto pool). */
export function discoveryVersion(): number {
  return version;
}

/** What the provider's last successful GET /models listed, or null if it never answered. */
export function discoveredModels(p: ProviderRuntime): string[] | null {
  return entryOf(p)?.models ?? null;
}

/** Why the provider's last GET /models failed, or null (never tried, or it worked). */
export function discoveryError(p: ProviderRuntime): string | null {
  const d = entryOf(p);
  return d && !d.ok ? d.error : null;
}

function describeFailure(err: unknown): string {
  if (err instanceof GatewayError) return err.message;
  const m = (err as Error)?.message ?? String(err);
  return m.length > 300 ? `${m.slice(0, 300)}…` : m;
}

function attempt(p: ProviderRuntime, deps: KeyDeps, live: LiveConfig): Promise<string[]> {
  const prev = entryOf(p);
  if (prev?.pending) return prev.pending;
  const url = urlOf(p);
  const finish = (d: Omit<Discovery, 'url' | 'at' | 'pending'>) => {
    const before = entryOf(p);
    if (!before || before.ok !== d.ok || before.error !== d.error || String(before.models) !== String(d.models)) version++;
    discovered.set(p.id, { url, at: Date.now(), pending: null, ...d });
  };
  const pending = (async () => {
    try {
      const key = await resolveProviderKey(p, deps);
      const r = await getJson(p, key, '/models', { timeouts: { ...live.gateway.timeouts, connectMs: 2000, firstByteMs: 3000 } });
      if (r.status !== 200) {
        throw new Error(`GET ${url}/models answered HTTP ${r.status}${r.status === 401 || r.status === 403 ? ' (the key was refused: check it under Providers & keys)' : ''}`);
      }
      let data: unknown;
      try {
        data = JSON.parse(r.text)?.data;
      } catch {
        throw new Error(`GET ${url}/models did not answer JSON`);
      }
      if (!Array.isArray(data)) throw new Error(`GET ${url}/models did not answer an OpenAI model list ({"data": [...]})`);
      const ids = (data as { id?: unknown }[]).map((m) => m?.id).filter((x): x is string => typeof x === 'string' && x.length > 0);
      finish({ ok: true, models: ids, error: null });
      for (const id of ids) p.knownModels.add(id);
      return ids;
    } catch (err) {
      finish({ ok: false, models: prev?.models ?? null, error: describeFailure(err) });
      return prev?.models ?? [];
    }
  })();
  discovered.set(p.id, { url, at: prev?.at ?? 0, ok: prev?.ok ?? false, models: prev?.models ?? null, error: prev?.error ?? null, pending });
  return pending;
}

function fresh(d: Discovery | undefined, now = Date.now()): boolean {
  return Boolean(d && !d.pending && d.at > 0 && now - d.at < (d.ok ? DISCOVERY_TTL_MS : FAILURE_TTL_MS));
}

/**
 * Asks a provider without catalog entries (local servers, custom endpoints) which models it serves,
 * remembering the answer for a few minutes (a failure for 15 s). Failures are quiet here: the list just lacks
 * that provider's models, and discoveryError() says why.
 */
async function discover(p: ProviderRuntime, deps: KeyDeps, live: LiveConfig): Promise<string[]> {
  const d = entryOf(p);
  if (fresh(d)) return d!.models ?? [];
  return attempt(p, deps, live);
}

/**
 * For routing (auto pools): providers that were never asked are asked now (the returned promise settles when
 * they answered or failed); stale answers are used as they are and refreshed in the background. Null when
 * nothing needs waiting for, so the hot path stays synchronous.
 */
export function prepareDiscovery(providers: Iterable<ProviderRuntime>, deps: KeyDeps, live: LiveConfig): Promise<void> | null {
  const waits: Promise<unknown>[] = [];
  const now = Date.now();
  for (const p of providers) {
    if (!discoverable(p)) continue;
    const d = entryOf(p);
    if (fresh(d, now)) continue;
    if (d?.pending) {
      if (d.at === 0) waits.push(d.pending);
      continue;
    }
    const run = attempt(p, deps, live);
    if (!d || d.at === 0) waits.push(run);
  }
  return waits.length ? Promise.all(waits).then(() => undefined) : null;
}

/**
 * GET /v1/models: every model of every provider, addressed as `<provider>/<model>`. A local server that
 * answered lists what it serves (plus `--models`), not every catalog model of its kind.
 */
export async function listModels(live: LiveConfig, deps: KeyDeps): Promise<ModelEntry[]> {
  const out: ModelEntry[] = [];
  const providers = [...live.providers.values()];
  const found = await Promise.all(providers.map((p) => (discoverable(p) ? discover(p, deps, live) : Promise.resolve([]))));
  providers.forEach((p, i) => {
    const served = listsOwnModels(p) ? discoveredModels(p) : null;
    const ids = served ? new Set([...served, ...((p.record.options.models as string[] | undefined) ?? [])]) : new Set([...p.knownModels, ...found[i]!]);
    for (const id of [...ids].sort()) out.push({ id: `${p.id}/${id}`, object: 'model', created: Math.floor(p.record.createdAt / 1000), owned_by: p.id });
  });
  return out;
}
