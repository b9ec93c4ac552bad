import { KEYCHAIN_SERVICE, SecretStoreUnavailableError, type SecretStore } from './secret-store.ts';
import { redactSecrets } from '../util/redact.ts';

type KeyringModule = typeof import('@napi-rs/keyring');

/** How long one keychain call may take before we give up (a locked keychain may wait on an unlock prompt). */
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The OS keychain through @napi-rs/keyring: macOS Keychain, Windows Credential Manager, and on Linux the
 * Secret Service (gnome-keyring, KWallet, KeePassXC) ONLY. Every entry is pinned with
 * `{ linux: { store: 'secret-service' } }`, so without a Secret Service the library throws instead of silently
 * falling back to the kernel keyutils keyring (which forgets keys at reboot) — and nothing here falls back to files.
 */
export class KeyringSecretStore implements SecretStore {
  readonly service: string;
  readonly backend: string;
  private readonly timeoutMs: number;
  private mod: Promise<KeyringModule> | null = null;

  constructor(opts: { service?: string; timeoutMs?: number } = {}) {
    this.service = opts.service ?? KEYCHAIN_SERVICE;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.backend =
      process.platform === 'darwin'
        ? `macOS Keychain (service '${this.service}')`
        : process.platform === 'win32'
          ? `Windows Credential Manager (service '${this.service}')`
          : `Secret Service (service '${this.service}')`;
  }

  private async entry(account: string) {
    let m: KeyringModule;
    try {
      this.mod ??= import('@napi-rs/keyring');
      m = await this.mod;
    } catch (err) {
      this.mod = null;
      throw new SecretStoreUnavailableError(`the keychain library could not be loaded on ${process.platform}-${process.arch} (${oneLine(err)})`);
    }
    try {
      return new m.AsyncEntry(this.service, account, { linux: { store: 'secret-service' } });
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** Runs one keychain call with a deadline, turning every failure into a SecretStoreUnavailableError. */
  private async call<T>(what: string, fn: (signal: AbortSignal) => Promise<T>, secret?: string): Promise<T> {
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ac.abort();
        reject(new SecretStoreUnavailableError(`the keychain did not answer within ${this.timeoutMs / 1000}s while ${what} (is it waiting for an unlock prompt?)`));
      }, this.timeoutMs);
      timer.unref?.();
    });
    try {
      return await Promise.race([fn(ac.signal), deadline]);
    } catch (err) {
      if (err instanceof SecretStoreUnavailableError) throw err;
      throw unavailable(err, secret);
    } finally {
      clearTimeout(timer);
    }
  }

  async get(account: string): Promise<string | null> {
    const e = await this.entry(account);
    return this.call('reading a key', (signal) => e.getPassword(signal));
  }

  async set(account: string, secret: string): Promise<void> {
    const e = await this.entry(account);
    await this.call('storing a key', (signal) => e.setPassword(secret, signal), secret);
  }

  async delete(account: string): Promise<boolean> {
    const e = await this.entry(account);
    return this.call('removing a key', (signal) => e.deleteCredential(signal));
  }
}

function oneLine(err: unknown): string {
  return String((err as Error)?.message ?? err).replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** Says why the keychain refused, in words; the library's text never contains the key, and is redacted anyway. */
function unavailable(err: unknown, secret?: string): SecretStoreUnavailableError {
  const msg = redactSecrets(oneLine(err), secret ? [secret] : []);
  let reason = msg;
  if (/org\.freedesktop\.DBus\.Error\.(ServiceUnknown|NameHasNoOwner)|was not provided by any \.service/i.test(msg)) {
    reason = `no Secret Service is running on the D-Bus session bus; start gnome-keyring, KWallet or KeePassXC (${msg})`;
  } else if (/DBUS_SESSION_BUS_ADDRESS|session bus|autolaunch|Failed to connect to socket|Could not connect/i.test(msg)) {
    reason = `no D-Bus session bus is reachable, so the Secret Service cannot be asked (${msg})`;
  } else if (/prompt|locked|dismiss/i.test(msg)) {
    reason = `the keychain is locked and was not unlocked (${msg})`;
  } else if (/no result found/i.test(msg)) {
    reason = `the Secret Service has no default keyring to keep keys in; create one (e.g. in Passwords and Keys) (${msg})`;
  } else if (/NoStorageAccess|access/i.test(msg)) {
    reason = `the keychain refused access (${msg})`;
  }
  return new SecretStoreUnavailableError(reason);
}
