// DLP cost, printed as figures against a baseline measured in the same run (asserts nothing):
// (1) scan throughput of the gateway's detectors + prompt shield on a realistic mix (this repository's code and
//     docs with 15% PII-dense corpus documents interleaved) and on the PII-dense labelled corpus alone, against
//     JSON.stringify of the same text (a pass over the text the gateway pays anyway);
// (2) the gateway's added latency with DLP on vs off: two real gateways in this process (one with DLP off, one
//     with the default policy: masking, prompt shield, output scan), same mock upstream transcript, requests
//     interleaved so drift and noise hit both sides; p50 of each side and the difference, for a small, a 4 KB
//     and a 100 KB prompt of PII-dense text.
import fs from 'node:fs';
import path from 'node:path';
import { startHarness, type Harness } from '../electron/core/testing/harness.ts';
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
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(?:ts|tsx|md)$/.test(e.name) && !e.name.includes('.test.')) out.push(fs.readFileSync(p, 'utf8'));
    }
  };
  for (const d of ['electron', 'docs', 'renderer', 'shared']) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
  return out.join('\n\n');
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

/** Milliseconds per call: median of 5 rounds of at least `ms` each. */
function time(fn: () => void, ms = 400): number {
  fn();
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      fn();
      n++;
    }
    rounds.push((performance.now() - t0) / n);
  }
  return median(rounds);
}

function rate(label: string, inputs: string[], cfg: ReturnType<typeof buildConfig>, opts: { all?: boolean } = {}): void {
  const mb = inputs.reduce((a, s) => a + Buffer.byteLength(s), 0) / (1024 * 1024);
  const base = time(() => {
    for (const s of inputs) JSON.stringify(s);
  });
  const dlp = time(() => {
    for (const s of inputs) scanText(s, cfg, { shield: true, all: opts.all });
  });
  console.log(`  ${label.padEnd(62)} ${(mb / (dlp / 1000)).toFixed(1).padStart(6)} MB/s   (JSON.stringify: ${(mb / (base / 1000)).toFixed(0)} MB/s; DLP = ${(dlp / base).toFixed(1)}x its time)`);
}

function throughput(): void {
  const cfg = buildConfig({}, null);
  const code = codeAndProse();
  // Realistic mix: ~85% code and prose, ~15% PII-dense corpus documents, interleaved.
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
  console.log('scan throughput (gateway detectors with default actions + prompt shield), median of 5 rounds:');
  rate(`realistic mix, one text (${(realistic.length / 1048576).toFixed(1)} MB: repo code/docs + 15% corpus docs)`, [realistic], cfg);
  // The same mix cut into 4 KB messages (what a chat history looks like to the stage).
  const chunks: string[] = [];
  for (let i = 0; i < realistic.length; i += 4096) chunks.push(realistic.slice(i, i + 4096));
  rate('realistic mix, as 4 KB messages', chunks, cfg);
  rate(`PII-dense labelled corpus, one text (${(mixed.length / 1024).toFixed(0)} KB)`, [mixed], cfg);
  rate(`PII-dense labelled corpus, one call per document (${texts.length} docs)`, texts, cfg);
  rate('PII-dense corpus, all detectors incl. names/addresses (`dlp scan`)', [mixed], cfg, { all: true });
}

async function latency(): Promise<void> {
  const off = await startHarness();
  const on = await startHarness();
  off.core.settings.set('dlp', { enabled: false });
  on.core.settings.set('dlp', {});
  const promptOf = (bytes: number) => {
    let s = '';
    let i = 0;
    while (s.length < bytes) s += texts[i++ % texts.length] + '\n\n';
    return s.slice(0, bytes);
  };
  const send = async (h: Harness, body: string) => {
    const t0 = performance.now();
    const r = await fetch(`${h.gateway.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}`, 'x-airlock-cache': 'no-store' }, body });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`status ${r.status}`);
    return performance.now() - t0;
  };
  console.log('gateway latency, DLP off vs on (default policy), interleaved requests, p50:');
  try {
    const sizes = [
      ['small (120 B, no findings)', 'Summarise the attached meeting notes in three bullet points and suggest a follow-up date.', 1500],
      ['4 KB PII-dense', promptOf(4096), 1000],
      ['100 KB PII-dense', promptOf(100 * 1024), 150],
    ] as const;
    for (const [label, prompt, rounds] of sizes) {
      const body = JSON.stringify({ model: 'mock/gpt-4o', messages: [{ role: 'system', content: 'You are a support assistant.' }, { role: 'user', content: prompt }] });
      for (let i = 0; i < 30; i++) {
        await send(off, body);
        await send(on, body);
      }
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < rounds; i++) {
        // Alternate which side goes first.
        if (i % 2) {
          a.push(await send(off, body));
          b.push(await send(on, body));
        } else {
          b.push(await send(on, body));
          a.push(await send(off, body));
        }
      }
      const pa = median(a);
      const pb = median(b);
      // The median of paired differences is steadier than the difference of medians on a noisy machine.
      const paired = median(a.map((x, i) => b[i]! - x));
      console.log(`  ${label.padEnd(28)} ${String(rounds).padStart(5)} requests each: off ${pa.toFixed(3)} ms, on ${pb.toFixed(3)} ms, added ${(pb - pa).toFixed(3)} ms (${(pb / pa).toFixed(2)}x; median paired difference ${paired.toFixed(3)} ms)`);
    }
  } finally {
    await off.close();
    await on.close();
  }
}

throughput();
await latency();
