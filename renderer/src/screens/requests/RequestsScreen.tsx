// The request log: every gateway call, newest first, filtered (client, model, provider, status, blocked only, time
// range, tag) and keyset-paged, each row with its routing decision, attempts/fallbacks, cache, DLP findings and cost
// (an unknown price reads "unknown", never $0). "Export CSV" pulls the filtered log chunk by chunk through the API and
// downloads it. New requests show up live on the first page.
import { useEffect, useId, useState } from 'react';
import type { LogFilter, LogPage, LogRow } from '../../../../shared/api/dashboard.ts';
import { api } from '../../api.ts';
import { errorText, useApp } from '../../store.ts';
import { Card, Empty, ErrorState, Loading } from '../../components/common.tsx';
import { Pager, usePages } from '../../components/Pager.tsx';
import { useLatestLoad } from '../../components/useLatestLoad.ts';
import { downloadText } from '../../components/governance/gov.tsx';
import { cost, count, dateTime, ms } from '../dashboard/format.ts';
import { describeFilter, useRequestFilter } from './filterStore.ts';

const PAGE = 50;

interface Draft {
  client: string;
  model: string;
  provider: string;
  status: '' | 'ok' | 'error';
  blocked: boolean;
  from: string;
  to: string;
  tag: string;
}
const EMPTY: Draft = { client: '', model: '', provider: '', status: '', blocked: false, from: '', to: '', tag: '' };

