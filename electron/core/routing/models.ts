import type { LiveConfig } from '../core.ts';
import type { ProviderRuntime } from '../providers/registry.ts';
import { getJson } from '../providers/openai-compatible.ts';
import { resolveProviderKey } from '../secrets/provider-keys.ts';
import type { SecretStore } from '../secrets/secret-store.ts';

type KeyDeps = { env: NodeJS.ProcessEnv; secrets?: SecretStore | null };

export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

const discovered = new Map<string, { at: number; models: string[] }>();
const DISCOVERY_TTL_MS = 5 * 60_000;

/**
 * Asks a provider without catalog entries (local servers, custom endpoints) which models it serves,
 * remembering the answer for a few minutes. Failures are quiet: the list just lacks that provider.
 */
async function discover(p: ProviderRuntime, deps: KeyDeps, live: LiveConfig): Promise<string[]> {
  const hit = discovered.get(p.id);
  if (hit && Date.now() - hit.at < DISCOVERY_TTL_MS) return hit.models;
  try {
    const key = await resolveProviderKey(p, deps);
    const r = await getJson(p, key, '/models', { timeouts: { ...live.gateway.timeouts, connectMs: 2000, firstByteMs: 3000 } });
    if (r.status !== 200) return [];
    const ids = ((JSON.parse(r.text)?.data ?? []) as { id?: unknown }[]).map((m) => m.id).filter((x): x is string => typeof x === 'string');
    discovered.set(p.id, { at: Date.now(), models: ids });
    for (const id of ids) p.knownModels.add(id);
    return ids;
  } catch {
    return [];
  }
}

/** GET /v1/models: every model of every provider, addressed as `<provider>/<model>`. */
export async function listModels(live: LiveConfig, deps: KeyDeps): Promise<ModelEntry[]> {
  const out: ModelEntry[] = [];
  const providers = [...live.providers.values()];
  const found = await Promise.all(providers.map((p) => (p.catalogProvider && !p.local ? Promise.resolve([]) : discover(p, deps, live))));
  providers.forEach((p, i) => {
    const ids = new Set([...p.knownModels, ...found[i]!]);
    for (const id of [...ids].sort()) out.push({ id: `${p.id}/${id}`, object: 'model', created: Math.floor(p.record.createdAt / 1000), owned_by: p.id });
  });
  return out;
}
