import fs from 'node:fs';
import path from 'node:path';

/** The repository's copy of the real provider wire transcripts (testdata/wire). */
export const WIRE_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../testdata/wire');

const cache = new Map<string, Buffer>();

export function wireBytes(rel: string): Buffer {
  let b = cache.get(rel);
  if (!b) cache.set(rel, (b = fs.readFileSync(path.join(WIRE_DIR, rel))));
  return b;
}

export function wireJson<T = any>(rel: string): T {
  return JSON.parse(wireBytes(rel).toString('utf8')) as T;
}

/** Splits an SSE transcript into events, keeping each event's own separator bytes (\n\n or \r\n\r\n). */
export function sseEvents(bytes: Buffer): Buffer[] {
  const text = bytes.toString('latin1'); // byte-preserving
  const out: Buffer[] = [];
  const re = /\r\n\r\n|\n\n/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    out.push(Buffer.from(text.slice(last, m.index + m[0].length), 'latin1'));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(Buffer.from(text.slice(last), 'latin1'));
  return out;
}
