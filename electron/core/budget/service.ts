import crypto from 'node:crypto';
import type { Core } from '../core.ts';
import type { RequestContext } from '../pipeline/context.ts';
import { costOf, type ModelInfo, type Usage } from '../routing/catalog.ts';
import { GatewayError } from '../util/errors.ts';
import { BudgetRepo, bucketOf, type BudgetDef, type RateLimitDef, type ReservationRow, type RollupRow } from './repo.ts';
import { scopesOf } from './scopes.ts';
import { estimatePromptTokens, requestedMaxOutput } from './estimate.ts';
import { SlidingLimiter, type TokenEntry } from './ratelimit.ts';
import { formatIn, formatLocal, resolveZone, windowBounds, type BudgetWindow } from './windows.ts';

/** Budget settings (settings key 'budgets'). */
export interface BudgetSettings {
  /** IANA zone for windows; absent: AIRLOCK_TZ, TZ, then the system's. */
  timeZone?: string;
  /** The most output tokens one reservation counts, whatever max_tokens says (default 4096). */
  reserveOutputCap?: number;
}

export const DEFAULT_RESERVE_OUTPUT_CAP = 4096;
const BLOCK_AUDIT_EVERY_MS = 60_000;
const WINDOW_WORD: Record<BudgetWindow, string> = { day: 'daily', week: 'weekly', month: 'monthly' };

/** Spend and reservations of one scope in one window instance, as the gateway tracks them in memory. */
interface WindowState {
  key: string;
  scope: string;
  window: BudgetWindow;
  start: number;
  end: number;
  spentUsd: number;
  spentTokens: number;
  reservedUsd: number;
  reservedTokens: number;
  /** Alerts already sent in this window: '<budget id>:warn' | '<budget id>:full' | '<budget id>:block'. */
  alerted: Set<string>;
}

/** What one admitted request holds until it settles. */
export interface BudgetReservation {
  id: string;
  states: WindowState[];
  usd: number;
  tokens: number;
  estInput: number;
  rate: { limiter: SlidingLimiter; entry: TokenEntry | null }[];
  persisted: boolean;
}

/** One line of `budget list`. */
export interface BudgetStatus extends BudgetDef {
  zone: string;
  windowStart: string;
  resetsAt: string;
  resetsAtMs: number;
  spentUsd: number;
  spentTokens: number;
  reservedUsd: number;
  reservedTokens: number;
  requests: number;
  costUnknownRequests: number;
  /** Highest share of a limit used (spent only), in percent. */
  usedPct: number;
}

const stateKey = (scope: string, w: BudgetWindow) => `${scope}|${w}`;

export function describeBudget(b: Pick<BudgetDef, 'scope' | 'window' | 'mode' | 'managedBy'>): string {
  return `${b.mode} ${WINDOW_WORD[b.window]} budget for ${b.scope}${b.managedBy ? ` (set by ${b.managedBy})` : ''}`;
}

export const fmtUsd = (x: number): string => `$${x < 1 ? x.toFixed(4) : x.toFixed(2)}`;

/** USD cost of `usage` on a target: local models without a price are free; otherwise null when unknown. */
function priceOf(local: boolean, info: ModelInfo | undefined, usage: Usage): number | null {
  return local && !info ? 0 : costOf(info, usage);
}

/**
 * Budgets and rate limits. Reservations are checked and taken synchronously (one event-loop turn), so however
 * many requests arrive at once, the sum of reservations can never pass a hard limit. Spend and reservations are
 * written to SQLite in one small transaction at most every FLUSH_MS, so other processes (`airlock budget list`) see them.
 */
