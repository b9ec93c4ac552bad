/**
 * Effective policy = managed (the signed team bundle) ∩ user settings. Pure functions, shared by enforcement
 * (pipeline stages, DLP, budgets), the CLI and the UI:
 * - allow-lists intersect, deny-lists add up;
 * - budgets on the same scope and window take the lower limit (and 'hard' beats 'soft');
 * - DLP takes the stricter action, in the order allow < warn < mask < redact < block;
 * - cache and prompt storage: off wins; TTL and request-log retention: the shorter wins;
 *   audit retention: the longer wins (it is a minimum keep time).
 * assertNotLoosening refuses a user change that would loosen a managed setting, naming the bundle.
 */
import { DLP_ACTIONS, SHIELD_ACTIONS, type DlpAction, type Policy, type PolicyBudget, type PolicyDlpRule, type ShieldAction } from '../../../shared/policy.ts';

export const dlpActionRank = (a: DlpAction): number => DLP_ACTIONS.indexOf(a);

/** The stricter of two DLP actions (allow < warn < mask < redact < block); undefined means "not set". */
export function stricterDlpAction(a: DlpAction | undefined, b: DlpAction | undefined): DlpAction | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return dlpActionRank(a) >= dlpActionRank(b) ? a : b;
}

export function stricterShieldAction(a: ShieldAction | undefined, b: ShieldAction | undefined): ShieldAction | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return SHIELD_ACTIONS.indexOf(a) >= SHIELD_ACTIONS.indexOf(b) ? a : b;
}

const minDefined = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
const maxDefined = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
/** false wins over true; undefined = not set. */
const andDefined = (a: boolean | undefined, b: boolean | undefined) => (a === undefined ? b : b === undefined ? a : a && b);

const globCache = new Map<string, RegExp>();
/** '*' matches any run of characters (including '/'); everything else is literal. */
export function globMatch(pattern: string, value: string): boolean {
  if (pattern === '*' || pattern === value) return true;
  if (!pattern.includes('*')) return false;
  let re = globCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
    if (globCache.size > 1000) globCache.clear();
    globCache.set(pattern, re);
  }
  return re.test(value);
}

/** Does glob `outer` match everything `inner` matches? Exact for literals and trailing-'*' prefixes; conservative otherwise. */
export function globCovers(outer: string, inner: string): boolean {
  if (outer === '*' || outer === inner) return true;
  if (!inner.includes('*')) return globMatch(outer, inner);
  if (outer.endsWith('*') && !outer.slice(0, -1).includes('*')) return inner.startsWith(outer.slice(0, -1));
  return false;
}

/** Intersection of two allow-lists (undefined = everything). */
export function intersectAllow(a: string[] | undefined, b: string[] | undefined): string[] | undefined {
  if (a === undefined) return b && [...b];
  if (b === undefined) return [...a];
  const out = new Set<string>();
  for (const x of a) if (b.some((y) => globCovers(y, x))) out.add(x);
  for (const y of b) if (a.some((x) => globCovers(x, y))) out.add(y);
  return [...out];
}

const unionList = (a: string[] | undefined, b: string[] | undefined): string[] | undefined =>
  a === undefined && b === undefined ? undefined : [...new Set([...(a ?? []), ...(b ?? [])])];

/** May requests use this provider? `type` (openai, anthropic...) also matches provider allow/deny entries. */
export function providerAllowed(policy: Policy | null | undefined, providerId: string, type?: string): boolean {
  const p = policy?.providers;
  if (!p) return true;
  const hit = (list: string[]) => list.some((x) => globMatch(x, providerId) || (type !== undefined && x === type));
  if (p.deny && hit(p.deny)) return false;
  if (p.allow && !hit(p.allow)) return false;
  return true;
}

/** May requests use `model` at `providerId`? Checks provider allow/deny and the 'provider/model' globs. */
export function modelAllowed(policy: Policy | null | undefined, providerId: string, model: string, type?: string): boolean {
  if (!providerAllowed(policy, providerId, type)) return false;
  const m = policy?.models;
  if (!m) return true;
  const full = `${providerId}/${model}`;
  if (m.deny?.some((g) => globMatch(g, full))) return false;
  if (m.allow && !m.allow.some((g) => globMatch(g, full))) return false;
  return true;
}

