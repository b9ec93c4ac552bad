/**
 * Trust anchors: the root public keys, threshold and tenant a desktop verifies policy bundles against.
 * A trust anchor is itself a DSSE envelope (payloadType application/vnd.airlock.trust+json). Version 1 is trusted
 * because an admin put it in an admin-only location; a later version (key rotation) is accepted only when it is
 * signed by a threshold of the previous version's keys AND a threshold of its own keys (as in TUF root rotation).
 */
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { formatIssues } from '../../../shared/policy.ts';
import { parseStrictJson } from './strict-json.ts';
import { TRUST_PAYLOAD_TYPE, decodeEnvelope, keyIdOf, publicKeyFromRaw, rawPublicKey, signEnvelope, verifySignatures, type DsseEnvelope } from './dsse.ts';
import { PolicyRefusal } from './refusal.ts';

export const TENANT_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const MAX_DOC_BYTES = 1024 * 1024;

const TrustPayloadSchema = z.strictObject({
  schema: z.literal(1),
  tenant: z.string().regex(TENANT_RE, 'lower-case letters, digits, . _ - (up to 64)'),
  version: z.number().int().min(1),
  keys: z
    .array(z.strictObject({ keyid: z.string().regex(/^[0-9a-f]{64}$/), public: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'base64 of 32 bytes') }))
    .min(1)
    .max(32),
  threshold: z.number().int().min(1),
  /** Bundles below this version are refused even on a fresh install (rollback protection across reinstalls). */
  min_bundle_version: z.number().int().min(0),
  /** Whom users should ask when the policy blocks them or is missing ("IT helpdesk <it@acme.example>"). */
  contact: z.string().min(1).max(200).optional(),
  /** Where `airlock policy fetch` (and the app's poller) download the current bundle from (https). */
  bundle_url: z.string().url().max(2000).optional(),
  issued_at: z.iso.datetime(),
});
export type TrustPayload = z.infer<typeof TrustPayloadSchema>;

export interface TrustAnchor {
  payload: TrustPayload;
  keys: Map<string, KeyObject>;
  envelope: DsseEnvelope;
  /** Where version 1 (or the admin-placed version) was read from. */
  source: string;
}

/** The admin-only location of the trust anchor on this platform (AIRLOCK_TRUST_ANCHOR overrides). */
export function trustAnchorPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.AIRLOCK_TRUST_ANCHOR) return path.resolve(env.AIRLOCK_TRUST_ANCHOR);
  if (platform === 'darwin') return '/Library/Application Support/Airlock/trust.json';
  if (platform === 'win32') return path.win32.join(env.ProgramData ?? env.PROGRAMDATA ?? 'C:\\ProgramData', 'Airlock', 'trust.json');
  return '/etc/airlock/trust.json';
}

/** Builds a trust anchor payload from public keys. */
export function trustPayload(opts: {
  tenant: string;
  publicKeys: KeyObject[];
  threshold: number;
  version?: number;
  minBundleVersion?: number;
  contact?: string;
  bundleUrl?: string;
  now?: Date;
}): TrustPayload {
  const keys = new Map<string, string>();
  for (const k of opts.publicKeys) keys.set(keyIdOf(k), rawPublicKey(k).toString('base64'));
  const p: TrustPayload = {
    schema: 1,
    tenant: opts.tenant,
    version: opts.version ?? 1,
    keys: [...keys].map(([keyid, pub]) => ({ keyid, public: pub })),
    threshold: opts.threshold,
    min_bundle_version: opts.minBundleVersion ?? 0,
    ...(opts.contact ? { contact: opts.contact } : {}),
    ...(opts.bundleUrl ? { bundle_url: opts.bundleUrl } : {}),
    issued_at: (opts.now ?? new Date()).toISOString(),
  };
  checkTrustPayload(p);
  return p;
}

