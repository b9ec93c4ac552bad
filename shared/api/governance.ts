// The governance screens' part of the app API contract (issues 8 and 11): Policy view, Admin mode, Audit view.
// contract.ts spreads governanceMethods into the contract. Policy documents travel as plain JSON values: the
// handlers validate them with the strict PolicySchema (the CLI's check), so a bad field comes back as an issue
// next to that field rather than as a refusal at the boundary.
import { z } from 'zod';

const Empty = z.object({}).strict();
/** A policy document as edited (may be invalid while typing; the handler validates it). */
const PolicyDoc = z.record(z.string(), z.unknown());
/** A bundle or policy file's text. The web transport caps bodies at 1 MB; bundles are capped at 1 MB too. */
const DocText = z.string().min(1, 'The file is empty.').max(1_000_000, 'That file is larger than 1 MB: no bundle is that large.');
const FileName = z.string().max(255);

export const SettingSource = z.enum(['managed', 'user', 'both']);
export type SettingSource = z.infer<typeof SettingSource>;

export const EffectiveSetting = z.object({
  /** 'models.allow', 'dlp.actions.EMAIL', 'budgets[global/month].limitUsd' */
  path: z.string(),
  value: z.unknown(),
  /** managed: set by the team bundle (locked); user: your own setting; both: managed, and you made it stricter. */
  source: SettingSource,
});
export type EffectiveSetting = z.infer<typeof EffectiveSetting>;

export const InstalledBundle = z.object({
  bundleId: z.string(),
  version: z.number().int(),
  issuedAt: z.string(),
  expiresAt: z.string(),
  sha256: z.string(),
  /** Key ids whose signatures verified. */
  signers: z.array(z.string()),
  installedAt: z.string(),
  /** Where it came from (file name or URL), from the audit entry that installed it. */
  source: z.string().nullable(),
});

export const PolicyOverview = z.object({
  state: z.enum(['unmanaged', 'managed', 'invalid']),
  reason: z.string().nullable(),
  tenant: z.string().nullable(),
  contact: z.string().nullable(),
  trustAnchorPath: z.string(),
  trustVersion: z.number().int().nullable(),
  bundle: InstalledBundle.nullable(),
  /** "'acme-eng' v12": the name users see in refusals. */
  managedBy: z.string().nullable(),
  managed: PolicyDoc.nullable(),
  user: PolicyDoc.nullable(),
  effective: PolicyDoc,
  settings: z.array(EffectiveSetting),
});
export type PolicyOverview = z.infer<typeof PolicyOverview>;

export const PolicyRefusalEntry = z.object({ seq: z.number().int(), ts: z.number(), code: z.string(), reason: z.string(), source: z.string().nullable() });
export type PolicyRefusalEntry = z.infer<typeof PolicyRefusalEntry>;

export const InstallOutcome = z.object({
  ok: z.boolean(),
  /** The refusal code (rollback, other_tenant, bad_signature, ...) when refused. */
  code: z.string().nullable(),
  /** What happened, in a sentence a person can act on. */
  message: z.string(),
  changed: z.boolean(),
  kind: z.enum(['bundle', 'trust']).nullable(),
  bundleId: z.string().nullable(),
  version: z.number().int().nullable(),
});
export type InstallOutcome = z.infer<typeof InstallOutcome>;

export const PolicyIssue = z.object({ path: z.string(), message: z.string() });
export type PolicyIssue = z.infer<typeof PolicyIssue>;

export const PolicyChange = z.object({ path: z.string(), kind: z.enum(['added', 'removed', 'changed']), before: z.unknown().optional(), after: z.unknown().optional() });
export type PolicyChange = z.infer<typeof PolicyChange>;

export const SignedBase = z.object({
  from: z.enum(['signed-here', 'installed']),
  policy: PolicyDoc,
  tenant: z.string(),
  bundleId: z.string(),
  version: z.number().int(),
  sha256: z.string(),
  at: z.string(),
});
export type SignedBase = z.infer<typeof SignedBase>;

export const DlpTypeInfo = z.object({ type: z.string(), category: z.string(), defaultAction: z.string(), description: z.string() });
export type DlpTypeInfo = z.infer<typeof DlpTypeInfo>;

export const AdminState = z.object({
  starter: PolicyDoc,
  /** The last signed version the diff compares against: signed in this app, else the installed bundle. */
  base: SignedBase.nullable(),
  /** Defaults for the signing form. */
  suggested: z.object({ tenant: z.string().nullable(), bundleId: z.string().nullable(), version: z.number().int() }),
  /** The admin signing key kept in the keychain (never its private bytes). */
  keychain: z.object({ available: z.boolean(), keyid: z.string().nullable(), publicKeyPem: z.string().nullable(), message: z.string().nullable() }),
  dlpTypes: z.array(DlpTypeInfo),
});
export type AdminState = z.infer<typeof AdminState>;

export const PolicyCheck = z.object({
  valid: z.boolean(),
  issues: z.array(PolicyIssue),
  /** formatIssues(): the one-line summary the CLI prints. */
  summary: z.string().nullable(),
  /** diffPolicies(base, draft) when the draft is valid. */
  changes: z.array(PolicyChange),
});
export type PolicyCheck = z.infer<typeof PolicyCheck>;

