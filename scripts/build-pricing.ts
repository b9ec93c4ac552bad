// Builds resources/pricing.json from the LiteLLM catalog in ../shared/fixtures/pricing (MIT).
// Keeps text models and the fields Airlock prices and routes with; run again when the catalog is updated.
import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const src = process.argv[2] ?? path.join(here, '../../shared/fixtures/pricing/model_prices_and_context_window.json');
const out = path.join(here, '../resources/pricing.json');

const KEEP_MODES = new Set(['chat', 'completion', 'responses', 'embedding']);
const FIELDS: Record<string, string> = {
  litellm_provider: 'provider',
  mode: 'mode',
  input_cost_per_token: 'input',
  output_cost_per_token: 'output',
  cache_read_input_token_cost: 'cacheRead',
  cache_creation_input_token_cost: 'cacheWrite',
  input_cost_per_token_above_200k_tokens: 'inputAbove200k',
  output_cost_per_token_above_200k_tokens: 'outputAbove200k',
  cache_read_input_token_cost_above_200k_tokens: 'cacheReadAbove200k',
  max_input_tokens: 'contextWindow',
  max_output_tokens: 'maxOutput',
  supports_function_calling: 'tools',
  supports_vision: 'vision',
  supports_response_schema: 'jsonSchema',
  supports_reasoning: 'reasoning',
  supports_prompt_caching: 'promptCaching',
};

const raw = JSON.parse(fs.readFileSync(src, 'utf8')) as Record<string, Record<string, unknown>>;
const models: Record<string, Record<string, unknown>> = {};
for (const [key, entry] of Object.entries(raw)) {
  if (key === 'sample_spec' || !KEEP_MODES.has(String(entry.mode))) continue;
  const m: Record<string, unknown> = {};
  for (const [from, to] of Object.entries(FIELDS)) {
    const v = entry[from];
    if (v === undefined || v === null) continue;
    m[to] = typeof v === 'number' && (to === 'contextWindow' || to === 'maxOutput') ? Math.round(v) : v;
  }
  models[key] = m;
}
const doc = {
  source: 'LiteLLM model_prices_and_context_window.json (MIT), see ../shared/fixtures/pricing/SOURCES.md',
  unit: 'USD per token',
  models,
};
fs.writeFileSync(out, JSON.stringify(doc) + '\n');
console.log(`wrote ${Object.keys(models).length} models to ${path.relative(process.cwd(), out)}`);
