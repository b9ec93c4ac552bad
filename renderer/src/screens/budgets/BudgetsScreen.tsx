// Budgets: a progress bar per budget with spent, reserved (requests in flight), limit and reset time. States are
// written out, not only colored: "Under budget", "Warning: past 80%", "Limit reached: requests are refused" (hard) or
// "Over the limit: warning only" (soft). Team-policy budgets are marked managed and cannot be removed here. The same
// numbers as `airlock budget list`; "Add a budget" is `airlock budget set`.
import { useEffect, useId, useState } from 'react';
import type { BudgetView } from '../../../../shared/api/dashboard.ts';
import { api } from '../../api.ts';
import { errorText, useApp } from '../../store.ts';
import { Card, Empty, ErrorState, Loading } from '../../components/common.tsx';
import { count, usd } from '../dashboard/format.ts';
import { BILLED_REQUESTS_HELP, billedRequestsText } from './budget-label.ts';

const WINDOW_WORD = { day: 'Daily', week: 'Weekly', month: 'Monthly' } as const;

function scopeLabel(scope: string): string {
  if (scope === 'global') return 'Everything';
  const i = scope.indexOf(':');
  const kind = scope.slice(0, i);
  const what = scope.slice(i + 1);
  return `${kind === 'client' ? 'Tool' : kind === 'provider' ? 'Provider' : kind === 'model' ? 'Model' : kind} ${what}`;
}

export function stateText(b: BudgetView): string {
  if (b.state === 'exceeded') return b.mode === 'hard' ? 'Limit reached: requests are refused until it resets' : 'Over the limit: soft budget, requests still go through';
  if (b.state === 'warn') return `Warning: past ${b.warnAtPct}% of the limit`;
  return 'Under budget';
}

function Bar({ spent, reserved, limit, state, warnAt, label }: { spent: number; reserved: number; limit: number; state: BudgetView['state']; warnAt: number | null; label: string }) {
  const pctOf = (x: number) => (limit > 0 ? Math.min(100, (x / limit) * 100) : x > 0 ? 100 : 0);
  const s = pctOf(spent);
  const r = Math.min(100 - s, pctOf(reserved));
  return (
    <div className="budget-bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(limit > 0 ? (spent / limit) * 100 : 0)}>
      <div className={`budget-fill budget-fill-${state}`} style={{ width: `${s}%` }} />
      {r > 0 && <div className="budget-reserved" style={{ left: `${s}%`, width: `${r}%` }} title="reserved by requests in flight" />}
      {warnAt !== null && warnAt > 0 && warnAt < 100 && <div className="budget-warn-mark" style={{ left: `${warnAt}%` }} title={`warning at ${warnAt}%`} />}
    </div>
  );
}

