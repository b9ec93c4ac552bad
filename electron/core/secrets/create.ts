import type { SecretStore } from './secret-store.ts';
import { KeyringSecretStore } from './keyring-store.ts';

/**
 * The platform keychain for this machine: macOS Keychain, Windows Credential Manager, or the Linux Secret Service
 * (pinned: never the kernel keyring, never a file). The desktop app and `airlock serve` both use this, so they
 * share the same items (service `Airlock`). A missing or locked keychain shows up as SecretStoreUnavailableError
 * on use, never at creation, so commands that need no key keep working.
 */
export function createSecretStore(): SecretStore | null {
  return new KeyringSecretStore();
}
