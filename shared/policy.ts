// The team policy's shape, shared by core (enforcement), the CLI and the UI (admin forms).
// Draft: the policy issue (#8) owns this file and turns it into a strict, validated schema.

export type DlpAction = 'mask' | 'redact' | 'block' | 'warn' | 'allow';

export interface PolicyDlpRule {
  id: string;
  kind: 'regex' | 'keywords' | 'dictionary';
  /** regex source, or the keyword / exact-value list. */
  pattern?: string;
  values?: string[];
  action: DlpAction;
}

export interface PolicyBudget {
  scope: string; // 'global' | 'client:<name>' | 'provider:<id>' | 'model:<provider/model>'
  limitUsd?: number;
  limitTokens?: number;
  window: 'day' | 'week' | 'month';
  mode: 'hard' | 'soft';
  warnAtPct?: number;
}

export interface Policy {
  /** Allowed provider ids / types; absent = no restriction. */
  providers?: { allow?: string[]; deny?: string[] };
  /** Allowed models as 'provider/model' globs ('openai/*'); absent = no restriction. */
  models?: { allow?: string[]; deny?: string[] };
  dlp?: {
    /** Action per detector type (EMAIL, IBAN, OPENAI_KEY, ...) or rule id. */
    actions?: Record<string, DlpAction>;
    rules?: PolicyDlpRule[];
    promptShield?: { action: 'block' | 'warn' | 'log'; threshold?: number };
  };
  budgets?: PolicyBudget[];
  routing?: { aliases?: Record<string, string[]> };
  cache?: { enabled?: boolean; ttlSeconds?: number; shareAcrossClients?: boolean };
  retention?: { requestLogDays?: number; auditDays?: number; storePrompts?: boolean };
}
