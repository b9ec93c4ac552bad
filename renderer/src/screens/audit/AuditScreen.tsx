// The Audit view: the hash-chained audit log, newest first, filtered by type and time, paged; "Verify" runs the
// same check as `airlock audit verify` (on a worker thread in the core) and says what and where on tampering;
// "Export" downloads audit.jsonl (entries plus the latest signed checkpoint), verifiable elsewhere.
import { useEffect, useId, useState } from 'react';
import type { AuditPage, AuditVerifyResult } from '../../../../shared/api/governance.ts';
import { api } from '../../api.ts';
import { errorText } from '../../store.ts';
import { Card, Empty, ErrorState, Loading } from '../../components/common.tsx';
import { Pager, usePages } from '../../components/Pager.tsx';
import { downloadText, shortId, when } from '../../components/governance/gov.tsx';

const PAGE = 50;

interface Filter {
  type: string;
  from: string;
  to: string;
}

/** datetime-local value -> epoch ms in the user's time zone. */
const toTs = (v: string) => (v ? new Date(v).getTime() : undefined);

/** key=value pairs; hashes and key ids shortened (the full entry is in the export and the tooltip). */
function details(data: Record<string, unknown>, full = false): string {
  const text = Object.entries(data)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('  ');
  return full ? text : text.replace(/\b([0-9a-f]{12})[0-9a-f]{52}\b/g, '$1…');
}

function VerifyPanel() {
  const [state, setState] = useState<'idle' | 'running' | 'done' | 'error'>('idle');
  const [result, setResult] = useState<AuditVerifyResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [elapsed, setElapsed] = useState(0);
  async function verify() {
    setState('running');
    setError(null);
    setResult(null);
    const t0 = Date.now();
    const timer = setInterval(() => setElapsed(Math.round((Date.now() - t0) / 100) / 10), 100);
    try {
      setResult(await api.call('audit.verify'));
      setState('done');
    } catch (e) {
      setError(errorText(e));
      setState('error');
    } finally {
      clearInterval(timer);
    }
  }
  return (
    <Card
      title="Integrity"
      testId="audit-verify"
      actions={
        <button type="button" className="btn btn-primary btn-small" onClick={verify} disabled={state === 'running'} data-testid="audit-verify-button">
          {state === 'running' ? 'Verifying…' : 'Verify'}
        </button>
      }
    >
      <p className="hint">Checks every entry's hash chain and the device-signed checkpoints: the same check as `airlock audit verify`. An edited, deleted, inserted or reordered entry, or a truncated tail, fails it.</p>
      <div aria-live="polite" data-testid="audit-verify-state" data-state={state === 'done' ? (result?.ok ? 'ok' : 'failed') : state}>
        {state === 'running' && (
          <p className="state state-loading">
            <span className="spinner" aria-hidden="true" /> Verifying the chain… {elapsed > 0.3 ? `${elapsed.toFixed(1)} s` : ''}
          </p>
        )}
        {state === 'error' && <p className="form-error">{error}</p>}
        {result?.ok && (
          <div className="test-result test-ok" data-testid="audit-verify-ok">
            <strong>✓ OK: {result.entries} entries</strong>
            {result.entries > 0 && ` (#${result.firstSeq}..#${result.lastSeq})`}, hash chain intact, {result.checkpointsVerified} signed checkpoint{result.checkpointsVerified === 1 ? '' : 's'} verified.
            <div className="small">
              {result.lastCheckpoint ? (
                <>
                  Last checkpoint: #{result.lastCheckpoint.seq}, signed {when(result.lastCheckpoint.ts)} by device key <code>{shortId(result.lastCheckpoint.keyid)}</code>.
                </>
              ) : (
                'No checkpoint yet.'
              )}{' '}
              {result.uncheckpointed > 0 && `The last ${result.uncheckpointed} entr${result.uncheckpointed === 1 ? 'y is' : 'ies are'} not yet covered by a checkpoint.`} ({result.durationMs} ms)
            </div>
          </div>
        )}
        {result && !result.ok && (
          <div className="test-result test-error" role="alert" data-testid="audit-verify-failed">
            <strong>
              ✗ Verification FAILED: {result.problems.length} problem{result.problems.length === 1 ? '' : 's'}
            </strong>
            <ul className="gov-issue-list" data-testid="audit-verify-problems">
              {result.problems.map((p, i) => (
                <li key={i}>{p}</li>
              ))}
            </ul>
            <div className="small">The log was changed outside Airlock. Keep a copy of the data directory and tell your security contact.</div>
          </div>
        )}
      </div>
    </Card>
  );
}

