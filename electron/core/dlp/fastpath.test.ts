// The fast paths (literal anchors, digit-cluster windows, the phone shortcut, the shield's one-pass gate) must
// give exactly what the plain scans give. These tests compare them on the labelled corpora and on generated input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { getExampleNumber, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';
import metadataJson from 'libphonenumber-js/metadata.max.json';
import { ALL_DETECTORS, digitClusters, runDetector, type Prefilter } from './detectors.ts';
import { LiteralIndex } from './anchors.ts';
import { phoneMemo, phoneValid, phoneValidDirect } from './phone.ts';
import { hasRepeatRun, lowInformation } from './checks.ts';
import type { Finding } from './types.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const docs: string[] = [];
for (const f of ['corpus.jsonl', 'holdout.jsonl', 'handwritten.jsonl', 'shield.jsonl']) {
  for (const l of fs.readFileSync(path.join(root, 'testdata/dlp', f), 'utf8').split('\n')) if (l.trim()) docs.push(JSON.parse(l).text);
}
// Long texts with sparse digits (where the cluster windows are used): documents separated by prose.
const filler = 'The quick brown fox jumps over the lazy dog while the build runs; nothing to see here. '.repeat(8);
const long: string[] = [];
for (let i = 0; i < docs.length; i += 6) long.push(docs.slice(i, i + 6).join(`\n${filler}\n`) + filler.repeat(4));

test('anchored and windowed detectors find exactly what a full scan finds', () => {
  const words = [...new Set(ALL_DETECTORS.flatMap((d) => d.anchors ?? []))];
  const index = new LiteralIndex(words);
  let compared = 0;
  for (const text of [...docs, ...long]) {
    const pre: Prefilter = { hits: index.find(text), clusters: digitClusters(text) };
    for (const d of ALL_DETECTORS) {
      if (!d.anchors && !d.digits && !d.anchorRe) continue;
      const full: Finding[] = [];
      // The plain path: the detector's global regex over the whole text.
      const plain = { ...d, anchors: undefined, anchorRe: undefined, digits: undefined };
      runDetector(plain, text, full);
      const fast: Finding[] = [];
      runDetector(d, text, fast, pre);
      phoneMemo.clear();
      assert.deepEqual(fast, full, `${d.rule} differs on ${JSON.stringify(text.slice(0, 80))}`);
      compared += full.length;
    }
  }
  assert.ok(compared > 500, `only ${compared} findings compared`);
});

test('literal index: every occurrence, ASCII case-insensitive, overlapping; non-letters exact', () => {
  const ix = new LiteralIndex(['token', 'sk-', 'passw', 'passcode', '<|', 'téléphone']);
  const hits = ix.find('TOKEN tokentoken sk- SK- Passcode PASSWORD <| téléphone TÉLÉPHONE');
  assert.deepEqual(hits.get('token'), [0, 6, 11]);
  assert.deepEqual(hits.get('sk-'), [17, 21]);
  assert.deepEqual(hits.get('passcode'), [25]);
  assert.deepEqual(hits.get('passw'), [34]);
  assert.deepEqual(hits.get('<|'), [43]);
  assert.deepEqual(hits.get('téléphone'), [46]); // non-ASCII letters compare exactly, as the detectors' regexes do
  assert.throws(() => new LiteralIndex(['Token']), /lower-case/);
});