export class BudgetService {
  readonly repo: BudgetRepo;
  /** Identifies this gateway's reservations; rows of any other instance are stale after a gateway start. */
  readonly instance = crypto.randomUUID();
  private readonly core: Core;
  private liveGeneration = -1;
  private managedCheckedAt = 0;
  private stale = true;
  private userBudgets: BudgetDef[] = [];
  private managedSource: unknown = null;
  private managedBudgets: BudgetDef[] = [];
  private byScope = new Map<string, BudgetDef[]>();
  private limitDefs = new Map<string, RateLimitDef>();
  private limiters = new Map<string, SlidingLimiter>();
  private settingsCache: BudgetSettings = {};
  private zoneCache: { zone: string; source: string } = { zone: 'UTC', source: 'system' };
  private readonly states = new Map<string, WindowState>();
  private readonly lastBlockAudit = new Map<string, { at: number; refused: number }>();
  // Writes queued for the end of this event-loop turn.
  private rollup = new Map<string, RollupRow>();
  private inserts = new Map<string, ReservationRow>();
  private deletes = new Set<string>();
  private scheduled = false;

  constructor(core: Core) {
    this.core = core;
    this.repo = new BudgetRepo(core.db);
    this.repo.onChange = () => this.invalidate();
  }

  invalidate(): void {
    this.stale = true;
  }

  /**
   * Reloads definitions when the database changed. The gateway's LiveConfig already reads SQLite's data_version
   * once per request (a write by another process, e.g. the CLI, bumps it); its reload generation is reused here
   * instead of a second PRAGMA read. The team policy is re-read on a reload and at most once a second otherwise
   * (bundle expiry, a new trust anchor).
   */
  private refresh(force = false): void {
    const now = Date.now();
    const gen = this.core.live.generation;
    const reload = force || this.stale || gen !== this.liveGeneration;
    if (reload) {
      this.liveGeneration = gen;
      this.stale = false;
      this.userBudgets = this.repo.listBudgets();
      this.limitDefs = new Map(this.repo.listRateLimits().map((l) => [l.scope, l]));
      for (const [scope, l] of this.limitDefs) {
        const lim = this.limiters.get(scope);
        if (lim) {
          lim.rpm = l.rpm;
          lim.tpm = l.tpm;
        } else this.limiters.set(scope, new SlidingLimiter(l.rpm, l.tpm));
      }
      for (const scope of [...this.limiters.keys()]) if (!this.limitDefs.has(scope)) this.limiters.delete(scope);
      this.settingsCache = this.core.settings.get<BudgetSettings>('budgets', {}) ?? {};
      const z = resolveZone(this.settingsCache.timeZone, this.core.env);
      if (z.zone !== this.zoneCache.zone) this.states.clear();
      this.zoneCache = z;
    }
    if (!reload && now - this.managedCheckedAt < 1000) return;
    this.managedCheckedAt = now;
    const managedSrc = this.core.policy.managed()?.budgets ?? null;
    if (!reload && managedSrc === this.managedSource) return;
    this.managedSource = managedSrc;
    this.managedBudgets = this.managedDefs();
    const by = new Map<string, BudgetDef[]>();
    for (const b of [...this.managedBudgets, ...this.userBudgets]) {
      if (b.limitUsd === null && b.limitTokens === null) continue;
      let l = by.get(b.scope);
      if (!l) by.set(b.scope, (l = []));
      l.push(b);
    }
    this.byScope = by;
  }

  /** The team policy's budgets, as definitions. */
  managedDefs(): BudgetDef[] {
    const list = this.core.policy.managed()?.budgets ?? [];
    const by = this.core.policy.managedBy() ?? 'team policy';
    return list.map((b, i) => ({
      id: `policy:${i + 1}`,
      scope: b.scope,
      window: b.window,
      limitUsd: b.limitUsd ?? null,
      limitTokens: b.limitTokens ?? null,
      mode: b.mode,
      warnAtPct: b.warnAtPct ?? null,
      managedBy: by,
    }));
  }

  zone(): { zone: string; source: string } {
    this.refresh();
    return this.zoneCache;
  }

  outputCap(): number {
    const c = this.settingsCache.reserveOutputCap;
    return typeof c === 'number' && c > 0 ? Math.floor(c) : DEFAULT_RESERVE_OUTPUT_CAP;
  }

  /** Drops the in-memory window totals; they are re-read from the database on next use. */
  reloadSpend(): void {
    this.flush();
    this.states.clear();
  }

  /** Called when a gateway starts on this data directory: reservations of any earlier gateway are void. */
  claim(): number {
    this.flush();
    return this.repo.clearForeignReservations(this.instance);
  }

