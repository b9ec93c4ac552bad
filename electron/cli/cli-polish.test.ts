// CLI consistency (in-process, fast): exit codes (2 = usage error, 1 = not found or refused), --json on every
// creating and listing command, number validation, and wording.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tempDataDir } from '../core/testing/harness.ts';
import path from 'node:path';
import { runCliCaptured } from './testing.ts';
import { COMMANDS } from './commands/index.ts';
import { MemorySecrets } from '../core/testing/doubles.ts';
import { resolveModel } from '../core/routing/resolve.ts';
import { GENESIS, entryHash, verifyChain, type AuditEntry } from '../core/audit/chain.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const mkdir = () => {
  const d = tempDataDir('airlock-polish-');
  dirs.push(d);
  return d;
};

const secrets = new MemorySecrets();

const cli = (dir: string, args: string[], stdin = '') => runCliCaptured(['--data-dir', dir, ...args], { stdin, env: { AIRLOCK_TZ: 'UTC' }, secrets: () => secrets });

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

test('--json on every creating and listing command, and each usage text says so', async () => {
  const dir = mkdir();
  const json = async (args: string[], stdin = '') => {
    const r = await cli(dir, [...args, '--json'], stdin);
    assert.equal(r.code, 0, `${args.join(' ')} --json: ${r.err}`);
    try {
      return JSON.parse(r.out);
    } catch {
      assert.fail(`${args.join(' ')} --json printed no JSON: ${r.out}`);
    }
  };
  let j = await json(['budget', 'set', '--scope', 'global', '--limit-usd', '20', '--window', 'month']);
  assert.equal(j.scope, 'global');
  assert.equal(j.limit_usd, 20);
  assert.deepEqual(j.notes, []);
  j = await json(['budget', 'config']);
  assert.deepEqual(j, { time_zone: 'UTC', time_zone_source: j.time_zone_source, reserve_output_cap: 4096 });
  assert.deepEqual(await json(['limit', 'set', '--scope', 'client:aider', '--rpm', '60']), { scope: 'client:aider', rpm: 60, tpm: null });
  assert.equal((await json(['route', 'set', 'coder', 'openai/gpt-4o'])).alias, 'coder');
  assert.equal((await json(['model', 'set', 'openai/my-tune', '--input-usd-per-mtok', '1', '--output-usd-per-mtok', '2'])).model, 'openai/my-tune');
  assert.equal((await json(['dlp', 'set', 'EMAIL', 'redact'])).action, 'redact');
  await json(['provider', 'add', 'openai']);
  j = await json(['key', 'set', 'openai'], 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789wxyz');
  assert.deepEqual(j, { provider: 'openai', label: 'default', hint: 'wxyz', active: true, key_env: null });
  assert.equal((await json(['key', 'list']))[0].hint, 'wxyz');

  const adm = mkdir();
  const pre = path.join(adm, 'acme');
  j = await json(['policy', 'keygen', '--out', pre]);
  assert.deepEqual(Object.keys(j), ['key_file', 'pub_file', 'keyid']);
  assert.match(j.keyid, /^[0-9a-f]{64}$/);
  j = await json(['policy', 'trust', '--pub', `${pre}.pub`, '--tenant', 'acme', '--out', path.join(adm, 'trust.json')]);
  assert.equal(j.tenant, 'acme');
  assert.equal(j.threshold, 1);
  fs.writeFileSync(path.join(adm, 'p.json'), '{}');
  j = await json(['policy', 'sign', path.join(adm, 'p.json'), '--key', `${pre}.key`, '--tenant', 'acme', '--version', '3', '--expires', '30d', '--out', path.join(adm, 'b.json')]);
  assert.equal(j.version, 3);

  // audit verify --json: the verdict on stdout, the exit code unchanged.
  await new Promise((r) => setImmediate(r));
  j = await json(['audit', 'verify']);
  assert.equal(j.ok, true);
  assert.ok(j.entries >= 7, `entries: ${j.entries}`);
  assert.deepEqual(j.problems, []);
  const bad = path.join(adm, 'bad.jsonl');
  fs.writeFileSync(bad, 'not an export\n');
  const r = await cli(dir, ['audit', 'verify', '--file', bad, '--json']);
  assert.equal(r.code, 1);
  assert.equal(JSON.parse(r.out).ok, false);

  // Every usage line of a creating or listing subcommand offers --json.
  const creating = /^\s*airlock (\S+) (set|add|create|list|ls|keygen|trust|sign|verify|stats|config|show|diff|explain)\b/;
  for (const [name, cmd] of Object.entries(COMMANDS)) {
    const lines = cmd.usage.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!creating.test(lines[i]!)) continue;
      // A usage entry may wrap onto indented continuation lines.
      let entry = lines[i]!;
      for (let k = i + 1; k < lines.length && /^\s{6,}\[/.test(lines[k]!); k++) entry += lines[k];
      if (/^\s*airlock config set /.test(entry)) continue; // a gateway setting's KEY VALUE, not a record
      assert.match(entry, /--json/, `\`airlock ${name}\` usage: ${entry.trim()}`);
    }
  }
});

