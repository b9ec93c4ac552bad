// The x-airlock-tags header ("feature=summarize,env=dev") → normalised key/value pairs.
// Rules (docs/dashboard.md): pairs are separated by ',' or ';'; each is key=value split at the first '=';
// whitespace around keys and values is dropped; keys are lower-cased and must match [a-z0-9][a-z0-9_.:/-]*
// (<= 64 chars); values are 1..128 characters with no control characters; the first occurrence of a key wins;
// at most 16 pairs are kept. Anything else is ignored, never an error: tags are a hint, not a contract.

export const TAG_MAX_PAIRS = 16;
export const TAG_MAX_KEY = 64;
export const TAG_MAX_VALUE = 128;
const KEY_RE = /^[a-z0-9][a-z0-9_.:/-]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

export type TagPair = [key: string, value: string];

export function parseTags(header: string | null | undefined): TagPair[] {
  if (typeof header !== 'string' || header === '') return [];
  const out: TagPair[] = [];
  const seen = new Set<string>();
  for (const part of header.slice(0, 4096).split(/[,;]/)) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    if (key.length > TAG_MAX_KEY || !KEY_RE.test(key) || seen.has(key)) continue;
    if (value === '' || [...value].length > TAG_MAX_VALUE || CONTROL_RE.test(value)) continue;
    seen.add(key);
    out.push([key, value]);
    if (out.length === TAG_MAX_PAIRS) break;
  }
  return out;
}

/** A tag key as a user typed it ("Feature ") → its normalised form, or null when it can never match. */
export function normaliseTagKey(key: string): string | null {
  const k = key.trim().toLowerCase();
  return k.length <= TAG_MAX_KEY && KEY_RE.test(k) ? k : null;
}
