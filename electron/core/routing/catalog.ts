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

/** Every catalog model id offered by one catalog provider (without the provider prefix). */
export function modelsOf(catalogProvider: string, modes: string[] = ['chat', 'responses', 'embedding', 'completion']): string[] {
  const out: string[] = [];
  const prefix = `${catalogProvider}/`;
  for (const [key, info] of Object.entries(load())) {
    if (info.provider !== catalogProvider || !modes.includes(info.mode ?? '')) continue;
    out.push(key.startsWith(prefix) ? key.slice(prefix.length) : key);
  }
  return out;
}

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
