import type { ProviderRuntime } from '../providers/registry.ts';
import type { SecretStore } from './secret-store.ts';
import { GatewayError } from '../util/errors.ts';

/**
 * Finds the key for a provider at request time: the environment variable it names (read now, never copied),
 * else its keychain item. Local providers may have none. Never logs or returns anything but the key itself.
 */
export async function resolveProviderKey(
  p: ProviderRuntime,
  deps: { env: NodeJS.ProcessEnv; secrets?: SecretStore | null },
): Promise<string | null> {
  const keyEnv = p.record.keyEnv;
  if (keyEnv) {
    const v = deps.env[keyEnv];
    if (v) return v;
    throw new GatewayError(
      503,
      'api_error',
      `Provider '${p.id}' takes its key from the environment variable ${keyEnv}, which is not set where the gateway runs. Set it and restart the gateway, or store the key with \`airlock key set ${p.id}\`.`,
      { code: 'provider_key_missing', headers: { 'x-should-retry': 'false' } },
    );
  }
  if (deps.secrets) {
    const k = await deps.secrets.get(p.id);
    if (k) return k;
  }
  if (p.local) return null;
  throw new GatewayError(
    503,
    'api_error',
    `Provider '${p.id}' has no key. Store one with \`airlock key set ${p.id}\`, or reference an environment variable with \`airlock provider add ${p.id} --key-env VAR\`.`,
    { code: 'provider_key_missing', headers: { 'x-should-retry': 'false' } },
  );
}
