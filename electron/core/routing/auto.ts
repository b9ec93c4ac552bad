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
}

/** Output tokens assumed when pricing a request that sets no max_tokens. */
const EXPECTED_OUTPUT = 500;

export function estimateCost(info: ModelInfoWithTier, f: RequestFeatures): number {
  return f.promptTokens * (info.input ?? 0) + Math.min(f.maxOutput ?? EXPECTED_OUTPUT, EXPECTED_OUTPUT * 4) * (info.output ?? 0);
}

/** Why a model cannot serve a request, or null when it can. */
export function unfit(info: ModelInfoWithTier | undefined, f: RequestFeatures): string | null {
  if (!info || info.input === undefined || info.output === undefined) return 'price unknown';
  if (info.mode && info.mode !== 'chat' && info.mode !== 'responses') return `not a chat model (${info.mode})`;
  if (f.tools && info.tools !== true) return 'no tool use';
  if (f.images && info.vision !== true) return 'no image input';
  if (f.jsonSchema && info.jsonSchema !== true) return 'no JSON schema output';
  if (f.maxOutput !== null && info.maxOutput !== undefined && f.maxOutput > info.maxOutput) return `max output ${info.maxOutput} < ${f.maxOutput}`;
  if (info.contextWindow !== undefined && f.promptTokens + (f.maxOutput ?? 0) > info.contextWindow) return `context ${info.contextWindow} too small`;
  return null;
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
export function chooseAuto(alias: string, pool: PoolEntry[], f: RequestFeatures, spec: RouteSpec): AutoChoice {
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
  const fit: { e: PoolEntry; tier: number; cost: number }[] = [];
  const why = new Map<string, number>();
  for (const e of pool) {
    const bad = unfit(e.info, f);
    if (bad) {
      why.set(bad.replace(/\d+/g, 'N'), (why.get(bad.replace(/\d+/g, 'N')) ?? 0) + 1);
      continue;
    }
    const t = tierOf(e.info);
    if (spec.maxTier && t > spec.maxTier) {
      why.set(`above max tier ${spec.maxTier}`, (why.get(`above max tier ${spec.maxTier}`) ?? 0) + 1);
      continue;
    }
    fit.push({ e, tier: t, cost: estimateCost(e.info!, f) });
  }
  if (fit.length === 0) {
    const needs = [f.tools && 'tool use', f.images && 'image input', f.jsonSchema && 'JSON schema output', `~${f.promptTokens + (f.maxOutput ?? 0)} tokens of context`].filter(Boolean).join(', ');
    const reasons = [...why].map(([k, n]) => `${n} ${k}`).join(', ');
    throw new GatewayError(
      400,
      'invalid_request_error',
      `No model on route '${alias}' can serve this request (it needs ${needs}). Checked ${pool.length} model(s)${reasons ? `: ${reasons}` : ''}. Add a capable model to the route (\`airlock route set ${alias} ...\`) or set its capabilities with \`airlock model set\`.`,
      { param: 'model', code: 'no_capable_model' },
    );
  }
  const byValue = (a: { cost: number; tier: number; e: PoolEntry }, b: { cost: number; tier: number; e: PoolEntry }) =>
    a.cost - b.cost || b.tier - a.tier || a.e.model.length - b.e.model.length || (a.e.model < b.e.model ? -1 : 1);
  const meeting = fit.filter((x) => x.tier >= tier).sort(byValue);
  let ranked: typeof fit;
  if (meeting.length > 0) {
    const below = fit.filter((x) => x.tier < tier).sort((a, b) => b.tier - a.tier || byValue(a, b));
    ranked = [...meeting, ...below];
  } else {
    ranked = [...fit].sort((a, b) => b.tier - a.tier || byValue(a, b));
    rule += `>best-available-tier-${ranked[0]!.tier}`;
  }
  return {
    candidates: ranked.slice(0, AUTO_FALLBACKS).map((x) => ({ provider: x.e.provider, model: x.e.model, info: x.e.info })),
    rule,
    requiredTier: tier,
  };
}

/** Catalog ids that are snapshots or special-purpose variants, left out of the default auto pool. */
const NOT_GENERAL = /^ft:|audio|realtime|search|transcribe|tts|image|computer-use|deep-research|container|moderation|embed|-preview|-latest|-\d{4}-\d{2}-\d{2}$|-\d{4}$|-\d{8}$/i;

export function isGeneralPurpose(model: string): boolean {
  return !NOT_GENERAL.test(model);
}
