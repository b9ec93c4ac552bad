import type { RequestContext, RouteCandidate } from '../context.ts';
import type { Core } from '../../core.ts';
import type { Policy } from '../../../../shared/policy.ts';
import { GatewayError } from '../../util/errors.ts';
import { modelRefusal } from '../../policy/merge.ts';

/**
 * Stage 2, policy (before DLP): a managed install without a valid team policy bundle fails closed for provider
 * calls, saying why and whom to ask. The provider/model allow-lists are enforced by policyRoute, which runs right
 * after route (STAGES), because only then are the actual candidates known (aliases, auto routing, fallbacks).
 */
export function policy(ctx: RequestContext): void {
  const reason = ctx.core.policy.failClosedReason?.() ?? null;
  if (!reason) return;
  ctx.core.audit.append('request.blocked', { stage: 'policy', code: 'policy_not_installed', client: ctx.client?.name ?? null, model: ctx.requestedModel });
  throw new GatewayError(403, 'policy_violation', `Airlock blocked this request: ${reason}`, { code: 'policy_not_installed', headers: { 'x-should-retry': 'false' } });
}

/** The effective policy (managed ∩ user) when core runs the real policy service, else just the managed one. */
export function effectivePolicy(core: Core): Policy | null {
  const svc = core.policyService;
  if (svc && core.policy === svc) return svc.effective();
  return core.policy.managed();
}

/** Candidates the effective policy allows, in order. The routing code may call this to pre-filter its own lists. */
export function allowedCandidates(core: Core, candidates: RouteCandidate[]): RouteCandidate[] {
  const p = effectivePolicy(core);
  if (!p) return candidates;
  return candidates.filter((c) => modelRefusal(p, c.provider.id, c.model, c.provider.record?.type) === null);
}

/**
 * Stage 4b, policyRoute (after route): drops candidates the team policy (or the user's own policy) does not allow.
 * When none is left the request is refused with a 403 in the caller's protocol, naming the bundle and the rule.
 */
export function policyRoute(ctx: RequestContext): void {
  const core = ctx.core;
  const eff = effectivePolicy(core);
  if (!eff || ctx.candidates.length === 0) return;
  const managed = core.policy.managed();
  const allowed: RouteCandidate[] = [];
  let first: { c: RouteCandidate; why: string; byTeam: boolean } | null = null;
  for (const c of ctx.candidates) {
    const type = c.provider.record?.type;
    const why = modelRefusal(eff, c.provider.id, c.model, type);
    if (why === null) allowed.push(c);
    else if (!first) {
      const teamWhy = modelRefusal(managed, c.provider.id, c.model, type);
      first = { c, why: teamWhy ?? why, byTeam: teamWhy !== null };
    }
  }
  if (allowed.length === ctx.candidates.length) return;
  if (allowed.length > 0) {
    ctx.candidates = allowed;
    ctx.target = allowed[0]!;
    return;
  }
  const { c, why, byTeam } = first!;
  const full = `${c.provider.id}/${c.model}`;
  const contact = core.policyService?.contact() ?? null;
  const by = byTeam ? `team policy ${core.policy.managedBy() ?? ''}`.trim() : 'your Airlock policy settings';
  const ask = byTeam ? ` Ask ${contact ?? 'your team admin'} if you need it.` : ' Change it with `airlock policy user`.';
  core.audit.append('request.blocked', { stage: 'policy', code: 'model_not_allowed', client: ctx.client?.name ?? null, model: full, by: byTeam ? 'team' : 'user' });
  throw new GatewayError(403, 'policy_violation', `Model '${full}' is blocked by ${by}: ${why}.${ask}`, {
    code: 'model_not_allowed',
    param: 'model',
    headers: { 'x-should-retry': 'false' },
  });
}
