/**
 * JSON helpers for signed documents.
 * - parseStrictJson: JSON.parse silently keeps the last of two equal keys, so a signed payload could mean one thing
 *   to a checker that reads the first and another to one that reads the last. This scanner rejects duplicate keys
 *   (after unescaping, so "a" and "\u0061" are the same key) and then hands the text to JSON.parse.
 * - canonicalJson: sorted keys, no whitespace: the bytes audit entries and checkpoints are hashed over.
 */

export class StrictJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrictJsonError';
  }
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Parses JSON, refusing duplicate object keys anywhere in the document. */
export function parseStrictJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StrictJsonError(`not valid JSON: ${(err as Error).message}`);
  }
  scanDuplicates(text);
  return value;
}

/** Walks already-valid JSON text; throws on the first object with a repeated key. */
function scanDuplicates(s: string): void {
  let i = 0;
  const path: string[] = [];
  const skipWs = () => {
    while (i < s.length && WS.has(s.charCodeAt(i))) i++;
  };
  const readString = (): string => {
    const start = i;
    i++; // opening quote
    while (s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(s.slice(start, i)) as string;
  };
  const value = (): void => {
    skipWs();
    const c = s[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      skipWs();
      if (s[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        skipWs();
        const k = readString();
        if (seen.has(k)) throw new StrictJsonError(`duplicate key '${k}' in ${path.length ? path.join('.') : 'the top-level object'}`);
        seen.add(k);
        skipWs();
        i++; // ':'
        path.push(k);
        value();
        path.pop();
        skipWs();
        if (s[i++] === '}') return;
      }
    } else if (c === '[') {
      i++;
      skipWs();
      if (s[i] === ']') {
        i++;
        return;
      }
      let n = 0;
      for (;;) {
        path.push(`[${n++}]`);
        value();
        path.pop();
        skipWs();
        if (s[i++] === ']') return;
      }
    } else if (c === '"') readString();
    else {
      // number, true, false, null
      while (i < s.length && !WS.has(s.charCodeAt(i)) && s[i] !== ',' && s[i] !== '}' && s[i] !== ']') i++;
    }
  };
  value();
}

/** Deterministic JSON: object keys sorted by code unit, no whitespace, undefined members dropped. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error('canonicalJson: non-finite number');
    return JSON.stringify(v) ?? 'null';
  }
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const keys = Object.keys(v as object)
    .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
}
