#!/usr/bin/env node
// The `airlock` command. Runs under plain Node (24+), never Electron.
import { runCli } from './run.ts';
import type { CliIO } from './context.ts';
import { createSecretStore } from '../core/secrets/create.ts';

const io: CliIO = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  env: process.env,
  isTTY: Boolean(process.stdin.isTTY),
};

const code = await runCli(process.argv.slice(2), io, () => createSecretStore());
process.exitCode = code;
