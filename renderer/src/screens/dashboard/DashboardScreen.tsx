// The Spend dashboard: totals (today, week, month, projection), spend over time stacked by tool, model, provider or a
// tag key, savings from routing and the cache, and tables by client, model and provider that open the request log
// filtered to that row. Periods follow the browser's time zone (sent to the API). New requests refresh it live,
// debounced so a busy gateway does not turn into a busy API.
import { useEffect, useMemo, useState } from 'react';
import type { BreakdownRow, LogFilter, Unit } from '../../../../shared/api/dashboard.ts';
import { api } from '../../api.ts';
import { useApp } from '../../store.ts';
import { useLatestLoad } from '../../components/useLatestLoad.ts';
import { Card, Empty, ErrorState, Loading } from '../../components/common.tsx';
import { StackedBars } from '../../components/charts/StackedBars.tsx';
import { useRequestFilter } from '../requests/filterStore.ts';
import { browserZone, count, keyLabel, ms, pct, usd, usdShort } from './format.ts';

type Table = 'client' | 'model' | 'provider';
const UNITS: { unit: Unit; label: string; range: string }[] = [
  { unit: 'day', label: 'Day', range: 'last 30 days' },
  { unit: 'week', label: 'Week', range: 'last 12 weeks' },
  { unit: 'month', label: 'Month', range: 'last 12 months' },
];
/** Live refresh: at most one reload per this many ms after new requests arrive. */
export const LIVE_DEBOUNCE_MS = 2000;

