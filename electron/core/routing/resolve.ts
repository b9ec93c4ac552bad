import type { LiveConfig } from '../core.ts';
import type { RouteCandidate } from '../pipeline/context.ts';
import { lookupModel } from './catalog.ts';
import { GatewayError } from '../util/errors.ts';

/**
 * Turns a requested model name into candidates.
 * `<provider-id>/<model>` addresses a provider directly; a bare name goes to the one provider that serves it.
 */
export function resolveModel(live: LiveConfig, requested: string): { candidates: RouteCandidate[]; rule: string } {
  const providers = live.providers;
  if (providers.size === 0) {
    throw new GatewayError(
      503,
      'api_error',
      'No provider is configured in Airlock yet. Add one, e.g. `airlock provider add openai --key-env OPENAI_API_KEY`.',
      { code: 'no_provider_configured', headers: { 'x-should-retry': 'false' } },
    );
  }
  const slash = requested.indexOf('/');
  if (slash > 0) {
    const p = providers.get(requested.slice(0, slash));
    const model = requested.slice(slash + 1);
    if (p && model) return { candidates: [{ provider: p, model, info: lookupModel(p.catalogProvider, model) }], rule: 'explicit-provider' };
  }
  if (providers.size === 1) {
    const p = providers.values().next().value!;
    return { candidates: [{ provider: p, model: requested, info: lookupModel(p.catalogProvider, requested) }], rule: 'only-provider' };
  }
  const serving = [...providers.values()].filter((p) => p.knownModels.has(requested));
  if (serving.length === 1) {
    const p = serving[0]!;
    return { candidates: [{ provider: p, model: requested, info: lookupModel(p.catalogProvider, requested) }], rule: 'bare-model' };
  }
  const ids = [...providers.keys()];
  if (serving.length > 1) {
    throw new GatewayError(
      400,
      'invalid_request_error',
      `Model '${requested}' is offered by more than one provider (${serving.map((p) => p.id).join(', ')}). Name one: ${serving.map((p) => `'${p.id}/${requested}'`).join(' or ')}.`,
      { param: 'model', code: 'ambiguous_model' },
    );
  }
  throw new GatewayError(
    404,
    'not_found_error',
    `Model '${requested}' is not known to any configured provider (${ids.join(', ')}). Address it as '<provider>/<model>', e.g. '${ids[0]}/${requested}', or list models with GET /v1/models.`,
    { param: 'model', code: 'model_not_found' },
  );
}