  private state(scope: string, w: BudgetWindow, now: number): WindowState {
    const key = stateKey(scope, w);
    let s = this.states.get(key);
    if (s && now >= s.start && now < s.end) return s;
    const { start, end } = windowBounds(w, now, this.zoneCache.zone);
    this.flush(); // the rollup must include this process's queued spend before it is read
    const spend = this.repo.spend(scope, start, end);
    s = { key, scope, window: w, start, end, spentUsd: spend.usd, spentTokens: spend.tokens, reservedUsd: 0, reservedTokens: 0, alerted: new Set() };
    // Thresholds already passed when the window is loaded (e.g. after a restart) are not announced again.
    for (const b of this.byScope.get(scope) ?? []) {
      if (b.window !== w) continue;
      const pct = usedPct(b, s.spentUsd, s.spentTokens);
      if (b.warnAtPct !== null && pct >= b.warnAtPct) s.alerted.add(`${b.id}:warn`);
      if (pct >= 100) s.alerted.add(`${b.id}:full`);
    }
    this.states.set(key, s);
    return s;
  }

  // -- the budget stage ---------------------------------------------------------------------------------------

  /** Checks rate limits and budgets for the request's first candidate and takes the reservation, or throws a 429. */
  reserve(ctx: RequestContext): BudgetReservation | null {
    this.refresh();
    const t = ctx.target;
    if (!t) return null;
    const clientName = ctx.client?.name ?? null;
    const scopes = scopesOf(clientName, t.provider.id, t.model);
    const applicable: BudgetDef[] = [];
    for (const s of scopes) {
      const l = this.byScope.get(s);
      if (l) applicable.push(...l);
    }
    const limiters: [string, SlidingLimiter][] = [];
    if (this.limiters.size) {
      for (const s of [clientName ? `client:${clientName}` : null, `provider:${t.provider.id}`]) {
        const lim = s ? this.limiters.get(s) : undefined;
        if (lim) limiters.push([s!, lim]);
      }
    }
    if (applicable.length === 0 && limiters.length === 0) return null;

    const now = Date.now();
    const estInput = estimatePromptTokens(ctx.body);
    const embeddings = ctx.protocol.id === 'openai.embeddings';
    const cap = this.outputCap();
    const asked = requestedMaxOutput(ctx.body);
    const modelMax = t.info?.maxOutput;
    const outTokens = embeddings ? 0 : Math.min(asked ?? modelMax ?? cap, modelMax ?? Infinity, cap);
    const tokens = estInput + outTokens;
    const usd = priceOf(t.provider.local, t.info, { input: estInput, cached: 0, cacheWrite: 0, output: outTokens });

    // 1. Rate limits (checked before anything is taken).
    for (const [scope, lim] of limiters) {
      const r = lim.check(now, tokens);
      if (r) {
        const secs = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
        const what = r.kind === 'rpm' ? `${r.limit} requests per minute` : `${r.limit} tokens per minute (${r.current} used in the last minute, this request needs about ${Math.min(tokens, r.limit)})`;
        throw new GatewayError(429, 'rate_limit_error', `Rate limit for ${scope} reached: ${what}. Retry in ${secs}s.`, {
          code: 'rate_limit_exceeded',
          headers: { 'retry-after': String(secs), 'x-airlock-limit': scope },
        });
      }
    }

    // 2. Budgets: every applicable hard limit must hold with this reservation on top of spend and other reservations.
    const states: WindowState[] = [];
    for (const b of applicable) {
      const s = this.state(b.scope, b.window, now);
      if (!states.includes(s)) states.push(s);
      if (b.mode !== 'hard') continue;
      if (b.limitUsd !== null && usd === null) {
        throw new GatewayError(
          403,
          'budget_exceeded',
          `Refused by the ${describeBudget(b)}: it limits USD, but the price of ${t.provider.id}/${t.model} is unknown, so Airlock cannot keep this request within it. ` +
            'Add the price (`airlock model set`), use a priced model, or use a token budget (--limit-tokens) instead.',
          { code: 'budget_price_unknown' },
        );
      }
      const overUsd = b.limitUsd !== null && s.spentUsd + s.reservedUsd + usd! > b.limitUsd + 1e-12;
      const overTok = b.limitTokens !== null && s.spentTokens + s.reservedTokens + tokens > b.limitTokens;
      if (overUsd || overTok) this.refuse(ctx, b, s, now, overUsd ? { usd: usd! } : { tokens });
    }

    // 3. Take it: in memory now (atomic with the checks above), in SQLite at the end of this turn.
    const res: BudgetReservation = { id: ctx.id, states, usd: usd ?? 0, tokens, estInput, rate: [], persisted: false };
    for (const s of states) {
      s.reservedUsd += res.usd;
      s.reservedTokens += tokens;
    }
    for (const [, lim] of limiters) res.rate.push({ limiter: lim, entry: lim.admit(now, tokens) });
    if (states.length) {
      res.persisted = true;
      this.inserts.set(res.id, { id: res.id, instance: this.instance, pid: process.pid, createdAt: now, scopes: states.map((s) => s.key), usd: res.usd, tokens });
      this.schedule();
    }
    return res;
  }

