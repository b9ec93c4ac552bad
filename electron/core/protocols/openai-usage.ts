import type { Usage } from '../routing/catalog.ts';

/**
 * Reads an OpenAI-style usage block. prompt_tokens already includes cached tokens; DeepSeek reports
 * its cache hits as prompt_cache_hit_tokens instead of prompt_tokens_details.cached_tokens.
 */
export function fromOpenAIUsage(u: any): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const input = num(u.prompt_tokens ?? u.input_tokens);
  const output = num(u.completion_tokens ?? u.output_tokens);
  const cached = num(u.prompt_tokens_details?.cached_tokens ?? u.input_tokens_details?.cached_tokens ?? u.prompt_cache_hit_tokens);
  return { input, cached: Math.min(cached, input), cacheWrite: 0, output };
}

function num(x: unknown): number {
  return typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : 0;
}

/** A rough token count (4 characters a token) for when a stream is cut before the provider reports usage. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}