export function AuditScreen() {
  const uid = useId();
  const [draft, setDraft] = useState<Filter>({ type: '', from: '', to: '' });
  const [filter, setFilter] = useState<Filter>(draft);
  /** Cursors of the pages shown so far (undefined = newest). */
  const pages = usePages<number | undefined>(undefined);
  const [page, setPage] = useState<AuditPage | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const cursor = pages.cursor;

  async function load() {
    setLoading(true);
    try {
      const r = await api.call('audit.list', { type: filter.type || undefined, since: toTs(filter.from), until: toTs(filter.to), before: cursor, limit: PAGE });
      setPage(r);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  }
  useEffect(() => {
    void load();
  }, [filter, cursor]);

  async function exportLog() {
    setExporting(true);
    try {
      const r = await api.call('audit.export', { since: toTs(filter.from) });
      downloadText('audit.jsonl', r.text, 'application/x-ndjson');
    } catch (e) {
      setError(errorText(e));
    } finally {
      setExporting(false);
    }
  }

  const pageNo = pages.pageNo;
  const first = (pageNo - 1) * PAGE + 1;
  return (
    <div className="screen gov-screen" data-testid="audit-screen">
      <header className="screen-head">
        <h1>Audit log</h1>
        <p className="lead">Every policy, key, token, budget and settings change, and every blocked request: types and counts, never prompts or key values.</p>
      </header>
      <VerifyPanel />
      <Card
        title="Entries"
        testId="audit-entries"
        actions={
          <button type="button" className="btn btn-small" onClick={exportLog} disabled={exporting} data-testid="audit-export">
            {exporting ? 'Exporting…' : 'Export audit.jsonl'}
          </button>
        }
      >
        <form
          className="gov-filters"
          onSubmit={(e) => {
            e.preventDefault();
            pages.reset();
            setFilter(draft);
          }}
        >
          <div className="field">
            <label htmlFor={`${uid}-type`}>Type</label>
            <select id={`${uid}-type`} value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.target.value })} data-testid="audit-filter-type">
              <option value="">All types</option>
              {(page?.types ?? []).map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${uid}-from`}>From</label>
            <input id={`${uid}-from`} type="datetime-local" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} data-testid="audit-filter-from" />
          </div>
          <div className="field">
            <label htmlFor={`${uid}-to`}>To</label>
            <input id={`${uid}-to`} type="datetime-local" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} data-testid="audit-filter-to" />
          </div>
          <div className="gov-filter-actions">
            <button type="submit" className="btn btn-small" data-testid="audit-filter-apply">
              Apply
            </button>
            <button
              type="button"
              className="btn btn-small btn-link"
              onClick={() => {
                const empty = { type: '', from: '', to: '' };
                setDraft(empty);
                pages.reset();
                setFilter(empty);
              }}
            >
              Reset
            </button>
          </div>
        </form>
        {error && <ErrorState message={error} retry={load} />}
        {!page && !error && <Loading what="the audit log" />}
        {page && page.total === 0 && (
          <Empty title={filter.type || filter.from || filter.to ? 'No entries match' : 'The audit log is empty'} testId="audit-empty">
            {filter.type || filter.from || filter.to ? 'Try another type or time range.' : 'Policy installs, key and token changes and blocked requests will show up here.'}
          </Empty>
        )}
        {page && page.total > 0 && (
          <>
            <p className="muted small" data-testid="audit-count" aria-live="polite">
              {page.entries.length ? `${first}–${first + page.entries.length - 1} of ${page.total}` : `0 of ${page.total}`} entries, newest first{loading ? ' · loading…' : ''}
            </p>
            <div className="table-wrap">
              <table className="table gov-audit" data-testid="audit-table">
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      #
                    </th>
                    <th scope="col">Time</th>
                    <th scope="col">Type</th>
                    <th scope="col">Details</th>
                  </tr>
                </thead>
                <tbody>
                  {page.entries.map((e) => (
                    <tr key={e.seq} data-testid={`audit-row-${e.seq}`} data-type={e.type}>
                      <td className="num">{e.seq}</td>
                      <td className="nowrap">{when(e.ts)}</td>
                      <td>
                        <span className={`badge ${/refused|blocked|tamper/.test(e.type) ? 'badge-error' : /policy/.test(e.type) ? 'badge-ok' : 'badge-muted'}`}>{e.type}</span>
                      </td>
                      <td className="gov-details">
                        <code title={details(e.data, true)}>{details(e.data)}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager pages={pages} next={page.before} testId="audit" />
          </>
        )}
      </Card>
    </div>
  );
}
