import fs from 'node:fs';
import path from 'node:path';
import type { Command } from './types.ts';
import type { CliContext } from '../context.ts';
import { parse, requirePositional, wholeNumber } from '../args.ts';
import { UserError } from '../../core/util/errors.ts';
import { PolicyRefusal } from '../../core/policy/refusal.ts';
import { createKeyPair, createTrustAnchor, parsePolicyText, rotateTrustAnchor, signPolicy, verifyBundleAgainst } from '../../core/policy/admin.ts';
import { parseTrust, verifyRotation } from '../../core/policy/trust.ts';
import { TRUST_PAYLOAD_TYPE } from '../../core/policy/dsse.ts';
import { diffPolicies, starterPolicy } from '../../core/policy/starter.ts';
import { PolicyLockedError } from '../../core/policy/merge.ts';
import { fetchBundle } from '../../core/policy/fetch.ts';

const USAGE = `Usage (admin):
  airlock policy keygen --out PREFIX [--json]         writes PREFIX.key (Ed25519, mode 0600) and PREFIX.pub
  airlock policy trust --pub A.pub [--pub B.pub --threshold 2] --tenant T [--contact WHO] [--bundle-url URL]
                       [--min-bundle-version N] --out trust.json [--json]
  airlock policy trust --previous trust.json --pub NEW.pub [--threshold N] --key OLD.key --key NEW.key --out trust-v2.json [--json]
                       root key rotation: the next trust anchor version, signed by the old and the new keys
  airlock policy init [--out policy.json]              a starter policy with every section (docs/policy.md)
  airlock policy sign policy.json --key PREFIX.key [--key ...] --tenant T --version N --expires 30d
                      [--id NAME] [--min-client-version X.Y.Z] --out bundle.json [--json]
  airlock policy verify bundle.json [--trust trust.json] [--json]   exit 0, or the reason and exit 1
  airlock policy diff OLD.json NEW.json [--json]      what changed between two policies or bundles

Usage (desktop):
  airlock policy install bundle.json                  installs a bundle (or a rotated trust anchor)
  airlock policy fetch [--url https://...]            downloads and installs the bundle from the trust anchor's bundle_url
  airlock policy show [--json]                        the installed bundle and the effective policy
  airlock policy user [--set FILE | --clear] [--json] your own policy settings (may only tighten the team policy)

The trust anchor is read from /etc/airlock/trust.json (Linux), /Library/Application Support/Airlock/trust.json
(macOS) or %ProgramData%\\Airlock\\trust.json (Windows); AIRLOCK_TRUST_ANCHOR overrides the path.`;

function readFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new UserError(`Cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Writes a document; refuses to overwrite unless told. */
function writeOut(file: string, bytes: Buffer | string, force = false): void {
  try {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, bytes, { flag: force ? 'w' : 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UserError(`${file} already exists (add --force to overwrite).`);
    throw new UserError(`Cannot write ${file}: ${(err as Error).message}`);
  }
}

/** Runs fn, turning refusals into a readable error with exit code 1. */
function refusing<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PolicyRefusal) throw new UserError(`refused (${err.code}): ${err.message}`, 1);
    if (err instanceof PolicyLockedError) throw new UserError(err.message, 1);
    if (err instanceof UserError) throw err;
    throw new UserError((err as Error).message, 1);
  }
}

const short = (k: string) => `${k.slice(0, 16)}…`;

function show(ctx: CliContext, json: boolean): number {
  const svc = ctx.core().policyService;
  const status = svc.status();
  const effective = svc.effective();
  if (json) {
    ctx.io.out(JSON.stringify({ ...status, managedBy: svc.managedBy(), managed: svc.managed(), user: svc.user(), effective }, null, 2));
    return 0;
  }
  const { io } = ctx;
  if (status.state === 'unmanaged') io.out(`Not managed: no trust anchor at ${status.trustAnchorPath}.`);
  else {
    io.out(`Tenant:        ${status.tenant} (trust anchor v${status.trustVersion}, ${status.trustAnchorPath})`);
    if (status.contact) io.out(`Contact:       ${status.contact}`);
    if (status.bundle) {
      const b = status.bundle;
      io.out(`Bundle:        '${b.bundleId}' v${b.version}`);
      io.out(`Issued:        ${b.issuedAt}`);
      io.out(`Expires:       ${b.expiresAt}`);
      io.out(`Signed by:     ${b.signers.map(short).join(', ')}`);
      io.out(`SHA-256:       ${b.sha256}`);
      io.out(`Installed:     ${b.installedAt}`);
    }
    if (status.state === 'invalid') io.out(`\nNOT ENFORCEABLE — provider calls are blocked: ${status.reason}`);
  }
  io.out('\nEffective policy (team policy ∩ your settings):');
  io.out(JSON.stringify(effective, null, 2));
  return 0;
}

export const policyCommand: Command = {
  summary: 'signed team policy: keys, trust anchor, sign, verify, install, show',
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const { io } = ctx;
    switch (sub) {
      case 'keygen': {
        const { values } = parse(rest, { out: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
        if (!values.out) throw new UserError(`policy keygen needs --out PREFIX.\n\n${USAGE}`, 2);
        const r = refusing(() => createKeyPair(values.out!));
        if (values.json) {
          io.out(JSON.stringify({ key_file: r.keyFile, pub_file: r.pubFile, keyid: r.keyid }));
          return 0;
        }
        io.out(`Wrote ${r.keyFile} (private, mode 0600: keep it offline or in a vault) and ${r.pubFile}.`);
        io.out(`Key id: ${r.keyid}`);
        return 0;
      }
      case 'trust': {
        const { values } = parse(
          rest,
          {
            pub: { type: 'string', multiple: true },
            key: { type: 'string', multiple: true },
            threshold: { type: 'string' },
            tenant: { type: 'string' },
            contact: { type: 'string' },
            'bundle-url': { type: 'string' },
            'min-bundle-version': { type: 'string' },
            previous: { type: 'string' },
            out: { type: 'string' },
            force: { type: 'boolean' },
            json: { type: 'boolean' },
          },
          USAGE,
        );
        if (!values.out) throw new UserError(`policy trust needs --out FILE.\n\n${USAGE}`, 2);
        if (!values.pub?.length) throw new UserError(`policy trust needs at least one --pub KEY.pub.\n\n${USAGE}`, 2);
        const threshold = wholeNumber(values.threshold, '--threshold', 1);
        const minBundleVersion = wholeNumber(values['min-bundle-version'], '--min-bundle-version', 0);
        let bytes: Buffer;
        if (values.previous) {
          if (!values.key?.length) throw new UserError('A rotation needs --key files: a threshold of the previous root keys and of the new ones.', 2);
          const previous = readFile(values.previous, 'trust anchor');
          bytes = refusing(() => rotateTrustAnchor({ previous, pubFiles: values.pub!, signingKeyFiles: values.key!, threshold, contact: values.contact, bundleUrl: values['bundle-url'], minBundleVersion }));
        } else {
          if (!values.tenant) throw new UserError(`policy trust needs --tenant T.\n\n${USAGE}`, 2);
          bytes = refusing(() => createTrustAnchor({ pubFiles: values.pub!, tenant: values.tenant!, threshold, contact: values.contact, bundleUrl: values['bundle-url'], minBundleVersion }));
        }
        writeOut(values.out, bytes, values.force);
        const t = parseTrust(bytes, values.out);
        if (values.json) {
          io.out(JSON.stringify({ file: values.out, version: t.payload.version, tenant: t.payload.tenant, keyids: [...t.keys.keys()], threshold: t.payload.threshold }));
          return 0;
        }
        io.out(`Wrote trust anchor v${t.payload.version} for tenant '${t.payload.tenant}' (${t.keys.size} key(s), threshold ${t.payload.threshold}) to ${values.out}.`);
        io.out(
          t.payload.version === 1
            ? 'Install it on each desktop in the admin-only location (e.g. /etc/airlock/trust.json), writable by administrators only.'
            : 'Desktops accept it with `airlock policy install <file>` (it is checked against the trust anchor they have).',
        );
        return 0;
      }
      case 'init': {
        const { values } = parse(rest, { out: { type: 'string' }, force: { type: 'boolean' } }, USAGE);
        const text = JSON.stringify(starterPolicy(), null, 2) + '\n';
        if (values.out) {
          writeOut(values.out, text, values.force);
          io.out(`Wrote a starter policy to ${values.out}. Every section is explained in docs/policy.md.`);
        } else io.out(text.trimEnd());
        return 0;
      }
      case 'sign': {
        const { values, positionals } = parse(
          rest,
          {
            key: { type: 'string', multiple: true },
            tenant: { type: 'string' },
            version: { type: 'string' },
            expires: { type: 'string' },
            id: { type: 'string' },
            'min-client-version': { type: 'string' },
            out: { type: 'string' },
            force: { type: 'boolean' },
            json: { type: 'boolean' },
          },
          USAGE,
        );
        const file = requirePositional(positionals, 0, 'policy file', USAGE);
        for (const [flag, v] of [['--key', values.key?.length], ['--tenant', values.tenant], ['--version', values.version], ['--expires', values.expires], ['--out', values.out]] as const) {
          if (!v) throw new UserError(`policy sign needs ${flag}.\n\n${USAGE}`, 2);
        }
        const version = wholeNumber(values.version, '--version', 1)!;
        const policyText = readFile(file, 'policy').toString('utf8');
        const bytes = refusing(() =>
          signPolicy({ policyText, keyFiles: values.key!, tenant: values.tenant!, version, expires: values.expires!, bundleId: values.id, minClientVersion: values['min-client-version'] }),
        );
        writeOut(values.out!, bytes, values.force);
        if (values.json) {
          io.out(JSON.stringify({ file: values.out, bundle_id: values.id ?? values.tenant, tenant: values.tenant, version, signing_keys: values.key!.length }));
          return 0;
        }
        io.out(`Signed '${values.id ?? values.tenant}' v${values.version} for tenant '${values.tenant}' with ${values.key!.length} key(s): ${values.out}.`);
        return 0;
      }
      case 'verify': {
        const { values, positionals } = parse(rest, { trust: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
        const file = requirePositional(positionals, 0, 'bundle file', USAGE);
        const raw = readFile(file, 'bundle');
        let isTrust = false;
        try {
          isTrust = JSON.parse(raw.toString('utf8'))?.payloadType === TRUST_PAYLOAD_TYPE;
        } catch {
          /* reported by the verifier */
        }
        if (isTrust) {
          const current = values.trust ? parseTrustFile(values.trust) : ctx.core().policyService.trust();
          if (!current) throw new UserError('No trust anchor to check this rotation against: pass --trust CURRENT-trust.json.', 2);
          const next = refusing(() => parseTrust(raw, file));
          refusing(() => verifyRotation(current, next));
          io.out(`OK: trust anchor v${next.payload.version} for tenant '${next.payload.tenant}' is a valid successor of v${current.payload.version}.`);
          return 0;
        }
        const b = values.trust
          ? refusing(() => verifyBundleAgainst(raw, readFile(values.trust!, 'trust anchor'), values.trust).bundle)
          : refusing(() => ctx.core().policyService.check(raw));
        const p = b.payload;
        if (values.json) io.out(JSON.stringify({ ok: true, tenant: p.tenant, bundle_id: p.bundle_id, version: p.version, issued_at: p.issued_at, expires_at: p.expires_at, sha256: b.sha256, signers: b.signers }));
        else io.out(`OK: '${p.bundle_id}' v${p.version} for tenant '${p.tenant}', expires ${p.expires_at}, signed by ${b.signers.map(short).join(', ')}, sha256 ${b.sha256}.`);
        return 0;
      }
      case 'install': {
        const { positionals } = parse(rest, {}, USAGE);
        const file = requirePositional(positionals, 0, 'bundle file', USAGE);
        const raw = readFile(file, 'bundle');
        const svc = ctx.core().policyService;
        const r = refusing(() => svc.install(raw, path.basename(file)));
        if (r.kind === 'trust') io.out(r.changed ? `Installed trust anchor v${r.version} for tenant '${r.tenant}' (was v${r.previousVersion}).` : `Trust anchor v${r.version} is already installed.`);
        else if (!r.changed) io.out(`'${r.bundleId}' v${r.version} is already installed.`);
        else io.out(`Installed team policy '${r.bundleId}' v${r.version} for tenant '${r.tenant}'${r.previousVersion ? ` (was v${r.previousVersion})` : ''}. It is enforced from now on.`);
        return 0;
      }
      case 'fetch': {
        const { values } = parse(rest, { url: { type: 'string' } }, USAGE);
        const r = await fetchBundle(ctx.core(), { url: values.url }).catch((err) => {
          if (err instanceof PolicyRefusal) throw new UserError(`refused (${err.code}): ${err.message}`, 1);
          throw new UserError((err as Error).message, 1);
        });
        if (r.notModified) io.out(`Not modified since the last check (${r.url}).`);
        else if (r.install?.changed) io.out(`Installed team policy '${r.install.bundleId}' v${r.install.version} from ${r.url}.`);
        else io.out(`The bundle at ${r.url} ('${r.install?.bundleId}' v${r.install?.version}) is already installed.`);
        return 0;
      }
      case 'show': {
        const { values } = parse(rest, { json: { type: 'boolean' } }, USAGE);
        return show(ctx, Boolean(values.json));
      }
      case 'user': {
        const { values } = parse(rest, { set: { type: 'string' }, clear: { type: 'boolean' }, json: { type: 'boolean' } }, USAGE);
        const svc = ctx.core().policyService;
        if (values.set) {
          const p = refusing(() => parsePolicyText(readFile(values.set!, 'policy').toString('utf8'), values.set));
          refusing(() => svc.setUser(p));
          io.out('Saved your policy settings. `airlock policy show` prints the effective policy.');
          return 0;
        }
        if (values.clear) {
          svc.setUser(null);
          io.out('Cleared your policy settings.');
          return 0;
        }
        io.out(JSON.stringify(svc.user() ?? {}, null, values.json ? 0 : 2));
        return 0;
      }
      case 'diff': {
        const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, USAGE);
        const a = requirePositional(positionals, 0, 'old policy or bundle', USAGE);
        const b = requirePositional(positionals, 1, 'new policy or bundle', USAGE);
        const changes = diffPolicies(readPolicyOrBundle(a), readPolicyOrBundle(b));
        if (values.json) io.out(JSON.stringify(changes));
        else if (changes.length === 0) io.out('No changes.');
        else for (const c of changes) io.out(`${c.kind === 'added' ? '+' : c.kind === 'removed' ? '-' : '~'} ${c.path}: ${c.kind === 'changed' ? `${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}` : JSON.stringify(c.after ?? c.before)}`);
        return 0;
      }
      default:
        throw new UserError(sub ? `Unknown subcommand 'policy ${sub}'.\n\n${USAGE}` : USAGE, 2);
    }
  },
};

function parseTrustFile(file: string) {
  return refusing(() => parseTrust(readFile(file, 'trust anchor'), file));
}

/** A policy JSON file, or the policy inside a bundle (signatures not checked: diff is a viewing aid). */
function readPolicyOrBundle(file: string) {
  const text = readFile(file, 'policy').toString('utf8');
  return refusing(() => {
    const o = JSON.parse(text);
    if (o && typeof o.payload === 'string' && typeof o.payloadType === 'string') {
      return parsePolicyText(JSON.stringify(JSON.parse(Buffer.from(o.payload, 'base64').toString('utf8')).policy), file);
    }
    return parsePolicyText(text, file);
  });
}
