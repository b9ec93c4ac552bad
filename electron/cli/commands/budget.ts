import type { Command } from './types.ts';
import { parse } from '../args.ts';
import { table } from '../context.ts';
import { adminCall, requireScope } from './admin-args.ts';
import { UserError } from '../../core/util/errors.ts';
import { budgetConfig, budgetJson, parseAmount, removeBudget, setBudget } from '../../core/budget/admin.ts';
import { describeBudget, fmtUsd, type BudgetStatus } from '../../core/budget/service.ts';

const USAGE = `Usage:
  airlock budget set --scope SCOPE [--limit-usd N] [--limit-tokens N] --window day|week|month [--hard|--soft] [--warn-at PCT] [--json]
  airlock budget list [--json]
  airlock budget remove --scope SCOPE --window day|week|month
  airlock budget remove <id>
  airlock budget config [--timezone ZONE|system] [--reserve-output-cap N] [--json]

SCOPE is global, client:<token name>, provider:<provider id> or model:<provider id>/<model>.
A hard budget (the default) refuses requests that could take spend past the limit (HTTP 429 with
retry-after); a soft budget only warns. --warn-at (default 80) sends a warning at that share of the limit;
0 turns it off. Windows are calendar day, week (from Monday) and month in your time zone.
Team-policy budgets apply on top of yours; yours can only be tighter. See docs/budgets.md.`;

const usd = (x: number | null) => (x === null ? '-' : fmtUsd(x));

function limitText(b: BudgetStatus): string {
  return [b.limitUsd !== null ? fmtUsd(b.limitUsd) : null, b.limitTokens !== null ? `${b.limitTokens} tok` : null].filter(Boolean).join(' + ');
}

function spentText(b: BudgetStatus, reserved = false): string {
  const u = reserved ? b.reservedUsd : b.spentUsd;
  const t = reserved ? b.reservedTokens : b.spentTokens;
  return [b.limitUsd !== null ? usd(u) : null, b.limitTokens !== null ? `${t} tok` : null].filter(Boolean).join(' + ');
}

export const budgetCommand: Command = {
  summary: 'spend limits per tool, provider, model or overall (day/week/month)',
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const { io } = ctx;
    if (sub === 'set') {
      const { values, positionals } = parse(
        rest,
        {
          scope: { type: 'string' },
          'limit-usd': { type: 'string' },
          'limit-tokens': { type: 'string' },
          window: { type: 'string' },
          hard: { type: 'boolean' },
          soft: { type: 'boolean' },
          'warn-at': { type: 'string' },
          json: { type: 'boolean' },
        },
        USAGE,
      );
      const scope = requireScope(values, positionals, USAGE);
      if (values.hard && values.soft) throw new UserError('Choose one of --hard and --soft.', 2);
      const core = ctx.core();
      const { budget, notes } = adminCall(() => {
        const warn = parseAmount(values['warn-at']?.replace(/%$/, ''), '--warn-at');
        return setBudget(core, {
          scope,
          window: values.window,
          limitUsd: parseAmount(values['limit-usd'], '--limit-usd'),
          limitTokens: parseAmount(values['limit-tokens'], '--limit-tokens', { integer: true }),
          mode: values.soft ? 'soft' : 'hard',
          warnAtPct: warn === null ? undefined : warn === 0 ? null : warn,
        });
      });
      const st = core.budgets.list().find((b) => b.id === budget.id)!;
      if (values.json) {
        io.out(JSON.stringify({ ...budgetJson(st), notes }));
        return 0;
      }
      io.out(`Set the ${describeBudget(budget)}: ${limitText(st)}${budget.warnAtPct !== null ? `, warning at ${budget.warnAtPct}%` : ''} (id ${budget.id}).`);
      io.out(`This ${budget.window} so far: ${spentText(st)} (${st.usedPct}%). Resets at ${st.resetsAt} (${st.zone}).`);
      for (const n of notes) io.out(n);
      return 0;
    }
    if (sub === 'list' || sub === 'ls') {
      const { values } = parse(rest, { json: { type: 'boolean' } }, USAGE);
      const list = ctx.core().budgets.list();
      if (values.json) {
        io.out(JSON.stringify({ time_zone: ctx.core().budgets.zone().zone, budgets: list.map(budgetJson) }));
        return 0;
      }
      if (list.length === 0) {
        io.out('No budgets. Set one, e.g. `airlock budget set --scope global --limit-usd 20 --window month`.');
        return 0;
      }
      io.out(
        table([
          ['ID', 'SCOPE', 'WINDOW', 'MODE', 'LIMIT', 'SPENT', 'RESERVED', 'USED', 'RESETS AT', 'SET BY'],
          ...list.map((b) => [
            b.id,
            b.scope,
            b.window,
            b.mode + (b.warnAtPct !== null ? ` (warn ${b.warnAtPct}%)` : ''),
            limitText(b),
            spentText(b) + (b.costUnknownRequests && b.limitUsd !== null ? ` (+${b.costUnknownRequests} unpriced)` : ''),
            spentText(b, true),
            `${b.usedPct}%`,
            b.resetsAt,
            b.managedBy ?? 'you',
          ]),
        ]),
      );
      io.out(`Time zone: ${list[0]!.zone}. Reserved: worst-case cost of requests in flight.`);
      return 0;
    }
    if (sub === 'remove' || sub === 'rm') {
      const { values, positionals } = parse(rest, { scope: { type: 'string' }, window: { type: 'string' } }, USAGE);
      const core = ctx.core();
      const removed = adminCall(() => removeBudget(core, { id: positionals[0], scope: values.scope, window: values.window }));
      io.out(`Removed the ${describeBudget(removed)} (id ${removed.id}).`);
      return 0;
    }
    if (sub === 'config') {
      const { values } = parse(rest, { timezone: { type: 'string' }, 'reserve-output-cap': { type: 'string' }, json: { type: 'boolean' } }, USAGE);
      const core = ctx.core();
      const cap = values['reserve-output-cap'];
      const r = adminCall(() =>
        budgetConfig(core, {
          timeZone: values.timezone,
          reserveOutputCap: cap === undefined ? undefined : Number(parseAmount(cap, '--reserve-output-cap', { integer: true, min: 1 })),
        }),
      );
      if (values.json) {
        io.out(JSON.stringify({ time_zone: r.zone, time_zone_source: r.source, reserve_output_cap: r.reserveOutputCap }));
        return 0;
      }
      io.out(`Time zone for budget windows: ${r.zone} (from ${r.source}).`);
      io.out(`A reservation counts at most ${r.reserveOutputCap} output tokens per request.`);
      return 0;
    }
    throw new UserError(sub ? `Unknown subcommand 'budget ${sub}'.\n\n${USAGE}` : USAGE, 2);
  },
};
