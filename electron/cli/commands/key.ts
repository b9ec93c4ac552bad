import type { Command } from './types.ts';
import type { CliContext } from '../context.ts';
import { parse, requirePositional } from '../args.ts';
import { table } from '../context.ts';
import { UserError } from '../../core/util/errors.ts';
import { redactSecrets } from '../../core/util/redact.ts';
import { SecretStoreUnavailableError } from '../../core/secrets/secret-store.ts';
import { KeyMissingError, type KeyTestResult } from '../../core/secrets/keys-service.ts';

const USAGE = `Usage:
  airlock key set <provider> [--label L] [--use] [--json]  store a key read from standard input (no echo on a terminal)
  airlock key list [provider] [--json]             stored keys: label, last 4 characters, which one is active
  airlock key use <provider> <label>               switch the provider to another stored key
  airlock key remove <provider> [--label L]        delete one key, or all of the provider's keys
  airlock key test <provider> [--json]             a cheap authenticated call: works, rejected or unreachable

Keys live in the OS keychain (service 'Airlock', one item per key); Airlock's database keeps only the label and
the last 4 characters. A key is never taken from the command line (it would land in shell history and the
process list): paste it at the prompt, or pipe it, e.g. \`airlock key set openai < key.txt\`.
The first key of a provider (and a new value for the active label) is used at once; other labels wait for
\`--use\` or \`airlock key use\`. A provider added with --key-env uses that variable instead.`;

/** Echoes a user-typed word in a message only when it cannot be a key. */
function safe(word: string): string {
  return word.length > 40 ? '[redacted]' : redactSecrets(word);
}

/** Keychain and key failures become the plain CLI error they already are (no stack, no key bytes). */
async function keychain<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SecretStoreUnavailableError || err instanceof KeyMissingError) throw new UserError(err.message);
    throw err;
  }
}