function checkTrustPayload(p: TrustPayload): void {
  const r = TrustPayloadSchema.safeParse(p);
  if (!r.success) throw new PolicyRefusal('malformed', `trust anchor is malformed: ${formatIssues(r.error)}`);
  if (p.tenant && !TENANT_RE.test(p.tenant)) throw new PolicyRefusal('malformed', `tenant '${p.tenant}' is not valid`);
  if (new Set(p.keys.map((k) => k.keyid)).size !== p.keys.length) throw new PolicyRefusal('malformed', 'trust anchor lists a key twice');
  if (p.threshold > p.keys.length) {
    throw new PolicyRefusal('malformed', `threshold ${p.threshold} is more than the ${p.keys.length} key(s) listed`);
  }
  if (p.bundle_url && !/^https:\/\//i.test(p.bundle_url)) throw new PolicyRefusal('malformed', 'bundle_url must be an https:// URL');
}

/** Signs a trust payload (rotation: pass the old and the new keys; version 1 may have no signatures). */
export function signTrust(p: TrustPayload, keys: KeyObject[]): DsseEnvelope {
  return signEnvelope(TRUST_PAYLOAD_TYPE, Buffer.from(JSON.stringify(p, null, 2) + '\n'), keys);
}

/** Parses a trust anchor document (no signature checks: that is verifyRotation's job). */
export function parseTrust(text: string | Buffer, source: string): TrustAnchor {
  if (text.length > MAX_DOC_BYTES) throw new PolicyRefusal('too_large', `trust anchor ${source} is larger than ${MAX_DOC_BYTES} bytes`);
  let env, payload;
  try {
    ({ env, payload } = decodeEnvelope(parseStrictJson(text.toString())));
  } catch (err) {
    throw new PolicyRefusal('malformed', `trust anchor ${source} is malformed: ${(err as Error).message}`);
  }
  if (env.payloadType !== TRUST_PAYLOAD_TYPE) {
    throw new PolicyRefusal('wrong_type', `${source} is not a trust anchor (payloadType '${env.payloadType}', expected '${TRUST_PAYLOAD_TYPE}')`);
  }
  let raw: unknown;
  try {
    raw = parseStrictJson(payload.toString('utf8'));
  } catch (err) {
    throw new PolicyRefusal('malformed', `trust anchor ${source} payload is malformed: ${(err as Error).message}`);
  }
  const r = TrustPayloadSchema.safeParse(raw);
  if (!r.success) throw new PolicyRefusal('malformed', `trust anchor ${source} is malformed: ${formatIssues(r.error)}`);
  checkTrustPayload(r.data);
  const keys = new Map<string, KeyObject>();
  for (const k of r.data.keys) {
    const pub = publicKeyFromRaw(Buffer.from(k.public, 'base64'));
    if (keyIdOf(pub) !== k.keyid) throw new PolicyRefusal('malformed', `trust anchor ${source}: keyid ${k.keyid.slice(0, 12)}… does not match its public key`);
    keys.set(k.keyid, pub);
  }
  return { payload: r.data, keys, envelope: env, source };
}

/**
 * Accepts `next` as the successor of `current`: same tenant, version + 1, signed by a threshold of the current keys
 * and a threshold of the next keys. Throws a PolicyRefusal saying what is missing.
 */
export function verifyRotation(current: TrustAnchor, next: TrustAnchor): void {
  const cur = current.payload;
  const nxt = next.payload;
  if (nxt.tenant !== cur.tenant) throw new PolicyRefusal('other_tenant', `trust anchor is for tenant '${nxt.tenant}', this install trusts tenant '${cur.tenant}'`);
  if (nxt.version <= cur.version) throw new PolicyRefusal('rollback', `trust anchor version ${nxt.version} is not newer than the installed version ${cur.version}`);
  if (nxt.version !== cur.version + 1) throw new PolicyRefusal('malformed', `trust anchor version ${nxt.version} skips versions: install version ${cur.version + 1} first`);
  const payload = Buffer.from(next.envelope.payload, 'base64');
  const byOld = verifySignatures(next.envelope, payload, current.keys).valid;
  const byNew = verifySignatures(next.envelope, payload, next.keys).valid;
  if (byOld.length < cur.threshold) {
    throw new PolicyRefusal('below_threshold', `trust anchor v${nxt.version} has ${byOld.length} valid signature(s) from the current root keys; ${cur.threshold} needed`);
  }
  if (byNew.length < nxt.threshold) {
    throw new PolicyRefusal('below_threshold', `trust anchor v${nxt.version} has ${byNew.length} valid signature(s) from its own keys; ${nxt.threshold} needed`);
  }
}

/** Follows a chain of rotations from the admin-placed anchor; returns the newest anchor every step of which verified. */
export function resolveTrustChain(root: TrustAnchor, rotations: TrustAnchor[]): { anchor: TrustAnchor; rejected: string[] } {
  let anchor = root;
  const rejected: string[] = [];
  for (const next of [...rotations].sort((a, b) => a.payload.version - b.payload.version)) {
    if (next.payload.version <= anchor.payload.version) continue;
    try {
      verifyRotation(anchor, next);
      anchor = next;
    } catch (err) {
      rejected.push(`v${next.payload.version}: ${(err as Error).message}`);
    }
  }
  return { anchor, rejected };
}
