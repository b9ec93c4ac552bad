/**
 * Admin-side operations on documents (no database): what `airlock policy keygen|trust|sign|verify` and the app's
 * Admin view both call. Everything takes and returns bytes/objects; reading files is the caller's job, except
 * key files, which are read by path so private key bytes never travel further than node:crypto.
 */
import type { KeyObject } from 'node:crypto';
import { parsePolicy, type Policy } from '../../../shared/policy.ts';
import { parseStrictJson } from './strict-json.ts';
import { readPrivateKey, readPublicKey, writeKeyPair } from './dsse.ts';
import { parseTrust, signTrust, trustPayload, verifyRotation, TENANT_RE, type TrustAnchor } from './trust.ts';
import { envelopeBytes, signBundle, verifyBundle, type VerifiedBundle } from './bundle.ts';
import { PolicyRefusal } from './refusal.ts';
import { parseDuration } from '../util/duration.ts';

export { writeKeyPair as createKeyPair };

/** Parses a policy document strictly (duplicate keys and unknown fields refused). */
export function parsePolicyText(text: string, source = 'policy'): Policy {
  let raw: unknown;
  try {
    raw = parseStrictJson(text);
  } catch (err) {
    throw new PolicyRefusal('malformed', `${source}: ${(err as Error).message}`);
  }
  try {
    return parsePolicy(raw, source);
  } catch (err) {
    throw new PolicyRefusal('malformed', (err as Error).message);
  }
}

/** '30d', '12h', '2w' from now, or an ISO date/time. */
export function parseExpiry(text: string, now = Date.now()): Date {
  const d = parseDuration(text);
  const t = d !== null ? now + d : Date.parse(text);
  if (!Number.isFinite(t)) throw new PolicyRefusal('malformed', `--expires takes a duration like 30d or 12h, or an ISO date (got '${text}')`);
  if (t <= now) throw new PolicyRefusal('expired', `--expires ${text} is in the past`);
  return new Date(t);
}

export function checkTenant(tenant: string): string {
  if (!TENANT_RE.test(tenant)) throw new PolicyRefusal('malformed', `tenant '${tenant}' is not valid: lower-case letters, digits, '.', '_' or '-' (up to 64)`);
  return tenant;
}

/** A version-1 trust anchor from public key files (admin puts it in the admin-only location). */
export function createTrustAnchor(opts: { pubFiles: string[]; tenant: string; threshold?: number; contact?: string; bundleUrl?: string; minBundleVersion?: number }): Buffer {
  const keys = opts.pubFiles.map(readPublicKey);
  const p = trustPayload({ tenant: checkTenant(opts.tenant), publicKeys: keys, threshold: opts.threshold ?? 1, contact: opts.contact, bundleUrl: opts.bundleUrl, minBundleVersion: opts.minBundleVersion });
  return envelopeBytes(signTrust(p, []));
}

/**
 * Root key rotation: the next trust anchor version with new keys/threshold, signed by the given private keys.
 * Succeeds only when those keys reach the threshold of the previous version AND of the new one.
 */
export function rotateTrustAnchor(opts: {
  previous: Buffer;
  pubFiles: string[];
  signingKeyFiles: string[];
  threshold?: number;
  contact?: string;
  bundleUrl?: string;
  minBundleVersion?: number;
}): Buffer {
  const prev = parseTrust(opts.previous, 'previous trust anchor');
  const keys = opts.pubFiles.map(readPublicKey);
  const p = trustPayload({
    tenant: prev.payload.tenant,
    publicKeys: keys,
    threshold: opts.threshold ?? prev.payload.threshold,
    version: prev.payload.version + 1,
    contact: opts.contact ?? prev.payload.contact,
    bundleUrl: opts.bundleUrl ?? prev.payload.bundle_url,
    minBundleVersion: opts.minBundleVersion ?? prev.payload.min_bundle_version,
  });
  const signers: KeyObject[] = opts.signingKeyFiles.map(readPrivateKey);
  const bytes = envelopeBytes(signTrust(p, signers));
  verifyRotation(prev, parseTrust(bytes, 'new trust anchor'));
  return bytes;
}

export function signPolicy(opts: {
  policyText: string;
  keyFiles: string[];
  tenant: string;
  version: number;
  expires: string;
  bundleId?: string;
  minClientVersion?: string;
}): Buffer {
  if (!Number.isSafeInteger(opts.version) || opts.version < 1) throw new PolicyRefusal('malformed', `--version must be a whole number >= 1 (got ${opts.version})`);
  const policy = parsePolicyText(opts.policyText);
  const keys = opts.keyFiles.map(readPrivateKey);
  const env = signBundle({
    policy,
    tenant: checkTenant(opts.tenant),
    bundleId: opts.bundleId ?? opts.tenant,
    version: opts.version,
    expiresAt: parseExpiry(opts.expires),
    minClientVersion: opts.minClientVersion,
    keys,
  });
  return envelopeBytes(env);
}

/** Checks a bundle against a given trust anchor document (no local state: no rollback/fork check). */
export function verifyBundleAgainst(bundle: Buffer, trust: Buffer, trustSource = 'trust anchor'): { bundle: VerifiedBundle; trust: TrustAnchor } {
  const t = parseTrust(trust, trustSource);
  return { bundle: verifyBundle(bundle, t), trust: t };
}
