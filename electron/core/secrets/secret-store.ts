/**
 * Where provider keys live. The desktop shell and the CLI both hand core an implementation
 * (the OS keychain in production); core never reads a key from anywhere else but this and the environment.
 */
export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

/** A keychain that is locked, missing, or refused us. Its message is safe to show (no key bytes). */
export class SecretStoreUnavailableError extends Error {
  constructor(reason: string) {
    super(
      `The system keychain is locked or unavailable: ${reason}. Unlock it, or reference an environment variable with --key-env.`,
    );
    this.name = 'SecretStoreUnavailableError';
  }
}