test('wording: articles, a valid id suggested, the local-provider hint, an unknown model hint that can work, entry/entries', async () => {
  const dir = mkdir();
  let r = await cli(dir, ['provider', 'add', 'kp', '--type', 'openai-compatible']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--base-url is needed for an openai-compatible provider/);
  r = await cli(dir, ['provider', 'add', 'Foo/bar', '--type', 'openai-compatible', '--base-url', 'https://api.example.com/v1']);
  assert.equal(r.code, 2);
  assert.match(r.err, /Provider id 'Foo\/bar' is not valid/);
  assert.match(r.err, /Try 'foo-bar'\./);
  assert.doesNotMatch(r.err, /foo\/bar\//, 'no invalid id in the example');
  r = await cli(dir, ['provider', 'add', 'kp', '--type', 'openai-compatible', '--base-url', 'http://127.0.0.1:8080/v1']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /no key is needed; if your server wants one, `airlock key set kp`/);
  assert.doesNotMatch(r.out, /Next: store its key/);
  assert.match((await cli(dir, ['provider', 'list'])).out, /key: not needed \(local\)/, 'add and list agree');
  r = await cli(dir, ['provider', 'add', 'remote', '--type', 'openai-compatible', '--base-url', 'https://api.example.com/v1']);
  assert.match(r.out, /Next: store its key with `airlock key set remote`/);

  // The unknown-model hint suggests something that can work.
  const live = (entries: [string, string[]][]) => ({ providers: new Map(entries.map(([id, models]) => [id, { id, catalogProvider: null, knownModels: new Set(models) }])) }) as never;
  const msg = (l: unknown, model: string) => {
    try {
      resolveModel(l as never, model);
    } catch (e) {
      return (e as Error).message;
    }
    assert.fail(`${model} resolved`);
  };
  const two = live([['ant', ['claude-x']], ['oai', ['gpt-4o']]]);
  let m = msg(two, 'nope/x');
  assert.match(m, /'nope' is not a configured provider \(configured: ant, oai\)/);
  assert.doesNotMatch(m, /ant\/nope\/x/, 'no provider/<provider>/<model> guess');
  m = msg(two, 'oaj/gpt-4o');
  assert.match(m, /Did you mean 'oai\/gpt-4o'\?/);
  m = msg(live([['ant', ['claude-x']], ['openrouter', ['openai/gpt-4o-mini']]]), 'openai/gpt-4o');
  assert.match(m, /Did you mean 'openrouter\/openai\/gpt-4o'\?/, 'a provider with namespaced model ids');
  m = msg(two, 'nope');
  assert.match(m, /e\.g\. 'ant\/nope'/);

  // Audit verify names one missing entry in the singular, a run in the plural.
  const chain: AuditEntry[] = [];
  let prev = GENESIS;
  for (let seq = 1; seq <= 6; seq++) {
    const e = { seq, ts: 1_700_000_000_000 + seq, type: 'test.event', data: { i: seq }, prev };
    const hash = entryHash(e);
    chain.push({ ...e, hash });
    prev = hash;
  }
  assert.match(verifyChain(chain.filter((e) => e.seq !== 3), []).problems.join('\n'), /entry #3 is missing before entry #4/);
  assert.match(verifyChain(chain.filter((e) => e.seq !== 3 && e.seq !== 4), []).problems.join('\n'), /entries #3\.\.#4 are missing before entry #5/);
});