/** Why a model is refused ('providers.allow', 'models.deny' ...), or null when it is allowed. */
export function modelRefusal(policy: Policy | null | undefined, providerId: string, model: string, type?: string): string | null {
  if (!policy) return null;
  const p = policy.providers;
  const hitP = (list: string[]) => list.some((x) => globMatch(x, providerId) || (type !== undefined && x === type));
  if (p?.deny && hitP(p.deny)) return `provider '${providerId}' is on the deny list`;
  if (p?.allow && !hitP(p.allow)) return `provider '${providerId}' is not on the allow list (${p.allow.join(', ') || 'empty'})`;
  const m = policy.models;
  const full = `${providerId}/${model}`;
  if (m?.deny?.some((g) => globMatch(g, full))) return `model '${full}' is on the deny list`;
  if (m?.allow && !m.allow.some((g) => globMatch(g, full))) return `model '${full}' is not on the allow list (${m.allow.join(', ') || 'empty'})`;
  return null;
}

const budgetKey = (b: PolicyBudget) => `${b.scope}\u0000${b.window}`;

/** One budget from two on the same scope and window: lower limits, hard beats soft, earlier warning. */
export function stricterBudget(a: PolicyBudget, b: PolicyBudget): PolicyBudget {
  const out: PolicyBudget = {
    scope: a.scope,
    window: a.window,
    mode: a.mode === 'hard' || b.mode === 'hard' ? 'hard' : 'soft',
  };
  const usd = minDefined(a.limitUsd, b.limitUsd);
  const tokens = minDefined(a.limitTokens, b.limitTokens);
  const warn = minDefined(a.warnAtPct, b.warnAtPct);
  if (usd !== undefined) out.limitUsd = usd;
  if (tokens !== undefined) out.limitTokens = tokens;
  if (warn !== undefined) out.warnAtPct = warn;
  return out;
}

export function mergeBudgets(managed: PolicyBudget[] | undefined, user: PolicyBudget[] | undefined): PolicyBudget[] | undefined {
  if (!managed && !user) return undefined;
  const out = new Map<string, PolicyBudget>();
  for (const b of [...(managed ?? []), ...(user ?? [])]) {
    const k = budgetKey(b);
    const cur = out.get(k);
    out.set(k, cur ? stricterBudget(cur, b) : { ...b });
  }
  return [...out.values()];
}

function mergeRules(managed: PolicyDlpRule[] | undefined, user: PolicyDlpRule[] | undefined): PolicyDlpRule[] | undefined {
  if (!managed && !user) return undefined;
  const out = new Map<string, PolicyDlpRule>();
  for (const r of managed ?? []) out.set(r.id, r);
  for (const r of user ?? []) {
    const m = out.get(r.id);
    // A managed rule keeps its definition; the user may only raise its action.
    out.set(r.id, m ? { ...m, action: stricterDlpAction(m.action, r.action)! } : r);
  }
  return [...out.values()];
}