function BudgetCard({ b, onRemove }: { b: BudgetView; onRemove: (b: BudgetView) => void }) {
  const resets = new Date(b.resetsAtMs).toLocaleString(undefined, { weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  const name = `${WINDOW_WORD[b.window]} ${b.mode} budget · ${scopeLabel(b.scope)}`;
  return (
    <li className={`budget budget-${b.state}`} data-testid="budget" data-scope={b.scope} data-window={b.window} data-state={b.state} data-mode={b.mode} data-managed={b.managedBy ? 'yes' : 'no'}>
      <div className="budget-head">
        <div>
          <strong className="budget-name">{name}</strong>
          {b.managedBy && (
            <span className="badge badge-muted budget-managed" data-testid="budget-managed" title="Set by your team's signed policy; you can add a stricter one, not loosen it">
              🔒 Managed by {b.managedBy}
            </span>
          )}
        </div>
        <span className={`badge ${b.state === 'ok' ? 'badge-ok' : b.state === 'warn' ? 'badge-warn' : 'badge-error'}`} data-testid="budget-state">
          {b.state === 'exceeded' ? '■ ' : b.state === 'warn' ? '▲ ' : '✓ '}
          {stateText(b)}
        </span>
      </div>
      {b.limitUsd !== null && (
        <div className="budget-line">
          <Bar spent={b.spentUsd} reserved={b.reservedUsd} limit={b.limitUsd} state={b.state} warnAt={b.warnAtPct} label={`${name}: spent in dollars`} />
          <div className="budget-figures" data-testid="budget-usd">
            <span>
              <strong>{usd(b.spentUsd)}</strong> spent
            </span>
            {b.reservedUsd > 0 && <span>+ {usd(b.reservedUsd)} reserved</span>}
            <span>of {usd(b.limitUsd)}</span>
            <span className="muted">({b.limitUsd > 0 ? Math.round((b.spentUsd / b.limitUsd) * 100) : 100}%)</span>
          </div>
        </div>
      )}
      {b.limitTokens !== null && (
        <div className="budget-line">
          <Bar spent={b.spentTokens} reserved={b.reservedTokens} limit={b.limitTokens} state={b.state} warnAt={b.warnAtPct} label={`${name}: tokens`} />
          <div className="budget-figures" data-testid="budget-tokens">
            <span>
              <strong>{count(b.spentTokens)}</strong> tokens
            </span>
            {b.reservedTokens > 0 && <span>+ {count(b.reservedTokens)} reserved</span>}
            <span>of {count(b.limitTokens)}</span>
          </div>
        </div>
      )}
      <div className="budget-foot small muted">
        <span data-testid="budget-resets">Resets {resets}</span>
        <span title={BILLED_REQUESTS_HELP} data-testid="budget-requests">
          {billedRequestsText(b.requests, b.window, count)}
        </span>
        {b.costUnknownRequests > 0 && <span className="warn-text">{b.costUnknownRequests} with an unknown price (not counted in dollars)</span>}
        {b.warnAtPct !== null && b.warnAtPct > 0 && <span>warns at {b.warnAtPct}%</span>}
        {!b.managedBy && (
          <button type="button" className="btn btn-small btn-ghost-danger" onClick={() => onRemove(b)} data-testid="budget-remove" aria-label={`Remove ${name}`}>
            Remove
          </button>
        )}
      </div>
    </li>
  );
}

function AddBudget({ onDone }: { onDone: () => void }) {
  const uid = useId();
  const [scope, setScope] = useState('global');
  const [window, setWindow] = useState<'day' | 'week' | 'month'>('month');
  const [usdLimit, setUsd] = useState('');
  const [tokens, setTokens] = useState('');
  const [mode, setMode] = useState<'hard' | 'soft'>('hard');
  const [warn, setWarn] = useState('80');
  const [error, setError] = useState<string | null>(null);
  const [notes, setNotes] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  async function submit() {
    setError(null);
    const limitUsd = usdLimit.trim() === '' ? null : Number(usdLimit.replace(/^\$/, ''));
    const limitTokens = tokens.trim() === '' ? null : Number(tokens.replace(/[_,]/g, ''));
    if (limitUsd === null && limitTokens === null) return setError('Give a limit in dollars, in tokens, or both.');
    if ((limitUsd !== null && !(limitUsd >= 0)) || (limitTokens !== null && !(Number.isInteger(limitTokens) && limitTokens >= 0))) return setError('Limits are numbers of 0 or more (tokens: whole numbers).');
    const warnAtPct = warn.trim() === '' ? null : Number(warn);
    if (warnAtPct !== null && !(warnAtPct >= 0 && warnAtPct <= 100)) return setError('Warn at takes a percentage from 0 to 100.');
    setBusy(true);
    try {
      const r = await api.call('budgets.set', { scope: scope.trim(), window, limitUsd, limitTokens, mode, warnAtPct });
      setNotes(r.notes);
      onDone();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form
      className="budget-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      data-testid="budget-form"
    >
      <div className="field">
        <label htmlFor={`${uid}-scope`}>Scope</label>
        <input id={`${uid}-scope`} value={scope} onChange={(e) => setScope(e.target.value)} list={`${uid}-scopes`} data-testid="budget-form-scope" />
        <datalist id={`${uid}-scopes`}>
          <option value="global" />
          <option value="client:" />
          <option value="provider:" />
          <option value="model:" />
        </datalist>
        <span className="hint">global, client:&lt;token&gt;, provider:&lt;id&gt; or model:&lt;provider/model&gt;</span>
      </div>
      <div className="field">
        <label htmlFor={`${uid}-window`}>Window</label>
        <select id={`${uid}-window`} value={window} onChange={(e) => setWindow(e.target.value as typeof window)} data-testid="budget-form-window">
          <option value="day">Day</option>
          <option value="week">Week</option>
          <option value="month">Month</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${uid}-usd`}>Limit (USD)</label>
        <input id={`${uid}-usd`} inputMode="decimal" value={usdLimit} onChange={(e) => setUsd(e.target.value)} placeholder="e.g. 50" data-testid="budget-form-usd" />
      </div>
      <div className="field">
        <label htmlFor={`${uid}-tokens`}>Limit (tokens)</label>
        <input id={`${uid}-tokens`} inputMode="numeric" value={tokens} onChange={(e) => setTokens(e.target.value)} placeholder="optional" data-testid="budget-form-tokens" />
      </div>
      <div className="field">
        <label htmlFor={`${uid}-mode`}>When reached</label>
        <select id={`${uid}-mode`} value={mode} onChange={(e) => setMode(e.target.value as typeof mode)} data-testid="budget-form-mode">
          <option value="hard">Refuse requests (hard)</option>
          <option value="soft">Warn only (soft)</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${uid}-warn`}>Warn at (%)</label>
        <input id={`${uid}-warn`} inputMode="numeric" value={warn} onChange={(e) => setWarn(e.target.value)} className="narrow" data-testid="budget-form-warn" />
      </div>
      <div className="budget-form-actions">
        <button type="submit" className="btn btn-primary btn-small" disabled={busy} data-testid="budget-form-save">
          {busy ? 'Saving…' : 'Save budget'}
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert" data-testid="budget-form-error">
          {error}
        </p>
      )}
      {notes.map((n) => (
        <p key={n} className="hint">
          {n}
        </p>
      ))}
    </form>
  );
}

