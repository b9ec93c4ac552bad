import type { ProviderRuntime } from '../providers/registry.ts';
import type { SecretStore } from './secret-store.ts';
import { SecretStoreUnavailableError } from './secret-store.ts';
import { GatewayError } from '../util/errors.ts';
import { KeyMissingError } from './keys-service.ts';

/** What resolves a provider's active keychain key (core.keys). */
export interface ActiveKeySource {
  activeKey(providerId: string): Promise<{ label: string; secret: string } | null>;
}

const NO_RETRY = { 'x-should-retry': 'false' };

/**
 * Finds the key for a provider at request time: the environment variable it names (read now, never copied;
 * it wins when set), else its active keychain key. Local providers may have none. A locked or missing keychain
 * becomes a 503 in the caller's protocol with the keychain's plain message: never a fallback to anything else.
 * Never logs or returns anything but the key itself.
 */
export async function resolveProviderKey(
  p: ProviderRuntime,
  deps: { env: NodeJS.ProcessEnv; secrets?: SecretStore | null; keys?: ActiveKeySource },
): Promise<string | null> {
  const keyEnv = p.record.keyEnv;
  if (keyEnv) {
    const v = deps.env[keyEnv];
    if (v) return v;
    throw new GatewayError(
      503,
      'api_error',
      `Provider '${p.id}' takes its key from the environment variable ${keyEnv}, which is not set where the gateway runs. Set it and restart the gateway, or store the key with \`airlock key set ${p.id}\`.`,
      { code: 'provider_key_missing', headers: NO_RETRY },
    );
  }
  if (deps.keys) {
    try {
      const k = await deps.keys.activeKey(p.id);
      if (k) return k.secret;
    } catch (err) {
      if (err instanceof SecretStoreUnavailableError) {
        throw new GatewayError(503, 'api_error', err.message, { code: 'keychain_unavailable', headers: NO_RETRY });
      }
      if (err instanceof KeyMissingError) throw new GatewayError(503, 'api_error', err.message, { code: 'provider_key_missing', headers: NO_RETRY });
      throw err;
    }
  }
  if (p.local) return null;
  throw new GatewayError(
    503,
    'api_error',
    `Provider '${p.id}' has no key. Store one with \`airlock key set ${p.id}\`, or reference an environment variable with \`airlock provider add ${p.id} --key-env VAR\`.`,
    { code: 'provider_key_missing', headers: NO_RETRY },
  );
}
