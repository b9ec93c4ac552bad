import type { SecretStore } from './secret-store.ts';

/**
 * The platform keychain for this machine. Until the keychain adapter lands, there is none and keys come from
 * environment variables only (`--key-env`).
 */
export function createSecretStore(): SecretStore | null {
  return null;
}
