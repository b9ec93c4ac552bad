import type { Command } from './types.ts';
import { parse } from '../args.ts';
import { UserError } from '../../core/util/errors.ts';
import { DEFAULT_PORT } from '../../core/config.ts';
import { acquireGatewayLock } from '../../core/store/lock.ts';
import { startGateway, type Gateway } from '../../core/server/gateway.ts';
import { closeAgents } from '../../core/providers/http.ts';
import { AppApiService } from '../../core/api/service.ts';
import { readAppSettings, startRetention } from '../../core/api/settings.ts';
import { appVersion } from '../../core/api/version.ts';
import { createWebUi, type WebUi } from '../../core/server/app-api.ts';

const USAGE = `Usage:
  airlock serve [--port N] [--no-ui] [--data-dir DIR]

Runs the gateway headless on 127.0.0.1 (default port ${DEFAULT_PORT}, or the port chosen in Settings;
--port 0 picks any free port). Point OpenAI-compatible tools at the printed URL with a token from
\`airlock token create <name>\`.

It also serves the Airlock UI (web mode) at http://127.0.0.1:PORT/ and prints a login link once;
\`airlock ui-url\` prints a fresh one. --no-ui serves the gateway only.`;

export function parsePort(raw: string | undefined, env: NodeJS.ProcessEnv): number {
  const v = raw ?? env.AIRLOCK_PORT;
  if (v === undefined) return DEFAULT_PORT;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UserError(`--port takes a number from 0 to 65535 (got '${v}').`, 2);
  return n;
}

export const serveCommand: Command = {
  summary: 'run the gateway and the web UI headless',
  usage: USAGE,
  async run(args, ctx) {
    const { values } = parse(args, { port: { type: 'string' }, 'no-ui': { type: 'boolean' } }, USAGE);
    const lock = acquireGatewayLock(ctx.dataDir);
    let gateway: Gateway;
    let api: AppApiService | null = null;
    let ui: WebUi | null = null;
    let stopRetention = () => {};
    try {
      const core = ctx.core();
      const settings = readAppSettings(core);
      const port = parsePort(values.port ?? (ctx.io.env.AIRLOCK_PORT === undefined && settings.portSet ? String(settings.port) : undefined), ctx.io.env);
      if (!values['no-ui']) {
        let running = port;
        const portOverride = values.port !== undefined ? ('--port' as const) : null;
        api = new AppApiService(core, { mode: 'web', version: appVersion(), gateway: () => ({ state: 'running', port: running, portOverride }) });
        ui = createWebUi(core, api);
        gateway = await startGateway(core, { port, extra: ui.handler });
        running = gateway.port;
      } else {
        gateway = await startGateway(core, { port });
      }
      stopRetention = startRetention(core);
    } catch (err) {
      lock.release();
      throw err instanceof UserError ? err : new UserError((err as Error).message);
    }
    lock.update({ port: gateway.port, ui: ui !== null, startedAt: new Date().toISOString() });
    ctx.io.out(`Airlock gateway listening on ${gateway.url}`);
    if (ui) ctx.io.out(`Airlock UI: ${ui.loginUrl(gateway.port)}  (single-use login link; \`airlock ui-url\` prints another)`);
    ctx.io.out(`Data directory: ${ctx.dataDir}`);
    await new Promise<void>((resolve) => {
      const stop = async () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        stopRetention();
        ui?.close();
        api?.close();
        const n = gateway.inFlight();
        if (n > 0) ctx.io.out(`Stopping: letting ${n} request(s) in flight finish (up to 10 s)…`);
        await gateway.close({ drainMs: 10_000 });
        await closeAgents();
        ctx.core().close();
        lock.release();
        ctx.io.out('Airlock gateway stopped.');
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
