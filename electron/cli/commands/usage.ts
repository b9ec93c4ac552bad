import type { Command } from './types.ts';
import { parse } from '../args.ts';
import { table } from '../context.ts';
import { UserError } from '../../core/util/errors.ts';
import { parseSince } from '../../core/util/duration.ts';
import { usageReport, type UsageGroupBy } from '../../core/store/requests-repo.ts';

const USAGE = `Usage:
  airlock usage [--since 24h|7d|2026-11-01] [--by client|model|provider] [--json]

Requests, tokens (input, cached input, output) and USD. Requests whose model has no known price
are counted with their tokens and listed as "cost unknown", never as $0. Requests answered from the
response cache are counted as requests (and cache hits) but their tokens are not: nothing was sent.`;

const usd = (x: number) => `$${x.toFixed(x < 1 ? 4 : 2)}`;

export const usageCommand: Command = {
  summary: 'requests, tokens and spend, optionally grouped',
  usage: USAGE,
  async run(args, ctx) {
    const { values } = parse(args, { since: { type: 'string' }, by: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
    let since: number | null = null;
    if (values.since) {
      since = parseSince(values.since);
      if (since === null) throw new UserError(`--since takes a duration like 24h, 7d, 30m or a date like 2026-11-01 (got '${values.since}').`, 2);
    }
    const by = values.by as UsageGroupBy | undefined;
    if (by && !['client', 'model', 'provider'].includes(by)) throw new UserError(`--by takes client, model or provider (got '${by}').`, 2);
    const r = usageReport(ctx.core().db, { since, by: by ?? null });
    if (values.json) {
      ctx.io.out(JSON.stringify(r));
      return 0;
    }
    const line = (t: typeof r) =>
      `${t.requests} requests (${t.errors} failed${t.cache_hits ? `, ${t.cache_hits} from the cache` : ''}), ${t.input_tokens} input tokens (${t.cached_input_tokens} cached), ${t.output_tokens} output tokens, ${usd(t.cost_usd)}` +
      (t.cost_unknown_requests ? ` + ${t.cost_unknown_requests} request(s) at unknown price` : '');
    ctx.io.out(`${values.since ? `Since ${r.since}` : 'All time'}: ${line(r)}`);
    if (by && r.groups.length) {
      ctx.io.out('');
      ctx.io.out(
        table([
          [by.toUpperCase(), 'REQUESTS', 'INPUT', 'CACHED', 'OUTPUT', 'COST'],
          ...r.groups.map((g) => [g.key ?? '(none)', String(g.requests), String(g.input_tokens), String(g.cached_input_tokens), String(g.output_tokens), usd(g.cost_usd) + (g.cost_unknown_requests ? ` (+${g.cost_unknown_requests} unknown)` : '')]),
        ]),
      );
    }
    return 0;
  },
};
