// The team policy's shape, shared by core (enforcement), the CLI and the UI (admin forms).
// Strict: unknown fields are rejected everywhere (a typo in a signed policy must not silently mean "no rule").
// docs/policy.md comments every section.
import { z } from 'zod';

/** DLP actions from loosest to strictest. Merging two actions keeps the later one in this list. */
export const DLP_ACTIONS = ['allow', 'warn', 'mask', 'redact', 'block'] as const;
export type DlpAction = (typeof DLP_ACTIONS)[number];

/** Prompt-shield actions from loosest to strictest. */
export const SHIELD_ACTIONS = ['log', 'warn', 'block'] as const;
export type ShieldAction = (typeof SHIELD_ACTIONS)[number];

const name = z.string().min(1).max(200);
/** Keys of maps (detector types, rule ids, aliases): no '__proto__' games, nothing invisible. */
const key = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/, 'use letters, digits and _ . : / - (up to 128)');
/** 'provider/model' globs: '*' matches any run of characters ('openai/*', '*\/gpt-4o-mini', 'openai/gpt-4o*'). */
const glob = z.string().min(1).max(200).regex(/^[^\s]+$/, 'no spaces');
const list = <T extends z.ZodType>(item: T, max = 1000) => z.array(item).max(max);

export const DlpActionSchema = z.enum(DLP_ACTIONS);

export const PolicyDlpRuleSchema = z
  .strictObject({
    id: key,
    kind: z.enum(['regex', 'keywords', 'dictionary']),
    /** regex source (JavaScript syntax, compiled with the 'u' flag). */
    pattern: z.string().min(1).max(2000).optional(),
    /** keyword / exact-value list. */
    values: list(z.string().min(1).max(500), 10000).optional(),
    action: DlpActionSchema,
  })
  .superRefine((r, ctx) => {
    if (r.kind === 'regex') {
      if (!r.pattern) ctx.addIssue({ code: 'custom', message: `rule '${r.id}': a regex rule needs "pattern"`, path: ['pattern'] });
      else {
        try {
          new RegExp(r.pattern, 'u');
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `rule '${r.id}': pattern does not compile: ${(err as Error).message}`, path: ['pattern'] });
        }
      }
    } else if (!r.values?.length) {
      ctx.addIssue({ code: 'custom', message: `rule '${r.id}': a ${r.kind} rule needs a non-empty "values" list`, path: ['values'] });
    }
  });
export type PolicyDlpRule = z.infer<typeof PolicyDlpRuleSchema>;

export const PolicyBudgetSchema = z.strictObject({
  /** 'global' | 'client:<name>' | 'provider:<id>' | 'model:<provider/model>' */
  scope: z.string().regex(/^(global|(client|provider|model):\S{1,200})$/, "use 'global', 'client:<name>', 'provider:<id>' or 'model:<provider/model>'"),
  limitUsd: z.number().nonnegative().finite().optional(),
  limitTokens: z.number().int().nonnegative().optional(),
  window: z.enum(['day', 'week', 'month']),
  mode: z.enum(['hard', 'soft']),
  warnAtPct: z.number().min(1).max(100).optional(),
});
export type PolicyBudget = z.infer<typeof PolicyBudgetSchema>;

const allowDeny = z.strictObject({ allow: list(glob).optional(), deny: list(glob).optional() });

export const PolicySchema = z.strictObject({
  /** Provider ids or types ('openai', 'anthropic', 'openai-compatible'); absent = no restriction. */
  providers: z.strictObject({ allow: list(key).optional(), deny: list(key).optional() }).optional(),
  /** Models as 'provider/model' globs ('openai/*'); absent = no restriction. */
  models: allowDeny.optional(),
  dlp: z
    .strictObject({
      /** Action per detector type (EMAIL, IBAN, OPENAI_KEY, ...) or rule id. */
      actions: z.record(key, DlpActionSchema).optional(),
      rules: list(PolicyDlpRuleSchema, 500).optional(),
      promptShield: z.strictObject({ action: z.enum(SHIELD_ACTIONS), threshold: z.number().min(0).max(1).optional() }).optional(),
    })
    .optional(),
  budgets: list(PolicyBudgetSchema, 500).optional(),
  routing: z.strictObject({ aliases: z.record(key, list(glob, 50).min(1)).optional() }).optional(),
  cache: z
    .strictObject({ enabled: z.boolean().optional(), ttlSeconds: z.number().int().nonnegative().optional(), shareAcrossClients: z.boolean().optional() })
    .optional(),
  retention: z
    .strictObject({
      /** Request-log rows older than this are deleted (a maximum: users may only shorten it). */
      requestLogDays: z.number().int().min(1).max(36500).optional(),
      /** Audit entries are kept at least this long (a minimum: users may only lengthen it). */
      auditDays: z.number().int().min(1).max(36500).optional(),
      /** Whether prompts and completions of gateway traffic may be stored (false wins). */
      storePrompts: z.boolean().optional(),
    })
    .optional(),
});
export type Policy = z.infer<typeof PolicySchema>;

/** What the UI and `airlock policy show` display about the policy in force. */
export interface PolicyStatus {
  /** unmanaged: no trust anchor; managed: a valid bundle is enforced; invalid: a trust anchor exists but no valid bundle (fail closed). */
  state: 'unmanaged' | 'managed' | 'invalid';
  /** Why the install is in 'invalid' state, and whom to ask. */
  reason: string | null;
  tenant: string | null;
  contact: string | null;
  trustAnchorPath: string;
  trustVersion: number | null;
  bundle: null | {
    bundleId: string;
    version: number;
    issuedAt: string;
    expiresAt: string;
    sha256: string;
    /** Key ids whose signatures verified. */
    signers: string[];
    installedAt: string;
  };
}

/** A readable one-line summary of zod issues: "dlp.actions.EMAIL: Invalid option ...". */
export function formatIssues(err: z.ZodError, prefix = ''): string {
  return err.issues
    .slice(0, 8)
    .map((i) => {
      const p = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
      return `${p || '(top level)'}: ${i.message}`;
    })
    .join('; ');
}

/** Parses an unknown value as a policy; throws an Error with every problem spelled out. */
export function parsePolicy(value: unknown, prefix = 'policy'): Policy {
  const r = PolicySchema.safeParse(value);
  if (!r.success) throw new Error(`invalid policy: ${formatIssues(r.error, prefix)}`);
  return r.data;
}
