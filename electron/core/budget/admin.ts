import type { Core } from '../core.ts';
import type { BudgetDef, BudgetMode, RateLimitDef } from './repo.ts';
import { parseScope } from './scopes.ts';
import { WINDOWS, isValidZone, resolveZone, type BudgetWindow } from './windows.ts';
import { describeBudget, fmtUsd, DEFAULT_RESERVE_OUTPUT_CAP, type BudgetSettings, type BudgetStatus } from './service.ts';

/**
 * Budget and rate-limit administration shared by the CLI and the app API. Errors are plain Errors whose message
 * a person can act on; callers wrap them in their own error type. Every change, and every refused attempt to
 * loosen a team-policy budget, leaves one audit entry (scope, window and numbers only).
 */

/** The budget or limit to change does not exist (the CLI exits 1, not 2: the command itself was well formed). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** Refused because a team policy manages the setting (the CLI exits 1). */
export class ManagedRefusalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManagedRefusalError';
  }
}

export interface BudgetInput {
  scope: string;
  window: string | undefined;
  limitUsd?: number | null;
  limitTokens?: number | null;
  mode?: BudgetMode;
  warnAtPct?: number | null;
}

export function parseWindow(w: string | undefined): BudgetWindow {
  if (!w) throw new Error('Missing --window: use day, week or month.');
  if (!(WINDOWS as readonly string[]).includes(w)) throw new Error(`--window takes day, week or month (got '${w}').`);
  return w as BudgetWindow;
}

/** A flag's number ('$20', '1_000_000'): at least `min` (default 0), whole when `integer`; the message states the rule. */
export function parseAmount(raw: string | undefined, what: string, opts: { integer?: boolean; min?: number } = {}): number | null {
  if (raw === undefined) return null;
  const min = opts.min ?? 0;
  const s = raw.replace(/^\$/, '').replace(/_/g, '').trim();
  const n = Number(s);
  if (s === '' || !Number.isFinite(n) || n < min || (opts.integer && !Number.isInteger(n))) {
    throw new Error(`${what} must be a ${opts.integer ? 'whole ' : ''}number of ${min} or more (got '${raw}').`);
  }
  return n;
}

/** Creates or replaces a user budget. A team policy's budget on the same scope and window can only be tightened. */
export function setBudget(core: Core, input: BudgetInput): { budget: BudgetDef; notes: string[] } {
  const scope = parseScope(input.scope);
  const window = parseWindow(input.window);
  const limitUsd = input.limitUsd ?? null;
  const limitTokens = input.limitTokens ?? null;
  if (limitUsd === null && limitTokens === null) throw new Error('Give a limit: --limit-usd N, --limit-tokens N, or both.');
  const warnAtPct = input.warnAtPct === undefined ? 80 : input.warnAtPct;
  if (warnAtPct !== null && !(warnAtPct > 0 && warnAtPct <= 100)) throw new Error(`--warn-at takes a percentage from 1 to 100, or 0 for no early warning (got ${warnAtPct}).`);
  const mode = input.mode ?? 'hard';
  for (const m of core.budgets.managedDefs()) {
    if (m.scope !== scope.key || m.window !== window) continue;
    const looser =
      (m.limitUsd !== null && limitUsd !== null && limitUsd > m.limitUsd) || (m.limitTokens !== null && limitTokens !== null && limitTokens > m.limitTokens);
    if (looser) {
      const lim = [m.limitUsd !== null ? fmtUsd(m.limitUsd) : null, m.limitTokens !== null ? `${m.limitTokens} tokens` : null].filter(Boolean).join(' and ');
      core.audit.append('policy.loosen_refused', {
        setting: 'budget',
        action: 'set',
        scope: scope.key,
        window,
        limit_usd: limitUsd,
        limit_tokens: limitTokens,
        managed_limit_usd: m.limitUsd,
        managed_limit_tokens: m.limitTokens,
        managed_by: m.managedBy,
      });
      throw new ManagedRefusalError(
        `${m.managedBy} sets a ${describeBudget({ ...m, managedBy: null })} of ${lim}. A budget you set on the same scope and window can only be tighter (lower), never looser.`,
      );
    }
  }
  const notes: string[] = [];
  if (scope.kind === 'client' && !core.clients.list().some((c) => c.name === scope.client)) {
    notes.push(`Note: there is no token named '${scope.client}' yet; the budget applies once one exists (\`airlock token create ${scope.client}\`).`);
  }
  if ((scope.kind === 'provider' || scope.kind === 'model') && !core.providers.list().some((p) => p.id === scope.provider)) {
    notes.push(`Note: there is no provider '${scope.provider}' yet; the budget applies once one is added.`);
  }
  const budget = core.budgets.repo.setBudget({ scope: scope.key, window, limitUsd, limitTokens, mode, warnAtPct });
  core.audit.append('budget.set', { id: budget.id, scope: budget.scope, window, mode, limit_usd: limitUsd, limit_tokens: limitTokens, warn_at_pct: warnAtPct });
  return { budget, notes };
}

