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

test('numbers: negative values reach the check (no "ambiguous argument"), the message states the rule and quotes the input', async () => {
  const dir = mkdir();
  for (const [args, msg] of [
    [['budget', 'set', '--scope', 'global', '--limit-usd', '-5', '--window', 'month'], /--limit-usd must be a number of 0 or more \(got '-5'\)/],
    [['budget', 'set', '--scope', 'global', '--limit-tokens', '-1', '--window', 'month'], /--limit-tokens must be a whole number of 0 or more \(got '-1'\)/],
    [['budget', 'config', '--reserve-output-cap', '0'], /--reserve-output-cap must be a whole number of 1 or more \(got '0'\)/],
    [['limit', 'set', '--scope', 'client:a', '--rpm', '1.5'], /--rpm must be a whole number of 1 or more \(got '1\.5'\)/],
    [['limit', 'set', '--scope', 'client:a', '--rpm', '0'], /--rpm must be a whole number of 1 or more \(got '0'\)/],
    [['limit', 'set', '--scope', 'client:a', '--tpm', '-100'], /--tpm must be a whole number of 1 or more \(got '-100'\)/],
    [['audit', 'list', '--limit', '-1'], /--limit must be a whole number of 1 or more \(got '-1'\)/],
    [['audit', 'list', '--limit', 'abc'], /--limit must be a whole number of 1 or more \(got 'abc'\)/],
    [['policy', 'sign', 'p.json', '--key', 'k.key', '--tenant', 't', '--version', 'abc', '--expires', '30d', '--out', 'b.json'], /--version must be a whole number of 1 or more \(got 'abc'\)/],
    [['policy', 'trust', '--pub', 'a.pub', '--tenant', 't', '--threshold', '-2', '--out', 't.json'], /--threshold must be a whole number of 1 or more \(got '-2'\)/],
    [['model', 'set', 'x/y', '--context', '-5', '--input-usd-per-mtok', '1', '--output-usd-per-mtok', '1'], /--context must be a whole number of 0 or more \(got '-5'\)/],
  ] as const) {
    const r = await cli(dir, [...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, msg, args.join(' '));
    assert.doesNotMatch(r.err, /ambiguous|NaN/, args.join(' '));
  }
  // A good number still works, and --limit limits.
  assert.equal((await cli(dir, ['limit', 'set', '--scope', 'client:a', '--rpm', '1'])).code, 0);
  assert.equal((await cli(dir, ['limit', 'set', '--scope', 'client:a', '--rpm', '2'])).code, 0);
  await new Promise((r) => setImmediate(r));
  const listed = await cli(dir, ['audit', 'list', '--limit', '1', '--json']);
  assert.equal(listed.code, 0, listed.err);
  assert.equal(JSON.parse(listed.out).length, 1);
});
