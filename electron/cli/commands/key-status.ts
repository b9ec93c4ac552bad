import type { CliContext } from '../context.ts';
import type { ProviderRecord } from '../../core/store/providers-repo.ts';

/**
 * How `provider list` describes a provider's key: `env VAR`, `keychain …abcd`, `missing`, `not needed (local)`
 * or `keychain unavailable: <reason>`. Never the key.
 */
export async function describeKey(ctx: CliContext, p: ProviderRecord): Promise<string> {
  return ctx.core().keys.describe(p.id);
}
