// Bundle verification, one test per refusal case (modelled on the TUF test suites), plus rotation and strict JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { generateKeyPair, signEnvelope, pae, POLICY_PAYLOAD_TYPE, TRUST_PAYLOAD_TYPE, type DsseEnvelope } from './dsse.ts';
import { signBundle, verifyBundle, envelopeBytes, MAX_BUNDLE_BYTES, type SeenVersions } from './bundle.ts';
import { parseTrust, signTrust, trustPayload, verifyRotation, resolveTrustChain } from './trust.ts';
import { PolicyRefusal, type RefusalCode } from './refusal.ts';
import { parseStrictJson, canonicalJson } from './strict-json.ts';
import type { Policy } from '../../../shared/policy.ts';

const k1 = generateKeyPair();
const k2 = generateKeyPair();
const k3 = generateKeyPair();
const policy: Policy = { models: { allow: ['openai/gpt-4o-mini'] }, dlp: { actions: { EMAIL: 'mask' } } };
const DAY = 86_400_000;

function anchor(keys = [k1], threshold = 1, tenant = 'acme', extra: { minBundleVersion?: number } = {}) {
  return parseTrust(envelopeBytes(signTrust(trustPayload({ tenant, publicKeys: keys.map((k) => k.publicKey), threshold, ...extra }), [])), 'test trust');
}

function bundle(o: { version?: number; tenant?: string; keys?: crypto.KeyObject[]; expiresIn?: number; policy?: Policy; minClient?: string } = {}): Buffer {
  return envelopeBytes(
    signBundle({
      policy: o.policy ?? policy,
      tenant: o.tenant ?? 'acme',
      bundleId: 'acme-eng',
      version: o.version ?? 1,
      expiresAt: new Date(Date.now() + (o.expiresIn ?? 30 * DAY)),
      minClientVersion: o.minClient ?? '0.0.1',
      keys: o.keys ?? [k1.privateKey],
    }),
  );
}

/** Signs arbitrary payload bytes as a policy bundle (to test what the schema does with them). */
function rawBundle(payload: string, keys = [k1.privateKey], type = POLICY_PAYLOAD_TYPE): Buffer {
  return envelopeBytes(signEnvelope(type, Buffer.from(payload), keys));
}

const payloadObj = (over: Record<string, unknown> = {}) => ({
  schema: 1,
  tenant: 'acme',
  bundle_id: 'acme-eng',
  version: 1,
  issued_at: new Date().toISOString(),
  expires_at: new Date(Date.now() + DAY).toISOString(),
  min_client_version: '0.0.1',
  policy,
  ...over,
});

function refused(code: RefusalCode, fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof PolicyRefusal, `expected a PolicyRefusal, got ${err}`);
    assert.equal(err.code, code, `code ${err.code}: ${err.message}`);
    if (message) assert.match(err.message, message);
    return true;
  });
}

const seen = (highest: number, shas: Record<number, string> = {}): SeenVersions => ({ highest, shaOf: (v) => shas[v] ?? null });

test('a correctly signed bundle verifies and reports signer, sha256 and policy', () => {
  const b = verifyBundle(bundle(), anchor());
  assert.equal(b.payload.version, 1);
  assert.deepEqual(b.policy, policy);
  assert.equal(b.signers.length, 1);
  assert.match(b.sha256, /^[0-9a-f]{64}$/);
});

test('refused: missing signature (empty signature list)', () => {
  const env = JSON.parse(bundle().toString());
  env.signatures = [];
  refused('no_signature', () => verifyBundle(Buffer.from(JSON.stringify(env)), anchor()), /not signed/);
});

test('refused: bad signature (payload changed after signing)', () => {
  const env: DsseEnvelope = JSON.parse(bundle().toString());
  const p = JSON.parse(Buffer.from(env.payload, 'base64').toString());
  p.policy.models.allow.push('openai/*');
  env.payload = Buffer.from(JSON.stringify(p)).toString('base64');
  refused('bad_signature', () => verifyBundle(Buffer.from(JSON.stringify(env)), anchor()), /does not verify/);
});

test('refused: signed by a key the trust anchor does not list', () => {
  refused('unknown_key', () => verifyBundle(bundle({ keys: [k3.privateKey] }), anchor()), /does not trust/);
});