function useDashboard(unit: Unit, by: string) {
  const zone = useMemo(browserZone, []);
  const { data, error, loading, reload } = useLatestLoad(() => api.call('dashboard.overview', { zone, unit, by }), [unit, by]);
  // Live: the store bumps requestTick when rows are logged; reload once things go quiet for a moment.
  const tick = useApp((s) => s.requestTick);
  useEffect(() => {
    if (tick === 0) return;
    const t = setTimeout(() => void reload(), LIVE_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [tick]);
  return { data, error, loading, reload, zone };
}

function Total({ label, value, sub, testId, raw }: { label: string; value: string; sub?: string; testId: string; raw: number | null }) {
  return (
    <div className="dash-total" data-testid={testId} data-usd={raw === null ? '' : String(raw)}>
      <div className="dash-total-label">{label}</div>
      <div className="dash-total-value">{value}</div>
      {sub && <div className="dash-total-sub">{sub}</div>}
    </div>
  );
}

function BreakdownTable({ rows, what, onOpen }: { rows: BreakdownRow[]; what: Table; onOpen: (key: string) => void }) {
  if (rows.length === 0) return <Empty title="No requests in this range" testId={`table-${what}-empty`} />;
  return (
    <div className="table-wrap">
      <table className="table dash-table" data-testid={`table-${what}`}>
        <caption className="sr-only">Spend by {what}; choose a name to open its requests</caption>
        <thead>
          <tr>
            <th scope="col">{what === 'client' ? 'Tool (token)' : what === 'model' ? 'Model' : 'Provider'}</th>
            <th scope="col" className="num">Requests</th>
            <th scope="col" className="num">Input</th>
            <th scope="col" className="num">Cached</th>
            <th scope="col" className="num">Output</th>
            <th scope="col" className="num">Cost</th>
            <th scope="col" className="num">Avg latency</th>
            <th scope="col" className="num">p95 TTFT</th>
            <th scope="col" className="num">Errors</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-testid={`table-${what}-row`} data-key={r.key} data-requests={r.requests} data-usd={r.costUsd}>
              <th scope="row">
                <button type="button" className="btn-link dash-open" onClick={() => onOpen(r.key)} title="Open these requests in the request log">
                  {keyLabel(r.key, what)}
                </button>
              </th>
              <td className="num">{count(r.requests)}</td>
              <td className="num">{count(r.inputTokens)}</td>
              <td className="num">{count(r.cachedTokens)}</td>
              <td className="num">{count(r.outputTokens)}</td>
              <td className="num">
                {usd(r.costUsd)}
                {r.costUnknownRequests > 0 && (
                  <span className="dash-unknown" title={`${r.costUnknownRequests} request(s) with an unknown price are not in this sum`}>
                    {' '}
                    + {r.costUnknownRequests} unknown
                  </span>
                )}
              </td>
              <td className="num">{ms(r.avgLatencyMs)}</td>
              <td className="num">{ms(r.p95TtftMs)}</td>
              <td className={`num ${r.errorRate >= 0.05 ? 'error-text' : ''}`}>{r.requests ? pct(r.errorRate) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function DashboardScreen() {
  const [unit, setUnit] = useState<Unit>('day');
  const [by, setBy] = useState('client');
  const [table, setTable] = useState<Table>('client');
  const { data, error, loading, reload, zone } = useDashboard(unit, by);
  const navigate = useApp((s) => s.navigate);
  const openLog = useRequestFilter((s) => s.open);

  const byKind = by.startsWith('tag:') ? 'tag' : (by as Table);
  const chartSeries = useMemo(
    () => (data ? data.series.map((s) => ({ key: s.key, label: keyLabel(s.key, byKind), values: s.costUsd, total: s.totalCostUsd })) : []),
    [data, byKind],
  );

  function open(what: Table, key: string) {
    const f: LogFilter = { from: data?.from, to: data?.to };
    f[what] = key;
    openLog(f);
    navigate('requests');
  }

  const range = UNITS.find((u) => u.unit === unit)!.range;
  const t = data?.totals;
  const empty = data !== null && data.totals.month.requests === 0 && data.total.requests === 0;

  return (
    <div className="screen dash-screen" data-testid="dashboard-screen" aria-busy={loading} data-from={data?.from} data-to={data?.to} data-loaded={data ? data.now : undefined}>
      <header className="screen-head dash-head">
        <div>
          <h1>Spend</h1>
          <p className="lead">
            Where the money went, by tool, model and day. Times in your time zone (<span data-testid="dash-zone">{zone}</span>).
          </p>
        </div>
        <div className="dash-controls">
          <div className="seg" role="group" aria-label="Granularity">
            {UNITS.map((u) => (
              <button key={u.unit} type="button" className={`seg-btn ${unit === u.unit ? 'selected' : ''}`} aria-pressed={unit === u.unit} onClick={() => setUnit(u.unit)} data-testid={`unit-${u.unit}`}>
                {u.label}
              </button>
            ))}
          </div>
          <label className="dash-by">
            <span>Stack by</span>
            <select value={by} onChange={(e) => setBy(e.target.value)} data-testid="stack-by">
              <option value="client">Tool</option>
              <option value="model">Model</option>
              <option value="provider">Provider</option>
              {(data?.tagKeys ?? []).map((k) => (
                <option key={k} value={`tag:${k}`}>
                  Tag: {k}
                </option>
              ))}
            </select>
          </label>
        </div>
      </header>

      {error && <ErrorState message={error} retry={reload} />}
      {!data && !error && <Loading what="spend" />}

      {data && t && (
        <>
          <div className="dash-totals" data-testid="dash-totals">
            <Total label="Today" value={usd(t.today.costUsd)} sub={`${count(t.today.requests)} requests`} testId="total-today" raw={t.today.costUsd} />
            <Total label="This week" value={usd(t.week.costUsd)} sub={`${count(t.week.requests)} requests`} testId="total-week" raw={t.week.costUsd} />
            <Total label="This month" value={usd(t.month.costUsd)} sub={`${count(t.month.requests)} requests${t.costUnknownRequestsThisMonth ? ` · ${t.costUnknownRequestsThisMonth} unpriced` : ''}`} testId="total-month" raw={t.month.costUsd} />
            <Total
              label="Month projection"
              value={t.projectedMonthUsd === null ? '—' : usd(t.projectedMonthUsd)}
              sub={t.projectedMonthUsd === null ? 'Needs an hour of history' : `at ${usd(t.dailyRateUsd)}/day (last 7 days)`}
              testId="total-projection"
              raw={t.projectedMonthUsd}
            />
          </div>

          {empty ? (
            <Card testId="dash-empty-card">
              <Empty title="No requests yet" testId="dash-empty">
                <p>Point a tool at the gateway or send a message in Chat; spend shows up here as requests arrive.</p>
                <button type="button" className="btn btn-small" onClick={() => navigate('connect')} data-testid="dash-empty-connect">
                  Connect your tools →
                </button>
              </Empty>
            </Card>
          ) : (
            <>
              <Card title={`Spend over time · ${range}`} testId="dash-chart-card" actions={loading ? <span className="muted small">Updating…</span> : undefined}>
                {chartSeries.length === 0 ? (
                  <Empty title={`No requests in the ${range}`} testId="dash-chart-empty" />
                ) : (
                  <StackedBars periods={data.periods} unit={unit} series={chartSeries} format={usd} axisFormat={usdShort} title="Spend over time" testId="spend-chart" />
                )}
                {data.seriesTotals.costUnknownRequests.some((n) => n > 0) && (
                  <p className="hint">
                    {data.seriesTotals.costUnknownRequests.reduce((a, b) => a + b, 0)} request(s) in this range used a model without a known price; their cost is not in the bars.
                  </p>
                )}
              </Card>

              <div className="dash-grid2">
                <Card title="Savings" testId="dash-savings">
                  <div className="dash-saving">
                    <div className="dash-total-value" data-testid="saved-total" data-usd={data.savings.savedUsd}>
                      {usd(data.savings.savedUsd)}
                    </div>
                    <p className="muted small">
                      saved in the {range} versus sending every request to the model that was asked for ({usd(data.savings.requestedCostUsd)} → {usd(data.savings.costUsd)}).
                    </p>
                    <dl className="dash-dl">
                      <dt>Routing</dt>
                      <dd data-testid="saved-routing">{usd(data.savings.savedRoutingUsd)}</dd>
                      <dt>Cache</dt>
                      <dd data-testid="saved-cache">{usd(data.savings.savedCacheUsd)}</dd>
                    </dl>
                  </div>
                </Card>
                <Card title="Cache" testId="dash-cache">
                  <div className="dash-total-value" data-testid="cache-hit-rate" data-rate={data.savings.cacheHitRate}>
                    {pct(data.savings.cacheHitRate)}
                  </div>
                  <p className="muted small">
                    hit rate: {count(data.savings.cacheHits)} of {count(data.savings.okRequests)} successful requests were answered from the cache.
                  </p>
                  <div className="meter" aria-hidden="true">
                    <div className="meter-fill meter-ok" style={{ width: `${Math.min(100, data.savings.cacheHitRate * 100)}%` }} />
                  </div>
                </Card>
              </div>

              <Card
                title={`Breakdown · ${range}`}
                testId="dash-tables"
                actions={
                  <div className="seg" role="tablist" aria-label="Breakdown by">
                    {(['client', 'model', 'provider'] as const).map((w) => (
                      <button
                        key={w}
                        type="button"
                        role="tab"
                        aria-selected={table === w}
                        className={`seg-btn ${table === w ? 'selected' : ''}`}
                        onClick={() => setTable(w)}
                        onKeyDown={(e) => {
                          const order = ['client', 'model', 'provider'] as const;
                          const i = order.indexOf(table);
                          if (e.key === 'ArrowRight') setTable(order[(i + 1) % 3]!);
                          if (e.key === 'ArrowLeft') setTable(order[(i + 2) % 3]!);
                        }}
                        data-testid={`tab-${w}`}
                      >
                        {w === 'client' ? 'By tool' : w === 'model' ? 'By model' : 'By provider'}
                      </button>
                    ))}
                  </div>
                }
              >
                <BreakdownTable rows={data.tables[table]} what={table} onOpen={(k) => open(table, k)} />
                <p className="muted small">
                  Total: {count(data.total.requests)} requests, {usd(data.total.costUsd)}
                  {data.total.costUnknownRequests > 0 ? ` + ${data.total.costUnknownRequests} with an unknown price` : ''}, error rate {pct(data.total.errorRate)}.
                </p>
              </Card>
            </>
          )}
        </>
      )}
    </div>
  );
}
