import type { Command } from './types.ts';
import { parse } from '../args.ts';
import { table } from '../context.ts';
import { adminCall, requireScope } from './admin-args.ts';
import { UserError } from '../../core/util/errors.ts';
import { parseAmount, removeRateLimit, setRateLimit } from '../../core/budget/admin.ts';

const USAGE = `Usage:
  airlock limit set --scope client:<name>|provider:<id> [--rpm N] [--tpm N] [--json]
  airlock limit list [--json]
  airlock limit remove --scope client:<name>|provider:<id>

Requests per minute (--rpm) and tokens per minute (--tpm, prompt + output) over a sliding 60-second
window, per client token or per provider. Past a limit the gateway answers 429 with retry-after.
Setting a scope again replaces its limits.`;

export const limitCommand: Command = {
  summary: 'requests and tokens per minute, per tool token or provider',
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const { io } = ctx;
    if (sub === 'set') {
      const { values, positionals } = parse(rest, { scope: { type: 'string' }, rpm: { type: 'string' }, tpm: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
      const scope = requireScope(values, positionals, USAGE);
      const core = ctx.core();
      const def = adminCall(() =>
        setRateLimit(core, {
          scope,
          rpm: parseAmount(values.rpm, '--rpm', { integer: true, min: 1 }),
          tpm: parseAmount(values.tpm, '--tpm', { integer: true, min: 1 }),
        }),
      );
      if (values.json) {
        io.out(JSON.stringify(def));
        return 0;
      }
      const parts = [def.rpm !== null ? `${def.rpm} requests/minute` : null, def.tpm !== null ? `${def.tpm} tokens/minute` : null].filter(Boolean);
      io.out(`Rate limit for ${def.scope}: ${parts.join(', ')}.`);
      return 0;
    }
    if (sub === 'list' || sub === 'ls') {
      const { values } = parse(rest, { json: { type: 'boolean' } }, USAGE);
      const list = ctx.core().budgets.repo.listRateLimits();
      if (values.json) {
        io.out(JSON.stringify(list));
        return 0;
      }
      if (list.length === 0) {
        io.out('No rate limits. Set one, e.g. `airlock limit set --scope client:cursor --rpm 60`.');
        return 0;
      }
      io.out(table([['SCOPE', 'REQUESTS/MIN', 'TOKENS/MIN'], ...list.map((l) => [l.scope, l.rpm === null ? '-' : String(l.rpm), l.tpm === null ? '-' : String(l.tpm)])]));
      return 0;
    }
    if (sub === 'remove' || sub === 'rm') {
      const { values, positionals } = parse(rest, { scope: { type: 'string' } }, USAGE);
      const core = ctx.core();
      const scope = adminCall(() => removeRateLimit(core, values.scope ?? positionals[0]));
      io.out(`Removed the rate limit for ${scope}.`);
      return 0;
    }
    throw new UserError(sub ? `Unknown subcommand 'limit ${sub}'.\n\n${USAGE}` : USAGE, 2);
  },
};