/** Removes a user budget by id or by scope and window. Team-policy budgets cannot be removed here. */
export function removeBudget(core: Core, by: { id?: string; scope?: string; window?: string }): BudgetDef {
  const managed = core.budgets.managedDefs();
  const refused = (m: (typeof managed)[number], message: string): never => {
    core.audit.append('policy.loosen_refused', { setting: 'budget', action: 'remove', id: m.id, scope: m.scope, window: m.window, managed_by: m.managedBy });
    throw new ManagedRefusalError(message);
  };
  const removedEntry = (b: BudgetDef): BudgetDef => {
    core.audit.append('budget.remove', { id: b.id, scope: b.scope, window: b.window });
    return b;
  };
  if (by.id) {
    const m = managed.find((b) => b.id === by.id);
    if (m) refused(m, `Budget ${by.id} is managed by ${m.managedBy}; it cannot be removed or loosened here. Ask your administrator.`);
    const removed = core.budgets.repo.removeBudget({ id: by.id });
    if (!removed) throw new NotFoundError(`No budget with id '${by.id}'. See \`airlock budget list\`.`);
    return removedEntry(removed);
  }
  if (!by.scope) throw new Error('Say which budget: --scope SCOPE --window day|week|month, or its id from `airlock budget list`.');
  const scope = parseScope(by.scope).key;
  const window = parseWindow(by.window);
  const removed = core.budgets.repo.removeBudget({ scope, window });
  if (removed) return removedEntry(removed);
  const m = managed.find((b) => b.scope === scope && b.window === window);
  if (m) refused(m, `The ${window} budget for ${scope} is managed by ${m.managedBy}; it cannot be removed or loosened here. Ask your administrator.`);
  throw new NotFoundError(`No ${window} budget for ${scope}. See \`airlock budget list\`.`);
}

export function setRateLimit(core: Core, input: { scope: string; rpm: number | null; tpm: number | null }): RateLimitDef {
  const scope = parseScope(input.scope);
  if (scope.kind !== 'client' && scope.kind !== 'provider') throw new Error(`Rate limits apply per client token or per provider: use 'client:<name>' or 'provider:<id>' (got '${input.scope}').`);
  if (input.rpm === null && input.tpm === null) throw new Error('Give a limit: --rpm N (requests per minute), --tpm N (tokens per minute), or both.');
  for (const [k, v] of [['--rpm', input.rpm], ['--tpm', input.tpm]] as const) {
    if (v !== null && (!Number.isInteger(v) || v < 1)) throw new Error(`${k} must be a whole number of 1 or more (got '${v}').`);
  }
  const def = { scope: scope.key, rpm: input.rpm, tpm: input.tpm };
  core.budgets.repo.setRateLimit(def);
  core.audit.append('limit.set', { scope: def.scope, rpm: def.rpm, tpm: def.tpm });
  return def;
}

export function removeRateLimit(core: Core, rawScope: string | undefined): string {
  if (!rawScope) throw new Error('Say which limit: --scope client:<name>|provider:<id>.');
  const scope = parseScope(rawScope).key;
  if (!core.budgets.repo.removeRateLimit(scope)) throw new NotFoundError(`No rate limit for ${scope}. See \`airlock limit list\`.`);
  core.audit.append('limit.remove', { scope });
  return scope;
}

/** Reads or changes the budget settings (time zone, reservation output cap). */
export function budgetConfig(core: Core, change: { timeZone?: string; reserveOutputCap?: number } = {}): { zone: string; source: string; reserveOutputCap: number } {
  const cur = core.settings.get<BudgetSettings>('budgets', {}) ?? {};
  const next: BudgetSettings = { ...cur };
  let changed = false;
  if (change.timeZone !== undefined) {
    if (change.timeZone === 'system' || change.timeZone === '') delete next.timeZone;
    else if (!isValidZone(change.timeZone)) throw new Error(`Unknown time zone '${change.timeZone}'. Use an IANA name such as Europe/Berlin or America/New_York, or 'system'.`);
    else next.timeZone = change.timeZone;
    changed = true;
  }
  if (change.reserveOutputCap !== undefined) {
    if (!Number.isInteger(change.reserveOutputCap) || change.reserveOutputCap < 1) throw new Error(`--reserve-output-cap must be a whole number of 1 or more (got '${change.reserveOutputCap}').`);
    next.reserveOutputCap = change.reserveOutputCap;
    changed = true;
  }
  if (changed) {
    core.settings.set('budgets', next);
    core.budgets.invalidate();
  }
  const z = resolveZone(next.timeZone, core.env);
  return { ...z, reserveOutputCap: next.reserveOutputCap ?? DEFAULT_RESERVE_OUTPUT_CAP };
}

/** The JSON shape of one budget in `budget list --json` and the app API. */
export function budgetJson(b: BudgetStatus): Record<string, unknown> {
  return {
    id: b.id,
    scope: b.scope,
    window: b.window,
    mode: b.mode,
    limit_usd: b.limitUsd,
    limit_tokens: b.limitTokens,
    warn_at_pct: b.warnAtPct,
    spent_usd: b.spentUsd,
    spent_tokens: b.spentTokens,
    reserved_usd: b.reservedUsd,
    reserved_tokens: b.reservedTokens,
    requests: b.requests,
    cost_unknown_requests: b.costUnknownRequests,
    used_pct: b.usedPct,
    window_start: b.windowStart,
    resets_at: b.resetsAt,
    resets_at_utc: new Date(b.resetsAtMs).toISOString(),
    time_zone: b.zone,
    managed: b.managedBy !== null,
    managed_by: b.managedBy,
  };
}
