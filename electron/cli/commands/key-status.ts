import type { CliContext } from '../context.ts';
import type { ProviderRecord } from '../../core/store/providers-repo.ts';

/**
 * How `provider list` describes a provider's key: `env VAR`, `keychain …abcd`, `missing` or
 * `keychain unavailable: <reason>`. Never the key. (A local provider without a key is listed as `missing`,
 * like the foundation's listing; KeyService.describe says `not needed (local)` for the desktop UI.)
 */
export async function describeKey(ctx: CliContext, p: ProviderRecord): Promise<string> {
  const d = await ctx.core().keys.describe(p.id);
  return d === 'not needed (local)' ? 'missing' : d;
}
