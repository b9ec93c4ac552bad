// The dashboard screens' part of the app API contract (issue 11): Spend dashboard, Request log, Budgets, DLP view.
// contract.ts spreads dashboardMethods into the contract. The handlers (electron/core/api/dashboard.ts) run the
// queries on the analytics worker thread (electron/core/analytics), never on the gateway's event loop.
// Times are ms since the epoch; calendar periods are computed in the time zone the renderer sends (the browser's).
import { z } from 'zod';

const Empty = z.object({}).strict();

/** An IANA time zone the runtime knows ("Europe/Berlin", "UTC"). */
export const Zone = z
  .string()
  .min(1, 'A time zone is required.')
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, "Unknown time zone: use an IANA name such as 'Europe/Berlin' or 'UTC'.");
export const Unit = z.enum(['day', 'week', 'month']);
export type Unit = z.infer<typeof Unit>;
/** Stack spend by the tool (client), the model, the provider, or a tag key ("tag:feature"). */
export const StackBy = z
  .string()
  .max(70)
  .regex(/^(client|model|provider|tag:[A-Za-z0-9][A-Za-z0-9_.:/ -]{0,63})$/, "Group by client, model, provider or tag:<key> (e.g. tag:feature).");
export type StackBy = z.infer<typeof StackBy>;
const Ts = z.number().int().min(0).max(8.64e15);

export const Period = z.object({ start: z.number(), end: z.number(), label: z.string() });
export type Period = z.infer<typeof Period>;

export const SpendSeries = z.object({
  /** '' = none (no client / never routed); '(other)' = keys beyond the top 8; '(untagged)' = requests without that tag. */
  key: z.string(),
  costUsd: z.array(z.number()),
  requests: z.array(z.number()),
  totalCostUsd: z.number(),
});
export type SpendSeries = z.infer<typeof SpendSeries>;

export const PeriodTotal = z.object({ start: z.number(), end: z.number(), costUsd: z.number(), requests: z.number() });
export const SpendTotals = z.object({
  today: PeriodTotal,
  week: PeriodTotal,
  month: PeriodTotal,
  dailyRateUsd: z.number(),
  /** This month so far + the trailing 7-day daily rate × days left; null with less than an hour of history. */
  projectedMonthUsd: z.number().nullable(),
  costUnknownRequestsThisMonth: z.number(),
});
export type SpendTotals = z.infer<typeof SpendTotals>;

export const BreakdownRow = z.object({
  key: z.string(),
  requests: z.number(),
  errors: z.number(),
  errorRate: z.number(),
  blocked: z.number(),
  inputTokens: z.number(),
  cachedTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
  /** Requests whose price was unknown (their cost is not in costUsd). */
  costUnknownRequests: z.number(),
  avgLatencyMs: z.number().nullable(),
  p95TtftMs: z.number().nullable(),
  cacheHits: z.number(),
  savedUsd: z.number(),
});
export type BreakdownRow = z.infer<typeof BreakdownRow>;

export const Savings = z.object({
  requestedCostUsd: z.number(),
  costUsd: z.number(),
  savedRoutingUsd: z.number(),
  savedCacheUsd: z.number(),
  savedUsd: z.number(),
  cacheHits: z.number(),
  cacheHitRate: z.number(),
  okRequests: z.number(),
});
export type Savings = z.infer<typeof Savings>;

export const DashboardOverview = z.object({
  zone: z.string(),
  unit: Unit,
  by: z.string(),
  now: z.number(),
  /** The range the chart and the tables cover: [from, to). */
  from: z.number(),
  to: z.number(),
  periods: z.array(Period),
  series: z.array(SpendSeries),
  seriesTotals: z.object({ costUsd: z.array(z.number()), requests: z.array(z.number()), costUnknownRequests: z.array(z.number()) }),
  totals: SpendTotals,
  savings: Savings,
  tables: z.object({ client: z.array(BreakdownRow), model: z.array(BreakdownRow), provider: z.array(BreakdownRow) }),
  total: BreakdownRow,
  /** Tag keys seen in x-airlock-tags, for the "stack by" menu. */
  tagKeys: z.array(z.string()),
});
export type DashboardOverview = z.infer<typeof DashboardOverview>;

const ShortText = z.string().max(200);
export const LogFilter = z
  .object({
    from: Ts.optional(),
    to: Ts.optional(),
    /** '' = requests without a client token. */
    client: ShortText.optional(),
    /** "provider/model"; '' = never routed. */
    model: ShortText.optional(),
    provider: ShortText.optional(),
    /** 'error' (HTTP >= 400), 'ok', or one status code. */
    status: z.union([z.enum(['error', 'ok']), z.number().int().min(100).max(599)]).optional(),
    /** Only requests Airlock refused (DLP, policy, budget, rate limit). */
    blocked: z.boolean().optional(),
    tag: z.object({ key: z.string().min(1).max(64), value: z.string().min(1).max(128) }).strict().optional(),
  })
  .strict();
export type LogFilter = z.infer<typeof LogFilter>;

