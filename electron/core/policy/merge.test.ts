// The merge rule (effective = managed ∩ user) and the "may only tighten" check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNotLoosening, globCovers, intersectAllow, mergePolicies, modelAllowed, modelRefusal, PolicyLockedError, stricterDlpAction } from './merge.ts';
import { diffPolicies, starterPolicy } from './starter.ts';
import { PolicySchema, type Policy } from '../../../shared/policy.ts';

test('DLP takes the stricter action: allow < warn < mask < redact < block', () => {
  const order = ['allow', 'warn', 'mask', 'redact', 'block'] as const;
  for (let i = 0; i < order.length; i++) {
    for (let j = 0; j < order.length; j++) assert.equal(stricterDlpAction(order[i], order[j]), order[Math.max(i, j)]);
  }
  assert.equal(stricterDlpAction(undefined, 'warn'), 'warn');
  const eff = mergePolicies({ dlp: { actions: { EMAIL: 'mask', IBAN: 'block' } } }, { dlp: { actions: { EMAIL: 'block', IBAN: 'allow', PHONE: 'warn' } } });
  assert.deepEqual(eff.dlp!.actions, { EMAIL: 'block', IBAN: 'block', PHONE: 'warn' });
});

test('allow-lists intersect (with globs), deny-lists add up', () => {
  const eff = mergePolicies(
    { providers: { allow: ['openai', 'anthropic'] }, models: { allow: ['openai/*', 'anthropic/claude-sonnet-4-5'], deny: ['openai/o1-pro'] } },
    { providers: { allow: ['openai', 'mistral'] }, models: { allow: ['openai/gpt-4o-mini', 'anthropic/*'], deny: ['openai/gpt-4o'] } },
  );
  assert.deepEqual(eff.providers!.allow, ['openai']);
  assert.deepEqual(eff.models!.allow!.sort(), ['anthropic/claude-sonnet-4-5', 'openai/gpt-4o-mini']);
  assert.deepEqual(eff.models!.deny, ['openai/o1-pro', 'openai/gpt-4o']);
  assert.equal(modelAllowed(eff, 'openai', 'gpt-4o-mini'), true);
  assert.equal(modelAllowed(eff, 'openai', 'gpt-4o'), false);
  assert.equal(modelAllowed(eff, 'anthropic', 'claude-haiku-4-5'), false, 'anthropic is not in the provider intersection');
  assert.equal(intersectAllow(undefined, ['a'])!.length, 1);
  assert.deepEqual(intersectAllow(['x'], ['y']), [], 'disjoint lists intersect to nothing (everything blocked)');
  assert.ok(globCovers('openai/*', 'openai/gpt-4o*') && !globCovers('openai/gpt-4o*', 'openai/*'));
});

test('modelAllowed / modelRefusal: provider types, deny before allow, no policy = allowed', () => {
  const p: Policy = { providers: { allow: ['openai-compatible'] }, models: { allow: ['*/gpt-4o-mini'] } };
  assert.equal(modelAllowed(null, 'x', 'y'), true);
  assert.equal(modelAllowed(p, 'groq', 'gpt-4o-mini', 'openai-compatible'), true);
  assert.equal(modelAllowed(p, 'groq', 'gpt-4o-mini', 'anthropic'), false);
  assert.match(modelRefusal(p, 'groq', 'llama', 'openai-compatible')!, /model 'groq\/llama' is not on the allow list/);
  assert.match(modelRefusal({ providers: { deny: ['deepseek'] } }, 'deepseek', 'chat')!, /deny list/);
});

test('budgets take the minimum on the same scope and window; other scopes all apply', () => {
  const eff = mergePolicies(
    { budgets: [{ scope: 'global', window: 'month', mode: 'hard', limitUsd: 500 }, { scope: 'provider:openai', window: 'day', mode: 'soft', limitUsd: 20 }] },
    { budgets: [{ scope: 'global', window: 'month', mode: 'soft', limitUsd: 100, warnAtPct: 50 }, { scope: 'client:cursor', window: 'day', mode: 'hard', limitTokens: 1000 }] },
  );
  const g = eff.budgets!.find((b) => b.scope === 'global')!;
  assert.deepEqual(g, { scope: 'global', window: 'month', mode: 'hard', limitUsd: 100, warnAtPct: 50 });
  assert.equal(eff.budgets!.length, 3);
});

