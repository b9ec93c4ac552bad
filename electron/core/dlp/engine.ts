import type { DlpConfig } from './config.ts';
import { ALL_DETECTORS, anchorWords, digitClusters, findEmails, resolveOverlaps, runDetector, type Detector, type Prefilter } from './detectors.ts';
import { shieldGateWords, shieldScan } from './shield.ts';
import { LiteralIndex, type Hits } from './anchors.ts';
import { phoneMemo } from './phone.ts';
import type { DlpAction, Finding } from './types.ts';

export class DetectorError extends Error {
  readonly rule: string;
  constructor(rule: string, cause: unknown) {
    // The cause's message is not kept: it could quote the scanned text.
    super(`detector '${rule}' failed (${(cause as Error)?.name ?? 'Error'})`);
    this.name = 'DetectorError';
    this.rule = rule;
  }
}

export interface ScanOptions {
  /** Run the prompt shield too. */
  shield?: boolean;
  /** Run every detector, whatever its action (the CLI scan). */
  all?: boolean;
  /** Only detectors whose action is at least this strict (the output scan). */
  minRank?: number;
}

const RANK: Record<DlpAction, number> = { allow: 0, warn: 1, mask: 2, redact: 3, block: 4 };
const prio = new Map<string, number>();

/**
 * Every literal the built-in detectors anchor on, found in one pass over the text; the prompt shield's gate words
 * join that pass when it scans the same text (it reads at most its first 200,000 characters: a separate pass
 * over those is cheaper for long texts).
 */
let DET_INDEX: LiteralIndex | null = null;
let ALL_INDEX: LiteralIndex | null = null;
const SHIELD_LIMIT = 200_000;
/** Below this length the digit detectors scan the whole text (cheaper than finding clusters first). */
const CLUSTER_MIN_TEXT = 2048;
/** Windows around clusters pay when there is at most one cluster per this many characters. */
const CLUSTER_SPARSE = 500;
const DIGIT = /\d/;
function literalHits(text: string, shield: boolean): Hits {
  if (shield && text.length <= SHIELD_LIMIT) {
    ALL_INDEX ??= new LiteralIndex([...anchorWords(ALL_DETECTORS), ...shieldGateWords()]);
    return ALL_INDEX.find(text);
  }
  DET_INDEX ??= new LiteralIndex(anchorWords(ALL_DETECTORS));
  return DET_INDEX.find(text);
}

/**
 * Finds sensitive values in one text: every enabled detector, overlaps resolved (specific beats generic,
 * longer beats shorter), then the prompt shield. Throws DetectorError if a detector throws.
 */
export function scanText(text: string, cfg: DlpConfig, opts: ScanOptions = {}): Finding[] {
  try {
    return scan(text, cfg, opts);
  } finally {
    phoneMemo.clear(); // candidate numbers stay in memory only for the scan
  }
}

/** The config's detectors whose action is at least `minRank` strict (computed once per config and rank). */
const byRank = new WeakMap<DlpConfig, Map<number, Detector[]>>();
function detectorsFor(cfg: DlpConfig, minRank: number): Detector[] {
  if (!minRank) return cfg.detectors;
  let m = byRank.get(cfg);
  if (!m) byRank.set(cfg, (m = new Map()));
  let list = m.get(minRank);
  if (!list) m.set(minRank, (list = cfg.detectors.filter((d) => RANK[cfg.actions.get(d.type) ?? 'warn'] >= minRank)));
  return list;
}

