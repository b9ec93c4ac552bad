// CLI consistency (in-process, fast): exit codes (2 = usage error, 1 = not found or refused), --json on every
// creating and listing command, number validation, and wording.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tempDataDir } from '../core/testing/harness.ts';
import { runCli } from './run.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const mkdir = () => {
  const d = tempDataDir('airlock-polish-');
  dirs.push(d);
  return d;
};

async function cli(dir: string, args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--data-dir', dir, ...args], { out: (l) => out.push(l), err: (l) => err.push(l), readStdin: async () => stdin, env: { AIRLOCK_TZ: 'UTC' }, isTTY: false }, () => null);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('not found is exit 1 everywhere; a malformed command is exit 2', async () => {
  const dir = mkdir();
  for (const args of [
    ['budget', 'remove', '99'],
    ['budget', 'remove', '--scope', 'global', '--window', 'month'],
    ['limit', 'remove', '--scope', 'client:nobody'],
    ['model', 'remove', 'openai/nope'],
    ['provider', 'remove', 'nope'],
    ['route', 'remove', 'nope'],
    ['token', 'revoke', 'nope'],
  ]) {
    const r = await cli(dir, args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, /^airlock: No /, args.join(' '));
  }
  for (const args of [
    ['budget', 'remove', '--scope', 'global', '--window', 'year'],
    ['budget', 'remove'],
    ['limit', 'remove'],
    ['model', 'remove', 'no-slash'],
  ]) {
    assert.equal((await cli(dir, args)).code, 2, args.join(' '));
  }
});