export const DlpTry = z.object({
  findings: z.array(z.object({ type: z.string(), rule: z.string(), start: z.number().int(), end: z.number().int(), action: z.string() })),
  /** Why the scan could not run (an invalid rule), or null. */
  error: z.string().nullable(),
});
export type DlpTry = z.infer<typeof DlpTry>;

const SigningKey = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('keychain') }).strict(),
  /** A PKCS#8 PEM private key the admin chose (uploaded bytes); used for this signature only, never stored. */
  z.object({ kind: z.literal('pem'), pem: z.string().min(1).max(20_000) }).strict(),
  /** A key file path on this computer (desktop app). */
  z.object({ kind: z.literal('path'), path: z.string().min(1).max(4096) }).strict(),
]);

export const SignedBundle = z.object({
  /** The bundle file's text (a signed DSSE envelope: public, safe to show and download). */
  bundle: z.string(),
  fileName: z.string(),
  tenant: z.string(),
  bundleId: z.string(),
  version: z.number().int(),
  expiresAt: z.string(),
  sha256: z.string(),
  signer: z.string(),
  /** What this install's trust anchor says about the new bundle (null when unmanaged). */
  trustCheck: z.object({ ok: z.boolean(), message: z.string() }).nullable(),
});
export type SignedBundle = z.infer<typeof SignedBundle>;

export const AuditRow = z.object({ seq: z.number().int(), ts: z.number(), type: z.string(), data: z.record(z.string(), z.unknown()) });
export type AuditRow = z.infer<typeof AuditRow>;

export const AuditPage = z.object({
  entries: z.array(AuditRow),
  /** Entries matching the filter. */
  total: z.number().int(),
  /** Every entry type in the log (for the filter). */
  types: z.array(z.string()),
  /** Cursor for the next (older) page, or null at the oldest entry. */
  before: z.number().int().nullable(),
});
export type AuditPage = z.infer<typeof AuditPage>;

export const AuditVerifyResult = z.object({
  ok: z.boolean(),
  problems: z.array(z.string()),
  entries: z.number().int(),
  firstSeq: z.number().int().nullable(),
  lastSeq: z.number().int().nullable(),
  checkpointsVerified: z.number().int(),
  uncheckpointed: z.number().int(),
  lastCheckpoint: z.object({ seq: z.number().int(), ts: z.number(), keyid: z.string() }).nullable(),
  durationMs: z.number(),
  /** worker: verified on a worker thread with its own read-only connection; main: in the core's thread. */
  ranOn: z.enum(['worker', 'main']),
});
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;

const method = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string) => ({ input, output, summary });
const Ts = z.number().int().min(0);

export const governanceMethods = {
  'policy.overview': method(Empty, PolicyOverview, 'The installed team bundle, the effective policy and where each setting comes from'),
  'policy.refusals': method(z.object({ limit: z.number().int().min(1).max(500).optional() }).strict(), z.array(PolicyRefusalEntry), 'Refused bundle installs (policy.refused audit entries), newest first'),
  'policy.install': method(z.object({ name: FileName, text: DocText }).strict(), InstallOutcome, 'Install a policy bundle (or rotated trust anchor) from a file'),
  'policy.setUser': method(z.object({ policy: PolicyDoc.nullable() }).strict(), z.object({ saved: z.boolean() }), 'Save your own policy settings (they may only tighten the team policy)'),
  'admin.state': method(Empty, AdminState, 'Starter policy, last signed version, signing key status'),
  'admin.check': method(z.object({ policy: PolicyDoc, base: PolicyDoc.nullable().optional() }).strict(), PolicyCheck, 'Validate a draft policy and diff it against the last signed version'),
  'admin.tryDlp': method(z.object({ policy: PolicyDoc, text: z.string().max(20_000, 'Try it with up to 20,000 characters.') }).strict(), DlpTry, "Run the DLP scanner with a draft policy's rules on sample text"),
  'admin.keyGenerate': method(Empty, z.object({ keyid: z.string(), publicKeyPem: z.string() }), 'Create an admin signing key in the keychain'),
  'admin.keyImport': method(z.object({ pem: z.string().min(1).max(20_000) }).strict(), z.object({ keyid: z.string(), publicKeyPem: z.string() }), 'Keep an admin signing key in the keychain'),
  'admin.keyForget': method(Empty, z.object({ removed: z.boolean() }), 'Delete the admin signing key from the keychain'),
  'admin.sign': method(
    z
      .object({
        policy: PolicyDoc,
        tenant: z.string().min(1).max(64),
        bundleId: z.string().max(64).optional(),
        version: z.number().int().min(1),
        expires: z.string().min(1).max(40),
        key: SigningKey,
      })
      .strict(),
    SignedBundle,
    'Sign a policy into a bundle (same code as `airlock policy sign`)',
  ),
  'audit.list': method(
    z.object({ type: z.string().max(64).optional(), since: Ts.optional(), until: Ts.optional(), before: z.number().int().optional(), limit: z.number().int().min(1).max(200).optional() }).strict(),
    AuditPage,
    'Audit entries, newest first, filtered by type and time',
  ),
  'audit.verify': method(Empty, AuditVerifyResult, 'Verify the hash chain and signed checkpoints (same check as `airlock audit verify`)'),
  'audit.export': method(z.object({ since: Ts.optional() }).strict(), z.object({ text: z.string(), entries: z.number().int() }), 'audit.jsonl: entries plus the latest signed checkpoint'),
} as const;
