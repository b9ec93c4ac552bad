// The governance screens' handlers (shared/api/governance.ts): Policy view, Admin mode and Audit view. They call the
// same core functions as `airlock policy ...` and `airlock audit ...`: core.policyService (install/check/setUser/
// effective), electron/core/policy/admin.ts + bundle.ts (strict parsing, expiry, signing), starter.ts (diff), and
// core.auditLog (verify/export). Private keys never leave this file: the renderer only ever sees key ids.
import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { z } from 'zod';
import type { Core } from '../core.ts';
import { ApiError } from '../../../shared/api/errors.ts';
import type { governanceMethods, AuditVerifyResult, EffectiveSetting, PolicyIssue, SignedBase } from '../../../shared/api/governance.ts';
import { PolicySchema, formatIssues, type Policy } from '../../../shared/policy.ts';
import { PolicyRefusal } from '../policy/refusal.ts';
import { PolicyLockedError } from '../policy/merge.ts';
import { checkTenant, parseExpiry, parsePolicyText, signPolicy } from '../policy/admin.ts';
import { envelopeBytes, signBundle } from '../policy/bundle.ts';
import { decodeEnvelope, keyIdOf } from '../policy/dsse.ts';
import { diffPolicies, starterPolicy } from '../policy/starter.ts';
import { SecretStoreUnavailableError } from '../secrets/secret-store.ts';
import { buildConfig } from '../dlp/config.ts';
import { scanText } from '../dlp/engine.ts';
import { BUILTIN_TYPES } from '../dlp/types.ts';
import { databasePath } from '../paths.ts';

type Methods = typeof governanceMethods;
export type GovernanceHandlers = {
  [M in keyof Methods]: (input: z.output<Methods[M]['input']>) => Promise<z.output<Methods[M]['output']>> | z.output<Methods[M]['output']>;
};

/** The keychain item holding the admin's policy signing key (distinct from provider keys and the device key). */
export const ADMIN_KEY_ACCOUNT = 'airlock:policy-admin-key';
/** The last bundle signed in this app's Admin mode (policy + metadata, no key material). */
export const LAST_SIGNED_SETTING = 'admin.lastSigned';

type Obj = Record<string, unknown>;

/** Leaf paths of a policy, with the identities diffPolicies uses (budgets by scope/window, rules by id). */
export function flattenPolicy(p: Policy | null | undefined): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (v: unknown, at: string) => {
    if (Array.isArray(v)) {
      if (at === 'budgets') for (const b of v as NonNullable<Policy['budgets']>) walk(b, `budgets[${b.scope}/${b.window}]`);
      else if (at === 'dlp.rules') for (const r of v as NonNullable<NonNullable<Policy['dlp']>['rules']>) walk(r, `dlp.rules[${r.id}]`);
      else out.set(at, v);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
    } else if (v !== undefined) out.set(at, v);
  };
  walk(p ?? {}, '');
  return out;
}

/** Every leaf of the effective policy, marked managed (team bundle), user (yours) or both (managed, tightened by you). */
export function markSettings(managed: Policy | null, user: Policy | null, effective: Policy): EffectiveSetting[] {
  const m = flattenPolicy(managed);
  const u = flattenPolicy(user);
  const out: EffectiveSetting[] = [];
  for (const [p, value] of flattenPolicy(effective)) {
    // A budget's scope/window and a rule's id are its name (already in the path).
    if (/^budgets\[[^\]]*\]\.(scope|window)$/.test(p) || /^dlp\.rules\[[^\]]*\]\.id$/.test(p)) continue;
    const inM = m.has(p);
    const inU = u.has(p);
    out.push({ path: p, value, source: inM && inU ? 'both' : inM ? 'managed' : inU ? 'user' : managed ? 'managed' : 'user' });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

function issuesOf(err: z.ZodError): PolicyIssue[] {
  return err.issues.slice(0, 50).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/** Drops empty objects and undefined values so the signed document holds only what the admin set. */
export function prunePolicy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(prunePolicy);
  if (v && typeof v === 'object') {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v as Obj)) {
      const y = prunePolicy(x);
      if (y === undefined || y === null) continue;
      if (typeof y === 'object' && !Array.isArray(y) && Object.keys(y as Obj).length === 0) continue;
      out[k] = y;
    }
    return out;
  }
  return v;
}