test('refused: below threshold, and duplicate signatures by one key count once', () => {
  const t = anchor([k1, k2], 2);
  refused('below_threshold', () => verifyBundle(bundle({ keys: [k1.privateKey] }), t), /1 valid signature.*requires 2/);
  const env: DsseEnvelope = JSON.parse(bundle({ keys: [k1.privateKey] }).toString());
  env.signatures = [env.signatures[0]!, env.signatures[0]!, { ...env.signatures[0]! }];
  refused('below_threshold', () => verifyBundle(Buffer.from(JSON.stringify(env)), t));
  assert.equal(verifyBundle(bundle({ keys: [k1.privateKey, k2.privateKey] }), t).signers.length, 2);
});

test('an invalid extra signature next to enough valid ones still passes', () => {
  const t = anchor([k1, k2], 1);
  const env: DsseEnvelope = JSON.parse(bundle({ keys: [k1.privateKey] }).toString());
  const bogus = crypto.sign(null, pae(POLICY_PAYLOAD_TYPE, Buffer.from('other bytes')), k2.privateKey).toString('base64');
  env.signatures.push({ keyid: crypto.createHash('sha256').update(Buffer.from(k2.publicKey.export({ format: 'jwk' }).x!, 'base64url')).digest('hex'), sig: bogus });
  env.signatures.push({ keyid: 'f'.repeat(64), sig: 'AAAA' });
  const b = verifyBundle(Buffer.from(JSON.stringify(env)), t);
  assert.equal(b.signers.length, 1);
});

test('refused: wrong payloadType (type confusion: a trust anchor, or bytes signed under another type)', () => {
  const t = anchor();
  refused('wrong_type', () => verifyBundle(envelopeBytes(signTrust(trustPayload({ tenant: 'acme', publicKeys: [k1.publicKey], threshold: 1 }), [k1.privateKey])), t), /payloadType/);
  // The same payload signed as another type: changing payloadType on the envelope breaks the PAE signature too.
  const env: DsseEnvelope = JSON.parse(rawBundle(JSON.stringify(payloadObj()), [k1.privateKey], 'application/json').toString());
  refused('wrong_type', () => verifyBundle(Buffer.from(JSON.stringify(env)), t));
  env.payloadType = POLICY_PAYLOAD_TYPE;
  refused('bad_signature', () => verifyBundle(Buffer.from(JSON.stringify(env)), t));
});

test('refused: bundle for another tenant (cross-tenant replay with a shared key)', () => {
  refused('other_tenant', () => verifyBundle(bundle({ tenant: 'globex' }), anchor()), /tenant 'globex'.*'acme'/);
});

test('refused: lower version than seen before (rollback), and below the anchor minimum', () => {
  refused('rollback', () => verifyBundle(bundle({ version: 3 }), anchor(), { seen: seen(4) }), /older than version 4/);
  refused('rollback', () => verifyBundle(bundle({ version: 3 }), anchor([k1], 1, 'acme', { minBundleVersion: 5 })), /minimum 5/);
});

test('refused: same version with other content (fork)', () => {
  const same = bundle({ version: 7 });
  const a = verifyBundle(same, anchor());
  refused('fork', () => verifyBundle(bundle({ version: 7, policy: { models: { allow: ['*'] } } }), anchor(), { seen: seen(7, { 7: a.sha256 }) }), /may only be signed once/);
  // The very same bundle again is not a fork.
  assert.equal(verifyBundle(same, anchor(), { seen: seen(7, { 7: a.sha256 }) }).payload.version, 7);
});

test('refused: expired (freeze attack), also when replayed later against the clock', () => {
  const b = bundle({ expiresIn: DAY });
  refused('expired', () => verifyBundle(b, anchor(), { now: Date.now() + 2 * DAY }), /expired at/);
});

test('refused: too large', () => {
  refused('too_large', () => verifyBundle(Buffer.alloc(MAX_BUNDLE_BYTES + 1, 0x20), anchor()), /limit/);
});

