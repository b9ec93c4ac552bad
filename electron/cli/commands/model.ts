import type { Command } from './types.ts';
import { parse, requirePositional } from '../args.ts';
import { table } from '../context.ts';
import { UserError } from '../../core/util/errors.ts';
import { lookupModelFor, tierOf, type ModelInfoWithTier } from '../../core/routing/catalog.ts';
import { routingOf } from '../../core/routing/runtime.ts';
import { TIER_NAMES } from '../../core/routing/auto.ts';
import { removeModelOverride, setModelOverride } from '../../core/routing/admin.ts';

const USAGE = `Usage:
  airlock model set <provider>/<model> [--input-usd-per-mtok N] [--output-usd-per-mtok N] [--cached-input-usd-per-mtok N]
                    [--context N] [--max-output N] [--tools] [--vision] [--json-schema] [--reasoning] [--tier 1|2|3] [--json]
  airlock model list [--all] [--json]
  airlock model remove <provider>/<model>

Overrides or adds a model's prices (USD per million tokens) and capabilities, on top of the built-in catalog.
Routing (auto, context and capability checks) and cost accounting use them. Models of local providers
(Ollama, LM Studio, loopback URLs) cost 0 unless you set a price. --tier sets the quality tier used by
\`auto\` routing (1 economy, 2 standard, 3 flagship); by default it follows the output price.
\`model list\` shows your overrides; --all adds every catalog model of the configured providers.`;

const PER_M = 1e6;

function num(v: string | undefined, flag: string, opts: { int?: boolean } = {}): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (opts.int && !Number.isInteger(n))) throw new UserError(`--${flag} must be a ${opts.int ? 'whole ' : ''}number of 0 or more (got '${v}').`, 2);
  return n;
}

function splitTarget(s: string): { provider: string; model: string } {
  const slash = s.indexOf('/');
  if (slash <= 0 || slash === s.length - 1) throw new UserError(`Name the model as <provider>/<model>, e.g. 'ollama/llama3.1:8b' (got '${s}').`, 2);
  return { provider: s.slice(0, slash), model: s.slice(slash + 1) };
}

const usd = (perToken: number | undefined): string => (perToken === undefined ? '?' : `$${+(perToken * PER_M).toFixed(4)}`);

function describe(info: ModelInfoWithTier | undefined): Record<string, unknown> {
  if (!info) return {};
  return {
    input_usd_per_mtok: info.input === undefined ? null : +(info.input * PER_M).toFixed(6),
    output_usd_per_mtok: info.output === undefined ? null : +(info.output * PER_M).toFixed(6),
    cached_input_usd_per_mtok: info.cacheRead === undefined ? null : +(info.cacheRead * PER_M).toFixed(6),
    context: info.contextWindow ?? null,
    max_output: info.maxOutput ?? null,
    tools: info.tools ?? null,
    vision: info.vision ?? null,
    json_schema: info.jsonSchema ?? null,
    reasoning: info.reasoning ?? null,
    tier: tierOf(info),
  };
}