  private refuse(ctx: RequestContext, b: BudgetDef, s: WindowState, now: number, need: { usd?: number; tokens?: number }): never {
    const zone = this.zoneCache.zone;
    const resets = formatLocal(s.end, zone);
    const secs = Math.max(1, Math.ceil((s.end - now) / 1000));
    const spent =
      need.usd !== undefined
        ? `spent ${fmtUsd(s.spentUsd)}${s.reservedUsd > 0 ? ` + ${fmtUsd(s.reservedUsd)} reserved by requests in flight` : ''} of ${fmtUsd(b.limitUsd!)}; this request may cost up to ${fmtUsd(need.usd)}`
        : `used ${s.spentTokens} tokens${s.reservedTokens > 0 ? ` + ${s.reservedTokens} reserved by requests in flight` : ''} of ${b.limitTokens}; this request may use up to ${need.tokens}`;
    const msg = `Budget exceeded: ${describeBudget(b)} — ${spent}. It resets at ${resets} (${zone}, in ${formatIn(s.end - now)}).`;
    const data = {
      budget: b.id,
      scope: b.scope,
      window: b.window,
      mode: b.mode,
      managedBy: b.managedBy,
      spentUsd: round(s.spentUsd),
      reservedUsd: round(s.reservedUsd),
      limitUsd: b.limitUsd,
      spentTokens: s.spentTokens,
      reservedTokens: s.reservedTokens,
      limitTokens: b.limitTokens,
      resetsAt: new Date(s.end).toISOString(),
      client: ctx.client?.name ?? null,
    };
    // One notification per budget and window; audit entries at most once a minute per budget, with a count.
    if (!s.alerted.has(`${b.id}:block`) && !s.alerted.has(`${b.id}:full`)) {
      s.alerted.add(`${b.id}:block`);
      this.core.emit({ kind: 'budget', level: 'error', title: 'Budget limit reached', message: msg, data });
    }
    const key = `${b.id}|${s.start}`;
    const last = this.lastBlockAudit.get(key);
    if (!last || now - last.at >= BLOCK_AUDIT_EVERY_MS) {
      this.core.audit.append('budget.block', { ...data, refusedSinceLast: last ? last.refused + 1 : 1 });
      this.lastBlockAudit.set(key, { at: now, refused: 0 });
    } else last.refused++;
    throw new GatewayError(429, 'budget_exceeded', msg, {
      code: 'budget_exceeded',
      headers: { 'retry-after': String(secs), 'x-airlock-budget': b.scope },
    });
  }

  // -- settle ---------------------------------------------------------------------------------------------------

