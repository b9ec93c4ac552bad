// For tests: the CLI run in-process, with what it prints collected.
import { runCli } from './run.ts';
import type { SecretStore } from '../core/secrets/secret-store.ts';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs `airlock <argv>` in-process (not a TTY) and returns the exit code and the printed lines joined by newlines.
 * `env` defaults to a copy of process.env, `stdin` to nothing, `secrets` to no keychain.
 */
export async function runCliCaptured(argv: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv; secrets?: () => SecretStore | null } = {}): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l), readStdin: async () => opts.stdin ?? '', env: opts.env ?? { ...process.env }, isTTY: false };
  const code = await runCli(argv, io, opts.secrets ?? (() => null));
  return { code, out: out.join('\n'), err: err.join('\n') };
}
