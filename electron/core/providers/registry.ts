import type { ProviderRecord } from '../store/providers-repo.ts';
import { findPreset } from './presets.ts';
import { modelsOf } from '../routing/catalog.ts';

/** A configured provider, ready for the hot path: URL pieces split once, known models indexed. */
export interface ProviderRuntime {
  readonly record: ProviderRecord;
  readonly id: string;
  readonly origin: string;
  /** Path prefix of the base URL, e.g. `/v1` or `/openai/v1` (no trailing slash). */
  readonly basePath: string;
  /** LiteLLM provider name for prices, or null when unknown (custom endpoints). */
  readonly catalogProvider: string | null;
  readonly local: boolean;
  /** Models this provider is known to serve: from the catalog, from `options.models`, and from discovery. */
  readonly knownModels: Set<string>;
}

export function toRuntime(rec: ProviderRecord): ProviderRuntime {
  const url = new URL(rec.baseUrl);
  const preset = findPreset(rec.preset);
  const catalogProvider =
    (rec.options.catalogProvider as string | undefined) ?? preset?.catalogProvider ?? (rec.type === 'openai' || rec.type === 'anthropic' || rec.type === 'gemini' ? rec.type : null);
  const local = Boolean(rec.options.local ?? preset?.local ?? isLoopback(url.hostname));
  const known = new Set<string>(catalogProvider ? modelsOf(catalogProvider) : []);
  for (const m of (rec.options.models as string[] | undefined) ?? []) known.add(m);
  return {
    record: rec,
    id: rec.id,
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ''),
    catalogProvider,
    local,
    knownModels: known,
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}