test('phone shortcut: same verdict as libphonenumber on generated numbers (valid, mutated, random)', () => {
  const j = metadataJson as unknown as { country_calling_codes: Record<string, string[]>; countries: Record<string, unknown> };
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)]!;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');
  const group = (d: string) => {
    let out = '';
    for (let i = 0; i < d.length; ) {
      const k = 1 + Math.floor(rnd() * 4);
      out += (out ? pick([' ', '-', '.', '', '/']) : '') + d.slice(i, i + k);
      i += k;
    }
    return out;
  };
  const ccs = Object.keys(j.country_calling_codes);
  const countries = Object.keys(j.countries) as CountryCode[];
  const cands: string[] = [];
  while (cands.length < 1200) {
    const r = rnd();
    if (r < 0.2) cands.push('+' + pick(ccs) + ' ' + group(digits(6 + Math.floor(rnd() * 8))));
    else if (r < 0.55) {
      const ex = getExampleNumber(pick(countries), examples);
      if (!ex) continue;
      let n: string = ex.nationalNumber;
      if (rnd() < 0.4) {
        const p = Math.floor(rnd() * n.length);
        n = n.slice(0, p) + digits(1) + n.slice(p + 1);
      }
      cands.push(rnd() < 0.5 ? `+${ex.countryCallingCode} ${group(n)}` : (rnd() < 0.5 ? '0' : '') + group(n));
    } else if (r < 0.75) cands.push('0' + group(digits(8 + Math.floor(rnd() * 4))));
    else if (r < 0.9) cands.push(group(digits(10)));
    else cands.push('00' + group(digits(9 + Math.floor(rnd() * 5))));
  }
  const lists: (CountryCode[] | null)[] = [null, ['US', 'CA'], ['GB', 'FR', 'DE', 'IT', 'NL', 'BE', 'CH', 'AT', 'AU'], ['US', 'GB', 'FR', 'DE', 'ES', 'IT', 'NL']];
  let valid = 0;
  for (const c of cands) {
    for (const l of lists) {
      if (l && c.startsWith('+')) continue;
      const want = phoneValidDirect(c, l);
      assert.equal(phoneValid(c, l), want, `${JSON.stringify(c)} for ${l ?? 'international'}`);
      if (want) valid++;
    }
    phoneMemo.clear();
  }
  assert.ok(valid > 300, `only ${valid} valid numbers generated`);
});

test('phone shortcut, international form: same verdict as libphonenumber for every country (example numbers, mutated, cut, with (0) and 00)', () => {
  const j = metadataJson as unknown as { countries: Record<string, unknown> };
  let seed = 5;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  let checks = 0;
  let valid = 0;
  for (const c of Object.keys(j.countries) as CountryCode[]) {
    const ex = getExampleNumber(c, examples);
    if (!ex) continue;
    for (let k = 0; k < 8; k++) {
      let nn: string = ex.nationalNumber;
      if (k > 0) {
        const p = Math.floor(rnd() * nn.length);
        nn = nn.slice(0, p) + Math.floor(rnd() * 10) + nn.slice(p + 1);
      }
      if (k > 4) nn = nn.slice(0, nn.length - 1 - (k % 2)) + (k % 3 ? '5' : '');
      for (const cand of [`+${ex.countryCallingCode} ${nn}`, `00${ex.countryCallingCode}${nn}`, `+${ex.countryCallingCode} (0)${nn}`]) {
        const want = phoneValidDirect(cand, null);
        assert.equal(phoneValid(cand, null), want, `${cand} (${c})`);
        phoneMemo.clear();
        checks++;
        if (want) valid++;
      }
    }
  }
  assert.ok(checks > 4000 && valid > 1500, `${checks} checks, ${valid} valid`);
});

test('repeat runs: same as /(.)\\1{5,}/i', () => {
  const re = /(.)\1{5,}/i;
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const alphabet = ['a', 'A', 'b', 'ß', 'é', 'É', 'ſ', 's', 'S', '\n', 'K', 'k', 'İ', 'i', 'ı', 'I', 'x', '1', ' '];
  for (let t = 0; t < 20000; t++) {
    let s = '';
    const n = 4 + (t % 10);
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * (t % 3 === 0 ? 3 : alphabet.length))];
    assert.equal(hasRepeatRun(s, 6), re.test(s), JSON.stringify(s));
  }
});

