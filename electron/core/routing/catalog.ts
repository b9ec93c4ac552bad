import fs from 'node:fs';
import { createRequire } from 'node:module';

/** Prices in USD per token and what a model can do. Missing fields are unknown, never zero or false. */
export interface ModelInfo {
  provider?: string;
  mode?: string;
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  inputAbove200k?: number;
  outputAbove200k?: number;
  cacheReadAbove200k?: number;
  contextWindow?: number;
  maxOutput?: number;
  tools?: boolean;
  vision?: boolean;
  jsonSchema?: boolean;
  reasoning?: boolean;
  promptCaching?: boolean;
}

/**
 * Token counts of one call. `input` is every prompt token, cached or not (OpenAI's prompt_tokens);
 * `cached` and `cacheWrite` are the parts of it read from and written to the provider's prompt cache.
 */
export interface Usage {
  input: number;
  cached: number;
  cacheWrite: number;
  output: number;
}

let catalog: Record<string, ModelInfo> | null = null;

function load(): Record<string, ModelInfo> {
  if (catalog) return catalog;
  // Resolved relative to this file so it works from source, from the CLI and from the bundled app.
  const require = createRequire(import.meta.url);
  const file = require.resolve('../../../resources/pricing.json');
  catalog = (JSON.parse(fs.readFileSync(file, 'utf8')) as { models: Record<string, ModelInfo> }).models;
  return catalog;
}

/** Finds a model in the catalog: `<catalogProvider>/<model>` first, then the bare model id. */
export function lookupModel(catalogProvider: string | null | undefined, model: string): ModelInfo | undefined {
  // User overrides (`airlock model set`) win over the public catalog.
  if (catalogProvider && overrides.size > 0) {
    const o = overrides.get(`${catalogProvider}/${model}`);
    if (o) return withOverride(lookupCatalogOnly(catalogProvider, model), o);
  }
  return lookupCatalogOnly(catalogProvider, model);
}

/** Every catalog model id offered by one catalog provider (without the provider prefix). */
export function modelsOf(catalogProvider: string, modes: string[] = ['chat', 'responses', 'embedding', 'completion']): readonly string[] {
  // The built-in catalog never changes at run time, and config reloads ask for the same lists again and again.
  const memoKey = `${catalogProvider}|${modes.join(',')}`;
  const hit = modelsOfMemo.get(memoKey);
  if (hit) return hit;
  const out: string[] = [];
  const prefix = `${catalogProvider}/`;
  for (const [key, info] of Object.entries(load())) {
    if (info.provider !== catalogProvider || !modes.includes(info.mode ?? '')) continue;
    out.push(key.startsWith(prefix) ? key.slice(prefix.length) : key);
  }
  modelsOfMemo.set(memoKey, Object.freeze(out));
  return out;
}

const modelsOfMemo = new Map<string, readonly string[]>();

/** USD cost of `usage` under `info`'s prices, or null when a needed price is unknown. */
export function costOf(info: ModelInfo | undefined, usage: Usage): number | null {
  if (!info) return null;
  const long = usage.input > 200_000;
  const inP = (long ? info.inputAbove200k : undefined) ?? info.input;
  const outP = (long ? info.outputAbove200k : undefined) ?? info.output;
  if (inP === undefined || outP === undefined) return null;
  // A missing cache price bills those tokens at the plain input price (the catalog's documented rule).
  const readP = (long ? info.cacheReadAbove200k : undefined) ?? info.cacheRead ?? inP;
  const writeP = info.cacheWrite ?? inP;
  const uncached = Math.max(0, usage.input - usage.cached - usage.cacheWrite);
  return uncached * inP + usage.cached * readP + usage.cacheWrite * writeP + usage.output * outP;
}

// ---------------------------------------------------------------------------------------------------------
// User overrides and custom/local models (stored in SQLite, table model_overrides; loaded by routing/runtime.ts).
// Keys are `<provider>/<model>` where <provider> is an Airlock provider id or a catalog provider name.

/** A catalog entry with an optional quality tier set by the user (1 economy, 2 standard, 3 flagship). */
export interface ModelInfoWithTier extends ModelInfo {
  tier?: number;
}

let overrides = new Map<string, ModelInfoWithTier>();

/** Replaces the override layer (called when the database changed). */
export function setModelOverrides(entries: Iterable<[string, ModelInfoWithTier]>): void {
  overrides = new Map(entries);
}

export function modelOverrides(): ReadonlyMap<string, ModelInfoWithTier> {
  return overrides;
}

/** The catalog entry merged with a user override: the override's fields win, unknown ones fall back. */
function withOverride(base: ModelInfo | undefined, o: ModelInfoWithTier | undefined): ModelInfoWithTier | undefined {
  if (!o) return base;
  return base ? { ...base, ...o } : o;
}

/**
 * What Airlock knows about `<provider>/<model>` for a configured provider: a user override by provider id or
 * by catalog provider, on top of the public catalog. A local provider's unknown model is priced at 0.
 */
export function lookupModelFor(p: { id: string; catalogProvider: string | null; local: boolean }, model: string): ModelInfoWithTier | undefined {
  const base = lookupCatalogOnly(p.catalogProvider, model);
  const o = overrides.get(`${p.id}/${model}`) ?? (p.catalogProvider ? overrides.get(`${p.catalogProvider}/${model}`) : undefined);
  const info = withOverride(base, o);
  if (!info && p.local) return { provider: p.id, mode: 'chat', input: 0, output: 0 };
  return info;
}

/** Does the public catalog (resources/pricing.json) have this model? Overrides do not count. */
export function inCatalog(catalogProvider: string | null | undefined, model: string): boolean {
  return lookupCatalogOnly(catalogProvider, model) !== undefined;
}

/** The public catalog alone: `<catalogProvider>/<model>` first, then the bare model id if it is that provider's. */
function lookupCatalogOnly(catalogProvider: string | null | undefined, model: string): ModelInfo | undefined {
  const c = load();
  if (catalogProvider) {
    const prefixed = c[`${catalogProvider}/${model}`];
    if (prefixed) return prefixed;
    const bare = c[model];
    if (bare && bare.provider === catalogProvider) return bare;
    return undefined;
  }
  return c[model];
}

/**
 * Quality tier of a model: the user's `--tier` if set, else derived from its output price (a proxy that tracks
 * model class well within a provider's line-up): < $2.5/Mtok economy (1), < $8 standard (2), else flagship (3).
 * Free local models are economy unless the user says otherwise.
 */
export function tierOf(info: ModelInfoWithTier | undefined): number {
  if (!info) return 0;
  if (info.tier) return info.tier;
  const out = info.output;
  if (out === undefined) return 0;
  const perM = out * 1e6;
  if (perM < 2.5) return 1;
  if (perM < 8) return 2;
  return 3;
}
