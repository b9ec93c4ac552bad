/**
 * Where provider keys live. The desktop shell and the CLI both hand core an implementation
 * (the OS keychain in production); core never reads a key from anywhere else but this and the environment.
 *
 * `account` names one keychain item (service `Airlock`, one item per key: `<provider>:<label>`).
 * Every method throws SecretStoreUnavailableError when the keychain is locked, missing or refuses us;
 * `get` returns null only when the keychain answered and has no such item.
 */
export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
  /** A short human name for where items live, e.g. "Secret Service (service 'Airlock')". */
  readonly backend?: string;
}

/** A keychain that is locked, missing, or refused us. Its message is safe to show (no key bytes). */
export class SecretStoreUnavailableError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(
      `The system keychain is locked or unavailable: ${reason}. Unlock it, or reference an environment variable with --key-env.`,
    );
    this.name = 'SecretStoreUnavailableError';
    this.reason = reason;
  }
}

/** The keychain service name every Airlock item is stored under (desktop app and CLI share it). */
export const KEYCHAIN_SERVICE = 'Airlock';

/** The keychain account (item name) of one provider key. */
export function keyAccount(providerId: string, label: string): string {
  return `${providerId}:${label}`;
}
