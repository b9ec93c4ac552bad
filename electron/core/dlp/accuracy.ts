import fs from 'node:fs';
import { buildConfig } from './config.ts';
import { scanText } from './engine.ts';
import { shieldScan } from './shield.ts';

export interface TypeScore {
  type: string;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
}

/** The structured types the issue sets targets for; the secret types also count as one group, SECRETS. */
export const STRUCTURED = ['EMAIL', 'PHONE', 'CREDIT_CARD', 'IBAN', 'US_SSN', 'IP_ADDRESS'];
export const SECRET_TYPES = ['OPENAI_KEY', 'ANTHROPIC_KEY', 'AWS_ACCESS_KEY', 'AWS_SECRET_KEY', 'GCP_API_KEY', 'GITHUB_TOKEN', 'SLACK_TOKEN', 'STRIPE_KEY', 'JWT', 'PRIVATE_KEY', 'CONNECTION_STRING', 'GENERIC_SECRET'];

interface Sample {
  id: string;
  text: string;
  labels: { type: string; value: string }[];
}

/**
 * Precision and recall per type over a labelled corpus (JSONL). Entity level: a finding counts as correct when
 * it overlaps a labelled occurrence of the same type; a labelled occurrence is found when such a finding exists.
 */
export function evaluateCorpus(file: string): { scores: Map<string, TypeScore>; samples: number; errors: { id: string; kind: 'fp' | 'fn'; type: string; value: string }[] } {
  const cfg = buildConfig({}, null);
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
  const scores = new Map<string, TypeScore>();
  const get = (t: string) => {
    let s = scores.get(t);
    if (!s) scores.set(t, (s = { type: t, tp: 0, fp: 0, fn: 0, precision: 1, recall: 1 }));
    return s;
  };
  const errors: { id: string; kind: 'fp' | 'fn'; type: string; value: string }[] = [];
  for (const l of lines) {
    const s = JSON.parse(l) as Sample;
    const gold: { type: string; start: number; end: number; hit: boolean }[] = [];
    for (const lab of s.labels) {
      let i = s.text.indexOf(lab.value);
      while (i !== -1) {
        if (!gold.some((g) => g.start === i && g.type === lab.type)) gold.push({ type: lab.type, start: i, end: i + lab.value.length, hit: false });
        i = s.text.indexOf(lab.value, i + 1);
      }
    }
    const found = scanText(s.text, cfg, { all: true });
    for (const f of found) {
      const g = gold.filter((x) => x.type === f.type && x.start < f.end && f.start < x.end);
      if (g.length) {
        for (const x of g) x.hit = true;
        get(f.type).tp++;
      } else {
        get(f.type).fp++;
        errors.push({ id: s.id, kind: 'fp', type: f.type, value: s.text.slice(f.start, f.end) });
      }
    }
    for (const g of gold) {
      if (!g.hit) {
        get(g.type).fn++;
        errors.push({ id: s.id, kind: 'fn', type: g.type, value: s.text.slice(g.start, g.end) });
      }
    }
  }
  const group = get('SECRETS');
  for (const t of SECRET_TYPES) {
    const s = scores.get(t);
    if (!s) continue;
    group.tp += s.tp;
    group.fp += s.fp;
    group.fn += s.fn;
  }
  for (const s of scores.values()) {
    s.precision = s.tp + s.fp ? s.tp / (s.tp + s.fp) : 1;
    // Recall over labelled occurrences: tp counts findings, so use labelled-found vs missed per occurrence.
    s.recall = s.tp + s.fn ? s.tp / (s.tp + s.fn) : 1;
  }
  return { scores, samples: lines.length, errors };
}

export interface ShieldEval {
  attacks: number;
  benign: number;
  detected: number;
  falseAlarms: number;
  detectionRate: number;
  falseAlarmRate: number;
  misses: string[];
  alarms: string[];
}

/** Detection and false-alarm rates of the prompt shield on a labelled JSONL set ({text, label: 'attack'|'benign'}). */
export function evaluateShield(file: string, threshold = 0.5): ShieldEval {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
  const r: ShieldEval = { attacks: 0, benign: 0, detected: 0, falseAlarms: 0, detectionRate: 0, falseAlarmRate: 0, misses: [], alarms: [] };
  for (const l of lines) {
    const s = JSON.parse(l) as { text: string; label: 'attack' | 'benign' };
    const hit = shieldScan(s.text, threshold) !== null;
    if (s.label === 'attack') {
      r.attacks++;
      if (hit) r.detected++;
      else r.misses.push(s.text);
    } else {
      r.benign++;
      if (hit) {
        r.falseAlarms++;
        r.alarms.push(s.text);
      }
    }
  }
  r.detectionRate = r.attacks ? r.detected / r.attacks : 0;
  r.falseAlarmRate = r.benign ? r.falseAlarms / r.benign : 0;
  return r;
}
