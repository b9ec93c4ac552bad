import type { Command } from './types.ts';
import { parse } from '../args.ts';
import { UserError } from '../../core/util/errors.ts';
import { readGatewayLock } from '../../core/store/lock.ts';
import { loginUrl, mintLoginToken } from '../../core/server/app-api.ts';

const USAGE = `Usage:
  airlock ui-url [--json] [--data-dir DIR]

Prints a fresh login link for the web UI of the \`airlock serve\` running on this data directory.
Each link signs in one browser once and expires after 24 hours.`;

export const uiUrlCommand: Command = {
  summary: 'print a fresh login link for the web UI of a running `airlock serve`',
  usage: USAGE,
  async run(args, ctx) {
    const { values } = parse(args, { json: { type: 'boolean' } }, USAGE);
    const held = readGatewayLock(ctx.dataDir) as { pid: number; port?: number; ui?: boolean } | null;
    if (!held || !held.port) throw new UserError(`No Airlock server is running on ${ctx.dataDir}. Start one with \`airlock serve\`.`);
    if (held.ui === false) throw new UserError(`The Airlock server on port ${held.port} runs without the web UI (--no-ui). Restart it without --no-ui.`);
    if (held.ui === undefined) throw new UserError(`The gateway on port ${held.port} is the desktop app's; open the Airlock window instead.`);
    const url = loginUrl(held.port, mintLoginToken(ctx.core()));
    ctx.io.out(values.json ? JSON.stringify({ url, port: held.port }) : url);
    return 0;
  },
};