/** The effective policy: managed ∩ user. Either side may be null (unmanaged install, or no user settings). */
export function mergePolicies(managed: Policy | null | undefined, user: Policy | null | undefined): Policy {
  if (!managed) return structuredClone(user ?? {});
  if (!user) return structuredClone(managed);
  const out: Policy = {};
  if (managed.providers || user.providers) {
    const allow = intersectAllow(managed.providers?.allow, user.providers?.allow);
    const deny = unionList(managed.providers?.deny, user.providers?.deny);
    out.providers = { ...(allow ? { allow } : {}), ...(deny ? { deny } : {}) };
  }
  if (managed.models || user.models) {
    const allow = intersectAllow(managed.models?.allow, user.models?.allow);
    const deny = unionList(managed.models?.deny, user.models?.deny);
    out.models = { ...(allow ? { allow } : {}), ...(deny ? { deny } : {}) };
  }
  if (managed.dlp || user.dlp) {
    const md = managed.dlp ?? {};
    const ud = user.dlp ?? {};
    const dlp: NonNullable<Policy['dlp']> = {};
    if (md.actions || ud.actions) {
      const actions: Record<string, DlpAction> = {};
      for (const k of new Set([...Object.keys(md.actions ?? {}), ...Object.keys(ud.actions ?? {})])) {
        actions[k] = stricterDlpAction(md.actions?.[k], ud.actions?.[k])!;
      }
      dlp.actions = actions;
    }
    const rules = mergeRules(md.rules, ud.rules);
    if (rules) dlp.rules = rules;
    if (md.promptShield || ud.promptShield) {
      const threshold = minDefined(md.promptShield?.threshold, ud.promptShield?.threshold);
      dlp.promptShield = { action: stricterShieldAction(md.promptShield?.action, ud.promptShield?.action)!, ...(threshold !== undefined ? { threshold } : {}) };
    }
    out.dlp = dlp;
  }
  const budgets = mergeBudgets(managed.budgets, user.budgets);
  if (budgets) out.budgets = budgets;
  if (managed.routing || user.routing) {
    // Managed aliases win; the user may add aliases of their own.
    out.routing = { aliases: { ...(user.routing?.aliases ?? {}), ...(managed.routing?.aliases ?? {}) } };
  }
  if (managed.cache || user.cache) {
    const mc = managed.cache ?? {};
    const uc = user.cache ?? {};
    const c: NonNullable<Policy['cache']> = {};
    const enabled = andDefined(mc.enabled, uc.enabled);
    const ttl = minDefined(mc.ttlSeconds, uc.ttlSeconds);
    const share = andDefined(mc.shareAcrossClients, uc.shareAcrossClients);
    if (enabled !== undefined) c.enabled = enabled;
    if (ttl !== undefined) c.ttlSeconds = ttl;
    if (share !== undefined) c.shareAcrossClients = share;
    out.cache = c;
  }
  if (managed.retention || user.retention) {
    const mr = managed.retention ?? {};
    const ur = user.retention ?? {};
    const r: NonNullable<Policy['retention']> = {};
    const req = minDefined(mr.requestLogDays, ur.requestLogDays);
    const audit = maxDefined(mr.auditDays, ur.auditDays);
    const prompts = andDefined(mr.storePrompts, ur.storePrompts);
    if (req !== undefined) r.requestLogDays = req;
    if (audit !== undefined) r.auditDays = audit;
    if (prompts !== undefined) r.storePrompts = prompts;
    out.retention = r;
  }
  return out;
}

/** A user change that would loosen a managed setting. The message names the setting and the bundle. */
export class PolicyLockedError extends Error {
  readonly violations: string[];
  constructor(managedBy: string, violations: string[], contact?: string | null) {
    super(
      `Refused: ${violations.length === 1 ? 'this setting is' : 'these settings are'} managed by team policy ${managedBy} and may only be made stricter: ` +
        violations.join('; ') +
        (contact ? `. Ask ${contact} to change the team policy.` : '. Ask your team admin to change the team policy.'),
    );
    this.name = 'PolicyLockedError';
    this.violations = violations;
  }
}

