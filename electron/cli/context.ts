import { Core } from '../core/core.ts';
import { defaultDataDir } from '../core/paths.ts';
import type { SecretStore } from '../core/secrets/secret-store.ts';

export interface CliIO {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Reads all of standard input (for `key set`, `dlp scan`). */
  readStdin: () => Promise<string>;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
}

export interface CliContext {
  io: CliIO;
  dataDir: string;
  /** Opens the data directory's core (database etc.) once, on first use. */
  core(): Core;
  /** The OS keychain, created on first use (null when the platform has none). */
  secrets(): SecretStore | null;
}

export function createCliContext(io: CliIO, dataDirFlag: string | undefined, secretsFactory: () => SecretStore | null): CliContext {
  const dataDir = dataDirFlag ?? defaultDataDir(io.env);
  let core: Core | null = null;
  let secrets: SecretStore | null | undefined;
  const ctx: CliContext = {
    io,
    dataDir,
    secrets() {
      if (secrets === undefined) secrets = secretsFactory();
      return secrets;
    },
    core() {
      core ??= new Core({ dataDir, env: io.env, secrets: ctx.secrets() });
      return core;
    },
  };
  return ctx;
}

/** Prints rows as aligned columns. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}
