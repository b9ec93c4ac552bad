// App API handlers for stored prompts and answers (contract: requests.body, requests.bodies).
import type { Core } from '../core.ts';
import type { Output } from '../../../shared/api/contract.ts';
import { ApiError } from '../../../shared/api/errors.ts';
import { bodyStoreOf } from './store.ts';
import { effectiveStorePrompts } from '../api/settings.ts';

export function bodiesHandlers(core: Core) {
  const store = bodyStoreOf(core);
  return {
    'requests.body': ({ requestId }: { requestId: string }): Output<'requests.body'> => {
      const b = store.get(requestId);
      if (b) return b;
      const s = effectiveStorePrompts(core);
      const why = !s.setting
        ? 'Storing prompts is off (Settings → Privacy), so only types and counts are logged.'
        : !s.allowed
          ? `Storing prompts is not allowed by ${s.limit?.by ?? 'the policy'}.`
          : 'It was not stored (blocked before it was sent, stored before the setting was on, or deleted by retention).';
      throw new ApiError('not_found', `No stored prompt for request '${requestId}'. ${why}`);
    },
    'requests.bodies': ({ limit, before }: { limit?: number; before?: number }): Output<'requests.bodies'> => ({
      bodies: store.list({ limit, before }),
      total: store.count(),
    }),
  };
}
