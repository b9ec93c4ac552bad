import type { Command } from './types.ts';
import { parse } from '../args.ts';
import { UserError } from '../../core/util/errors.ts';
import { DEFAULT_PORT } from '../../core/config.ts';
import { acquireGatewayLock } from '../../core/store/lock.ts';
import { startGateway, type Gateway } from '../../core/server/gateway.ts';
import { closeAgents } from '../../core/providers/http.ts';

const USAGE = `Usage:
  airlock serve [--port N] [--data-dir DIR]

Runs the gateway headless on 127.0.0.1 (default port ${DEFAULT_PORT}; --port 0 picks any free port).
Point OpenAI-compatible tools at the printed URL with a token from \`airlock token create <name>\`.`;

export function parsePort(raw: string | undefined, env: NodeJS.ProcessEnv): number {
  const v = raw ?? env.AIRLOCK_PORT;
  if (v === undefined) return DEFAULT_PORT;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UserError(`--port takes a number from 0 to 65535 (got '${v}').`, 2);
  return n;
}

export const serveCommand: Command = {
  summary: 'run the gateway (and, later, the web UI) headless',
  usage: USAGE,
  async run(args, ctx) {
    const { values } = parse(args, { port: { type: 'string' } }, USAGE);
    const port = parsePort(values.port, ctx.io.env);
    const lock = acquireGatewayLock(ctx.dataDir);
    let gateway: Gateway;
    try {
      const core = ctx.core();
      gateway = await startGateway(core, { port });
    } catch (err) {
      lock.release();
      throw err instanceof UserError ? err : new UserError((err as Error).message);
    }
    lock.update({ port: gateway.port, startedAt: new Date().toISOString() });
    ctx.io.out(`Airlock gateway listening on ${gateway.url}`);
    ctx.io.out(`Data directory: ${ctx.dataDir}`);
    await new Promise<void>((resolve) => {
      const stop = async () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await gateway.close();
        await closeAgents();
        ctx.core().close();
        lock.release();
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
