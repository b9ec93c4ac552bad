// The analytics worker thread: its own read-only connection for dashboard queries and, when asked to maintain
// the rollup, a second (writing) connection used only for short catch-up transactions. Never imports 'electron'.
// Protocol: { id, method, params } in; { id, ok: true, result } or { id, ok: false, error: { message, user } } out.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { HANDLERS, type AnalyticsMethod, type Ctx } from './api.ts';
import { Rollup } from './rollup.ts';
import { UserError } from '../util/errors.ts';

export interface WorkerOptions {
  dbFile: string;
  /** Maintain the rollup (catch up on new request rows). Default true. */
  maintain?: boolean;
  /** Catch-up period, ms (default 1000). */
  intervalMs?: number;
}

export function openContext(o: WorkerOptions): Ctx {
  const ro = new Database(o.dbFile, { readonly: true, fileMustExist: true });
  ro.pragma('busy_timeout = 5000');
  let rollup: Rollup | null = null;
  if (o.maintain !== false) {
    const rw = new Database(o.dbFile, { fileMustExist: true });
    rw.pragma('busy_timeout = 5000');
    rw.pragma('temp_store = memory');
    rollup = new Rollup(rw);
  }
  return { ro, rollup };
}

export function dispatch(ctx: Ctx, method: string, params: unknown): unknown {
  const h = (HANDLERS as Record<string, (c: Ctx, p: unknown) => unknown>)[method];
  if (!h) throw new UserError(`Unknown analytics method '${method}'.`);
  return h(ctx, params);
}

if (parentPort && workerData && (workerData as { airlockAnalytics?: WorkerOptions }).airlockAnalytics) {
  const opts = (workerData as { airlockAnalytics: WorkerOptions }).airlockAnalytics;
  const port = parentPort;
  const ctx = openContext(opts);
  const tick = () => {
    try {
      // A bounded slice per tick, so queries queued behind it wait at most ~50 ms.
      ctx.rollup?.catchUp({ maxMs: 50 });
    } catch (err) {
      console.error(`airlock analytics: rollup catch-up failed: ${(err as Error).message}`);
    }
  };
  let timer: NodeJS.Timeout | null = null;
  if (ctx.rollup) {
    const loop = () => {
      tick();
      // Keep going quickly while behind (first run on a big log), then every intervalMs.
      timer = setTimeout(loop, ctx.rollup && ctx.rollup.pending() > 0 ? 5 : (opts.intervalMs ?? 1000));
    };
    timer = setTimeout(loop, 0);
  }
  port.on('message', (msg: { id: number; method: string; params: unknown }) => {
    if (msg.method === '__close') {
      if (timer) clearTimeout(timer);
      ctx.ro.close();
      ctx.rollup?.close();
      port.postMessage({ id: msg.id, ok: true, result: null });
      port.close();
      return;
    }
    try {
      const result = dispatch(ctx, msg.method, msg.params);
      port.postMessage({ id: msg.id, ok: true, result });
    } catch (err) {
      const e = err as Error;
      port.postMessage({ id: msg.id, ok: false, error: { message: e.message, user: err instanceof UserError } });
    }
  });
}
