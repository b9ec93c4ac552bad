/**
 * The policy in force on this install: trust anchor (admin-only file, plus verified rotations), the installed
 * bundle (SQLite), the user's own policy settings, and the effective policy (managed ∩ user).
 * Implements Core's PolicySource seam; the CLI and the app API call install/verify/show through here.
 */
import fs from 'node:fs';
import type { DB } from '../store/db.ts';
import type { Core } from '../core.ts';
import { parsePolicy, type Policy, type PolicyStatus } from '../../../shared/policy.ts';
import { parseTrust, resolveTrustChain, trustAnchorPath, verifyRotation, type TrustAnchor } from './trust.ts';
import { verifyBundle, type SeenVersions, type VerifiedBundle } from './bundle.ts';
import { POLICY_PAYLOAD_TYPE, TRUST_PAYLOAD_TYPE } from './dsse.ts';
import { PolicyRefusal } from './refusal.ts';
import { assertNotLoosening, mergePolicies, PolicyLockedError } from './merge.ts';

export const USER_POLICY_SETTING = 'policy.user';

interface State {
  status: PolicyStatus;
  anchor: TrustAnchor | null;
  bundle: VerifiedBundle | null;
  managed: Policy | null;
  managedBy: string | null;
  /** When this state stops being valid by itself (bundle expiry). */
  validUntil: number;
}

export interface InstallResult {
  kind: 'bundle' | 'trust';
  changed: boolean;
  tenant: string;
  version: number;
  bundleId?: string;
  sha256?: string;
  signers?: string[];
  previousVersion: number | null;
}

export class PolicyService {
  private readonly core: Core;
  private readonly db: DB;
  private readonly dataVersion;
  private version = -1;
  private stale = true;
  private trustStamp = '';
  private trustCheckedAt = 0;
  private dvCheckedAt = 0;
  private seenLive: unknown = null;
  private state: State | null = null;
  private userCache: { raw: unknown; policy: Policy | null; effective: Policy | null; managed: Policy | null } | null = null;

  constructor(core: Core) {
    this.core = core;
    this.db = core.db;
    this.dataVersion = core.db.prepare('PRAGMA data_version').pluck();
  }

  /** Path of the trust anchor this install reads. */
  trustPath(): string {
    return trustAnchorPath(this.core.env);
  }

  invalidate(): void {
    this.stale = true;
  }

  // ---- PolicySource ----

  /** The verified team policy, or null (unmanaged, or managed but without a valid bundle: see failClosedReason). */
  managed(): Policy | null {
    return this.current().managed;
  }

  /** "'acme-eng' v12" for messages like "blocked by team policy 'acme-eng' v12". */
  managedBy(): string | null {
    return this.current().managedBy;
  }

  /** Why provider calls must be refused (managed install without a valid bundle), or null. */
  failClosedReason(): string | null {
    const s = this.current().status;
    return s.state === 'invalid' ? s.reason : null;
  }

  status(): PolicyStatus {
    return this.current().status;
  }

  contact(): string | null {
    return this.current().status.contact;
  }

  /** The installed, verified bundle (null when none). */
  bundle(): VerifiedBundle | null {
    return this.current().bundle;
  }

  trust(): TrustAnchor | null {
    return this.current().anchor;
  }

  /** The user's own policy settings (tightening only). */
  user(): Policy | null {
    return this.userState().policy;
  }

  /** Effective policy = managed ∩ user. The same object until either side changes. */
  effective(): Policy {
    return this.userState().effective!;
  }

  /** Saves the user's own policy; refused (naming the bundle) when it would loosen a managed setting. */
  setUser(policy: Policy | null): void {
    if (policy) {
      const p = parsePolicy(policy, 'user policy');
      try {
        assertNotLoosening(this.managed(), this.managedBy(), p, this.contact());
      } catch (err) {
        if (err instanceof PolicyLockedError) {
          // Which settings, not their values: "models.allow: 'x' is not allowed" keeps only "models.allow".
          const settings = [...new Set(err.violations.map((v) => /^(\S+?): /.exec(v)?.[1] ?? 'policy'))];
          this.core.audit.append('policy.loosen_refused', { setting: 'user_policy', paths: settings, violations: err.violations.length, managed_by: this.managedBy() });
        }
        throw err;
      }
      this.core.settings.set(USER_POLICY_SETTING, p);
    } else this.core.settings.set(USER_POLICY_SETTING, null);
    this.userCache = null;
  }

