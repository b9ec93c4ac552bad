import type { Policy } from '../../../shared/policy.ts';
import { canonicalJson } from './strict-json.ts';

/** `airlock policy init`: every section, with values a team can start from (docs/policy.md explains each). */
export function starterPolicy(): Policy {
  return {
    providers: { allow: ['openai', 'anthropic'], deny: [] },
    models: { allow: ['openai/gpt-4o-mini', 'openai/gpt-4o', 'anthropic/claude-*'], deny: ['*/o1-pro*'] },
    dlp: {
      actions: {
        EMAIL: 'mask',
        PHONE: 'mask',
        IBAN: 'block',
        CREDIT_CARD: 'block',
        OPENAI_KEY: 'block',
        ANTHROPIC_KEY: 'block',
        AWS_SECRET_KEY: 'block',
        PRIVATE_KEY: 'block',
      },
      rules: [
        { id: 'project-codenames', kind: 'keywords', values: ['Project Bluebird', 'Falcon-X'], action: 'redact' },
        { id: 'employee-id', kind: 'regex', pattern: '\\bEMP-\\d{6}\\b', action: 'mask' },
      ],
      promptShield: { action: 'warn', threshold: 0.8 },
    },
    budgets: [
      { scope: 'global', limitUsd: 500, window: 'month', mode: 'hard', warnAtPct: 80 },
      { scope: 'provider:openai', limitUsd: 20, window: 'day', mode: 'soft', warnAtPct: 75 },
    ],
    routing: { aliases: { fast: ['openai/gpt-4o-mini'], smart: ['anthropic/claude-sonnet-4-5', 'openai/gpt-4o'] } },
    cache: { enabled: true, ttlSeconds: 3600, shareAcrossClients: false },
    retention: { requestLogDays: 90, auditDays: 365, storePrompts: false },
  };
}

export interface PolicyChange {
  /** Dotted path: 'dlp.actions.EMAIL', 'budgets[global/month].limitUsd', 'models.allow'. */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

/** Flattens a policy to leaf paths; lists are compared whole, budgets and rules by their identity. */
function flatten(p: Policy): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) {
      if (path === 'budgets') for (const b of v as NonNullable<Policy['budgets']>) walk(b, `budgets[${b.scope}/${b.window}]`);
      else if (path === 'dlp.rules') for (const r of v as NonNullable<NonNullable<Policy['dlp']>['rules']>) walk(r, `dlp.rules[${r.id}]`);
      else out.set(path, v);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
    } else if (v !== undefined) out.set(path, v);
  };
  walk(p, '');
  return out;
}

/** What changed from `before` to `after` (the admin UI's "diff against the last signed version"). */
export function diffPolicies(before: Policy | null, after: Policy): PolicyChange[] {
  const a = flatten(before ?? {});
  const b = flatten(after);
  const changes: PolicyChange[] = [];
  for (const [path, v] of a) {
    if (!b.has(path)) changes.push({ path, kind: 'removed', before: v });
    else if (canonicalJson(v) !== canonicalJson(b.get(path))) changes.push({ path, kind: 'changed', before: v, after: b.get(path) });
  }
  for (const [path, v] of b) if (!a.has(path)) changes.push({ path, kind: 'added', after: v });
  return changes.sort((x, y) => x.path.localeCompare(y.path));
}
