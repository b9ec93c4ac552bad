import type { Command } from './types.ts';
import { parse, requirePositional } from '../args.ts';
import { table } from '../context.ts';
import { UserError } from '../../core/util/errors.ts';
import { ALIAS_RE, BUILTIN_ROUTES, type RouteSpec, type SemanticCacheSpec } from '../../core/routing/routes.ts';
import { RouteLockedError, removeRoute, setRoute, userRoutes } from '../../core/routing/admin.ts';
import { DEFAULT_THRESHOLD } from '../../core/cache/semantic.ts';
import { routingOf } from '../../core/routing/runtime.ts';
import { parseDuration } from '../../core/util/duration.ts';
import { discoveryBeforeRoute, resolveRoute } from '../../core/routing/resolve.ts';

const USAGE = `Usage:
  airlock route set <alias> <provider>/<model>... [--auto] [--min-tier 1|2|3] [--max-tier 1|2|3]
                    [--cache on|off] [--cache-ttl 1h] [--baseline <provider>/<model>]
                    [--semantic <provider>/<embedding-model>|off] [--semantic-threshold 0.95] [--semantic-ttl 1h] [--json]
  airlock route list [--json]
  airlock route remove <alias>
  airlock route explain <alias-or-model> [--prompt TEXT] [--tools] [--image] [--json-schema] [--max-tokens N] [--json]

A route is a name clients put in "model". Without --auto its models are tried in order (the next one on
429, 5xx, connection errors and timeouts). With --auto each request goes to the cheapest listed model
that fits it (context, tools, images, JSON schema) and meets its quality tier; with --auto and no models,
every priced chat model of every configured provider is a candidate. Built-in routes: auto, fast
(economy tier only), smart (flagship tier). '*' globs work: 'openai/gpt-4o*'.
--cache on caches every request on the route, not only deterministic ones (temperature 0).
--semantic turns on the semantic cache for the route: a request whose last user turn is a paraphrase of an
earlier one (cosine similarity of their embeddings >= --semantic-threshold) and matches it in everything else
(system prompt, earlier turns, parameters, model) is answered from the cache. The embeddings come from the
given OpenAI-compatible provider/model; each lookup is a real (accounted) embeddings call. Off by default.`;

function tierFlag(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (![1, 2, 3].includes(n)) throw new UserError(`--${flag} is 1 (economy), 2 (standard) or 3 (flagship), not '${v}'.`, 2);
  return n;
}

function semanticFlags(model: string | undefined, threshold: string | undefined, ttl: string | undefined): SemanticCacheSpec | undefined {
  if (model === undefined || model === 'off') {
    if (threshold !== undefined || ttl !== undefined) {
      if (model === 'off') throw new UserError('--semantic-threshold and --semantic-ttl need --semantic <provider>/<embedding-model>, not off.', 2);
      throw new UserError('--semantic-threshold and --semantic-ttl need --semantic <provider>/<embedding-model> (e.g. --semantic openai/text-embedding-3-small).', 2);
    }
    return undefined;
  }
  if (model.indexOf('/') <= 0) throw new UserError(`--semantic takes <provider>/<embedding-model> (e.g. openai/text-embedding-3-small) or off, not '${model}'.`, 2);
  const spec: SemanticCacheSpec = { embeddings: model };
  if (threshold !== undefined) {
    const n = Number(threshold);
    if (!Number.isFinite(n) || n <= 0 || n > 1) throw new UserError(`--semantic-threshold is a cosine similarity above 0 and at most 1 (e.g. 0.95), not '${threshold}'.`, 2);
    spec.threshold = n;
  }
  if (ttl !== undefined) {
    const ms = parseDuration(ttl);
    if (ms === null) throw new UserError(`--semantic-ttl takes a duration like 90s, 30m, 24h or 7d (got '${ttl}').`, 2);
    spec.ttlSeconds = Math.round(ms / 1000);
  }
  return spec;
}

function semanticLabel(s: RouteSpec['semanticCache'] | null | undefined): string | false {
  if (!s) return false;
  return `semantic ${s.embeddings} >= ${s.threshold ?? DEFAULT_THRESHOLD}${s.ttlSeconds ? ` ttl ${s.ttlSeconds}s` : ''}`;
}

