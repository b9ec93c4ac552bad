// AnalyticsService: the promise API the app API calls. Queries run on a worker thread (worker.ts) with its own
// read-only SQLite connection, so the gateway's event loop (and Electron's main process) never waits on them.
//
// Bundled builds: the worker is a separate entry. Pass `workerPath` (a built .js file or a file: URL); by default
// the worker.ts next to this file is used, which Node 24 runs directly (type stripping).
import { Worker } from 'node:worker_threads';
import type { AnalyticsMethod, AnalyticsMethods, AnalyticsStatus } from './api.ts';
import type { LogFilter } from './log.ts';
import { UserError } from '../util/errors.ts';
import type { Ctx } from './api.ts';

export interface AnalyticsServiceOptions {
  dbFile: string;
  /** Worker script (path or URL). Default: worker.ts beside this module. */
  workerPath?: string | URL;
  /** Maintain the rollup from this process (default true). Exactly one running process should. */
  maintain?: boolean;
  /** Rollup catch-up period in ms (default 1000). */
  intervalMs?: number;
  /** Run queries synchronously on this thread instead (tests, CLI one-shots). */
  inline?: boolean;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class AnalyticsService {
  private readonly opts: AnalyticsServiceOptions;
  private worker: Worker | null = null;
  private ctx: Ctx | null = null;
  private ctxPromise: Promise<Ctx> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(opts: AnalyticsServiceOptions) {
    this.opts = opts;
  }

  /** Starts the worker (also done by the first call). */
  start(): void {
    if (this.closed) throw new Error('AnalyticsService is closed');
    if (this.opts.inline || this.worker) return;
    const url = this.opts.workerPath ?? new URL('./worker.ts', import.meta.url);
    const w = new Worker(url, {
      workerData: { airlockAnalytics: { dbFile: this.opts.dbFile, maintain: this.opts.maintain, intervalMs: this.opts.intervalMs } },
    });
    w.unref();
    w.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: { message: string; user: boolean } }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(m.error?.user ? new UserError(m.error.message) : new Error(m.error?.message ?? 'analytics worker error'));
    });
    const fail = (err: Error) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.worker = null;
    };
    w.on('error', (err) => fail(new Error(`Analytics worker failed: ${err.message}`)));
    w.on('exit', (code) => fail(new Error(`Analytics worker exited (code ${code}).`)));
    this.worker = w;
  }

  private async inlineCtx(): Promise<Ctx> {
    if (this.ctx) return this.ctx;
    this.ctxPromise ??= import('./worker.ts').then((m) => (this.ctx = m.openContext({ dbFile: this.opts.dbFile, maintain: this.opts.maintain })));
    return this.ctxPromise;
  }

  /** Calls one analytics method (api.ts) and resolves with its result. */
  async call<K extends AnalyticsMethod>(method: K, params: Parameters<AnalyticsMethods[K]>[0]): Promise<ReturnType<AnalyticsMethods[K]>> {
    if (this.closed) throw new Error('AnalyticsService is closed');
    if (this.opts.inline) {
      const ctx = await this.inlineCtx();
      const { dispatch } = await import('./worker.ts');
      return dispatch(ctx, method, params) as ReturnType<AnalyticsMethods[K]>;
    }
    this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker!.ref();
      this.worker!.postMessage({ id, method, params });
    }).finally(() => {
      if (this.pending.size === 0) this.worker?.unref();
    }) as Promise<ReturnType<AnalyticsMethods[K]>>;
  }

  spendSeries(p: Parameters<AnalyticsMethods['spendSeries']>[0]) {
    return this.call('spendSeries', p);
  }
  totals(p: Parameters<AnalyticsMethods['totals']>[0]) {
    return this.call('totals', p);
  }
  breakdown(p: Parameters<AnalyticsMethods['breakdown']>[0]) {
    return this.call('breakdown', p);
  }
  savings(p: Parameters<AnalyticsMethods['savings']>[0]) {
    return this.call('savings', p);
  }
  dlpSeries(p: Parameters<AnalyticsMethods['dlpSeries']>[0]) {
    return this.call('dlpSeries', p);
  }
  tagKeys(limit?: number) {
    return this.call('tagKeys', { limit });
  }
  requestLog(p: Parameters<AnalyticsMethods['requestLog']>[0]) {
    return this.call('requestLog', p);
  }
  status(): Promise<AnalyticsStatus> {
    return this.call('status', {});
  }

  /** The request log matching `filter` as CSV text chunks (header first), pulled page by page (backpressure for free). */
  async *exportCsv(filter: LogFilter = {}, rowsPerChunk = 2000): AsyncGenerator<string> {
    let cursor: string | null = null;
    do {
      const c: { text: string; nextCursor: string | null } = await this.call('csvChunk', { filter, cursor, rows: rowsPerChunk });
      if (c.text) yield c.text;
      cursor = c.nextCursor;
    } while (cursor);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const w = this.worker;
    if (w) {
      const id = this.nextId++;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        this.pending.set(id, { resolve: () => (clearTimeout(t), resolve()), reject: () => (clearTimeout(t), resolve()) });
        w.postMessage({ id, method: '__close', params: null });
      });
      await w.terminate();
      this.worker = null;
    }
    if (this.ctx) {
      this.ctx.ro.close();
      this.ctx.rollup?.close();
      this.ctx = null;
    }
  }
}
