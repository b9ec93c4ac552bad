/**
 * Ed25519 keys and DSSE envelopes (https://github.com/secure-systems-lab/dsse), with node:crypto only.
 * Signatures are over PAE(payloadType, payload bytes), so the type is bound to the bytes: a trust anchor can never
 * be replayed as a policy bundle or the other way round.
 */
import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';

export const POLICY_PAYLOAD_TYPE = 'application/vnd.airlock.policy+json';
export const TRUST_PAYLOAD_TYPE = 'application/vnd.airlock.trust+json';

export interface DsseSignature {
  keyid: string;
  sig: string;
}
export interface DsseEnvelope {
  payloadType: string;
  /** base64 of the exact payload bytes that were signed. */
  payload: string;
  signatures: DsseSignature[];
}

/** DSSE v1 pre-authentication encoding. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const t = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${payload.length} `), payload]);
}

/** The raw 32-byte Ed25519 public key. */
export function rawPublicKey(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? crypto.createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 key, got ${pub.asymmetricKeyType ?? pub.type}`);
  return Buffer.from(pub.export({ format: 'jwk' }).x!, 'base64url');
}

/** keyid = hex SHA-256 of the raw public key. */
export function keyIdOf(key: KeyObject | Buffer): string {
  const raw = Buffer.isBuffer(key) ? key : rawPublicKey(key);
  return crypto.createHash('sha256').update(raw).digest('hex');
}

export function publicKeyFromRaw(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

export function generateKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return crypto.generateKeyPairSync('ed25519');
}

/** Reads a PKCS#8 PEM Ed25519 private key file. */
export function readPrivateKey(file: string): KeyObject {
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read private key ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let key: KeyObject;
  try {
    key = crypto.createPrivateKey(pem);
  } catch {
    throw new Error(`${file} is not a PEM private key (make one with \`airlock policy keygen --out PREFIX\`)`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 key`);
  return key;
}

/** Reads an SPKI PEM Ed25519 public key file (PREFIX.pub). */
export function readPublicKey(file: string): KeyObject {
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read public key ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let key: KeyObject;
  try {
    key = crypto.createPublicKey(pem);
  } catch {
    throw new Error(`${file} is not a PEM public key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 key`);
  return key;
}

/** Writes PREFIX.key (0600, PKCS#8 PEM) and PREFIX.pub (SPKI PEM); refuses to overwrite. Returns the key id. */
export function writeKeyPair(prefix: string): { keyid: string; keyFile: string; pubFile: string } {
  const { privateKey, publicKey } = generateKeyPair();
  const keyFile = `${prefix}.key`;
  const pubFile = `${prefix}.pub`;
  for (const f of [keyFile, pubFile]) if (fs.existsSync(f)) throw new Error(`${f} already exists; pick another --out prefix`);
  fs.writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  fs.chmodSync(keyFile, 0o600);
  fs.writeFileSync(pubFile, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644, flag: 'wx' });
  return { keyid: keyIdOf(publicKey), keyFile, pubFile };
}

export function signEnvelope(payloadType: string, payload: Buffer, keys: KeyObject[]): DsseEnvelope {
  const msg = pae(payloadType, payload);
  const signatures: DsseSignature[] = [];
  const seen = new Set<string>();
  for (const k of keys) {
    const keyid = keyIdOf(k);
    if (seen.has(keyid)) continue;
    seen.add(keyid);
    signatures.push({ keyid, sig: crypto.sign(null, msg, k).toString('base64') });
  }
  return { payloadType, payload: payload.toString('base64'), signatures };
}

/**
 * The distinct trusted key ids that produced a valid signature. A key counts once however often it signed;
 * signatures by unknown keys or that do not verify are ignored (and reported in `invalid`).
 */
export function verifySignatures(
  env: DsseEnvelope,
  payload: Buffer,
  trusted: Map<string, KeyObject>,
): { valid: string[]; unknown: string[]; invalid: string[] } {
  const msg = pae(env.payloadType, payload);
  const valid = new Set<string>();
  const unknown: string[] = [];
  const invalid: string[] = [];
  for (const s of env.signatures) {
    const key = trusted.get(s.keyid);
    if (!key) {
      unknown.push(s.keyid);
      continue;
    }
    if (valid.has(s.keyid)) continue;
    let ok = false;
    try {
      const sig = Buffer.from(s.sig, 'base64');
      ok = sig.length === 64 && crypto.verify(null, msg, key, sig);
    } catch {
      ok = false;
    }
    if (ok) valid.add(s.keyid);
    else invalid.push(s.keyid);
  }
  return { valid: [...valid], unknown, invalid };
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Checks the envelope's own shape (not its signatures); returns the decoded payload bytes. */
export function decodeEnvelope(value: unknown): { env: DsseEnvelope; payload: Buffer } {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a DSSE envelope (expected a JSON object)');
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) if (!['payloadType', 'payload', 'signatures'].includes(k)) throw new Error(`unknown envelope field '${k}'`);
  if (typeof v.payloadType !== 'string') throw new Error('envelope has no payloadType');
  if (typeof v.payload !== 'string' || !B64.test(v.payload) || v.payload.length % 4 !== 0) throw new Error('envelope payload is not base64');
  if (!Array.isArray(v.signatures)) throw new Error('envelope has no signatures list');
  for (const s of v.signatures) {
    if (!s || typeof s !== 'object' || typeof s.keyid !== 'string' || typeof s.sig !== 'string' || Object.keys(s).some((k) => k !== 'keyid' && k !== 'sig')) {
      throw new Error('envelope signature entries must be {keyid, sig}');
    }
  }
  return { env: v as unknown as DsseEnvelope, payload: Buffer.from(v.payload, 'base64') };
}