export function BudgetsScreen() {
  const [list, setList] = useState<BudgetView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  async function load() {
    try {
      setList(await api.call('budgets.list'));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => {
    void load();
  }, []);
  const tick = useApp((s) => s.requestTick);
  useEffect(() => {
    if (tick === 0) return;
    const t = setTimeout(() => void load(), 1500);
    return () => clearTimeout(t);
  }, [tick]);
  const toast = useApp((s) => s.toast);
  async function remove(b: BudgetView) {
    if (!confirm(`Remove the ${b.window} budget for ${b.scope}?`)) return;
    try {
      await api.call('budgets.remove', { id: b.id });
      await load();
    } catch (e) {
      toast({ level: 'error', title: 'Could not remove the budget', message: errorText(e) });
    }
  }
  const counts = list ? { exceeded: list.filter((b) => b.state === 'exceeded').length, warn: list.filter((b) => b.state === 'warn').length } : null;
  return (
    <div className="screen budgets-screen" data-testid="budgets-screen">
      <header className="screen-head">
        <h1>Budgets</h1>
        <p className="lead">Spending limits the gateway enforces before a request leaves this machine. Hard budgets refuse requests at the limit; soft budgets warn.</p>
      </header>
      {error && <ErrorState message={error} retry={load} />}
      {!list && !error && <Loading what="budgets" />}
      {list && (
        <Card
          title={
            <>
              Your budgets
              {counts && counts.exceeded > 0 && <span className="badge badge-error">{counts.exceeded} at the limit</span>}
              {counts && counts.warn > 0 && <span className="badge badge-warn">{counts.warn} warning</span>}
            </>
          }
          testId="budgets-card"
          actions={
            <button type="button" className="btn btn-small" onClick={() => setAdding(!adding)} aria-expanded={adding} data-testid="budget-add">
              {adding ? 'Close' : 'Add a budget'}
            </button>
          }
        >
          {adding && (
            <AddBudget
              onDone={() => {
                setAdding(false);
                void load();
              }}
            />
          )}
          {list.length === 0 ? (
            <Empty title="No budgets yet" testId="budgets-empty">
              Add one above, or from a terminal: <code>airlock budget set --scope global --limit-usd 50 --window month</code>
            </Empty>
          ) : (
            <ul className="budget-list" data-testid="budget-list">
              {list.map((b) => (
                <BudgetCard key={b.id} b={b} onRemove={remove} />
              ))}
            </ul>
          )}
          {list.length > 0 && <p className="muted small budget-note">Windows follow the budget time zone {list[0]!.zone}. Reserved: the worst-case cost of requests in flight, settled when they finish. Billed requests: those a provider charged for; cache hits, refused and failed requests are not counted (Spend counts every request).</p>}
        </Card>
      )}
    </div>
  );
}