function refusalText(err: unknown): string {
  if (err instanceof PolicyRefusal) return `${err.message}`;
  return (err as Error)?.message ?? String(err);
}

function publicPem(key: KeyObject): string {
  return crypto.createPublicKey(key).export({ format: 'pem', type: 'spki' }) as string;
}

function parseAdminKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = crypto.createPrivateKey(pem);
  } catch {
    throw new ApiError('invalid_input', 'That is not a PEM private key. Choose the PREFIX.key file `airlock policy keygen --out PREFIX` wrote.');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ApiError('invalid_input', `That is a ${key.asymmetricKeyType ?? 'non-Ed25519'} key; policy bundles are signed with Ed25519 keys (\`airlock policy keygen\`).`);
  return key;
}

function keychainError(err: unknown): never {
  if (err instanceof SecretStoreUnavailableError) throw new ApiError('unavailable', err.message);
  throw err;
}

// ---- audit verification off the event loop ----

const WORKER_URL = new URL('./governance-verify-worker.ts', import.meta.url);
type VerifyOut = Omit<AuditVerifyResult, 'durationMs' | 'ranOn'>;

function verifyInWorker(core: Core): Promise<VerifyOut> {
  return new Promise((resolve, reject) => {
    const w = new Worker(core.auditVerifyWorkerPath ?? WORKER_URL, { workerData: { file: databasePath(core.dataDir), dataDir: core.dataDir } });
    let done = false;
    w.once('message', (m: { ok: boolean; error?: string; result?: VerifyOut & { problems: string[] }; lastCheckpoint?: VerifyOut['lastCheckpoint'] }) => {
      done = true;
      if (m.ok) resolve({ ...m.result!, lastCheckpoint: m.lastCheckpoint ?? null });
      else reject(new Error(m.error));
    });
    w.once('error', (err) => {
      if (!done) reject(err);
    });
    w.once('exit', (code) => {
      if (!done) reject(new Error(`verify worker exited with code ${code}`));
    });
  });
}

function verifyOnMain(core: Core): VerifyOut {
  const r = core.auditLog.verify();
  const cp = core.auditLog.latestCheckpoint();
  return { ...r, lastCheckpoint: cp ? { seq: cp.seq, ts: cp.ts, keyid: cp.keyid } : null };
}

