import { COMMANDS } from './commands/index.ts';
import { createCliContext, type CliIO } from './context.ts';
import { UserError } from '../core/util/errors.ts';
import { redactSecrets } from '../core/util/redact.ts';
import type { SecretStore } from '../core/secrets/secret-store.ts';

function help(): string {
  const names = Object.keys(COMMANDS);
  const w = Math.max(...names.map((n) => n.length));
  return [
    'airlock: a local AI gateway with keys in the OS keychain, routing, caching, DLP and budgets.',
    '',
    'Usage: airlock [--data-dir DIR] <command> [options]',
    '',
    'Commands:',
    ...names.map((n) => `  ${n.padEnd(w)}  ${COMMANDS[n]!.summary}`),
    '',
    'Every command accepts --data-dir DIR (or AIRLOCK_DATA_DIR). `airlock <command> --help` for details.',
  ].join('\n');
}

/** Pulls --data-dir out of argv wherever it appears, so every command accepts it. */
function takeDataDir(argv: string[]): { dataDir: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let dataDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--data-dir') {
      dataDir = argv[++i];
      if (!dataDir) throw new UserError('--data-dir needs a directory.', 2);
    } else if (a.startsWith('--data-dir=')) dataDir = a.slice('--data-dir='.length);
    else rest.push(a);
  }
  return { dataDir, rest };
}

/** Runs the CLI; returns the exit code. I/O and the keychain are injected so tests can run it in-process. */
export async function runCli(argv: string[], io: CliIO, secretsFactory: () => SecretStore | null): Promise<number> {
  let ctx;
  try {
    const { dataDir, rest } = takeDataDir(argv);
    const [name, ...args] = rest;
    if (!name || name === 'help' || name === '--help' || name === '-h') {
      io.out(help());
      return name ? 0 : 2;
    }
    const cmd = COMMANDS[name];
    if (!cmd) throw new UserError(`Unknown command '${name}'.\n\n${help()}`, 2);
    if (args.includes('--help') || args.includes('-h')) {
      io.out(cmd.usage);
      return 0;
    }
    ctx = createCliContext(io, dataDir ?? io.env.AIRLOCK_DATA_DIR, secretsFactory);
    return await cmd.run(args, ctx);
  } catch (err) {
    if (err instanceof UserError) {
      io.err(`airlock: ${err.message}`);
      return err.exitCode;
    }
    io.err(`airlock: unexpected error: ${redactSecrets((err as Error)?.stack ?? String(err))}`);
    return 1;
  }
}
