import type { Command } from './types.ts';
import { parse, requirePositional } from '../args.ts';
import { table } from '../context.ts';
import { UserError } from '../../core/util/errors.ts';
import { bodyStoreOf } from '../../core/bodies/store.ts';
import { effectiveStorePrompts } from '../../core/api/settings.ts';

const USAGE = `Usage:
  airlock requests list [--limit N] [--json]    requests with a stored prompt and answer, newest first
  airlock requests show <request-id> [--json]   one of them (the id is the x-airlock-request-id header)

Prompts and answers are stored only when "Store prompts" is on (Settings → Privacy) and the policy allows it.
They are stored after DLP masking (masked values stay placeholders like <EMAIL_1>), never with provider keys
or tokens, and deleted with the request log's retention.`;

export const requestsCommand: Command = {
  summary: 'stored prompts and answers of gateway requests (when turned on)',
  usage: USAGE,
  async run(args, ctx) {
    const { values, positionals } = parse(args, { limit: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
    const sub = positionals[0];
    const core = ctx.core();
    const store = bodyStoreOf(core);
    if (sub === 'list') {
      const limit = values.limit === undefined ? 20 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UserError(`--limit takes a number from 1 to 500 (got '${values.limit}').`, 2);
      const rows = store.list({ limit });
      if (values.json) {
        ctx.io.out(JSON.stringify(rows));
        return 0;
      }
      if (rows.length === 0) {
        const s = effectiveStorePrompts(core);
        ctx.io.out(s.on ? 'No stored prompts yet.' : !s.allowed ? `No stored prompts: storing them is not allowed by ${s.limit?.by}.` : 'No stored prompts: storing them is off (Settings → Privacy).');
        return 0;
      }
      ctx.io.out(
        table([
          ['REQUEST ID', 'TIME', 'CLIENT', 'MODEL', 'STATUS'],
          ...rows.map((r) => [r.requestId, new Date(r.ts).toISOString(), r.client ?? '-', r.model ?? '-', String(r.status) + (r.cacheHit ? ' (cache)' : '')]),
        ]),
      );
      return 0;
    }
    if (sub === 'show') {
      const id = requirePositional(positionals, 1, 'a request id', USAGE);
      const b = store.get(id);
      if (!b) {
        const s = effectiveStorePrompts(core);
        const why = !s.setting ? ' Storing prompts is off (Settings → Privacy).' : !s.allowed ? ` Storing prompts is not allowed by ${s.limit?.by}.` : '';
        throw new UserError(`No stored prompt for request '${id}'.${why} \`airlock requests list\` shows the stored ones.`, 1);
      }
      if (values.json) {
        ctx.io.out(JSON.stringify(b));
        return 0;
      }
      ctx.io.out(`Request ${b.requestId} · ${new Date(b.ts).toISOString()} · ${b.client ?? '-'} · ${b.model ?? '-'} · status ${b.status}${b.cacheHit ? ' · cache hit' : ''}${b.truncated ? ' · truncated' : ''}`);
      ctx.io.out('');
      ctx.io.out('== Request (as sent upstream, after DLP masking)');
      let req = b.request;
      try {
        req = JSON.stringify(JSON.parse(b.request), null, 2);
      } catch {
        /* truncated JSON: print as stored */
      }
      ctx.io.out(req);
      ctx.io.out('');
      ctx.io.out('== Answer');
      if (b.response.length === 0) ctx.io.out(b.cacheHit ? '(replayed from the cache)' : '(no text)');
      for (const p of b.response) {
        if (b.response.length > 1) ctx.io.out(`-- ${p.part}`);
        ctx.io.out(p.text);
      }
      return 0;
    }
    throw new UserError(sub ? `Unknown subcommand '${sub}'.\n\n${USAGE}` : USAGE, 2);
  },
};