export const DlpFinding = z.object({ type: z.string(), count: z.number(), action: z.string() });
export const LogRow = z.object({
  id: z.number().int(),
  ts: z.number(),
  client: z.string().nullable(),
  inbound: z.string(),
  requestedModel: z.string().nullable(),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  status: z.number().int(),
  errorType: z.string().nullable(),
  /** Why Airlock refused it, or null. */
  blocked: z.enum(['dlp', 'budget', 'rate_limit', 'policy']).nullable(),
  stream: z.boolean(),
  inputTokens: z.number().nullable(),
  cachedTokens: z.number().nullable(),
  outputTokens: z.number().nullable(),
  usageEstimated: z.boolean(),
  /** null = the price was unknown (shown as "unknown", never $0). */
  costUsd: z.number().nullable(),
  requestedCostUsd: z.number().nullable(),
  savedUsd: z.number().nullable(),
  cacheHit: z.boolean(),
  attempts: z.number().int(),
  fallbacks: z.number().int(),
  routeRule: z.string().nullable(),
  dlp: z.array(DlpFinding),
  tags: z.array(z.tuple([z.string(), z.string()])),
  latencyMs: z.number().nullable(),
  ttftMs: z.number().nullable(),
});
export type LogRow = z.infer<typeof LogRow>;

export const LogPage = z.object({ rows: z.array(LogRow), nextCursor: z.string().nullable() });
export type LogPage = z.infer<typeof LogPage>;
const Cursor = z.string().max(40).nullable().optional();

export const DlpOverview = z.object({
  zone: z.string(),
  unit: Unit,
  from: z.number(),
  to: z.number(),
  periods: z.array(Period),
  /** Findings (sum of counts) per period, per finding type and action. */
  findings: z.array(z.object({ type: z.string(), action: z.string(), counts: z.array(z.number()), requests: z.array(z.number()), total: z.number() })),
  /** Findings per period by action (mask, block, warn, ...), for the chart. */
  byAction: z.array(z.object({ action: z.string(), counts: z.array(z.number()), total: z.number() })),
  /** Finding types (built-in detectors and custom rules), most frequent first. */
  topTypes: z.array(z.object({ type: z.string(), total: z.number(), requests: z.number(), actions: z.record(z.string(), z.number()) })),
  /** Requests Airlock refused, by why (dlp, policy, budget, rate_limit). */
  blocked: z.array(z.object({ kind: z.string(), counts: z.array(z.number()), total: z.number() })),
});
export type DlpOverview = z.infer<typeof DlpOverview>;

export const BudgetView = z.object({
  id: z.string(),
  scope: z.string(),
  window: z.enum(['day', 'week', 'month']),
  mode: z.enum(['hard', 'soft']),
  limitUsd: z.number().nullable(),
  limitTokens: z.number().nullable(),
  warnAtPct: z.number().nullable(),
  /** Who manages it (team policy), or null for your own. */
  managedBy: z.string().nullable(),
  zone: z.string(),
  windowStart: z.string(),
  resetsAt: z.string(),
  resetsAtMs: z.number(),
  spentUsd: z.number(),
  spentTokens: z.number(),
  reservedUsd: z.number(),
  reservedTokens: z.number(),
  requests: z.number(),
  costUnknownRequests: z.number(),
  usedPct: z.number(),
  /** ok: under the warning threshold; warn: past it; exceeded: at or past the limit (hard: requests refused). */
  state: z.enum(['ok', 'warn', 'exceeded']),
});
export type BudgetView = z.infer<typeof BudgetView>;

const Money = z.number().min(0).max(1e9);
export const BudgetSetInput = z
  .object({
    scope: z.string().min(1).max(200),
    window: z.enum(['day', 'week', 'month']),
    limitUsd: Money.nullable().optional(),
    limitTokens: z.number().int().min(0).max(1e15).nullable().optional(),
    mode: z.enum(['hard', 'soft']).optional(),
    warnAtPct: z.number().min(0).max(100).nullable().optional(),
  })
  .strict();

const method = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string) => ({ input, output, summary });

export const dashboardMethods = {
  'dashboard.overview': method(
    z
      .object({
        zone: Zone,
        unit: Unit,
        by: StackBy,
        /** How many periods back the chart and tables go (default: 30 days, 12 weeks or 12 months). */
        periods: z.number().int().min(1).max(400).optional(),
        weekStart: z.union([z.literal(0), z.literal(1)]).optional(),
      })
      .strict(),
    DashboardOverview,
    'Spend over time, totals and projection, savings, tables by client/model/provider',
  ),
  'requests.list': method(
    z.object({ filter: LogFilter.optional(), cursor: Cursor, limit: z.number().int().min(1).max(200).optional() }).strict(),
    LogPage,
    'One page of the request log (newest first, keyset-paged)',
  ),
  'requests.exportCsv': method(
    z.object({ filter: LogFilter.optional(), cursor: Cursor }).strict(),
    z.object({ text: z.string(), nextCursor: z.string().nullable(), rows: z.number().int() }),
    'The filtered request log as CSV, chunk by chunk (header with the first chunk)',
  ),
  'dlp.overview': method(
    z.object({ zone: Zone, unit: Unit, periods: z.number().int().min(1).max(400).optional(), weekStart: z.union([z.literal(0), z.literal(1)]).optional() }).strict(),
    DlpOverview,
    'DLP findings over time by type and action, top types, refused requests',
  ),
  'budgets.list': method(Empty, z.array(BudgetView), 'Every budget with spent, reserved, limit, reset time and state'),
  'budgets.set': method(BudgetSetInput, z.object({ budget: BudgetView.nullable(), notes: z.array(z.string()) }), 'Create or change one of your budgets'),
  'budgets.remove': method(z.object({ id: z.string().min(1).max(40) }).strict(), z.object({ removed: z.boolean() }), 'Remove one of your budgets'),
} as const;