  /** Cached until the managed policy or the database changes (effective() is on the request path). */
  private userState(): NonNullable<PolicyService['userCache']> {
    const managed = this.managed();
    const c = this.userCache;
    if (c && c.managed === managed) return c;
    const raw = this.core.settings.get<unknown>(USER_POLICY_SETTING, null);
    let policy: Policy | null = null;
    try {
      policy = raw ? parsePolicy(raw, 'user policy') : null;
    } catch (err) {
      console.error(`airlock: ignoring the saved user policy: ${(err as Error).message}`);
    }
    this.userCache = { raw, policy, managed, effective: mergePolicies(managed, policy) };
    return this.userCache;
  }

  // ---- state ----

  private current(): State {
    const now = Date.now();
    // Another process (the CLI) may have installed a bundle. The gateway refreshes core.live on every request,
    // which swaps its providers map when the database changed: a free signal. Otherwise data_version is read at
    // most every 250 ms (a PRAGMA costs microseconds, and this runs several times per request).
    const liveProviders = this.core.live.providers;
    let v = this.version;
    if (liveProviders !== this.seenLive || now - this.dvCheckedAt > 250) {
      this.seenLive = liveProviders;
      this.dvCheckedAt = now;
      v = this.dataVersion.get() as number;
    }
    if (now - this.trustCheckedAt > 1000) {
      this.trustCheckedAt = now;
      const stamp = this.statTrust();
      if (stamp !== this.trustStamp) {
        this.trustStamp = stamp;
        this.stale = true;
      }
    }
    if (!this.state || this.stale || v !== this.version || now >= this.state.validUntil) {
      this.version = v;
      this.stale = false;
      this.userCache = null;
      this.state = this.load(now, this.state);
    }
    return this.state;
  }

