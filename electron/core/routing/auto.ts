import type { RouteCandidate } from '../pipeline/context.ts';
import type { ProviderRuntime } from '../providers/registry.ts';
import { tierOf, type ModelInfoWithTier } from './catalog.ts';
import type { RouteSpec } from './routes.ts';
import { GatewayError } from '../util/errors.ts';

/** What a request needs from a model, read from its body in any inbound protocol (Chat, Responses, Messages). */
export interface RequestFeatures {
  /** Prompt size estimate in tokens (text at ~4 characters a token, ~1000 per image). */
  promptTokens: number;
  /** The output cap the client asked for (max_tokens / max_completion_tokens / max_output_tokens), or null. */
  maxOutput: number | null;
  tools: boolean;
  images: boolean;
  jsonSchema: boolean;
  code: boolean;
  reasoning: boolean;
}

export const TIER_NAMES = ['unknown', 'economy', 'standard', 'flagship'] as const;

const CODE_RE =
  /```|^\s*(def \w+\(|class \w+[:(]|function \w+\s*\(|import \w+|from [\w.]+ import|#include\s*<|public (static )?(void|class)|SELECT .+ FROM )|\b(refactor|debug|stack ?trace|traceback|segfault|compiler? error|unit tests?|regex|write (a |the |some )?(function|script|program|class|query|code)|implement(ation)?|code review|typescript|javascript|python|rust|golang|sql)\b/im;
const REASONING_RE =
  /\b(step[- ]by[- ]step|prove|proof|derive|derivation|reason (through|about)|think (carefully|hard|it through)|analy[sz]e|analysis|trade-?offs?|compare and contrast|multi-step|plan (out|the)|evaluate (the )?(pros|options)|root cause|optimi[sz]e|algorithm|theorem|calculate)\b/i;

const TEXT_SCAN_LIMIT = 200_000;

/** Reads what a request needs. Cheap: one walk over the body, regexes on at most 200k characters. */
export function requestFeatures(body: Record<string, unknown>): RequestFeatures {
  let chars = 0;
  let images = 0;
  const texts: string[] = [];
  let scanned = 0;
  const visit = (v: unknown, key: string, depth: number): void => {
    if (depth > 12 || v === null || v === undefined) return;
    if (typeof v === 'string') {
      if (key === 'data' || key === 'url' || key === 'image_url' || key === 'file_data' || v.startsWith('data:')) return;
      if (key === 'type' || key === 'role' || key === 'id' || key === 'tool_call_id' || key === 'media_type') return;
      chars += v.length;
      if (scanned < TEXT_SCAN_LIMIT) {
        texts.push(v.length > 20_000 ? v.slice(0, 20_000) : v);
        scanned += Math.min(v.length, 20_000);
      }
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) visit(x, key, depth + 1);
      return;
    }
    if (typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const t = o.type;
      if (t === 'image_url' || t === 'image' || t === 'input_image' || t === 'document' || t === 'input_file') images++;
      for (const [k, x] of Object.entries(o)) visit(x, k, depth + 1);
    }
  };
  visit(body.system, 'system', 0);
  visit(body.instructions, 'instructions', 0);
  visit(body.messages, 'messages', 0);
  visit(body.input, 'input', 0);
  const toolList = (body.tools ?? body.functions) as unknown;
  const tools = Array.isArray(toolList) && toolList.length > 0;
  if (tools) chars += JSON.stringify(toolList).length;
  const rf = body.response_format as { type?: string } | undefined;
  const tf = (body.text as { format?: { type?: string } } | undefined)?.format;
  const jsonSchema = rf?.type === 'json_schema' || tf?.type === 'json_schema' || (body.output_format as { type?: string } | undefined)?.type === 'json_schema';
  const max = body.max_completion_tokens ?? body.max_tokens ?? body.max_output_tokens;
  const text = texts.join('\n');
  const reasoning =
    body.reasoning_effort !== undefined || (body.reasoning !== undefined && body.reasoning !== null) || (body.thinking as { type?: string } | undefined)?.type === 'enabled' || REASONING_RE.test(text);
  return {
    promptTokens: Math.ceil(chars / 4) + images * 1000,
    maxOutput: typeof max === 'number' && max > 0 ? max : null,
    tools,
    images: images > 0,
    jsonSchema,
    code: CODE_RE.test(text),
    reasoning,
  };
}

/** Above this prompt size a request counts as long-context. */
export const LONG_CONTEXT_TOKENS = 16_000;

/** The quality tier a request needs and the rule that decided it (first match in this order). */
export function requiredTier(f: RequestFeatures): { tier: number; rule: string } {
  if (f.promptTokens >= LONG_CONTEXT_TOKENS) return { tier: 3, rule: 'long-context' };
  if (f.reasoning) return { tier: 3, rule: 'reasoning' };
  if (f.code) return { tier: 3, rule: 'code' };
  if (f.tools) return { tier: 2, rule: 'tools' };
  return { tier: 1, rule: 'simple' };
}

export interface PoolEntry {
  provider: ProviderRuntime;
  model: string;
  info: ModelInfoWithTier | undefined;
  /**
   * Not in the public catalog (discovered on a server's GET /models, listed with `--models`, or added with
   * `airlock model set`): a capability its info does not state is unknown, not "no" (see assess()).
   */
  unverified?: boolean;
}

/** Output tokens assumed when pricing a request that sets no max_tokens. */
const EXPECTED_OUTPUT = 500;

/** Estimated USD cost of a request on a model (an unknown price counts as 0: such models are ranked by tier, last). */
export function estimateCost(info: ModelInfoWithTier | undefined, f: RequestFeatures): number {
  return f.promptTokens * (info?.input ?? 0) + Math.min(f.maxOutput ?? EXPECTED_OUTPUT, EXPECTED_OUTPUT * 4) * (info?.output ?? 0);
}

/**
 * Context window assumed for an unverified model that states none: prompt + max_tokens up to this fit for sure;
 * beyond it the model is only a last resort (most local servers run 4k-8k contexts by default, and some cut
 * longer prompts silently).
 */
export const ASSUMED_CONTEXT = 8_192;

/** How a model measures up to a request: a hard `bad` reason, or `doubts` (capabilities nobody stated). */
export interface Assessment {
  bad: string | null;
  /** What an unverified model may lack: 'tools', 'images', 'json-schema', 'context'. */
  doubts: string[];
}

/**
 * Checks a model against a request. A stated capability decides; for a catalog model a missing one means
 * "no"; for an unverified model a missing one is a doubt (it may serve the request, but a model known to
 * serve it is preferred). `priceRequired`: a model with an unknown price is unfit.
 */
export function assess(info: ModelInfoWithTier | undefined, f: RequestFeatures, opts: { unverified?: boolean; priceRequired?: boolean } = {}): Assessment {
  // Hot path (every pool entry, every auto request): no closures, one shared empty list.
  if (opts.priceRequired !== false && (!info || info.input === undefined || info.output === undefined)) return { bad: 'price unknown', doubts: NO_DOUBTS };
  if (info?.mode && info.mode !== 'chat' && info.mode !== 'responses') return { bad: `not a chat model (${info.mode})`, doubts: NO_DOUBTS };
  const u = opts.unverified === true;
  let doubts: string[] | null = null;
  if (f.tools && info?.tools !== true) {
    if (u && info?.tools === undefined) (doubts ??= []).push('tools');
    else return { bad: 'no tool use', doubts: NO_DOUBTS };
  }
  if (f.images && info?.vision !== true) {
    if (u && info?.vision === undefined) (doubts ??= []).push('images');
    else return { bad: 'no image input', doubts: NO_DOUBTS };
  }
  if (f.jsonSchema && info?.jsonSchema !== true) {
    if (u && info?.jsonSchema === undefined) (doubts ??= []).push('json-schema');
    else return { bad: 'no JSON schema output', doubts: NO_DOUBTS };
  }
  if (f.maxOutput !== null && info?.maxOutput !== undefined && f.maxOutput > info.maxOutput) return { bad: `max output ${info.maxOutput} < ${f.maxOutput}`, doubts: NO_DOUBTS };
  const need = f.promptTokens + (f.maxOutput ?? 0);
  if (info?.contextWindow !== undefined) {
    if (need > info.contextWindow) return { bad: `context ${info.contextWindow} too small`, doubts: NO_DOUBTS };
  } else if (u && need > ASSUMED_CONTEXT) (doubts ??= []).push('context');
  return { bad: null, doubts: doubts ?? NO_DOUBTS };
}

const NO_DOUBTS: string[] = Object.freeze([]) as unknown as string[];

/** Why a catalog model cannot serve a request (its price must be known), or null when it can. */
export function unfit(info: ModelInfoWithTier | undefined, f: RequestFeatures): string | null {
  return assess(info, f).bad;
}

export interface AutoChoice {
  candidates: RouteCandidate[];
  rule: string;
  requiredTier: number;
}

/** How many ranked candidates an auto decision keeps (the first plus fallbacks). */
const AUTO_FALLBACKS = 3;

/**
 * Best-value routing: the cheapest model in `pool` that fits the request (context, output cap, tools, images,
 * JSON schema) and meets the tier it needs, clamped to the route's [minTier, maxTier]. When no fitting model
 * reaches that tier, the strongest fitting one below it is used and the rule says so.
 */
export function chooseAuto(
  alias: string,
  pool: PoolEntry[],
  f: RequestFeatures,
  spec: RouteSpec,
  opts: { priceRequired?: (e: PoolEntry) => boolean } = {},
): AutoChoice {
  const need = requiredTier(f);
  let tier = need.tier;
  let rule = `auto:${need.rule}`;
  if (spec.minTier && tier < spec.minTier) {
    tier = spec.minTier;
    rule += `>min-tier-${spec.minTier}`;
  }
  if (spec.maxTier && tier > spec.maxTier) {
    tier = spec.maxTier;
    rule += `>max-tier-${spec.maxTier}`;
  }
  if (pool.length === 0) throw noModelAvailable(alias, null);
  type Fit = { e: PoolEntry; tier: number; cost: number; doubts: string[] };
  const sure: Fit[] = [];
  const maybe: Fit[] = [];
  const why = new Map<string, number>();
  const reject = (k: string) => why.set(k, (why.get(k) ?? 0) + 1);
  let unpricedExample: PoolEntry | null = null;
  for (const e of pool) {
    const priced = e.info !== undefined && e.info.input !== undefined && e.info.output !== undefined;
    if (!priced && opts.priceRequired?.(e)) {
      unpricedExample ??= e;
      reject('price unknown under a USD budget');
      continue;
    }
    // An unknown price is no reason to skip a model (it is ranked last: unrated tier), unless a USD budget needs it.
    const a = assess(e.info, f, { unverified: e.unverified, priceRequired: false });
    if (a.bad) {
      reject(a.bad.replace(/\d+/g, 'N'));
      continue;
    }
    const t = tierOf(e.info);
    if (spec.maxTier && t > spec.maxTier) {
      reject(`above max tier ${spec.maxTier}`);
      continue;
    }
    (a.doubts.length ? maybe : sure).push({ e, tier: t, cost: estimateCost(e.info, f), doubts: a.doubts });
  }
  // A model known to serve the request wins over one that only might; the latter is a last resort.
  const fit = sure.length > 0 ? sure : maybe;
  if (fit.length === 0) {
    const needs = [f.tools && 'tool use', f.images && 'image input', f.jsonSchema && 'JSON schema output', `~${f.promptTokens + (f.maxOutput ?? 0)} tokens of context`].filter(Boolean).join(', ');
    const reasons = [...why].map(([k, n]) => `${n} ${k}`).join(', ');
    const priceHint = unpricedExample
      ? ` To use ${unpricedExample.provider.id}/${unpricedExample.model}, set its price: \`airlock model set ${unpricedExample.provider.id}/${unpricedExample.model} --input-usd-per-mtok N --output-usd-per-mtok N\`.`
      : '';
    throw new GatewayError(
      400,
      'invalid_request_error',
      `No model on route '${alias}' can serve this request (it needs ${needs}). Checked ${pool.length} model(s)${reasons ? `: ${reasons}` : ''}.${priceHint} Add a capable model to the route (\`airlock route set ${alias} ...\`), set its capabilities with \`airlock model set\`, or pick a model explicitly.`,
      { param: 'model', code: 'no_capable_model' },
    );
  }
  if (sure.length === 0) rule += `>unverified-${[...new Set(maybe.flatMap((x) => x.doubts))].sort().join('+')}`;
  const byValue = (a: { cost: number; tier: number; e: PoolEntry }, b: { cost: number; tier: number; e: PoolEntry }) =>
    a.cost - b.cost || b.tier - a.tier || a.e.model.length - b.e.model.length || (a.e.model < b.e.model ? -1 : 1);
  const meeting = fit.filter((x) => x.tier >= tier).sort(byValue);
  let ranked: typeof fit;
  if (meeting.length > 0) {
    const below = fit.filter((x) => x.tier < tier).sort((a, b) => b.tier - a.tier || byValue(a, b));
    ranked = [...meeting, ...below];
  } else {
    ranked = [...fit].sort((a, b) => b.tier - a.tier || byValue(a, b));
    rule += ranked[0]!.tier > 0 ? `>best-available-tier-${ranked[0]!.tier}` : '>best-available-unrated';
  }
  return {
    candidates: ranked.slice(0, AUTO_FALLBACKS).map((x) => ({ provider: x.e.provider, model: x.e.model, info: x.e.info })),
    rule,
    requiredTier: tier,
  };
}