function scan(text: string, cfg: DlpConfig, opts: ScanOptions): Finding[] {
  const found: Finding[] = [];
  if (text.length === 0) return found;
  const minRank = opts.minRank ?? 0;
  const dets: Detector[] = opts.all ? cfg.allDetectors : detectorsFor(cfg, minRank);
  const shield = !!opts.shield && (!!opts.all || cfg.shieldAction !== 'allow');
  const hits = literalHits(text, shield);
  // Long texts with few digit clusters (prose, code): the digit detectors run only around the clusters.
  const hasDigit = DIGIT.test(text);
  let clusters = hasDigit && text.length >= CLUSTER_MIN_TEXT ? digitClusters(text) : null;
  if (clusters && clusters.length * CLUSTER_SPARSE > text.length) clusters = null;
  const pre: Prefilter = { hits, clusters, hasDigit };
  const emailOn = opts.all || (RANK[cfg.actions.get('EMAIL') ?? 'warn'] >= Math.max(1, minRank));
  if (emailOn) {
    try {
      findEmails(text, found);
    } catch (err) {
      throw new DetectorError('email', err);
    }
  }
  for (const d of dets) {
    try {
      runDetector(d, text, found, pre);
    } catch (err) {
      throw new DetectorError(d.rule, err);
    }
  }
  const kept = resolveOverlaps(found, (f) => {
    let p = prio.get(f.rule);
    if (p === undefined) {
      p = f.rule === 'email' ? 2 : (cfg.allDetectors.find((d) => d.rule === f.rule)?.priority ?? 5);
      if (!cfg.customTypes.has(f.rule)) prio.set(f.rule, p);
    }
    return p;
  });
  if (shield) {
    let s;
    try {
      s = shieldScan(text, cfg.shieldThreshold, text.length <= SHIELD_LIMIT ? hits : undefined);
    } catch (err) {
      throw new DetectorError('prompt_shield', err);
    }
    if (s) kept.push({ type: s.type, start: s.start, end: s.end, rule: s.rule, score: s.score });
  }
  return kept;
}

/** Same value, same placeholder, for the whole request; held in memory only, dropped with the request. */
export class MaskVault {
  private readonly byValue = new Map<string, string>();
  private readonly byPlaceholder = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  placeholder(type: string, value: string): string {
    const key = `${type}\u0000${value}`;
    let ph = this.byValue.get(key);
    if (ph) return ph;
    const n = (this.counters.get(type) ?? 0) + 1;
    this.counters.set(type, n);
    ph = `<${type}_${n}>`;
    this.byValue.set(key, ph);
    this.byPlaceholder.set(ph, value);
    return ph;
  }

  get(ph: string): string | undefined {
    return this.byPlaceholder.get(ph);
  }

  has(value: string): boolean {
    for (const v of this.byPlaceholder.values()) if (v === value) return true;
    return false;
  }

  get size(): number {
    return this.byPlaceholder.size;
  }

  /** Longest placeholder, to bound how much a stream restorer may hold back. */
  maxLength(): number {
    let m = 0;
    for (const k of this.byPlaceholder.keys()) m = Math.max(m, k.length);
    return m;
  }
}

export const redaction = (type: string) => `[REDACTED ${type}]`;

/** Rewrites one text: masked findings become placeholders, redacted ones a fixed marker. Findings sorted by start. */
export function applyMasks(text: string, findings: Finding[], actionOf: (f: Finding) => DlpAction, vault: MaskVault): string {
  let out = '';
  let pos = 0;
  for (const f of findings) {
    const a = actionOf(f);
    if (a !== 'mask' && a !== 'redact') continue;
    if (f.start < pos) continue;
    out += text.slice(pos, f.start);
    out += a === 'mask' ? vault.placeholder(f.type, text.slice(f.start, f.end)) : redaction(f.type);
    pos = f.end;
  }
  return pos === 0 ? text : out + text.slice(pos);
}

const PLACEHOLDER_RE = /<[A-Z][A-Z0-9_]*_\d+>/g;
const PARTIAL_RE = /^<[A-Z0-9_]*$/;
const jsonEscape = (v: string) => JSON.stringify(v).slice(1, -1);

/** Puts the original values back in place of placeholders; JSON-escapes them inside JSON text (tool arguments). */
export function restore(text: string, vault: MaskVault, json: boolean): string {
  if (vault.size === 0 || text.indexOf('<') === -1) return text;
  return text.replace(PLACEHOLDER_RE, (ph) => {
    const v = vault.get(ph);
    if (v === undefined) return ph;
    return json ? jsonEscape(v) : v;
  });
}

/**
 * Splits streamed text into what can go out now and what must wait: a trailing '<' that could still become a
 * placeholder is held (and nothing else), up to the longest placeholder this request issued.
 */
export function splitHeld(all: string, maxLen: number): [string, string] {
  const lt = all.lastIndexOf('<');
  if (lt === -1 || all.length - lt > maxLen) return [all, ''];
  const tail = all.slice(lt);
  return PARTIAL_RE.test(tail) ? [all.slice(0, lt), tail] : [all, ''];
}