export const modelCommand: Command = {
  summary: 'set prices and capabilities of custom, local or overridden models',
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const { io } = ctx;
    if (sub === 'set') {
      const { values, positionals } = parse(
        rest,
        {
          'input-usd-per-mtok': { type: 'string' },
          'output-usd-per-mtok': { type: 'string' },
          'cached-input-usd-per-mtok': { type: 'string' },
          context: { type: 'string' },
          'max-output': { type: 'string' },
          tools: { type: 'boolean' },
          vision: { type: 'boolean' },
          'json-schema': { type: 'boolean' },
          reasoning: { type: 'boolean' },
          tier: { type: 'string' },
          json: { type: 'boolean' },
        },
        USAGE,
      );
      const { provider, model } = splitTarget(requirePositional(positionals, 0, '<provider>/<model>', USAGE));
      const core = ctx.core();
      const rt = routingOf(core);
      const p = rt.provider(provider);
      const input = num(values['input-usd-per-mtok'], 'input-usd-per-mtok');
      const output = num(values['output-usd-per-mtok'], 'output-usd-per-mtok');
      const cached = num(values['cached-input-usd-per-mtok'], 'cached-input-usd-per-mtok');
      const tier = num(values.tier, 'tier', { int: true });
      if (tier !== undefined && (tier < 1 || tier > 3)) throw new UserError('--tier is 1 (economy), 2 (standard) or 3 (flagship).', 2);
      const existing = rt.overrides.get(provider, model)?.info ?? {};
      const base = p ? lookupModelFor(p, model) : undefined;
      const info: ModelInfoWithTier = { ...existing, mode: existing.mode ?? base?.mode ?? 'chat' };
      if (input !== undefined) info.input = input / PER_M;
      if (output !== undefined) info.output = output / PER_M;
      if (cached !== undefined) info.cacheRead = cached / PER_M;
      if (values.context !== undefined) info.contextWindow = num(values.context, 'context', { int: true });
      if (values['max-output'] !== undefined) info.maxOutput = num(values['max-output'], 'max-output', { int: true });
      if (values.tools) info.tools = true;
      if (values.vision) info.vision = true;
      if (values['json-schema']) info.jsonSchema = true;
      if (values.reasoning) info.reasoning = true;
      if (tier !== undefined) info.tier = tier;
      // A local model nobody priced is free; a remote one needs both prices (unless the catalog has them).
      if (p?.local) {
        info.input ??= base?.input ?? 0;
        info.output ??= base?.output ?? 0;
      } else if ((info.input ?? base?.input) === undefined || (info.output ?? base?.output) === undefined) {
        throw new UserError(`'${provider}/${model}' is not in the catalog, so give its prices: --input-usd-per-mtok N --output-usd-per-mtok N.`, 2);
      }
      setModelOverride(core, provider, model, info);
      const fresh = routingOf(core).provider(provider);
      const merged = fresh ? lookupModelFor(fresh, model) : info;
      if (values.json) io.out(JSON.stringify({ model: `${provider}/${model}`, ...describe(merged) }));
      else {
        io.out(`Set ${provider}/${model}: input ${usd(merged?.input)}, output ${usd(merged?.output)} per million tokens; tier ${TIER_NAMES[tierOf(merged)]}.`);
        if (!p) io.out(`Note: no provider '${provider}' is configured yet; add it with \`airlock provider add ${provider} ...\`.`);
      }
      return 0;
    }
    if (sub === 'list' || sub === 'ls') {
      const { values } = parse(rest, { all: { type: 'boolean' }, json: { type: 'boolean' } }, USAGE);
      const core = ctx.core();
      const rt = routingOf(core);
      const rows: { model: string; source: string; info: ModelInfoWithTier | undefined }[] = [];
      const seen = new Set<string>();
      for (const o of rt.overrides.list()) {
        const p = rt.provider(o.provider);
        rows.push({ model: `${o.provider}/${o.model}`, source: 'override', info: p ? lookupModelFor(p, o.model) : o.info });
        seen.add(`${o.provider}/${o.model}`);
      }
      if (values.all) {
        for (const e of rt.defaultPool()) {
          const k = `${e.provider.id}/${e.model}`;
          if (!seen.has(k)) rows.push({ model: k, source: 'catalog', info: e.info });
        }
      }
      if (values.json) {
        io.out(JSON.stringify(rows.map((r) => ({ model: r.model, source: r.source, ...describe(r.info) }))));
        return 0;
      }
      if (rows.length === 0) {
        io.out('No model overrides. Add one with `airlock model set <provider>/<model> --input-usd-per-mtok N --output-usd-per-mtok N`, or see the catalog with --all.');
        return 0;
      }
      const flag = (b: boolean | undefined, s: string) => (b ? s : '');
      io.out(
        table([
          ['MODEL', 'SOURCE', 'IN $/M', 'OUT $/M', 'CONTEXT', 'TIER', 'CAPABILITIES'],
          ...rows.map((r) => [
            r.model,
            r.source,
            usd(r.info?.input),
            usd(r.info?.output),
            String(r.info?.contextWindow ?? '?'),
            TIER_NAMES[tierOf(r.info)]!,
            [flag(r.info?.tools, 'tools'), flag(r.info?.vision, 'vision'), flag(r.info?.jsonSchema, 'json-schema'), flag(r.info?.reasoning, 'reasoning')].filter(Boolean).join(',') || '-',
          ]),
        ]),
      );
      return 0;
    }
    if (sub === 'remove' || sub === 'rm') {
      const { positionals } = parse(rest, {}, USAGE);
      const { provider, model } = splitTarget(requirePositional(positionals, 0, '<provider>/<model>', USAGE));
      if (!removeModelOverride(ctx.core(), provider, model)) throw new UserError(`No override for '${provider}/${model}'. See \`airlock model list\`.`);
      io.out(`Removed the override for ${provider}/${model}.`);
      return 0;
    }
    throw new UserError(sub ? `Unknown subcommand 'model ${sub}'.\n\n${USAGE}` : USAGE, 2);
  },
};