/** datetime-local value (user's zone) <-> epoch ms. */
const toTs = (v: string) => (v ? new Date(v).getTime() : undefined);
function toLocalInput(ts: number | undefined): string {
  if (ts === undefined) return '';
  const d = new Date(ts);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// Filters for "no client" / "never routed" ('' in the API) read as these words in the form.
const NONE = '(none)';
const fromNone = (v: string): string | undefined => {
  const t = v.trim();
  return t === '' ? undefined : t === NONE ? '' : t;
};
const toNone = (v: string | undefined) => (v === undefined ? '' : v === '' ? NONE : v);

function toDraft(f: LogFilter): Draft {
  return {
    client: toNone(f.client),
    model: toNone(f.model),
    provider: toNone(f.provider),
    status: f.status === 'ok' || f.status === 'error' ? f.status : '',
    blocked: !!f.blocked,
    from: toLocalInput(f.from),
    to: toLocalInput(f.to),
    tag: f.tag ? `${f.tag.key}=${f.tag.value}` : '',
  };
}

function toFilter(d: Draft): { filter: LogFilter; error: string | null } {
  const f: LogFilter = {};
  const client = fromNone(d.client);
  const model = fromNone(d.model);
  const provider = fromNone(d.provider);
  if (client !== undefined) f.client = client;
  if (model !== undefined) f.model = model;
  if (provider !== undefined) f.provider = provider;
  if (d.status) f.status = d.status;
  if (d.blocked) f.blocked = true;
  const from = toTs(d.from);
  const to = toTs(d.to);
  if (from !== undefined && !Number.isNaN(from)) f.from = from;
  if (to !== undefined && !Number.isNaN(to)) f.to = to;
  if (f.from !== undefined && f.to !== undefined && f.to <= f.from) return { filter: f, error: '"To" must be after "From".' };
  if (d.tag.trim()) {
    const eq = d.tag.indexOf('=');
    if (eq <= 0 || eq === d.tag.length - 1) return { filter: f, error: 'Write the tag as key=value, e.g. feature=summarize.' };
    f.tag = { key: d.tag.slice(0, eq).trim(), value: d.tag.slice(eq + 1).trim() };
  }
  if (f.model !== undefined && f.model !== '' && !f.model.includes('/')) return { filter: f, error: 'Write the model as provider/model, e.g. openai/gpt-4o-mini.' };
  return { filter: f, error: null };
}

function statusBadge(r: LogRow) {
  if (r.blocked) {
    const why = r.blocked === 'dlp' ? 'DLP' : r.blocked === 'rate_limit' ? 'rate limit' : r.blocked;
    return <span className="badge badge-error">Blocked: {why}</span>;
  }
  if (r.status >= 400) return <span className="badge badge-warn" title={r.errorType ?? undefined}>{r.status} {r.errorType ?? 'error'}</span>;
  return <span className="badge badge-ok">{r.status}</span>;
}

function Route({ r }: { r: LogRow }) {
  const routed = r.model ? `${r.provider}/${r.model}` : null;
  const asked = r.requestedModel;
  return (
    <div className="req-route">
      <div>
        {routed ?? <span className="muted">not sent</span>}
        {asked && asked !== routed && <span className="muted small"> ← {asked}</span>}
      </div>
      <div className="small muted">
        {r.routeRule ? <span data-testid="req-route-rule">rule {r.routeRule}</span> : 'direct'}
        {r.attempts > 1 && <span className="req-fallback"> · {r.attempts} attempts ({r.fallbacks} fallback{r.fallbacks === 1 ? '' : 's'})</span>}
        {r.attempts === 0 && ' · no upstream call'}
      </div>
      {r.tags.length > 0 && (
        <div className="req-tags small" data-testid="req-tags">
          {r.tags.map(([k, v]) => (
            <code key={k}>
              {k}={v}
            </code>
          ))}
        </div>
      )}
    </div>
  );
}

function Row({ r }: { r: LogRow }) {
  const tokens = r.inputTokens === null && r.outputTokens === null ? '—' : `${count(r.inputTokens ?? 0)} / ${count(r.cachedTokens ?? 0)} / ${count(r.outputTokens ?? 0)}`;
  return (
    <tr data-testid="req-row" data-id={r.id} data-client={r.client ?? ''} data-blocked={r.blocked ?? ''} data-status={r.status} data-cost={r.costUsd ?? 'unknown'}>
      <td className="nowrap">{dateTime(r.ts)}</td>
      <td>{r.client ?? <span className="muted">(no token)</span>}</td>
      <td>
        <Route r={r} />
      </td>
      <td>
        {statusBadge(r)}
        {r.cacheHit && (
          <div>
            <span className="badge badge-muted" data-testid="req-cache-hit">
              cache hit
            </span>
          </div>
        )}
      </td>
      <td data-testid="req-dlp">
        {r.dlp.length === 0 ? (
          <span className="muted">—</span>
        ) : (
          <ul className="req-dlp">
            {r.dlp.map((f, i) => (
              <li key={i} className={f.action === 'block' ? 'error-text' : undefined}>
                {f.type} ×{f.count} <span className="muted">({f.action})</span>
              </li>
            ))}
          </ul>
        )}
      </td>
      <td className="num nowrap" title="input / cached / output">
        {tokens}
        {r.usageEstimated && <span className="muted small"> est.</span>}
      </td>
      <td className={`num nowrap ${r.costUsd === null && r.inputTokens !== null ? 'warn-text' : ''}`} data-testid="req-cost">
        {r.inputTokens === null && r.costUsd === null ? '—' : cost(r.costUsd)}
        {r.savedUsd !== null && r.savedUsd > 0 && <div className="small ok-text">saved {cost(r.savedUsd)}</div>}
      </td>
      <td className="num nowrap">
        {ms(r.latencyMs)}
        {r.ttftMs !== null && <div className="small muted">TTFT {ms(r.ttftMs)}</div>}
      </td>
    </tr>
  );
}

export function RequestsScreen() {
  const uid = useId();
  const external = useRequestFilter();
  const [filter, setFilter] = useState<LogFilter>(external.filter);
  const [draft, setDraft] = useState<Draft>(toDraft(external.filter));
  const [formError, setFormError] = useState<string | null>(null);
  const pages = usePages<string | null>(null);
  const cursor = pages.cursor;
  const { data: page, error, setError, loading, reload: load } = useLatestLoad<LogPage>(() => api.call('requests.list', { filter, cursor, limit: PAGE }), [filter, cursor]);
  const [exporting, setExporting] = useState<string | null>(null);

  // Opened from another screen with a filter: take it.
  useEffect(() => {
    if (external.version === 0) return;
    setFilter(external.filter);
    setDraft(toDraft(external.filter));
    pages.reset();
  }, [external.version]);

  // Live: new rows appear on the first page (older pages stay put: keyset paging never shifts them).
  const tick = useApp((s) => s.requestTick);
  useEffect(() => {
    if (tick === 0 || pages.pageNo > 1) return;
    const t = setTimeout(() => void load(), 1500);
    return () => clearTimeout(t);
  }, [tick]);

  function apply(d: Draft) {
    const r = toFilter(d);
    setFormError(r.error);
    if (r.error) return;
    pages.reset();
    setFilter(r.filter);
  }

  async function exportCsv() {
    setExporting('Exporting…');
    try {
      const parts: string[] = [];
      let c: string | null = null;
      let rows = 0;
      do {
        const r: { text: string; nextCursor: string | null; rows: number } = await api.call('requests.exportCsv', { filter, cursor: c });
        parts.push(r.text);
        rows += r.rows;
        c = r.nextCursor;
        setExporting(`Exporting… ${count(rows)} rows`);
      } while (c);
      const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
      downloadText(`airlock-requests-${stamp}.csv`, parts.join(''), 'text/csv');
    } catch (e) {
      setError(errorText(e));
    } finally {
      setExporting(null);
    }
  }

  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft({ ...draft, [k]: v });
  const filtered = describeFilter(filter);
  const pageNo = pages.pageNo;

  return (
    <div className="screen req-screen" data-testid="requests-screen">
      <header className="screen-head">
        <h1>Request log</h1>
        <p className="lead">Every call through the gateway: where it went and why, what it cost, what DLP found (types and counts, never the text).</p>
      </header>
      <Card
        title="Requests"
        testId="req-card"
        actions={
          <button type="button" className="btn btn-small" onClick={exportCsv} disabled={exporting !== null} data-testid="req-export">
            {exporting ?? 'Export CSV'}
          </button>
        }
      >
        <form
          className="req-filters"
          onSubmit={(e) => {
            e.preventDefault();
            apply(draft);
          }}
          aria-label="Filter requests"
        >
          <div className="field">
            <label htmlFor={`${uid}-client`}>Client</label>
            <input id={`${uid}-client`} value={draft.client} placeholder="any" onChange={(e) => set('client', e.target.value)} data-testid="req-filter-client" />
          </div>
          <div className="field">
            <label htmlFor={`${uid}-model`}>Model</label>
            <input id={`${uid}-model`} value={draft.model} placeholder="provider/model" onChange={(e) => set('model', e.target.value)} data-testid="req-filter-model" />
          </div>
          <div className="field">
            <label htmlFor={`${uid}-provider`}>Provider</label>
            <input id={`${uid}-provider`} value={draft.provider} placeholder="any" onChange={(e) => set('provider', e.target.value)} data-testid="req-filter-provider" />
          </div>
          <div className="field">
            <label htmlFor={`${uid}-status`}>Status</label>
            <select id={`${uid}-status`} value={draft.status} onChange={(e) => set('status', e.target.value as Draft['status'])} data-testid="req-filter-status">
              <option value="">Any</option>
              <option value="ok">Successful</option>
              <option value="error">Errors only</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${uid}-tag`}>Tag</label>
            <input id={`${uid}-tag`} value={draft.tag} placeholder="key=value" onChange={(e) => set('tag', e.target.value)} data-testid="req-filter-tag" />
          </div>
          <div className="field req-field-time">
            <label htmlFor={`${uid}-from`}>From</label>
            <input id={`${uid}-from`} type="datetime-local" value={draft.from} onChange={(e) => set('from', e.target.value)} data-testid="req-filter-from" />
          </div>
          <div className="field req-field-time">
            <label htmlFor={`${uid}-to`}>To</label>
            <input id={`${uid}-to`} type="datetime-local" value={draft.to} onChange={(e) => set('to', e.target.value)} data-testid="req-filter-to" />
          </div>
          <label className="check req-blocked">
            <input type="checkbox" checked={draft.blocked} onChange={(e) => set('blocked', e.target.checked)} data-testid="req-filter-blocked" />
            Blocked only
          </label>
          <div className="req-filter-actions">
            <button type="submit" className="btn btn-small btn-primary" data-testid="req-filter-apply">
              Apply
            </button>
            <button
              type="button"
              className="btn btn-small btn-link"
              onClick={() => {
                setDraft(EMPTY);
                setFormError(null);
                pages.reset();
                setFilter({});
              }}
              data-testid="req-filter-reset"
            >
              Reset
            </button>
          </div>
        </form>
        {formError && (
          <p className="form-error" role="alert" data-testid="req-filter-error">
            {formError}
          </p>
        )}
        {error && <ErrorState message={error} retry={load} />}
        {!page && !error && <Loading what="requests" />}
        {page && page.rows.length === 0 && (
          <Empty title={filtered ? 'No requests match' : 'No requests yet'} testId="req-empty">
            {filtered ? 'Try a wider time range or fewer filters.' : 'Requests through the gateway (from your tools or Chat) show up here.'}
          </Empty>
        )}
        {page && page.rows.length > 0 && (
          <>
            <p className="muted small" aria-live="polite" data-testid="req-count">
              Page {pageNo} · {page.rows.length} request{page.rows.length === 1 ? '' : 's'}, newest first{filtered ? ` · ${filtered}` : ''}
              {loading ? ' · loading…' : ''}
            </p>
            <div className="table-wrap">
              <table className="table req-table" data-testid="req-table">
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Client</th>
                    <th scope="col">Model and route</th>
                    <th scope="col">Status</th>
                    <th scope="col">DLP</th>
                    <th scope="col" className="num" title="input / cached / output">
                      Tokens
                    </th>
                    <th scope="col" className="num">Cost</th>
                    <th scope="col" className="num">Latency</th>
                  </tr>
                </thead>
                <tbody>
                  {page.rows.map((r) => (
                    <Row key={r.id} r={r} />
                  ))}
                </tbody>
              </table>
            </div>
            <Pager pages={pages} next={page.nextCursor} testId="req" />
          </>
        )}
      </Card>
    </div>
  );
}
