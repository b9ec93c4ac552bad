import type { PolicyDlpRule } from '../../../shared/policy.ts';
import type { Detector } from './detectors.ts';

/** A custom rule id becomes its finding type and placeholder stem: 'project-codenames' -> PROJECT_CODENAMES. */
export function customType(id: string): string {
  return id.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'CUSTOM';
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Accepts "source" or "/source/flags". */
function parseRegex(src: string): RegExp {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(src);
  const body = m ? m[1]! : src;
  const flags = new Set((m ? m[2]! : '').split('').filter(Boolean));
  flags.add('g');
  flags.delete('y');
  return new RegExp(body, [...flags].join(''));
}

/**
 * Compiles policy rules into detectors. Keywords match case-insensitively on word boundaries; dictionary values
 * match exactly (case-sensitive) on word boundaries. Throws a readable error for a bad rule.
 */
export function compileRules(rules: PolicyDlpRule[]): Detector[] {
  const out: Detector[] = [];
  for (const r of rules) {
    if (!r || typeof r.id !== 'string' || !r.id) throw new Error('a DLP rule has no id');
    let re: RegExp;
    if (r.kind === 'regex') {
      if (!r.pattern) throw new Error(`DLP rule '${r.id}': a regex rule needs a pattern`);
      try {
        re = parseRegex(r.pattern);
      } catch (err) {
        throw new Error(`DLP rule '${r.id}': invalid regular expression: ${(err as Error).message}`);
      }
    } else if (r.kind === 'keywords' || r.kind === 'dictionary') {
      const values = (r.values ?? []).filter((v) => typeof v === 'string' && v.trim()).map((v) => v.trim());
      if (values.length === 0) throw new Error(`DLP rule '${r.id}': a ${r.kind} rule needs values`);
      values.sort((a, b) => b.length - a.length);
      const alt = values.map(escape).join('|');
      re = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alt})(?![\\p{L}\\p{N}_])`, r.kind === 'keywords' ? 'giu' : 'gu');
    } else throw new Error(`DLP rule '${r.id}': unknown kind '${(r as { kind?: string }).kind}' (regex, keywords or dictionary)`);
    out.push({ type: customType(r.id), rule: r.id, priority: 4, re });
  }
  return out;
}