/**
 * The error for a route with no model at all to choose from. `hint` names a real model to price or pick
 * (`<provider>/<model>`) and says why the pool is empty when known (e.g. a server's model list failed).
 */
export function noModelAvailable(alias: string, hint: { example: string | null; why: string | null } | null): GatewayError {
  const example = hint?.example ?? '<provider>/<model>';
  return new GatewayError(
    503,
    'api_error',
    `No model is available for '${alias}'${hint?.why ? ` (${hint.why})` : ''}: add a provider with priced models, or set a price for your model with \`airlock model set ${example} --input-usd-per-mtok 0 --output-usd-per-mtok 0\`, or pick a model explicitly${hint?.example ? ` ('${hint.example}')` : ''}.`,
    { param: 'model', code: 'no_model_available', headers: { 'x-should-retry': 'false' } },
  );
}

/** Catalog ids that are snapshots or special-purpose variants, left out of the default auto pool. */
const NOT_GENERAL = /^ft:|audio|realtime|search|transcribe|tts|image|computer-use|deep-research|container|moderation|embed|-preview|-latest|-\d{4}-\d{2}-\d{2}$|-\d{4}$|-\d{8}$/i;

export function isGeneralPurpose(model: string): boolean {
  return !NOT_GENERAL.test(model);
}
