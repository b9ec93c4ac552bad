// DLP cost: (1) scan throughput of the detectors on mixed realistic text (the labelled corpus: tickets, e-mails,
// logs, code, CSV in several languages), against JSON.stringify of the same text as a baseline the gateway pays
// anyway; (2) the gateway's added latency with DLP on vs off for a 4 KB and a 100 KB prompt, same run, same mock
// upstream, requests interleaved so drift hits both sides. Prints figures; asserts nothing.
import fs from 'node:fs';
import path from 'node:path';
import { startHarness } from '../electron/core/testing/harness.ts';
import { buildConfig } from '../electron/core/dlp/config.ts';
import { scanText } from '../electron/core/dlp/engine.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const texts: string[] = [];
for (const f of ['corpus.jsonl', 'holdout.jsonl', 'shield.jsonl']) {
  for (const l of fs.readFileSync(path.join(root, 'testdata/dlp', f), 'utf8').split('\n')) if (l.trim()) texts.push(JSON.parse(l).text);
}
const mixed = texts.join('\n\n');

/** What prompts mostly carry: source code and prose (this repository's own TypeScript and Markdown). */
function codeAndProse(): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(?:ts|tsx|md)$/.test(e.name) && !e.name.includes('.test.')) out.push(fs.readFileSync(p, 'utf8'));
    }
  };
  for (const d of ['electron', 'docs', 'renderer', 'shared']) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
  return out.join('\n\n');
}

function time(fn: () => void, minMs = 1500): number {
  fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    fn();
    n++;
  }
  return (performance.now() - t0) / n;
}

function rate(label: string, big: string, cfg: ReturnType<typeof buildConfig>): void {
  const mb = Buffer.byteLength(big) / (1024 * 1024);
  const base = time(() => JSON.stringify(big));
  const gw = time(() => scanText(big, cfg, { shield: true }));
  console.log(`  ${label.padEnd(58)} ${(mb / (gw / 1000)).toFixed(0).padStart(5)} MB/s   (JSON.stringify of the same text: ${(mb / (base / 1000)).toFixed(0)} MB/s; DLP takes ${(gw / base).toFixed(1)}x its time)`);
}

function throughput(): void {
  const cfg = buildConfig({}, null);
  const code = codeAndProse();
  // Realistic mix: 85% code and prose, 15% PII-dense corpus documents, interleaved.
  const parts: string[] = [];
  let pii = 0;
  let other = 0;
  let ti = 0;
  for (let off = 0; off < code.length; off += 8192) {
    parts.push(code.slice(off, off + 8192));
    other += 8192;
    while (pii < other * 0.18) {
      const t = texts[ti++ % texts.length]!;
      parts.push(t);
      pii += t.length;
    }
  }
  const realistic = parts.join('\n');
  console.log('scan throughput (gateway detectors with default actions + prompt shield):');
  rate(`realistic mix (${(realistic.length / 1048576).toFixed(1)} MB: repo code/docs + 15% corpus documents)`, realistic, cfg);
  const big = mixed.repeat(Math.ceil((4 * 1024 * 1024) / mixed.length));
  rate(`PII-dense labelled corpus only (${(big.length / 1048576).toFixed(1)} MB, worst case)`, big, cfg);
  const mb = Buffer.byteLength(big) / (1024 * 1024);
  const base = time(() => JSON.stringify(big));
  const all = time(() => scanText(big, cfg, { all: true, shield: true }));
  // Per-message: the gateway scans each text part separately.
  const perText = time(() => {
    for (const t of texts) scanText(t, cfg, { shield: true });
  });
  const perMb = Buffer.byteLength(mixed) / (1024 * 1024);
  console.log(`  ${'PII-dense corpus, one call per document'.padEnd(58)} ${(perMb / (perText / 1000)).toFixed(0).padStart(5)} MB/s`);
  console.log(`  ${'PII-dense corpus, all detectors incl. names/addresses'.padEnd(58)} ${(mb / (all / 1000)).toFixed(0).padStart(5)} MB/s   (what \`airlock dlp scan\` runs; baseline ${(mb / (base / 1000)).toFixed(0)} MB/s)`);
}

async function latency(): Promise<void> {
  const h = await startHarness();
  const url = `${h.gateway.url}/chat/completions`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${h.token}`, 'x-airlock-cache': 'no-store' };
  const promptOf = (bytes: number) => {
    let s = '';
    let i = 0;
    while (s.length < bytes) s += texts[i++ % texts.length] + '\n\n';
    return s.slice(0, bytes);
  };
  const send = async (body: string) => {
    const t0 = performance.now();
    const r = await fetch(url, { method: 'POST', headers, body });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`status ${r.status}`);
    return performance.now() - t0;
  };
  const p50 = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  try {
    for (const [label, size, rounds] of [['4 KB', 4096, 400], ['100 KB', 100 * 1024, 120]] as const) {
      const body = JSON.stringify({ model: 'mock/gpt-4o', messages: [{ role: 'system', content: 'You are a support assistant.' }, { role: 'user', content: promptOf(size) }] });
      const off: number[] = [];
      const on: number[] = [];
      for (let i = 0; i < 20; i++) await send(body);
      for (let i = 0; i < rounds; i++) {
        h.core.settings.set('dlp', { enabled: false });
        off.push(await send(body));
        h.core.settings.set('dlp', {});
        on.push(await send(body));
      }
      const a = p50(off);
      const b = p50(on);
      console.log(`${label} prompt, ${rounds} requests each side: p50 DLP off ${a.toFixed(3)} ms, on ${b.toFixed(3)} ms, added ${(b - a).toFixed(3)} ms (${(b / a).toFixed(2)}x)`);
    }
  } finally {
    await h.close();
  }
}

throughput();
await latency();
