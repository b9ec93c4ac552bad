import { spawnSync } from 'node:child_process';
import { KeyringSecretStore } from './keyring-store.ts';

/**
 * For keychain tests. They only ever write to the private Secret Service that scripts/with-keyring.sh starts
 * (it sets AIRLOCK_TEST_KEYRING=1), never to a developer's own keyring. Returns the reason to skip when there is
 * none; throws when the script promised one but it does not work (so CI cannot silently skip).
 */
export async function keyringSkipReason(): Promise<string | null> {
  if (process.env.AIRLOCK_TEST_KEYRING !== '1') {
    const ci = process.env.CI;
    if (ci && ci !== 'false' && ci !== '0') throw new Error('CI must run the keychain tests: run them through scripts/with-keyring.sh (npm test does)');
    return 'no private Secret Service: run the tests through scripts/with-keyring.sh (npm test does; needs dbus and gnome-keyring)';
  }
  const s = new KeyringSecretStore();
  const account = `probe:${process.pid}`;
  await s.set(account, 'probe-value-0000');
  if ((await s.get(account)) !== 'probe-value-0000') throw new Error('the private Secret Service did not return what was stored');
  await s.delete(account);
  return null;
}

/**
 * What the libsecret CLI (not our code) finds under service `Airlock`: the usernames (keychain accounts)
 * and the secrets it printed. `secret-tool search --all` prints secrets on stdout and attributes on stderr.
 */
export function secretToolSearch(): { accounts: string[]; secrets: string[] } {
  const r = spawnSync('secret-tool', ['search', '--all', 'service', 'Airlock'], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return {
    accounts: [...r.stderr.matchAll(/^attribute\.username = (.*)$/gm)].map((m) => m[1]!).sort(),
    secrets: [...r.stdout.matchAll(/^secret = (.*)$/gm)].map((m) => m[1]!).sort(),
  };
}

/** Locks the default collection over D-Bus (org.freedesktop.Secret.Service.Lock), as a screen lock would. */
export function lockKeyring(): void {
  // dbus-send (package dbus-bin, a dependency of dbus) rather than gdbus, which a minimal install may lack.
  const r = spawnSync(
    'dbus-send',
    ['--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/aliases/default'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`locking the keyring failed: ${r.stderr || r.error}`);
}
