/**
 * A fast, deliberately generous prompt token estimate for budget reservations (the provider's reported usage
 * settles the real cost afterwards). Measured against OpenAI's o200k tokenizer (js-tiktoken), see docs/budgets.md:
 * it over-estimates English by ~1.45x, code ~1.3x, Chinese ~1.3x, Japanese ~1.65x, and under-estimates only
 * dense machine data (minified JSON with hashes) by up to ~25%. A real tokenizer was rejected for the hot path:
 * loading o200k takes ~0.8 s and encoding runs at 0.02-1 MB/s; this runs at native byteLength speed.
 *
 * Rule per text: (UTF-16 length + 0.7 x extra UTF-8 bytes) / 3. ASCII counts as 3 characters a token; each
 * CJK character (2 extra bytes) as ~0.8 token; images as a fixed 1,600 tokens (a high-detail tile budget).
 */
export const IMAGE_TOKENS = 1600;
const PER_MESSAGE = 4;
const PER_REQUEST = 3;

export function textTokens(s: string): number {
  const bytes = Buffer.byteLength(s, 'utf8');
  return (s.length + 0.7 * (bytes - s.length)) / 3;
}

/** Keys whose string values are not prompt text. */
const SKIP_KEYS = new Set(['model', 'role', 'type', 'id', 'tool_call_id', 'detail', 'format', 'media_type', 'cache_control', 'signature']);

function walk(v: unknown, key: string, acc: { tokens: number; images: number }): void {
  if (typeof v === 'string') {
    if (SKIP_KEYS.has(key)) return;
    // Inline images and audio (data: URLs, base64 sources) are not billed by their characters.
    if (key === 'url' || key === 'image_url' || key === 'data' || key === 'file_data' || v.startsWith('data:')) {
      acc.images++;
      return;
    }
    acc.tokens += textTokens(v);
    return;
  }
  if (typeof v === 'number') {
    acc.tokens += 1; // token ids in embedding inputs, numbers in tool arguments
    return;
  }
  if (Array.isArray(v)) {
    for (const x of v) walk(x, key, acc);
    return;
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.type === 'image_url' || o.type === 'image' || o.type === 'input_image') {
      acc.images++;
      return;
    }
    for (const k in o) walk(o[k], k, acc);
  }
}

/** Estimated prompt tokens of a request body in any supported protocol (chat, messages, responses, embeddings). */
export function estimatePromptTokens(body: Record<string, unknown>): number {
  const acc = { tokens: 0, images: 0 };
  let messages = 0;
  for (const k of ['messages', 'system', 'input', 'prompt', 'instructions']) {
    const v = body[k];
    if (v === undefined || v === null) continue;
    if (k === 'messages' && Array.isArray(v)) messages += v.length;
    walk(v, k, acc);
  }
  // Tool schemas and response formats are billed as the model sees them: names, keys and all.
  for (const k of ['tools', 'functions', 'response_format', 'tool_choice', 'text']) {
    const v = body[k];
    if (v !== undefined && v !== null && typeof v === 'object') acc.tokens += textTokens(JSON.stringify(v));
  }
  return Math.ceil(acc.tokens + acc.images * IMAGE_TOKENS + messages * PER_MESSAGE + PER_REQUEST);
}

/** The output cap the client asked for, if any (OpenAI max_tokens / max_completion_tokens, Responses max_output_tokens). */
export function requestedMaxOutput(body: Record<string, unknown>): number | null {
  for (const k of ['max_completion_tokens', 'max_tokens', 'max_output_tokens']) {
    const v = body[k];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return Math.floor(v);
  }
  return null;
}