/** Reads one line from the terminal without echoing it. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let buf = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      // Bracketed-paste markers are not part of the key.
      for (const ch of chunk.replace(/\x1b\[20[01]~/g, '')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          done();
          resolve(buf);
          return;
        }
        if (ch === '\u0003') {
          done();
          reject(new UserError('Cancelled; nothing was stored.', 130));
          return;
        }
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readKey(ctx: CliContext, providerId: string, label: string): Promise<string> {
  if (ctx.io.isTTY && process.stdin.isTTY) return readHidden(`Paste the key for '${providerId}' (label '${label}'), then press Enter: `);
  return ctx.io.readStdin();
}

function printTest(ctx: CliContext, r: KeyTestResult, json: boolean | undefined): number {
  if (json) ctx.io.out(JSON.stringify(r));
  else {
    const head = { works: 'works', rejected: 'key rejected', unreachable: 'provider unreachable', 'no-key': 'no key', 'keychain-unavailable': 'keychain unavailable' }[r.status];
    ctx.io.out(`${head}: ${r.message}`);
  }
  return r.status === 'works' ? 0 : 1;
}

export const keyCommand: Command = {
  summary: 'store, list, switch, test and remove provider keys (kept in the OS keychain)',
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const { io } = ctx;
    if (sub === 'set' || sub === 'add') {
      const { values, positionals } = parse(rest, { label: { type: 'string' }, use: { type: 'boolean' }, json: { type: 'boolean' } }, USAGE);
      const id = requirePositional(positionals, 0, 'provider id', USAGE);
      if (positionals.length > 1) {
        throw new UserError('`airlock key set` takes no key on the command line (it would be kept in shell history and visible to other processes). Nothing was stored. Paste it at the prompt or pipe it: `airlock key set ' + safe(id) + ' < key.txt`.', 2);
      }
      const core = ctx.core();
      if (!core.providers.get(id)) throw new UserError(`No provider named '${safe(id)}'. Add it first with \`airlock provider add ${safe(id)} ...\`; see \`airlock provider list\`.`);
      const label = values.label ?? 'default';
      const secret = await readKey(ctx, id, label);
      const k = await keychain(() => core.keys.set(id, secret, { label, activate: values.use ? true : undefined }));
      const where = core.secrets?.backend ?? 'the system keychain';
      if (values.json) {
        // The last 4 characters only, like `key list --json`: never the key.
        io.out(JSON.stringify({ provider: id, label: k.label, hint: k.hint, active: k.active, key_env: core.providers.get(id)?.keyEnv ?? null }));
        return 0;
      }
      io.out(`Stored key '${k.label}' for '${id}' (${k.hint ? `…${k.hint}` : 'short key'}) in ${where}.`);
      if (k.active) io.out(`'${id}' uses it now.`);
      else io.out(`'${id}' still uses its key '${core.keys.repo.active(id)?.label ?? '?'}'. Switch with \`airlock key use ${id} ${k.label}\`.`);
      if (core.providers.get(id)?.keyEnv) io.out(`Note: '${id}' takes its key from the environment variable ${core.providers.get(id)!.keyEnv}, which wins over the keychain.`);
      return 0;
    }
    if (sub === 'list' || sub === 'ls') {
      const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, USAGE);
      const keys = await ctx.core().keys.list(positionals[0]);
      if (values.json) {
        io.out(JSON.stringify(keys.map((k) => ({ provider: k.providerId, label: k.label, hint: k.hint, active: k.active, created_at: new Date(k.createdAt).toISOString() }))));
        return 0;
      }
      if (keys.length === 0) {
        io.out(positionals[0] ? `No keys stored for '${safe(positionals[0])}'. Store one with \`airlock key set ${safe(positionals[0])}\`.` : 'No keys stored. Store one with `airlock key set <provider>`.');
        return 0;
      }
      io.out(
        table([
          ['PROVIDER', 'LABEL', 'KEY', 'ACTIVE', 'ADDED'],
          ...keys.map((k) => [k.providerId, k.label, k.hint ? `…${k.hint}` : '(short)', k.active ? 'yes' : '', new Date(k.createdAt).toISOString().slice(0, 16).replace('T', ' ')]),
        ]),
      );
      return 0;
    }
    if (sub === 'use') {
      const { positionals } = parse(rest, {}, USAGE);
      const id = requirePositional(positionals, 0, 'provider id', USAGE);
      const label = requirePositional(positionals, 1, 'key label', USAGE);
      await keychain(() => ctx.core().keys.use(id, label));
      io.out(`'${id}' now uses its key '${label}'.`);
      return 0;
    }
    if (sub === 'remove' || sub === 'rm' || sub === 'delete') {
      const { values, positionals } = parse(rest, { label: { type: 'string' } }, USAGE);
      const id = requirePositional(positionals, 0, 'provider id', USAGE);
      const core = ctx.core();
      const before = core.keys.repo.list(id).filter((k) => values.label === undefined || k.label === values.label);
      const removed = await keychain(() => core.keys.remove(id, values.label));
      if (!removed) throw new UserError(values.label ? `Provider '${safe(id)}' has no key labelled '${safe(values.label)}'.` : `Provider '${safe(id)}' has no stored keys.`);
      io.out(`Removed ${before.length > 1 ? `${before.length} keys` : `key '${before[0]?.label ?? values.label}'`} of '${id}' from the keychain.`);
      if (before.some((k) => k.active) && core.keys.repo.list(id).length > 0) io.out(`'${id}' has no active key now; choose one with \`airlock key use ${id} <label>\`.`);
      return 0;
    }
    if (sub === 'test') {
      const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, USAGE);
      const id = requirePositional(positionals, 0, 'provider id', USAGE);
      const core = ctx.core();
      if (!core.providers.get(id)) throw new UserError(`No provider named '${safe(id)}'. See \`airlock provider list\`.`);
      return printTest(ctx, await core.keys.test(id), values.json);
    }
    throw new UserError(sub ? `Unknown subcommand 'key ${safe(sub)}'.\n\n${USAGE}` : USAGE, 2);
  },
};