/** Every way `user` would loosen `managed` (empty when it only tightens or touches unmanaged settings). */
export function looseningViolations(managed: Policy | null | undefined, user: Policy): string[] {
  if (!managed) return [];
  const v: string[] = [];
  if (managed.providers?.allow) {
    for (const p of user.providers?.allow ?? []) {
      if (!managed.providers.allow.some((m) => globCovers(m, p))) v.push(`providers.allow: '${p}' is not allowed (allowed: ${managed.providers.allow.join(', ') || 'none'})`);
    }
  }
  for (const p of user.providers?.allow ?? []) if (managed.providers?.deny?.some((d) => globCovers(d, p) || globCovers(p, d))) v.push(`providers.allow: '${p}' is denied`);
  if (managed.models?.allow) {
    for (const m of user.models?.allow ?? []) {
      if (!managed.models.allow.some((g) => globCovers(g, m))) v.push(`models.allow: '${m}' is not allowed (allowed: ${managed.models.allow.join(', ') || 'none'})`);
    }
  }
  for (const m of user.models?.allow ?? []) if (managed.models?.deny?.some((d) => globCovers(d, m) || globCovers(m, d))) v.push(`models.allow: '${m}' is denied`);
  for (const [k, a] of Object.entries(user.dlp?.actions ?? {})) {
    const m = managed.dlp?.actions?.[k];
    if (m && dlpActionRank(a) < dlpActionRank(m)) v.push(`dlp.actions.${k}: '${a}' is looser than the managed '${m}'`);
  }
  for (const r of user.dlp?.rules ?? []) {
    const m = managed.dlp?.rules?.find((x) => x.id === r.id);
    if (m && dlpActionRank(r.action) < dlpActionRank(m.action)) v.push(`dlp.rules.${r.id}: '${r.action}' is looser than the managed '${m.action}'`);
  }
  const ms = managed.dlp?.promptShield;
  const us = user.dlp?.promptShield;
  if (ms && us) {
    if (SHIELD_ACTIONS.indexOf(us.action) < SHIELD_ACTIONS.indexOf(ms.action)) v.push(`dlp.promptShield.action: '${us.action}' is looser than the managed '${ms.action}'`);
    if (ms.threshold !== undefined && us.threshold !== undefined && us.threshold > ms.threshold) v.push(`dlp.promptShield.threshold: ${us.threshold} is above the managed ${ms.threshold}`);
  }
  for (const b of user.budgets ?? []) {
    const m = managed.budgets?.find((x) => x.scope === b.scope && x.window === b.window);
    if (!m) continue;
    const where = `budgets[${b.scope}/${b.window}]`;
    if (m.limitUsd !== undefined && b.limitUsd !== undefined && b.limitUsd > m.limitUsd) v.push(`${where}.limitUsd: ${b.limitUsd} is above the managed ${m.limitUsd}`);
    if (m.limitTokens !== undefined && b.limitTokens !== undefined && b.limitTokens > m.limitTokens) v.push(`${where}.limitTokens: ${b.limitTokens} is above the managed ${m.limitTokens}`);
    if (m.mode === 'hard' && b.mode === 'soft') v.push(`${where}.mode: 'soft' is looser than the managed 'hard'`);
  }
  for (const [alias, targets] of Object.entries(user.routing?.aliases ?? {})) {
    const m = managed.routing?.aliases?.[alias];
    if (m && JSON.stringify(m) !== JSON.stringify(targets)) v.push(`routing.aliases.${alias}: managed as ${m.join(', ')}`);
  }
  const mc = managed.cache;
  const uc = user.cache;
  if (mc && uc) {
    if (mc.enabled === false && uc.enabled === true) v.push('cache.enabled: the cache is turned off');
    if (mc.ttlSeconds !== undefined && uc.ttlSeconds !== undefined && uc.ttlSeconds > mc.ttlSeconds) v.push(`cache.ttlSeconds: ${uc.ttlSeconds} is above the managed ${mc.ttlSeconds}`);
    if (mc.shareAcrossClients === false && uc.shareAcrossClients === true) v.push('cache.shareAcrossClients: sharing is turned off');
  }
  const mr = managed.retention;
  const ur = user.retention;
  if (mr && ur) {
    if (mr.requestLogDays !== undefined && ur.requestLogDays !== undefined && ur.requestLogDays > mr.requestLogDays) v.push(`retention.requestLogDays: ${ur.requestLogDays} is above the managed ${mr.requestLogDays}`);
    if (mr.auditDays !== undefined && ur.auditDays !== undefined && ur.auditDays < mr.auditDays) v.push(`retention.auditDays: ${ur.auditDays} is below the managed minimum ${mr.auditDays}`);
    if (mr.storePrompts === false && ur.storePrompts === true) v.push('retention.storePrompts: storing prompts is turned off');
  }
  return v;
}

/**
 * Throws PolicyLockedError when `user` would loosen `managed`. `managedBy` is PolicySource.managedBy()
 * (e.g. "'acme-eng' v12"). Callers: the CLI and UI before saving any setting a team policy can manage.
 */
export function assertNotLoosening(managed: Policy | null | undefined, managedBy: string | null, user: Policy, contact?: string | null): void {
  const v = looseningViolations(managed, user);
  if (v.length) throw new PolicyLockedError(managedBy ?? "'(team policy)'", v, contact);
}