export function createGovernanceHandlers(core: Core): GovernanceHandlers {
  const svc = core.policyService;
  let verifying: Promise<AuditVerifyResult> | null = null;
  /** False once a worker could not start (the bundled desktop build has no separate worker file). */
  const workerFile = core.auditVerifyWorkerPath ?? WORKER_URL;
  let workerUsable = fs.existsSync(typeof workerFile === 'string' ? workerFile : fileURLToPath(workerFile));

  function installedSource(sha256: string): string | null {
    core.auditLog.flush();
    const rows = core.db.prepare("SELECT data FROM audit_log WHERE type = 'policy.installed' ORDER BY seq DESC LIMIT 50").pluck().all() as string[];
    for (const r of rows) {
      try {
        const d = JSON.parse(r) as Obj;
        if (d.sha256 === sha256) return typeof d.source === 'string' ? d.source : null;
      } catch {
        /* a damaged row: audit verify reports it */
      }
    }
    return null;
  }

  function lastSigned(): SignedBase | null {
    const v = core.settings.get<SignedBase | null>(LAST_SIGNED_SETTING, null);
    return v && typeof v === 'object' && v.policy ? { ...v, from: 'signed-here' } : null;
  }

  /** The last signed version: signed in this app, unless a newer bundle is installed. */
  function base(): SignedBase | null {
    const here = lastSigned();
    const b = svc.bundle();
    if (b && (!here || b.payload.version > here.version)) {
      const p = b.payload;
      return { from: 'installed', policy: b.policy as Obj, tenant: p.tenant, bundleId: p.bundle_id, version: p.version, sha256: b.sha256, at: p.issued_at };
    }
    return here;
  }

  async function keychainKey(): Promise<KeyObject | null> {
    if (!core.secrets) return null;
    const pem = await core.secrets.get(ADMIN_KEY_ACCOUNT).catch(keychainError);
    return pem ? crypto.createPrivateKey(pem) : null;
  }

  async function storeKey(key: KeyObject): Promise<{ keyid: string; publicKeyPem: string }> {
    if (!core.secrets) throw new ApiError('unavailable', 'There is no keychain here: choose a key file when you sign instead.');
    const existing = await keychainKey();
    if (existing) {
      throw new ApiError('conflict', `The keychain already holds an admin key (key id ${keyIdOf(existing).slice(0, 16)}…). Remove it first: bundles your desktops trust may depend on it.`);
    }
    await core.secrets.set(ADMIN_KEY_ACCOUNT, key.export({ format: 'pem', type: 'pkcs8' }) as string).catch(keychainError);
    core.auditLog.append('policy.admin_key', { action: 'stored', keyid: keyIdOf(key) });
    return { keyid: keyIdOf(key), publicKeyPem: publicPem(key) };
  }

  return {
    'policy.overview': () => {
      const status = svc.status();
      const managed = svc.managed();
      const user = svc.user();
      const effective = svc.effective();
      return {
        state: status.state,
        reason: status.reason,
        tenant: status.tenant,
        contact: status.contact,
        trustAnchorPath: status.trustAnchorPath,
        trustVersion: status.trustVersion,
        bundle: status.bundle ? { ...status.bundle, source: installedSource(status.bundle.sha256) } : null,
        managedBy: svc.managedBy(),
        managed: managed as Obj | null,
        user: user as Obj | null,
        effective: effective as Obj,
        settings: markSettings(managed, user, effective),
      };
    },

    'policy.refusals': ({ limit }) => {
      core.auditLog.flush();
      const rows = core.db.prepare("SELECT seq, ts, data FROM audit_log WHERE type = 'policy.refused' ORDER BY seq DESC LIMIT ?").all(limit ?? 50) as { seq: number; ts: number; data: string }[];
      return rows.map((r) => {
        let d: Obj = {};
        try {
          d = JSON.parse(r.data) as Obj;
        } catch {
          /* shown with empty fields */
        }
        return { seq: r.seq, ts: r.ts, code: String(d.code ?? 'unknown'), reason: String(d.reason ?? ''), source: typeof d.source === 'string' ? d.source : null };
      });
    },

    'policy.install': ({ name, text }) => {
      const source = path.basename(name.replace(/\\/g, '/')) || 'bundle.json';
      try {
        const r = svc.install(Buffer.from(text, 'utf8'), source);
        const message =
          r.kind === 'trust'
            ? r.changed
              ? `Installed trust anchor v${r.version} for tenant '${r.tenant}' (was v${r.previousVersion}).`
              : `Trust anchor v${r.version} is already installed.`
            : r.changed
              ? `Installed team policy '${r.bundleId}' v${r.version} for tenant '${r.tenant}'${r.previousVersion ? ` (was v${r.previousVersion})` : ''}. It is enforced from now on.`
              : `'${r.bundleId}' v${r.version} is already installed.`;
        return { ok: true, code: null, message, changed: r.changed, kind: r.kind, bundleId: r.bundleId ?? null, version: r.version };
      } catch (err) {
        const code = err instanceof PolicyRefusal ? err.code : 'malformed';
        return { ok: false, code, message: refusalText(err), changed: false, kind: null, bundleId: null, version: null };
      }
    },

    'policy.setUser': ({ policy }) => {
      if (policy === null) {
        svc.setUser(null);
        return { saved: true };
      }
      let p: Policy;
      try {
        // The CLI's `policy user --set FILE` path: strict parse, then the service's loosening check.
        p = parsePolicyText(JSON.stringify(prunePolicy(policy)), 'your settings');
      } catch (err) {
        throw new ApiError('invalid_input', refusalText(err));
      }
      try {
        svc.setUser(p);
      } catch (err) {
        if (err instanceof PolicyLockedError) throw new ApiError('forbidden', err.message);
        throw err;
      }
      return { saved: true };
    },

    'admin.state': async () => {
      const status = svc.status();
      const here = lastSigned();
      const b = svc.bundle();
      const seen = status.tenant ? svc.seenVersions(status.tenant).highest : 0;
      let keychain: { available: boolean; keyid: string | null; publicKeyPem: string | null; message: string | null };
      if (!core.secrets) keychain = { available: false, keyid: null, publicKeyPem: null, message: 'No keychain in this build: choose a key file when you sign.' };
      else {
        try {
          const k = await keychainKey();
          keychain = { available: true, keyid: k ? keyIdOf(k) : null, publicKeyPem: k ? publicPem(k) : null, message: null };
        } catch (err) {
          keychain = { available: false, keyid: null, publicKeyPem: null, message: (err as Error).message };
        }
      }
      return {
        starter: starterPolicy() as Obj,
        base: base(),
        suggested: {
          tenant: here?.tenant ?? status.tenant,
          bundleId: here?.bundleId ?? b?.payload.bundle_id ?? status.tenant,
          version: Math.max(here?.version ?? 0, b?.payload.version ?? 0, seen) + 1,
        },
        keychain,
        dlpTypes: BUILTIN_TYPES.map((t) => ({ type: t.type, category: t.category, defaultAction: t.defaultAction, description: t.description })),
      };
    },

    'admin.check': ({ policy, base: given }) => {
      const draft = prunePolicy(policy);
      const r = PolicySchema.safeParse(draft);
      if (!r.success) return { valid: false, issues: issuesOf(r.error), summary: formatIssues(r.error, 'policy'), changes: [] };
      const against = given === undefined ? (base()?.policy as Policy | undefined) ?? null : given === null ? null : (prunePolicy(given) as Policy);
      return { valid: true, issues: [], summary: null, changes: diffPolicies(against, r.data) };
    },

    'admin.tryDlp': ({ policy, text }) => {
      const dlp = (prunePolicy(policy) as Obj).dlp;
      const r = PolicySchema.safeParse(dlp === undefined ? {} : { dlp });
      if (!r.success) return { findings: [], error: `Fix the DLP section first: ${formatIssues(r.error, 'policy')}` };
      try {
        const cfg = buildConfig(null, r.data);
        const found = scanText(text, cfg, { all: true, shield: true });
        return {
          findings: found
            .sort((a, b) => a.start - b.start)
            .map((f) => ({ type: f.type, rule: f.rule, start: f.start, end: f.end, action: cfg.actions.get(f.type) ?? 'warn' })),
          error: null,
        };
      } catch (err) {
        return { findings: [], error: (err as Error).message };
      }
    },

    'admin.keyGenerate': async () => storeKey(crypto.generateKeyPairSync('ed25519').privateKey),
    'admin.keyImport': async ({ pem }) => storeKey(parseAdminKey(pem)),
    'admin.keyForget': async () => {
      if (!core.secrets) return { removed: false };
      const removed = await core.secrets.delete(ADMIN_KEY_ACCOUNT).catch(keychainError);
      if (removed) core.auditLog.append('policy.admin_key', { action: 'removed' });
      return { removed };
    },

    'admin.sign': async ({ policy, tenant, bundleId, version, expires, key }) => {
      const policyText = JSON.stringify(prunePolicy(policy));
      let bytes: Buffer;
      try {
        if (key.kind === 'path') {
          // Exactly `airlock policy sign --key FILE`.
          bytes = signPolicy({ policyText, keyFiles: [key.path], tenant, version, expires, bundleId: bundleId || undefined });
        } else {
          const k = key.kind === 'pem' ? parseAdminKey(key.pem) : await keychainKey();
          if (!k) throw new ApiError('not_found', 'There is no admin key in the keychain yet: create or import one, or choose a key file.');
          // signPolicy's steps, with a key object instead of a file path (the key never touches the disk).
          if (!Number.isSafeInteger(version) || version < 1) throw new PolicyRefusal('malformed', `version must be a whole number >= 1 (got ${version})`);
          const parsed = parsePolicyText(policyText);
          const env = signBundle({ policy: parsed, tenant: checkTenant(tenant), bundleId: bundleId || tenant, version, expiresAt: parseExpiry(expires), keys: [k] });
          bytes = envelopeBytes(env);
        }
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw new ApiError('invalid_input', refusalText(err));
      }
      const { env, payload } = decodeEnvelope(JSON.parse(bytes.toString('utf8')));
      const p = JSON.parse(payload.toString('utf8')) as { tenant: string; bundle_id: string; version: number; expires_at: string; issued_at: string; policy: Obj };
      const sha256 = crypto.createHash('sha256').update(payload).digest('hex');
      let trustCheck: { ok: boolean; message: string } | null = null;
      if (svc.trust()) {
        try {
          svc.check(bytes);
          trustCheck = { ok: true, message: 'This computer’s trust anchor accepts this bundle.' };
        } catch (err) {
          trustCheck = { ok: false, message: `This computer’s trust anchor would refuse it: ${refusalText(err)}` };
        }
      }
      core.settings.set(LAST_SIGNED_SETTING, { policy: p.policy, tenant: p.tenant, bundleId: p.bundle_id, version: p.version, sha256, at: p.issued_at });
      core.auditLog.append('policy.signed', { tenant: p.tenant, bundle_id: p.bundle_id, version: p.version, sha256, signer: env.signatures[0]?.keyid ?? null });
      core.auditLog.flush();
      return {
        bundle: bytes.toString('utf8'),
        fileName: `${p.bundle_id}-v${p.version}.bundle.json`,
        tenant: p.tenant,
        bundleId: p.bundle_id,
        version: p.version,
        expiresAt: p.expires_at,
        sha256,
        signer: env.signatures[0]?.keyid ?? '',
        trustCheck,
      };
    },

    'audit.list': ({ type, since, until, before, limit }) => {
      core.auditLog.flush();
      const where: string[] = [];
      const args: unknown[] = [];
      if (type) (where.push('type = ?'), args.push(type));
      if (since !== undefined) (where.push('ts >= ?'), args.push(since));
      if (until !== undefined) (where.push('ts <= ?'), args.push(until));
      const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const total = (core.db.prepare(`SELECT COUNT(*) FROM audit_log ${w}`).pluck().get(...args) as number) ?? 0;
      const n = limit ?? 50;
      const pageWhere = before !== undefined ? `${w ? `${w} AND` : 'WHERE'} seq < ?` : w;
      const rows = core.db.prepare(`SELECT seq, ts, type, data FROM audit_log ${pageWhere} ORDER BY seq DESC LIMIT ?`).all(...args, ...(before !== undefined ? [before] : []), n + 1) as { seq: number; ts: number; type: string; data: string }[];
      const more = rows.length > n;
      const page = rows.slice(0, n).map((r) => {
        let data: Obj;
        try {
          data = JSON.parse(r.data) as Obj;
        } catch {
          data = { unreadable: r.data.slice(0, 200) };
        }
        return { seq: r.seq, ts: r.ts, type: r.type, data };
      });
      const types = core.db.prepare('SELECT DISTINCT type FROM audit_log ORDER BY type').pluck().all() as string[];
      return { entries: page, total, types, before: more ? page[page.length - 1]!.seq : null };
    },

    'audit.verify': () => {
      // One verification at a time; a second click joins the one running.
      verifying ??= (async () => {
        const t0 = performance.now();
        core.auditLog.flush();
        let r: VerifyOut | null = null;
        let ranOn: 'worker' | 'main' = 'worker';
        if (workerUsable) {
          try {
            r = await verifyInWorker(core);
          } catch (err) {
            workerUsable = false;
            console.error(`airlock: audit verify worker unavailable (${(err as Error).message}); verifying in the main thread`);
          }
        }
        if (!r) {
          ranOn = 'main';
          r = verifyOnMain(core);
        }
        return { ...r, durationMs: Math.round(performance.now() - t0), ranOn };
      })().finally(() => {
        verifying = null;
      });
      return verifying;
    },

    'audit.export': async ({ since }) => {
      const lines = await core.auditLog.exportLines({ sinceTs: since });
      return { text: lines.join('\n') + '\n', entries: lines.filter((l) => l.startsWith('{"kind":"entry"')).length };
    },
  };
}