function describe(name: string, r: RouteSpec, source: string): Record<string, unknown> {
  return {
    alias: name,
    source,
    strategy: r.strategy,
    candidates: r.candidates,
    min_tier: r.minTier ?? null,
    max_tier: r.maxTier ?? null,
    cache: r.cache ?? null,
    cache_ttl_seconds: r.cacheTtlSeconds ?? null,
    baseline: r.baseline ?? null,
    semantic_cache: r.semanticCache ?? null,
  };
}

export const routeCommand: Command = {
  summary: 'name routes and aliases (fast, smart, auto, gpt-4o...) with fallbacks',
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const { io } = ctx;
    if (sub === 'set' || sub === 'add') {
      const { values, positionals } = parse(
        rest,
        {
          auto: { type: 'boolean' },
          'min-tier': { type: 'string' },
          'max-tier': { type: 'string' },
          cache: { type: 'string' },
          'cache-ttl': { type: 'string' },
          baseline: { type: 'string' },
          semantic: { type: 'string' },
          'semantic-threshold': { type: 'string' },
          'semantic-ttl': { type: 'string' },
          json: { type: 'boolean' },
        },
        USAGE,
      );
      const alias = requirePositional(positionals, 0, 'alias', USAGE);
      if (!ALIAS_RE.test(alias) || alias.includes('/')) throw new UserError(`Alias '${alias}' is not valid: use letters, digits, '.', '_', ':' or '-' (no '/': that addresses a provider).`, 2);
      const candidates = positionals.slice(1);
      for (const c of candidates) if (c.indexOf('/') <= 0) throw new UserError(`'${c}' is not <provider>/<model> (e.g. openai/gpt-4o-mini).`, 2);
      if (!values.auto && candidates.length === 0) throw new UserError(`Give the models of '${alias}' in order (e.g. \`airlock route set ${alias} openai/gpt-4o deepseek/deepseek-chat\`), or --auto.`, 2);
      if (values.cache !== undefined && values.cache !== 'on' && values.cache !== 'off') throw new UserError('--cache is on or off.', 2);
      if (values.baseline !== undefined && values.baseline.indexOf('/') <= 0) throw new UserError('--baseline is <provider>/<model>.', 2);
      const core = ctx.core();
      const spec: RouteSpec = { strategy: values.auto ? 'auto' : 'ordered', candidates };
      const minTier = tierFlag(values['min-tier'], 'min-tier');
      const maxTier = tierFlag(values['max-tier'], 'max-tier');
      if (minTier !== undefined) spec.minTier = minTier;
      if (maxTier !== undefined) spec.maxTier = maxTier;
      if (minTier && maxTier && minTier > maxTier) throw new UserError('--min-tier cannot be above --max-tier.', 2);
      if (values.cache !== undefined) spec.cache = values.cache === 'on';
      if (values['cache-ttl'] !== undefined) {
        const ms = parseDuration(values['cache-ttl']);
        if (ms === null) throw new UserError(`--cache-ttl takes a duration like 90s, 30m, 24h or 7d (got '${values['cache-ttl']}').`, 2);
        spec.cacheTtlSeconds = Math.round(ms / 1000);
      }
      if (values.baseline) spec.baseline = values.baseline;
      const sem = semanticFlags(values.semantic, values['semantic-threshold'], values['semantic-ttl']);
      if (sem) {
        const ep = routingOf(core).provider(sem.embeddings.slice(0, sem.embeddings.indexOf('/')));
        if (ep && (ep.record.type === 'anthropic' || ep.record.type === 'gemini')) {
          throw new UserError(`Provider '${ep.id}' (${ep.record.type}) has no OpenAI-compatible embeddings endpoint: use an OpenAI-compatible provider for --semantic (e.g. openai/text-embedding-3-small, or a local Ollama embedding model).`, 2);
        }
        spec.semanticCache = sem;
      }
      try {
        setRoute(core, alias, spec);
      } catch (err) {
        if (err instanceof RouteLockedError) throw new UserError(err.message, 1);
        throw err;
      }
      const rt = routingOf(core);
      const unknown = [...candidates, ...(sem ? [sem.embeddings] : [])].filter((c) => !c.includes('*') && !rt.provider(c.slice(0, c.indexOf('/'))));
      if (values.json) io.out(JSON.stringify(describe(alias, spec, 'settings')));
      else {
        io.out(`Route '${alias}': ${spec.strategy === 'auto' ? `auto over ${candidates.length ? candidates.join(', ') : 'every priced model of the configured providers'}` : candidates.join(' -> ')}.`);
        if (sem) io.out(`Semantic cache on: paraphrases of an earlier last user turn with similarity >= ${sem.threshold ?? DEFAULT_THRESHOLD} (embeddings by ${sem.embeddings}) are answered from the cache.`);
        if (unknown.length) io.out(`Note: ${unknown.join(', ')} name${unknown.length === 1 ? 's' : ''} a provider that is not configured; ${unknown.length === 1 ? 'it is' : 'they are'} skipped until you add it.`);
      }
      return 0;
    }
    if (sub === 'list' || sub === 'ls') {
      const { values } = parse(rest, { json: { type: 'boolean' } }, USAGE);
      const core = ctx.core();
      const rt = routingOf(core);
      const user = userRoutes(core);
      const rows = [...rt.routes].map(([name, r]) => describe(name, r, r.managed ? 'policy' : name in user ? 'settings' : name in BUILTIN_ROUTES ? 'built-in' : 'settings'));
      if (values.json) {
        io.out(JSON.stringify(rows));
        return 0;
      }
      io.out(
        table([
          ['ALIAS', 'SOURCE', 'STRATEGY', 'MODELS', 'OPTIONS'],
          ...rows.map((r) => [
            String(r.alias),
            String(r.source),
            String(r.strategy),
            (r.candidates as string[]).length ? (r.candidates as string[]).join(r.strategy === 'auto' ? ', ' : ' -> ') : '(all priced models)',
            [r.min_tier && `min-tier ${r.min_tier}`, r.max_tier && `max-tier ${r.max_tier}`, r.cache !== null && `cache ${r.cache ? 'on' : 'off'}`, r.cache_ttl_seconds !== null && `ttl ${r.cache_ttl_seconds}s`, r.baseline && `baseline ${r.baseline}`, semanticLabel(r.semantic_cache as RouteSpec['semanticCache'] | null)]
              .filter(Boolean)
              .join(', ') || '-',
          ]),
        ]),
      );
      return 0;
    }
    if (sub === 'remove' || sub === 'rm') {
      const { positionals } = parse(rest, {}, USAGE);
      const alias = requirePositional(positionals, 0, 'alias', USAGE);
      if (!removeRoute(ctx.core(), alias)) {
        throw new UserError(alias in BUILTIN_ROUTES ? `'${alias}' is a built-in route; redefine it with \`airlock route set ${alias} ...\` instead.` : `No route named '${alias}'. See \`airlock route list\`.`);
      }
      io.out(`Removed route '${alias}'.${alias in BUILTIN_ROUTES ? ' The built-in one applies again.' : ''}`);
      return 0;
    }
    if (sub === 'explain') {
      const { values, positionals } = parse(
        rest,
        { prompt: { type: 'string' }, tools: { type: 'boolean' }, image: { type: 'boolean' }, 'json-schema': { type: 'boolean' }, 'max-tokens': { type: 'string' }, json: { type: 'boolean' } },
        USAGE,
      );
      const name = requirePositional(positionals, 0, 'alias or model', USAGE);
      const content: unknown[] = [{ type: 'text', text: values.prompt ?? 'Hello' }];
      if (values.image) content.push({ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } });
      const body: Record<string, unknown> = { model: name, messages: [{ role: 'user', content }] };
      if (values.tools) body.tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }];
      if (values['json-schema']) body.response_format = { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } };
      if (values['max-tokens']) body.max_tokens = Number(values['max-tokens']);
      const core = ctx.core();
      let r;
      try {
        await discoveryBeforeRoute(routingOf(core), core, core.live, name); // local/custom servers' model lists
        r = resolveRoute(routingOf(core), core.live, name, body);
      } catch (err) {
        throw new UserError((err as Error).message);
      }
      const out = { rule: r.rule, candidates: r.candidates.map((c) => `${c.provider.id}/${c.model}`), baseline: r.baseline ? `${r.baseline.provider.id}/${r.baseline.model}` : null };
      if (values.json) io.out(JSON.stringify(out));
      else io.out(`rule: ${out.rule}\ncandidates: ${out.candidates.join(' -> ')}\nbaseline: ${out.baseline ?? '(the model that answers)'}`);
      return 0;
    }
    throw new UserError(sub ? `Unknown subcommand 'route ${sub}'.\n\n${USAGE}` : USAGE, 2);
  },
};
