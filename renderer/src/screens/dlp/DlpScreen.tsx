// The DLP view: findings over time stacked by action (mask, block, warn...), the finding types and custom rules that
// fire most, and the requests Airlock refused (by why), with a link into the request log filtered to blocked requests.
// Only types and counts exist: Airlock never stores the values it found.
import { useEffect, useMemo, useState } from 'react';
import type { DlpOverview, Unit } from '../../../../shared/api/dashboard.ts';
import { api } from '../../api.ts';
import { errorText, useApp } from '../../store.ts';
import { Card, Empty, ErrorState, Loading } from '../../components/common.tsx';
import { StackedBars } from '../../components/charts/StackedBars.tsx';
import type { ChartTheme } from '../../components/charts/theme.ts';
import { useRequestFilter } from '../requests/filterStore.ts';
import { browserZone, count } from '../dashboard/format.ts';

const UNITS: { unit: Unit; label: string; range: string }[] = [
  { unit: 'day', label: 'Day', range: 'last 30 days' },
  { unit: 'week', label: 'Week', range: 'last 12 weeks' },
  { unit: 'month', label: 'Month', range: 'last 12 months' },
];
const KIND_WORD: Record<string, string> = { dlp: 'DLP block', policy: 'Policy', budget: 'Budget', rate_limit: 'Rate limit' };
const ACTION_ORDER = ['block', 'redact', 'mask', 'warn', 'allow'];
/** Actions in their meaning's color: block red, warn amber, allow green; mask and redact from the palette. */
const actionColor = (action: string, t: ChartTheme): string | null =>
  action === 'block' ? t.error : action === 'warn' ? t.warn : action === 'allow' ? t.ok : action === 'mask' ? t.series[0]! : action === 'redact' ? t.series[4]! : null;
const rank = (a: string) => (ACTION_ORDER.includes(a) ? ACTION_ORDER.indexOf(a) : 99);

export function DlpScreen() {
  const [unit, setUnit] = useState<Unit>('day');
  const [data, setData] = useState<DlpOverview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const zone = useMemo(browserZone, []);
  const navigate = useApp((s) => s.navigate);
  const openLog = useRequestFilter((s) => s.open);
  async function load() {
    try {
      setData(await api.call('dlp.overview', { zone, unit }));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => {
    void load();
  }, [unit]);
  const tick = useApp((s) => s.requestTick);
  useEffect(() => {
    if (tick === 0) return;
    const t = setTimeout(() => void load(), 2000);
    return () => clearTimeout(t);
  }, [tick]);

  const series = useMemo(
    () =>
      data
        ? [...data.byAction]
            .sort((a, b) => rank(a.action) - rank(b.action))
            .map((a) => ({ key: a.action, label: a.action, values: a.counts, total: a.total }))
        : [],
    [data],
  );
  const findings = data ? data.topTypes.reduce((s, t) => s + t.total, 0) : 0;
  const blockedTotal = data ? data.blocked.reduce((s, b) => s + b.total, 0) : 0;
  const range = UNITS.find((u) => u.unit === unit)!.range;
  const actions = data ? [...new Set(data.topTypes.flatMap((t) => Object.keys(t.actions)))].sort((a, b) => rank(a) - rank(b)) : [];

  function openBlocked() {
    openLog({ blocked: true, from: data?.from, to: data?.to });
    navigate('requests');
  }

  return (
    <div className="screen dlp-screen" data-testid="dlp-screen">
      <header className="screen-head dash-head">
        <div>
          <h1>Data loss prevention</h1>
          <p className="lead">What the gateway found in prompts and what it did about it: types and counts only, never the values.</p>
        </div>
        <div className="dash-controls">
          <div className="seg" role="group" aria-label="Granularity">
            {UNITS.map((u) => (
              <button key={u.unit} type="button" className={`seg-btn ${unit === u.unit ? 'selected' : ''}`} aria-pressed={unit === u.unit} onClick={() => setUnit(u.unit)} data-testid={`dlp-unit-${u.unit}`}>
                {u.label}
              </button>
            ))}
          </div>
        </div>
      </header>
      {error && <ErrorState message={error} retry={load} />}
      {!data && !error && <Loading what="DLP findings" />}
      {data && (
        <>
          <div className="dash-totals">
            <div className="dash-total" data-testid="dlp-total-findings" data-count={findings}>
              <div className="dash-total-label">Findings · {range}</div>
              <div className="dash-total-value">{count(findings)}</div>
              <div className="dash-total-sub">{data.topTypes.length} types</div>
            </div>
            <div className="dash-total" data-testid="dlp-total-blocked" data-count={blockedTotal}>
              <div className="dash-total-label">Requests refused · {range}</div>
              <div className="dash-total-value">{count(blockedTotal)}</div>
              <div className="dash-total-sub">
                <button type="button" className="btn-link" onClick={openBlocked} data-testid="dlp-open-blocked">
                  View blocked requests →
                </button>
              </div>
            </div>
          </div>
          <Card title={`Findings over time · ${range}`} testId="dlp-chart-card">
            {series.length === 0 ? (
              <Empty title={`No findings in the ${range}`} testId="dlp-empty">
                DLP scans every prompt part; when it finds e-mail addresses, keys, IBANs and the like, they show up here by type and action.
              </Empty>
            ) : (
              <StackedBars periods={data.periods} unit={unit} series={series} format={(v) => count(Math.round(v))} title="DLP findings by action" testId="dlp-chart" height={240} colorOf={actionColor} />
            )}
          </Card>
          <div className="dash-grid2">
            <Card title="Top types and rules" testId="dlp-top">
              {data.topTypes.length === 0 ? (
                <Empty title="Nothing found yet" />
              ) : (
                <div className="table-wrap">
                  <table className="table" data-testid="dlp-top-table">
                    <thead>
                      <tr>
                        <th scope="col">Type / rule</th>
                        <th scope="col" className="num">Findings</th>
                        {actions.map((a) => (
                          <th key={a} scope="col" className="num">
                            {a}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {data.topTypes.map((t) => (
                        <tr key={t.type} data-testid="dlp-type-row" data-type={t.type} data-total={t.total}>
                          <th scope="row">
                            <code>{t.type}</code>
                          </th>
                          <td className="num">{count(t.total)}</td>
                          {actions.map((a) => (
                            <td key={a} className={`num ${a === 'block' && t.actions[a] ? 'error-text' : ''}`}>
                              {t.actions[a] ? count(t.actions[a]!) : '—'}
                            </td>
                          ))}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </Card>
            <Card title="Refused requests" testId="dlp-blocked">
              {data.blocked.length === 0 ? (
                <Empty title="Nothing refused" />
              ) : (
                <ul className="dlp-kinds">
                  {data.blocked.map((b) => (
                    <li key={b.kind} data-testid="dlp-blocked-kind" data-kind={b.kind} data-total={b.total}>
                      <span>{KIND_WORD[b.kind] ?? b.kind}</span>
                      <strong>{count(b.total)}</strong>
                    </li>
                  ))}
                </ul>
              )}
              <button type="button" className="btn btn-small" onClick={openBlocked} data-testid="dlp-open-blocked-2">
                Open blocked requests in the log
              </button>
            </Card>
          </div>
        </>
      )}
    </div>
  );
}