  /**
   * Turns the reservation into the actual cost (or releases it) and records the spend, exactly as the request row
   * records it: provider usage, or the relay's estimate when a stream was cut (client cancel); a cache hit spends
   * nothing. Runs for every request.
   */
  settle(ctx: RequestContext, res: BudgetReservation | null): void {
    const t = ctx.target;
    const u = ctx.cacheHit ? null : ctx.usage;
    let actualUsd = 0;
    let actualTokens = 0;
    let priced = true;
    if (u && t) {
      // The settle stage's own price when it has computed one, so budgets and the request log agree to the cent.
      const settled = (ctx as { costUsd?: number | null }).costUsd;
      const c = settled !== undefined ? settled : priceOf(t.provider.local, t.info, u);
      priced = c !== null;
      actualUsd = c ?? 0;
      actualTokens = u.input + u.output;
      const key = `${bucketOf(ctx.ts)}|${ctx.client?.name ?? ''}|${t.provider.id}|${t.model}`;
      let row = this.rollup.get(key);
      if (!row) {
        row = { bucket: bucketOf(ctx.ts), client: ctx.client?.name ?? '', provider: t.provider.id, model: t.model, requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, costUnknown: 0 };
        this.rollup.set(key, row);
      }
      row.requests++;
      row.inputTokens += u.input;
      row.outputTokens += u.output;
      row.costUsd += actualUsd;
      if (!priced) row.costUnknown++;
      this.schedule();
    }
    if (res) {
      for (const s of res.states) {
        s.reservedUsd = Math.max(0, s.reservedUsd - res.usd);
        s.reservedTokens = Math.max(0, s.reservedTokens - res.tokens);
      }
      for (const r of res.rate) if (r.entry) r.limiter.settle(r.entry, actualTokens);
      if (res.persisted) {
        if (!this.inserts.delete(res.id)) this.deletes.add(res.id);
        this.schedule();
      }
    }
    if (!(u && t) || (actualUsd === 0 && actualTokens === 0)) return;
    // Spend lands in the windows that contain the request's start (as its request row does), for the scopes it ran under.
    for (const scope of scopesOf(ctx.client?.name ?? null, t.provider.id, t.model)) {
      const budgets = this.byScope.get(scope);
      for (const w of ['day', 'week', 'month'] as const) {
        const s = this.states.get(stateKey(scope, w));
        if (!s || ctx.ts < s.start || ctx.ts >= s.end) continue;
        s.spentUsd += actualUsd;
        s.spentTokens += actualTokens;
        if (budgets) for (const b of budgets) if (b.window === w) this.thresholds(b, s);
      }
    }
  }

  private thresholds(b: BudgetDef, s: WindowState): void {
    const pct = usedPct(b, s.spentUsd, s.spentTokens);
    const status = () => (b.limitUsd !== null ? `${fmtUsd(s.spentUsd)} of ${fmtUsd(b.limitUsd)}` : `${s.spentTokens} of ${b.limitTokens} tokens`);
    const data = () => ({ budget: b.id, scope: b.scope, window: b.window, mode: b.mode, managedBy: b.managedBy, pct: Math.round(pct * 10) / 10, spentUsd: round(s.spentUsd), limitUsd: b.limitUsd, spentTokens: s.spentTokens, limitTokens: b.limitTokens, resetsAt: new Date(s.end).toISOString() });
    const resets = () => `resets ${formatLocal(s.end, this.zoneCache.zone)}`;
    if (pct >= 100 && !s.alerted.has(`${b.id}:full`)) {
      s.alerted.add(`${b.id}:full`);
      s.alerted.add(`${b.id}:warn`);
      const hard = b.mode === 'hard';
      const message = `The ${describeBudget(b)} is used up: ${status()} (${resets()}).${hard ? ' Further requests are refused until then.' : ' Requests still go through (soft budget).'}`;
      this.core.emit({ kind: 'budget', level: 'error', title: hard ? 'Budget limit reached' : 'Soft budget exceeded', message, data: data() });
      this.core.audit.append('budget.threshold', { ...data(), threshold: 100 });
      return;
    }
    if (b.warnAtPct !== null && pct >= b.warnAtPct && !s.alerted.has(`${b.id}:warn`)) {
      s.alerted.add(`${b.id}:warn`);
      const message = `The ${describeBudget(b)} is at ${Math.floor(pct)}%: ${status()} (${resets()}).`;
      this.core.emit({ kind: 'budget', level: 'warn', title: `Budget ${Math.floor(pct)}% used`, message, data: data() });
      this.core.audit.append('budget.threshold', { ...data(), threshold: b.warnAtPct });
    }
  }

