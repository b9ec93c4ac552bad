import type { CliContext } from '../context.ts';
import type { ProviderRecord } from '../../core/store/providers-repo.ts';

/** How `provider list` describes a provider's key: `env VAR`, `keychain …abcd`, or `missing`. Never the key. */
export async function describeKey(ctx: CliContext, p: ProviderRecord): Promise<string> {
  if (p.keyEnv) return `env ${p.keyEnv}`;
  const secrets = ctx.secrets();
  if (secrets) {
    try {
      const k = await secrets.get(p.id);
      if (k) return `keychain …${k.slice(-4)}`;
    } catch {
      return 'keychain unavailable';
    }
  }
  return 'missing';
}