test('placeholder body check: the early bounds give the verdict of the full count (runs, period, distinct, fillers)', () => {
  // Reference: the rule as docs/dlp.md states it, without shortcuts.
  const PREFIX = /^(?:sk-ant-(?:api|admin|oat|sid)\d{2}-|sk-(?:proj|svcacct|admin|None)-|sk-|(?:sk|rk)_(?:live|test)_|whsec_|gh[pousr]_|github_pat_|xox[abposre]-|xapp-\d-|AIza|A[KS]IA|ABIA|ACCA|AROA|AIDA)/;
  const FILLERS = /test|demo|key|here|my|api|secret|token|proj|live|dev|prod|foo|bar|baz|qwerty|asdf|lorem|ipsum|t3blbkfj/g;
  const stepOf = (a: string, b: string) => {
    const da = /\d/.test(a);
    if (da !== /\d/.test(b)) return null;
    const d = da ? (((Number(b) - Number(a)) % 10) + 10) % 10 : b.charCodeAt(0) - a.charCodeAt(0);
    const s = da ? (d === 9 ? -1 : d) : d;
    return s === 1 || s === -1 || s === 0 ? s : null;
  };
  const runs = (c: string[], idx: number[], min: number, cov: boolean[]) => {
    let count = 0;
    for (let i = 0; i + 1 < idx.length; ) {
      const st = stepOf(c[idx[i]!]!, c[idx[i + 1]!]!);
      if (st === null) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j + 1 < idx.length && stepOf(c[idx[j]!]!, c[idx[j + 1]!]!) === st) j++;
      if (j - i + 1 >= min) {
        count++;
        for (let x = i; x <= j; x++) cov[idx[x]!] = true;
      }
      i = j;
    }
    return count;
  };
  const reference = (v: string): boolean => {
    const pre = PREFIX.exec(v);
    const c = [...v.slice(pre ? pre[0].length : 0).toLowerCase()].filter((x) => /[a-z0-9]/.test(x));
    const n = c.length;
    if (n < 6) return false;
    const cov = new Array<boolean>(n).fill(false);
    const all = [...Array(n).keys()];
    if (n < 16) return runs(c, all, n, cov) === 1;
    if (new Set(c).size <= 4) return true;
    for (let p = 1; p <= 8; p++) if (c.every((x, i) => i < p || x === c[i - p])) return true;
    runs(c, all, 3, cov);
    runs(c, all.filter((i) => i % 2 === 0), 4, cov);
    runs(c, all.filter((i) => i % 2 === 1), 4, cov);
    if (pre) for (const m of c.join('').matchAll(FILLERS)) for (let i = m.index; i < m.index + m[0].length; i++) cov[i] = true;
    return cov.filter((x) => !x).length <= 3;
  };
  let seed = 11;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pick = <T,>(a: T[]) => a[Math.floor(rnd() * a.length)]!;
  const prefixes = ['', '', 'sk-proj-', 'sk-', 'ghp_', 'AKIA', 'xoxb-', 'sk_live_', 'AIza'];
  const pieces = ['abcdef', '123456', '7890', 'ZYXW', '987', 'a1b2c3d4', 'test', 'my-key', 'here', 'foo', 'qwerty', 'aaa', '0000', 'Q', 'x', '9', 'k', '-', '_', 'q9Wm', 'T2xL', 'p8Rk'];
  const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let positives = 0;
  for (let t = 0; t < 20000; t++) {
    let v = pick(prefixes);
    const len = 4 + Math.floor(rnd() * 60);
    while (v.length < len) v += rnd() < 0.6 ? pick(pieces) : ALNUM[Math.floor(rnd() * ALNUM.length)];
    const want = reference(v);
    assert.equal(lowInformation(v), want, JSON.stringify(v));
    if (want) positives++;
  }
  for (const d of docs) for (const w of d.split(/[\s"'`=:,;()]+/)) if (w.length >= 6 && w.length < 300) assert.equal(lowInformation(w), reference(w), JSON.stringify(w));
  assert.ok(positives > 500 && positives < 19000, `${positives} placeholder verdicts`);
});

test('shield leetspeak check: same as decoding every leet word and searching the trigger words', async () => {
  const { hasLeetTrigger } = await import('./shield.ts');
  const map: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '@': 'a', $: 's' };
  const reference = (t: string) =>
    (t.match(/(?<![\w@$])[a-z0134578@$]*[a-z][0134578@$][a-z0134578@$]*(?![\w@$])/gi) ?? []).some((w) => /ignor|instruc|jailbr|prompt|disregard|restrict|system/i.test(w.replace(/[0134578@$]/g, (c) => map[c]!)));
  let seed = 3;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const alphabet = 'ignorstucjalbpmdegyIGNORSYT0134578@$_ -.x2'.split('');
  const words = ['ignore', '1gn0re', 'syst3m', '5y5t3m', 'pr0mpt', 'j41lbr34k', 'd15r3g4rd', 'r35tr1ct', '1n5truct10n5', 'system', 'prompt_1', 'sys7em', 'SY5TEM'];
  let positives = 0;
  for (let k = 0; k < 20000; k++) {
    let s = '';
    for (let i = 0; i < 3 + (k % 25); i++) s += rnd() < 0.15 ? words[Math.floor(rnd() * words.length)] : alphabet[Math.floor(rnd() * alphabet.length)];
    const want = reference(s);
    assert.equal(hasLeetTrigger(s), want, JSON.stringify(s));
    if (want) positives++;
  }
  for (const d of docs) assert.equal(hasLeetTrigger(d), reference(d));
  assert.ok(positives > 1000);
});
