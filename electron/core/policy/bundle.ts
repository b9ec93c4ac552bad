/**
 * Policy bundles: a DSSE envelope (payloadType application/vnd.airlock.policy+json) whose payload carries the
 * schema version, tenant, bundle id, a strictly increasing version, issue and expiry times, the minimum client
 * version and the policy. verifyBundle is pure (no I/O): the caller passes the trust anchor, the clock and the
 * highest version this install has seen, so the UI, the CLI and the installer all decide the same way.
 */
import crypto, { type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { PolicySchema, formatIssues, type Policy } from '../../../shared/policy.ts';
import { parseStrictJson } from './strict-json.ts';
import { POLICY_PAYLOAD_TYPE, decodeEnvelope, signEnvelope, verifySignatures, type DsseEnvelope } from './dsse.ts';
import { MAX_DOC_BYTES, TENANT_RE, type TrustAnchor } from './trust.ts';
import { PolicyRefusal } from './refusal.ts';
import pkg from '../../../package.json' with { type: 'json' };

/** This build's version, compared with a bundle's min_client_version. */
export const CLIENT_VERSION: string = pkg.version;
export const MAX_BUNDLE_BYTES = MAX_DOC_BYTES;
const SEMVER = /^\d+\.\d+\.\d+$/;

export const BundlePayloadSchema = z.strictObject({
  schema: z.literal(1),
  tenant: z.string().regex(TENANT_RE, 'lower-case letters, digits, . _ - (up to 64)'),
  /** The bundle's name, shown to users: "blocked by team policy 'acme-engineering' v12". */
  bundle_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (up to 64)'),
  version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  issued_at: z.iso.datetime(),
  expires_at: z.iso.datetime(),
  min_client_version: z.string().regex(SEMVER, 'MAJOR.MINOR.PATCH'),
  policy: PolicySchema,
});
export type BundlePayload = z.infer<typeof BundlePayloadSchema>;

export interface VerifiedBundle {
  payload: BundlePayload;
  policy: Policy;
  envelope: DsseEnvelope;
  /** The exact envelope bytes as installed. */
  raw: Buffer;
  /** Hex SHA-256 of the payload bytes: the bundle's content identity (fork detection compares it). */
  sha256: string;
  signers: string[];
}

/** What this install remembers about versions it accepted before (from SQLite). */
export interface SeenVersions {
  highest: number;
  /** Payload sha256 of a version seen before, if any. */
  shaOf(version: number): string | null;
}

export function compareSemver(a: string, b: string): number {
  const pa = a.split(/[.+-]/).slice(0, 3).map(Number);
  const pb = b.split(/[.+-]/).slice(0, 3).map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

export function signBundle(opts: {
  policy: Policy;
  tenant: string;
  bundleId: string;
  version: number;
  expiresAt: Date;
  issuedAt?: Date;
  minClientVersion?: string;
  keys: KeyObject[];
}): DsseEnvelope {
  const payload: BundlePayload = {
    schema: 1,
    tenant: opts.tenant,
    bundle_id: opts.bundleId,
    version: opts.version,
    issued_at: (opts.issuedAt ?? new Date()).toISOString(),
    expires_at: opts.expiresAt.toISOString(),
    min_client_version: opts.minClientVersion ?? CLIENT_VERSION,
    policy: opts.policy,
  };
  const r = BundlePayloadSchema.safeParse(payload);
  if (!r.success) throw new PolicyRefusal('malformed', `cannot sign: ${formatIssues(r.error)}`);
  if (opts.expiresAt.getTime() <= (opts.issuedAt ?? new Date()).getTime()) throw new PolicyRefusal('expired', 'cannot sign: expiry is not after the issue time');
  if (opts.keys.length === 0) throw new PolicyRefusal('no_signature', 'cannot sign: no key given');
  return signEnvelope(POLICY_PAYLOAD_TYPE, Buffer.from(JSON.stringify(payload, null, 2) + '\n'), opts.keys);
}

export function envelopeBytes(env: DsseEnvelope): Buffer {
  return Buffer.from(JSON.stringify(env, null, 2) + '\n');
}

/**
 * Verifies a bundle against a trust anchor, in the order TUF recommends: size, envelope, type, signatures
 * (threshold of distinct trusted keys), payload schema, tenant, expiry, rollback/fork, client version.
 * Throws a PolicyRefusal whose code names the case and whose message a person can act on.
 */
export function verifyBundle(
  raw: Buffer,
  trust: TrustAnchor,
  opts: { now?: number; seen?: SeenVersions | null; clientVersion?: string } = {},
): VerifiedBundle {
  if (raw.length > MAX_BUNDLE_BYTES) throw new PolicyRefusal('too_large', `bundle is ${raw.length} bytes; the limit is ${MAX_BUNDLE_BYTES}`);
  let env: DsseEnvelope, payload: Buffer;
  try {
    ({ env, payload } = decodeEnvelope(parseStrictJson(raw.toString('utf8'))));
  } catch (err) {
    throw new PolicyRefusal('malformed', `bundle is malformed: ${(err as Error).message}`);
  }
  if (env.payloadType !== POLICY_PAYLOAD_TYPE) {
    throw new PolicyRefusal('wrong_type', `payloadType is '${env.payloadType}', expected '${POLICY_PAYLOAD_TYPE}' (is this a trust anchor or another document?)`);
  }
  if (env.signatures.length === 0) throw new PolicyRefusal('no_signature', 'bundle is not signed');
  const { valid, unknown, invalid } = verifySignatures(env, payload, trust.keys);
  const need = trust.payload.threshold;
  if (valid.length < need) {
    if (valid.length === 0 && invalid.length === 0 && unknown.length > 0) {
      throw new PolicyRefusal('unknown_key', `bundle is signed only by key(s) this install does not trust (${unknown.map((k) => k.slice(0, 12) + '…').join(', ')}); trusted: ${[...trust.keys.keys()].map((k) => k.slice(0, 12) + '…').join(', ')}`);
    }
    if (valid.length === 0 && invalid.length > 0) throw new PolicyRefusal('bad_signature', `bundle signature does not verify (tampered, or signed over other bytes) for key ${invalid[0]!.slice(0, 12)}…`);
    throw new PolicyRefusal('below_threshold', `bundle has ${valid.length} valid signature(s) from distinct trusted keys; the trust anchor requires ${need}`);
  }
  let parsed: unknown;
  try {
    parsed = parseStrictJson(payload.toString('utf8'));
  } catch (err) {
    throw new PolicyRefusal('malformed', `bundle payload is malformed: ${(err as Error).message}`);
  }
  const r = BundlePayloadSchema.safeParse(parsed);
  if (!r.success) throw new PolicyRefusal('malformed', `bundle payload is malformed: ${formatIssues(r.error)}`);
  const p = r.data;
  if (p.tenant !== trust.payload.tenant) throw new PolicyRefusal('other_tenant', `bundle is for tenant '${p.tenant}'; this install belongs to tenant '${trust.payload.tenant}'`);
  const now = opts.now ?? Date.now();
  const exp = Date.parse(p.expires_at);
  if (exp <= now) throw new PolicyRefusal('expired', `bundle '${p.bundle_id}' v${p.version} expired at ${p.expires_at}`);
  const sha256 = crypto.createHash('sha256').update(payload).digest('hex');
  if (p.version < trust.payload.min_bundle_version) {
    throw new PolicyRefusal('rollback', `bundle version ${p.version} is below the trust anchor's minimum ${trust.payload.min_bundle_version}`);
  }
  const seen = opts.seen;
  if (seen) {
    if (p.version < seen.highest) throw new PolicyRefusal('rollback', `bundle version ${p.version} is older than version ${seen.highest} already seen (rollback refused)`);
    const known = seen.shaOf(p.version);
    if (known && known !== sha256) {
      throw new PolicyRefusal('fork', `bundle version ${p.version} differs from the version ${p.version} installed before (sha256 ${known.slice(0, 12)}… vs ${sha256.slice(0, 12)}…): a version number may only be signed once`);
    }
  }
  const client = opts.clientVersion ?? CLIENT_VERSION;
  if (compareSemver(client, p.min_client_version) < 0) {
    throw new PolicyRefusal('client_too_old', `bundle needs Airlock ${p.min_client_version} or newer; this is ${client}`);
  }
  return { payload: p, policy: p.policy, envelope: env, raw, sha256, signers: valid };
}
