import type { Command } from './types.ts';
import { parse, requirePositional } from '../args.ts';
import { table } from '../context.ts';
import { UserError } from '../../core/util/errors.ts';

const USAGE = `Usage:
  airlock token create <name> [--json]   prints a new client token once; only its hash is stored
  airlock token list [--json]
  airlock token revoke <name>

Local tools send the token as "Authorization: Bearer <token>" or "x-api-key: <token>".`;

const iso = (t: number | null) => (t ? new Date(t).toISOString() : null);

export const tokenCommand: Command = {
  summary: 'create, list and revoke per-tool client tokens',
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const { io } = ctx;
    if (sub === 'create') {
      const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, USAGE);
      const name = requirePositional(positionals, 0, 'token name', USAGE);
      let created;
      try {
        created = ctx.core().clients.create(name);
      } catch (err) {
        throw new UserError((err as Error).message);
      }
      if (values.json) io.out(JSON.stringify({ name, token: created.token }));
      else {
        io.out(`Token for '${name}' (shown once; store it in the tool's settings now):`);
        io.out(created.token);
      }
      return 0;
    }
    if (sub === 'list' || sub === 'ls') {
      const { values } = parse(rest, { json: { type: 'boolean' } }, USAGE);
      const list = ctx.core().clients.list();
      if (values.json) {
        io.out(JSON.stringify(list.map((c) => ({ name: c.name, hint: `…${c.tokenHint}`, created_at: iso(c.createdAt), last_used_at: iso(c.lastUsedAt), revoked_at: iso(c.revokedAt) }))));
        return 0;
      }
      if (list.length === 0) {
        io.out('No tokens yet. Create one per tool with `airlock token create <name>`.');
        return 0;
      }
      io.out(table([['NAME', 'TOKEN', 'CREATED', 'LAST USED', 'STATUS'], ...list.map((c) => [c.name, `…${c.tokenHint}`, iso(c.createdAt)!, iso(c.lastUsedAt) ?? 'never', c.revokedAt ? 'revoked' : 'active'])]));
      return 0;
    }
    if (sub === 'revoke') {
      const { positionals } = parse(rest, {}, USAGE);
      const name = requirePositional(positionals, 0, 'token name', USAGE);
      if (!ctx.core().clients.revoke(name)) throw new UserError(`No active token named '${name}'. See \`airlock token list\`.`);
      io.out(`Revoked token '${name}'. Requests using it are refused from now on.`);
      return 0;
    }
    throw new UserError(sub ? `Unknown subcommand 'token ${sub}'.\n\n${USAGE}` : USAGE, 2);
  },
};