  // -- persistence ----------------------------------------------------------------------------------------------

  /** How often queued writes are committed (as the request log does): one small transaction per interval at most. */
  static FLUSH_MS = 100;

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => this.flush(), BudgetService.FLUSH_MS).unref();
  }

  /**
   * Writes queued spend and reservation changes (one transaction). A request that starts and settles within one
   * interval never writes its reservation at all. A crash loses at most the last interval, like the request log.
   */
  flush(): void {
    this.scheduled = false;
    if (this.rollup.size === 0 && this.inserts.size === 0 && this.deletes.size === 0) return;
    const rollup = [...this.rollup.values()];
    const inserts = [...this.inserts.values()];
    const deletes = [...this.deletes];
    this.rollup = new Map();
    this.inserts = new Map();
    this.deletes = new Set();
    try {
      this.repo.writeBatch(rollup, inserts, deletes);
    } catch (err) {
      console.error(`airlock: could not write budget spend/reservations: ${(err as Error).message}`);
    }
  }

  // -- reporting ------------------------------------------------------------------------------------------------

  /** Every budget in force (team policy first), with spend and reservations from the database. Works from any process. */
  list(now = Date.now()): BudgetStatus[] {
    this.flush();
    this.refresh(true);
    const zone = this.zoneCache.zone;
    const reserved = new Map<string, { usd: number; tokens: number }>();
    const alive = new Map<number, boolean>();
    for (const r of this.repo.reservations()) {
      let ok = alive.get(r.pid);
      if (ok === undefined) alive.set(r.pid, (ok = pidAlive(r.pid)));
      // A reservation of a gateway that is gone no longer holds anything (the next gateway start deletes it).
      if (!ok) continue;
      for (const k of r.scopes) {
        const e = reserved.get(k) ?? { usd: 0, tokens: 0 };
        e.usd += r.usd;
        e.tokens += r.tokens;
        reserved.set(k, e);
      }
    }
    const out: BudgetStatus[] = [];
    for (const b of [...this.managedBudgets, ...this.userBudgets]) {
      const { start, end } = windowBounds(b.window, now, zone);
      const spend = this.repo.spend(b.scope, start, end);
      const r = reserved.get(stateKey(b.scope, b.window)) ?? { usd: 0, tokens: 0 };
      out.push({
        ...b,
        zone,
        windowStart: formatLocal(start, zone),
        resetsAt: formatLocal(end, zone),
        resetsAtMs: end,
        spentUsd: round(spend.usd),
        spentTokens: spend.tokens,
        reservedUsd: round(r.usd),
        reservedTokens: r.tokens,
        requests: spend.requests,
        costUnknownRequests: spend.unknownCostRequests,
        usedPct: Math.round(usedPct(b, spend.usd, spend.tokens) * 10) / 10,
      });
    }
    return out;
  }

  rateLimits(now = Date.now()): (RateLimitDef & { requestsLastMinute: number | null; tokensLastMinute: number | null })[] {
    this.refresh(true);
    return [...this.limitDefs.values()].map((l) => {
      const u = this.limiters.get(l.scope)?.usage(now);
      return { ...l, requestsLastMinute: u?.requests ?? null, tokensLastMinute: u?.tokens ?? null };
    });
  }
}

function usedPct(b: Pick<BudgetDef, 'limitUsd' | 'limitTokens'>, usd: number, tokens: number): number {
  let p = 0;
  if (b.limitUsd !== null) p = Math.max(p, b.limitUsd > 0 ? (usd / b.limitUsd) * 100 : usd > 0 ? Infinity : 100);
  if (b.limitTokens !== null) p = Math.max(p, b.limitTokens > 0 ? (tokens / b.limitTokens) * 100 : tokens > 0 ? Infinity : 100);
  return p;
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const round = (x: number): number => Math.round(x * 1e9) / 1e9;
