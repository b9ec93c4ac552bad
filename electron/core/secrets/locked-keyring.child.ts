// Run by keychain-unavailable.test.ts inside its OWN private keyring (scripts/with-keyring.sh), because it locks
// that keyring: stores a key, locks the collection over D-Bus (Secret.Service.Lock), then tries every path that
// needs a key. Prints one JSON object with what each path answered.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startHarness } from '../testing/harness.ts';
import { runCli } from '../../cli/run.ts';
import { KeyringSecretStore } from './keyring-store.ts';
import { lockKeyring } from './keyring-testing.ts';

const KEY = `sk-locked-${crypto.randomBytes(18).toString('hex')}`;
const KEY_NEW = `sk-locked-new-${crypto.randomBytes(18).toString('hex')}`;
const store = new KeyringSecretStore();
const h = await startHarness({ secrets: store });
h.core.providers.add({ id: 'kc', type: 'openai-compatible', preset: null, baseUrl: h.mock.url, keyEnv: null, options: { catalogProvider: 'openai', local: false } });

async function cli(args: string[], stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--data-dir', h.dataDir, ...args], { out: (l) => out.push(l), err: (l) => err.push(l), readStdin: async () => stdin, env: { ...process.env }, isTTY: false }, () => store);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function request() {
  const r = await fetch(`${h.gateway.url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'kc/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: r.status, retry: r.headers.get('x-should-retry'), body: await r.json() };
}

const result: Record<string, unknown> = {};
try {
  await h.core.keys.set('kc', KEY);
  const unlocked = await request();
  result.unlocked = { status: unlocked.status, sawKey: h.mock.requests.at(-1)?.headers.authorization === `Bearer ${KEY}` };

  lockKeyring();
  h.core.keys.invalidate(); // the gateway keeps a key it read for up to a minute; a fresh read must hit the lock
  const upstreamBefore = h.mock.requests.length;
  result.gateway = await request();
  result.cliSet = await cli(['key', 'set', 'kc', '--label', 'new'], KEY_NEW);
  result.cliTest = await cli(['key', 'test', 'kc', '--json']);
  result.cliUse = await cli(['key', 'use', 'kc', 'default']);
  result.cliRemove = await cli(['key', 'remove', 'kc']);
  result.providerList = await cli(['provider', 'list', '--json']);
  result.providerRemove = await cli(['provider', 'remove', 'kc']);
  result.upstreamCalls = h.mock.requests.length - upstreamBefore;
  result.metadataAfter = h.core.keys.repo.list('kc').map((k) => k.label);
  result.providerStillThere = Boolean(h.core.providers.get('kc'));
  await new Promise((r) => setImmediate(r));
  h.core.requestLog.flush();
  const leaks: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const b = fs.readFileSync(p);
        if (b.includes(KEY) || b.includes(KEY_NEW)) leaks.push(e.name);
      }
    }
  };
  walk(h.dataDir);
  result.leaks = leaks;
  result.keyInOutput = JSON.stringify(result).includes(KEY) || JSON.stringify(result).includes(KEY_NEW);
} finally {
  await h.close();
}
process.stdout.write(JSON.stringify(result) + '\n');