test('cache, retention and prompt storage: off wins, shorter log retention, longer audit retention', () => {
  const eff = mergePolicies(
    { cache: { enabled: false, ttlSeconds: 600 }, retention: { requestLogDays: 30, auditDays: 365, storePrompts: false } },
    { cache: { enabled: true, ttlSeconds: 60, shareAcrossClients: true }, retention: { requestLogDays: 90, auditDays: 730, storePrompts: true } },
  );
  assert.deepEqual(eff.cache, { enabled: false, ttlSeconds: 60, shareAcrossClients: true });
  assert.deepEqual(eff.retention, { requestLogDays: 30, auditDays: 730, storePrompts: false });
  assert.deepEqual(mergePolicies(null, { cache: { enabled: true } }), { cache: { enabled: true } });
});

test('DLP rules: managed rule definitions stay, the user may only raise their action; shield takes the stricter', () => {
  const eff = mergePolicies(
    { dlp: { rules: [{ id: 'codes', kind: 'keywords', values: ['Bluebird'], action: 'mask' }], promptShield: { action: 'warn', threshold: 0.8 } } },
    { dlp: { rules: [{ id: 'codes', kind: 'keywords', values: ['nothing'], action: 'block' }], promptShield: { action: 'log', threshold: 0.5 } } },
  );
  assert.deepEqual(eff.dlp!.rules, [{ id: 'codes', kind: 'keywords', values: ['Bluebird'], action: 'block' }]);
  assert.deepEqual(eff.dlp!.promptShield, { action: 'warn', threshold: 0.5 });
});

test('assertNotLoosening names the bundle and every loosened setting; tightening passes', () => {
  const managed = starterPolicy();
  assertNotLoosening(managed, "'acme-eng' v3", { dlp: { actions: { EMAIL: 'block' } }, models: { allow: ['openai/gpt-4o-mini'] }, retention: { requestLogDays: 7 } });
  assertNotLoosening(null, null, { models: { allow: ['*'] } });
  assert.throws(
    () =>
      assertNotLoosening(
        managed,
        "'acme-eng' v3",
        {
          dlp: { actions: { IBAN: 'warn' } },
          models: { allow: ['deepseek/*'] },
          budgets: [{ scope: 'global', window: 'month', mode: 'soft', limitUsd: 5000 }],
          cache: { shareAcrossClients: true },
          retention: { storePrompts: true },
        },
        'it@acme.test',
      ),
    (err: unknown) => {
      assert.ok(err instanceof PolicyLockedError);
      assert.match(err.message, /managed by team policy 'acme-eng' v3/);
      assert.match(err.message, /dlp\.actions\.IBAN: 'warn' is looser than the managed 'block'/);
      assert.match(err.message, /models\.allow: 'deepseek\/\*' is not allowed/);
      assert.match(err.message, /limitUsd: 5000 is above the managed 500/);
      assert.match(err.message, /mode: 'soft'/);
      assert.match(err.message, /storePrompts/);
      assert.match(err.message, /Ask it@acme\.test/);
      assert.equal(err.violations.length, 6);
      return true;
    },
  );
});

test('the starter policy passes the strict schema; diff lists changed paths', () => {
  const s = starterPolicy();
  assert.ok(PolicySchema.safeParse(s).success);
  for (const k of Object.keys(PolicySchema.shape)) assert.ok(k in s, `starter policy has section ${k}`);
  const next = structuredClone(s);
  next.dlp!.actions!.EMAIL = 'block';
  next.budgets![0]!.limitUsd = 300;
  delete next.cache!.ttlSeconds;
  next.models!.allow!.push('openai/o3');
  assert.deepEqual(
    diffPolicies(s, next).map((c) => `${c.kind} ${c.path}`),
    ['changed budgets[global/month].limitUsd', 'removed cache.ttlSeconds', 'changed dlp.actions.EMAIL', 'changed models.allow'],
  );
});