test('refused: malformed (not JSON, not an envelope, bad base64)', () => {
  refused('malformed', () => verifyBundle(Buffer.from('{"payloadType":'), anchor()));
  refused('malformed', () => verifyBundle(Buffer.from('[]'), anchor()));
  refused('malformed', () => verifyBundle(Buffer.from(JSON.stringify({ payloadType: POLICY_PAYLOAD_TYPE, payload: '%%%', signatures: [] })), anchor()));
});

test('refused: unknown field in the payload and in the policy (strict schema)', () => {
  refused('malformed', () => verifyBundle(rawBundle(JSON.stringify(payloadObj({ extra: true }))), anchor()), /Unrecognized key.*extra/);
  refused('malformed', () => verifyBundle(rawBundle(JSON.stringify(payloadObj({ policy: { models: { allow: [], alow: ['*'] } } }))), anchor()), /alow/);
  refused('malformed', () => verifyBundle(rawBundle(JSON.stringify(payloadObj({ policy: { dlp: { actions: { EMAIL: 'ignore' } } } }))), anchor()), /dlp\.actions\.EMAIL/);
});

test('refused: duplicate JSON keys in the payload (JSON.parse would keep the last one)', () => {
  const text = JSON.stringify(payloadObj()).replace('"policy":{', '"policy":{"models":{"allow":["*"]},');
  assert.equal((JSON.parse(text) as any).policy.models.allow[0], 'openai/gpt-4o-mini', 'JSON.parse keeps the last duplicate');
  refused('malformed', () => verifyBundle(rawBundle(text), anchor()), /duplicate key 'models' in policy/);
  // Escaped spellings of the same key are the same key.
  refused('malformed', () => verifyBundle(rawBundle(JSON.stringify(payloadObj()).replace('"tenant":"acme"', '"tenant":"acme","\\u0074enant":"globex"')), anchor()), /duplicate key 'tenant'/);
});

test('refused: bundle needs a newer client', () => {
  refused('client_too_old', () => verifyBundle(bundle({ minClient: '99.0.0' }), anchor()), /99\.0\.0/);
});

test('trust rotation: accepted with a threshold of old and new keys; refused with only one side', () => {
  const v1 = anchor([k1], 1);
  const next = trustPayload({ tenant: 'acme', publicKeys: [k2.publicKey, k3.publicKey], threshold: 2, version: 2 });
  const both = parseTrust(envelopeBytes(signTrust(next, [k1.privateKey, k2.privateKey, k3.privateKey])), 'v2');
  verifyRotation(v1, both);
  refused('below_threshold', () => verifyRotation(v1, parseTrust(envelopeBytes(signTrust(next, [k2.privateKey, k3.privateKey])), 'v2')), /current root keys/);
  refused('below_threshold', () => verifyRotation(v1, parseTrust(envelopeBytes(signTrust(next, [k1.privateKey, k2.privateKey])), 'v2')), /its own keys/);
  // After rotation, bundles signed by the old key alone are no longer trusted.
  const { anchor: cur } = resolveTrustChain(v1, [both]);
  assert.equal(cur.payload.version, 2);
  refused('unknown_key', () => verifyBundle(bundle({ keys: [k1.privateKey] }), cur));
  assert.equal(verifyBundle(bundle({ keys: [k2.privateKey, k3.privateKey] }), cur).signers.length, 2);
  // Other tenant's anchor cannot be chained in.
  const other = parseTrust(envelopeBytes(signTrust(trustPayload({ tenant: 'globex', publicKeys: [k1.publicKey], threshold: 1, version: 2 }), [k1.privateKey])), 'x');
  refused('other_tenant', () => verifyRotation(v1, other));
});

test('strict JSON: nested duplicates found with their path; canonical JSON sorts keys', () => {
  assert.throws(() => parseStrictJson('{"a":[{"b":1,"b":2}]}'), /duplicate key 'b' in a\.\[0\]/);
  assert.deepEqual(parseStrictJson('{"a":"x\\"y","b":[1,{"c":null}]}'), { a: 'x"y', b: [1, { c: null }] });
  assert.equal(canonicalJson({ b: 1, a: [true, { d: 'x', c: undefined }] }), '{"a":[true,{"d":"x"}],"b":1}');
  assert.notEqual(TRUST_PAYLOAD_TYPE as string, POLICY_PAYLOAD_TYPE as string);
});