  private statTrust(): string {
    try {
      const st = fs.statSync(this.trustPath());
      return `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      return 'absent';
    }
  }

  /** Reads the trust anchor file; null when there is none (unmanaged install). Throws PolicyRefusal when unusable. */
  private readTrustFile(): TrustAnchor | null {
    const file = this.trustPath();
    let raw: Buffer;
    try {
      raw = fs.readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new PolicyRefusal('malformed', `trust anchor ${file} is unreadable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return parseTrust(raw, file);
  }

  /** The trust anchor in force: the admin-placed file, advanced by every stored rotation that verifies. */
  private resolveAnchor(): TrustAnchor | null {
    const root = this.readTrustFile();
    if (!root) return null;
    const rows = this.db.prepare('SELECT version, envelope FROM policy_trust WHERE tenant = ? ORDER BY version').all(root.payload.tenant) as { version: number; envelope: Buffer }[];
    const rotations: TrustAnchor[] = [];
    for (const r of rows) {
      try {
        rotations.push(parseTrust(r.envelope, `rotated trust anchor v${r.version}`));
      } catch {
        /* a damaged row is skipped; the chain stops before it */
      }
    }
    return resolveTrustChain(root, rotations).anchor;
  }

  private load(now: number, prev: State | null): State {
    const trustAnchorPath = this.trustPath();
    const base: PolicyStatus = { state: 'unmanaged', reason: null, tenant: null, contact: null, trustAnchorPath, trustVersion: null, bundle: null };
    let anchor: TrustAnchor | null;
    try {
      anchor = this.resolveAnchor();
    } catch (err) {
      const status: PolicyStatus = { ...base, state: 'invalid', reason: `${(err as Error).message}. Ask your IT admin to reinstall the Airlock trust anchor.` };
      return { status, anchor: null, bundle: null, managed: null, managedBy: null, validUntil: Infinity };
    }
    if (!anchor) return { status: base, anchor: null, bundle: null, managed: null, managedBy: null, validUntil: Infinity };
    const contact = anchor.payload.contact ?? null;
    const ask = contact ? `Ask ${contact}` : 'Ask your team admin';
    const managedBase: PolicyStatus = { ...base, tenant: anchor.payload.tenant, contact, trustVersion: anchor.payload.version };
    const row = this.db.prepare('SELECT envelope, installed_at FROM policy_installed WHERE id = 1').get() as { envelope: Buffer; installed_at: number } | undefined;
    if (!row) {
      return {
        status: { ...managedBase, state: 'invalid', reason: `This Airlock is managed by tenant '${anchor.payload.tenant}' but no team policy bundle is installed. ${ask} for the bundle and install it with \`airlock policy install bundle.json\`.` },
        anchor,
        bundle: null,
        managed: null,
        managedBy: null,
        validUntil: Infinity,
      };
    }
    let bundle: VerifiedBundle;
    try {
      bundle = verifyBundle(Buffer.from(row.envelope), anchor, { now });
    } catch (err) {
      return {
        status: { ...managedBase, state: 'invalid', reason: `The installed team policy is no longer valid: ${(err as Error).message}. ${ask} for a current bundle.` },
        anchor,
        bundle: null,
        managed: null,
        managedBy: null,
        validUntil: Infinity,
      };
    }
    const p = bundle.payload;
    // Keep the same policy object when nothing changed, so consumers can cache on identity.
    const managed = prev?.bundle?.sha256 === bundle.sha256 && prev.managed ? prev.managed : bundle.policy;
    return {
      status: {
        ...managedBase,
        state: 'managed',
        bundle: { bundleId: p.bundle_id, version: p.version, issuedAt: p.issued_at, expiresAt: p.expires_at, sha256: bundle.sha256, signers: bundle.signers, installedAt: new Date(row.installed_at).toISOString() },
      },
      anchor,
      bundle,
      managed,
      managedBy: `'${p.bundle_id}' v${p.version}`,
      validUntil: Date.parse(p.expires_at),
    };
  }

  // ---- install ----

  /** Policy events are rare and matter: written now rather than at the end of the event-loop turn. */
  private flushAudit(): void {
    (this.core.audit as { flush?: () => unknown }).flush?.();
  }

  seenVersions(tenant: string): SeenVersions {
    const hi = this.db.prepare('SELECT MAX(version) AS v FROM policy_versions WHERE tenant = ?').get(tenant) as { v: number | null };
    const sha = this.db.prepare('SELECT sha256 FROM policy_versions WHERE tenant = ? AND version = ?');
    return { highest: hi.v ?? 0, shaOf: (v) => (sha.get(tenant, v) as { sha256: string } | undefined)?.sha256 ?? null };
  }

  /** What `install` would decide, without installing (the CLI's `policy verify` without --trust, the UI's preview). */
  check(raw: Buffer): VerifiedBundle {
    this.invalidate();
    const anchor = this.requireAnchor();
    return verifyBundle(raw, anchor, { seen: this.seenVersions(anchor.payload.tenant) });
  }

  private requireAnchor(): TrustAnchor {
    const s = this.current();
    if (s.anchor) return s.anchor;
    if (s.status.state === 'invalid') throw new PolicyRefusal('no_trust_anchor', s.status.reason!);
    throw new PolicyRefusal(
      'no_trust_anchor',
      `No trust anchor at ${this.trustPath()}: this Airlock is not managed, so it cannot check a team policy. Your admin installs trust.json there (or sets AIRLOCK_TRUST_ANCHOR).`,
    );
  }

  /**
   * Installs a policy bundle or a rotated trust anchor (told apart by payloadType). Every refusal is audited
   * ('policy.refused' with the reason code) and thrown as a PolicyRefusal.
   */
  install(raw: Buffer, source: string): InstallResult {
    let type: string | null = null;
    try {
      const o = JSON.parse(raw.toString('utf8'));
      type = typeof o?.payloadType === 'string' ? o.payloadType : null;
    } catch {
      /* verifyBundle reports it */
    }
    try {
      const r = type === TRUST_PAYLOAD_TYPE ? this.installTrust(raw, source) : this.installBundle(raw);
      if (r.changed) {
        this.core.audit.append(r.kind === 'trust' ? 'policy.trust_rotated' : 'policy.installed', {
          source,
          tenant: r.tenant,
          version: r.version,
          previous_version: r.previousVersion,
          ...(r.kind === 'bundle' ? { bundle_id: r.bundleId, sha256: r.sha256, signers: r.signers } : {}),
        });
        this.flushAudit();
        this.core.emit({ kind: 'policy', level: 'info', title: 'Team policy installed', message: r.kind === 'trust' ? `Trust anchor v${r.version} installed.` : `Team policy '${r.bundleId}' v${r.version} is now enforced.`, data: { ...r } });
      }
      return r;
    } catch (err) {
      const code = err instanceof PolicyRefusal ? err.code : 'malformed';
      const refusal = err instanceof PolicyRefusal ? err : new PolicyRefusal('malformed', (err as Error).message);
      this.core.audit.append('policy.refused', { source, code, reason: refusal.message, payload_type: type });
      this.flushAudit();
      this.core.emit({ kind: 'policy', level: 'warn', title: 'Team policy refused', message: refusal.message, data: { code } });
      throw refusal;
    }
  }

  private installBundle(raw: Buffer): InstallResult {
    const anchor = this.requireAnchor();
    const tenant = anchor.payload.tenant;
    const b = verifyBundle(raw, anchor, { seen: this.seenVersions(tenant) });
    const p = b.payload;
    const prev = this.db.prepare('SELECT version, sha256 FROM policy_installed WHERE id = 1').get() as { version: number; sha256: string } | undefined;
    if (prev && prev.sha256 === b.sha256) {
      return { kind: 'bundle', changed: false, tenant, version: p.version, bundleId: p.bundle_id, sha256: b.sha256, signers: b.signers, previousVersion: prev.version };
    }
    const now = Date.now();
    this.db
      .transaction(() => {
        this.db.prepare('INSERT OR IGNORE INTO policy_versions (tenant, version, sha256, first_seen_at) VALUES (?, ?, ?, ?)').run(tenant, p.version, b.sha256, now);
        this.db
          .prepare(
            `INSERT INTO policy_installed (id, tenant, bundle_id, version, sha256, envelope, installed_at) VALUES (1, ?, ?, ?, ?, ?, ?)
             ON CONFLICT(id) DO UPDATE SET tenant = excluded.tenant, bundle_id = excluded.bundle_id, version = excluded.version,
               sha256 = excluded.sha256, envelope = excluded.envelope, installed_at = excluded.installed_at`,
          )
          .run(tenant, p.bundle_id, p.version, b.sha256, raw, now);
      })
      .immediate();
    this.invalidate();
    this.core.live.invalidate();
    return { kind: 'bundle', changed: true, tenant, version: p.version, bundleId: p.bundle_id, sha256: b.sha256, signers: b.signers, previousVersion: prev?.version ?? null };
  }

  private installTrust(raw: Buffer, source: string): InstallResult {
    const current = this.requireAnchor();
    const next = parseTrust(raw, source);
    if (next.payload.version === current.payload.version && next.envelope.payload === current.envelope.payload) {
      return { kind: 'trust', changed: false, tenant: current.payload.tenant, version: current.payload.version, previousVersion: current.payload.version };
    }
    verifyRotation(current, next);
    this.db.prepare('INSERT OR REPLACE INTO policy_trust (tenant, version, envelope, installed_at) VALUES (?, ?, ?, ?)').run(next.payload.tenant, next.payload.version, raw, Date.now());
    this.invalidate();
    this.core.live.invalidate();
    return { kind: 'trust', changed: true, tenant: next.payload.tenant, version: next.payload.version, previousVersion: current.payload.version };
  }
}

export { POLICY_PAYLOAD_TYPE, TRUST_PAYLOAD_TYPE };
