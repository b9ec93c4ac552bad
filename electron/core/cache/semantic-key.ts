import crypto from 'node:crypto';
import { canonicalJson, keyedFields } from './key.ts';

/**
 * What the semantic cache may vary: only the wording of the LAST USER TURN. Everything else (system prompt,
 * instructions, earlier turns, every parameter) is hashed into the semantic scope key and must match exactly.
 *
 * A request is eligible only when that turn is plain text and the answer cannot be an action:
 * - no tools offered (an answer may be a tool call whose arguments copy the wording: "weather in Paris" and
 *   "weather in London" embed close, and replaying one for the other is a wrong action, not a stale answer);
 * - the last message is the user's, with text only (no images, audio, files, tool results);
 * - the text has at least MIN_WORDS words (short replies such as "yes" / "no" / "go on" embed close together
 *   while meaning opposite things) and at most MAX_CHARS characters;
 * - the numbers in the text are part of the scope key: "17 x 23" never matches "17 x 24".
 */
export const MIN_WORDS = 3;
export const MAX_CHARS = 16_000;

export type SemanticSplit = { ok: true; text: string; rest: Record<string, unknown>; numbers: string } | { ok: false; reason: string };

const MARK = '\u0000airlock:semantic-turn\u0000';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Text of a content value made of text parts only (`types` are the accepted part types), else null. */
function textOnly(content: unknown, types: string[]): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content) || content.length === 0) return null;
  const out: string[] = [];
  for (const p of content) {
    if (!isObj(p) || !types.includes(String(p.type)) || typeof p.text !== 'string') return null;
    out.push(p.text);
  }
  return out.join('\n');
}

function hasTools(body: Obj): boolean {
  const nonEmpty = (v: unknown) => Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null;
  return nonEmpty(body.tools) || nonEmpty(body.functions);
}

/** Splits a request into the text to embed (the last user turn) and the rest (which must match exactly). */
export function splitForSemantic(protocol: string, body: Obj): SemanticSplit {
  if (hasTools(body)) return { ok: false, reason: 'tools' };
  let text: string | null = null;
  let rest: Obj | null = null;
  if (protocol === 'openai.chat' || protocol === 'anthropic.messages') {
    const msgs = body.messages;
    if (!Array.isArray(msgs) || msgs.length === 0) return { ok: false, reason: 'no messages' };
    const last = msgs[msgs.length - 1];
    if (!isObj(last) || last.role !== 'user') return { ok: false, reason: 'last turn is not the user' };
    text = textOnly(last.content, protocol === 'openai.chat' ? ['text'] : ['text']);
    if (text === null) return { ok: false, reason: 'last turn is not plain text' };
    // Keep every other field of the message (name, cache_control on a string...) in the exact part.
    rest = { ...body, messages: [...msgs.slice(0, -1), { ...last, content: MARK }] };
  } else if (protocol === 'openai.responses') {
    const input = body.input;
    if (typeof input === 'string') {
      text = input;
      rest = { ...body, input: MARK };
    } else if (Array.isArray(input) && input.length > 0) {
      const last = input[input.length - 1];
      if (!isObj(last) || last.role !== 'user' || (last.type !== undefined && last.type !== 'message')) return { ok: false, reason: 'last turn is not the user' };
      text = textOnly(last.content, ['input_text']);
      if (text === null) return { ok: false, reason: 'last turn is not plain text' };
      rest = { ...body, input: [...input.slice(0, -1), { ...last, content: MARK }] };
    } else return { ok: false, reason: 'no input' };
  } else return { ok: false, reason: `not available for ${protocol}` };
  const words = text.trim().split(/\s+/).filter(Boolean).length;
  if (words < MIN_WORDS) return { ok: false, reason: 'last turn too short' };
  if (text.length > MAX_CHARS) return { ok: false, reason: 'last turn too long' };
  const numbers = (text.match(/\d+(?:[.,:/]\d+)*/g) ?? []).join(' ');
  return { ok: true, text, rest: rest!, numbers };
}

export interface SemanticKeyParts {
  scope: string;
  protocol: string;
  provider: string;
  providerUrl: string;
  model: string;
  /** `<provider>/<model>` of the embeddings: vectors of different models are not comparable. */
  embeddings: string;
  numbers: string;
  rest: Obj;
}

/** The semantic scope key: SHA-256 over everything that must match exactly for a similar request to be served. */
export function semanticScopeKey(p: SemanticKeyParts): Buffer {
  const h = crypto.createHash('sha256');
  h.update(`airlock-semantic-v1\n${p.scope}\n${p.protocol}\n${p.provider}\n${p.providerUrl}\n${p.model}\n${p.embeddings}\n${p.numbers}\n`);
  h.update(canonicalJson(keyedFields(p.rest)));
  return h.digest();
}
