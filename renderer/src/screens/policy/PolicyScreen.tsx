// The Policy view: which team policy is installed (tenant, version, signer, expiry, sha256, source), the effective
// policy with each setting marked managed (locked) or yours, installing a bundle from a file (refusals explained),
// your own settings (which may only tighten the team policy) and the history of refused bundles.
import { useEffect, useState } from 'react';
import type { AdminState, InstallOutcome, PolicyOverview, PolicyRefusalEntry } from '../../../../shared/api/governance.ts';
import { api } from '../../api.ts';
import { errorText, useApp } from '../../store.ts';
import { Card, Empty, ErrorState, Loading } from '../../components/common.tsx';
import { PolicyForm, type SectionId } from '../../components/governance/PolicyForm.tsx';
import { SourceBadge, readFileText, shortId, valueText, when, type Doc } from '../../components/governance/gov.tsx';

const STATE_LABEL = { unmanaged: 'Not managed', managed: 'Managed', invalid: 'Not enforceable' } as const;

function BundleCard({ o }: { o: PolicyOverview }) {
  const b = o.bundle;
  return (
    <Card
      title="Team policy"
      testId="policy-bundle"
      actions={
        <span className={`badge ${o.state === 'managed' ? 'badge-ok' : o.state === 'invalid' ? 'badge-error' : 'badge-muted'}`} data-testid="policy-state" data-state={o.state}>
          {STATE_LABEL[o.state]}
        </span>
      }
    >
      {o.state === 'unmanaged' && (
        <p className="muted" data-testid="policy-unmanaged">
          No team policy applies: there is no trust anchor at <code>{o.trustAnchorPath}</code>. Your own settings below are the whole policy.
        </p>
      )}
      {o.state === 'invalid' && (
        <p className="form-error" role="alert" data-testid="policy-reason">
          Provider calls are blocked: {o.reason}
        </p>
      )}
      {o.state !== 'unmanaged' && (
        <dl className="gov-dl">
          <dt>Tenant</dt>
          <dd data-testid="policy-tenant">
            {o.tenant} <span className="muted small">(trust anchor v{o.trustVersion}, {o.trustAnchorPath})</span>
          </dd>
          {o.contact && (
            <>
              <dt>Contact</dt>
              <dd>{o.contact}</dd>
            </>
          )}
          {b && (
            <>
              <dt>Bundle</dt>
              <dd data-testid="policy-bundle-name">
                <strong>'{b.bundleId}'</strong> version <strong data-testid="policy-bundle-version">{b.version}</strong>
              </dd>
              <dt>Signed by</dt>
              <dd>
                {b.signers.map((s) => (
                  <code key={s} title={s} className="gov-keyid">
                    {shortId(s, 24)}
                  </code>
                ))}
              </dd>
              <dt>Issued</dt>
              <dd>{when(b.issuedAt)}</dd>
              <dt>Expires</dt>
              <dd data-testid="policy-expires">{when(b.expiresAt)}</dd>
              <dt>SHA-256</dt>
              <dd>
                <code className="gov-sha" data-testid="policy-sha">
                  {b.sha256}
                </code>
              </dd>
              <dt>Installed</dt>
              <dd>
                {when(b.installedAt)}
                {b.source && <span className="muted"> from {b.source}</span>}
              </dd>
            </>
          )}
        </dl>
      )}
    </Card>
  );
}

function InstallCard({ onInstalled }: { onInstalled(): void }) {
  const [result, setResult] = useState<InstallOutcome | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  async function install() {
    if (!file) return;
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const text = await readFileText(file);
      const r = await api.call('policy.install', { name: file.name, text });
      setResult(r);
      onInstalled();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Card title="Install a bundle" testId="policy-install">
      <p className="hint">A bundle file from your admin (bundle.json). It is checked against this computer's trust anchor before anything changes.</p>
      <div className="inline-form">
        <label className="btn btn-small gov-file-btn">
          Choose bundle…
          <input
            type="file"
            accept=".json,application/json"
            className="sr-only"
            data-testid="policy-install-file"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setResult(null);
              e.target.value = '';
            }}
          />
        </label>
        <span className="muted small" data-testid="policy-install-name">
          {file ? file.name : 'No file chosen'}
        </span>
        <button type="button" className="btn btn-primary btn-small" disabled={!file || busy} onClick={install} data-testid="policy-install-button">
          {busy ? 'Checking…' : 'Install'}
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <p className={`test-result ${result.ok ? 'test-ok' : 'test-error'}`} role={result.ok ? 'status' : 'alert'} data-testid="policy-install-result" data-ok={String(result.ok)} data-code={result.code ?? ''}>
          {result.ok ? '✓ ' : <strong>Refused{result.code ? ` (${result.code.replace(/_/g, ' ')})` : ''}: </strong>}
          {result.message}
        </p>
      )}
    </Card>
  );
}

function EffectiveCard({ o }: { o: PolicyOverview }) {
  const [filter, setFilter] = useState<'all' | 'managed' | 'user'>('all');
  const rows = o.settings.filter((s) => filter === 'all' || (filter === 'managed' ? s.source !== 'user' : s.source !== 'managed'));
  return (
    <Card
      title="Effective policy"
      testId="policy-effective"
      actions={
        <select value={filter} onChange={(e) => setFilter(e.target.value as typeof filter)} aria-label="Show settings" data-testid="policy-effective-filter">
          <option value="all">All settings</option>
          <option value="managed">Managed by the team</option>
          <option value="user">Yours</option>
        </select>
      }
    >
      <p className="hint">Team policy ∩ your settings: allow-lists intersect, budgets take the lower limit, DLP the stricter action. Locked settings may only be made stricter.</p>
      {o.settings.length === 0 ? (
        <Empty title="No policy settings" testId="policy-effective-empty">
          Nothing is restricted: every provider and model may be used, with the built-in DLP defaults.
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="table gov-effective">
            <thead>
              <tr>
                <th scope="col">Setting</th>
                <th scope="col">Value</th>
                <th scope="col">Set by</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.path} data-testid={`effective-${s.path}`} data-source={s.source}>
                  <td>
                    <code>{s.path}</code>
                  </td>
                  <td className="gov-value">{valueText(s.value)}</td>
                  <td>
                    <SourceBadge source={s.source} by={o.managedBy} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function UserSettingsCard({ o, dlpTypes, onSaved }: { o: PolicyOverview; dlpTypes: AdminState['dlpTypes']; onSaved(): void }) {
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState<Doc>(o.user ?? {});
  const [section, setSection] = useState<SectionId>('access');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => setValue(o.user ?? {}), [JSON.stringify(o.user)]);
  async function save(policy: Doc | null) {
    setError(null);
    setSaved(false);
    try {
      await api.call('policy.setUser', { policy });
      setSaved(true);
      onSaved();
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <Card
      title="Your settings"
      testId="policy-user"
      actions={
        <button type="button" className="btn btn-small" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="policy-user-toggle">
          {open ? 'Close' : 'Edit'}
        </button>
      }
    >
      <p className="hint">
        {o.managedBy ? `Your own restrictions on top of team policy ${o.managedBy}: you may only make it stricter.` : 'Your own restrictions: they apply to every tool that uses this gateway.'}
      </p>
      {open && (
        <>
          <PolicyForm value={value} onChange={setValue} dlpTypes={dlpTypes} prefix="user" section={section} onSection={setSection} managed={o.managed} managedBy={o.managedBy} />
          {error && (
            <p className="form-error" role="alert" data-testid="policy-user-error">
              {error}
            </p>
          )}
          {saved && (
            <p className="saved" role="status" data-testid="policy-user-saved">
              ✓ Your settings are saved.
            </p>
          )}
          <div className="form-actions">
            <button type="button" className="btn btn-primary" onClick={() => save(value)} data-testid="policy-user-save">
              Save my settings
            </button>
            <button type="button" className="btn" onClick={() => save(null)} disabled={!o.user}>
              Clear my settings
            </button>
          </div>
        </>
      )}
    </Card>
  );
}

function RefusalsCard({ list }: { list: PolicyRefusalEntry[] }) {
  return (
    <Card title="Refused bundles" testId="policy-refusals">
      {list.length === 0 ? (
        <Empty title="No refusals" testId="policy-refusals-empty">
          Every bundle offered to this computer was accepted.
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Why</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={r.seq} data-testid={`refusal-${r.seq}`}>
                  <td className="nowrap">{when(r.ts)}</td>
                  <td>
                    <span className="badge badge-error">{r.code.replace(/_/g, ' ')}</span> <span className="gov-reason">{r.reason}</span>
                  </td>
                  <td className="muted">{r.source ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

export function PolicyScreen() {
  const [o, setO] = useState<PolicyOverview | null>(null);
  const [refusals, setRefusals] = useState<PolicyRefusalEntry[]>([]);
  const [dlpTypes, setDlpTypes] = useState<AdminState['dlpTypes']>([]);
  const [error, setError] = useState<string | null>(null);
  const lastPolicyEvent = useApp((s) => s.toasts.filter((t) => /policy/i.test(t.title)).length);

  async function load() {
    try {
      const [ov, rf] = await Promise.all([api.call('policy.overview'), api.call('policy.refusals', {})]);
      setO(ov);
      setRefusals(rf);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => {
    void load();
    api
      .call('admin.state')
      .then((s) => setDlpTypes(s.dlpTypes))
      .catch(() => {});
  }, []);
  // A bundle installed elsewhere (CLI, URL poll) shows up as a policy event.
  useEffect(() => {
    if (lastPolicyEvent) void load();
  }, [lastPolicyEvent]);

  if (error && !o) return <ErrorState message={error} retry={load} />;
  if (!o) return <Loading what="the policy" />;
  return (
    <div className="screen gov-screen" data-testid="policy-screen">
      <header className="screen-head">
        <h1>Policy</h1>
        <p className="lead">What this computer enforces on every request: the signed team policy, and your own settings on top of it.</p>
      </header>
      <BundleCard o={o} />
      <InstallCard onInstalled={load} />
      <EffectiveCard o={o} />
      <UserSettingsCard o={o} dlpTypes={dlpTypes} onSaved={load} />
      <RefusalsCard list={refusals} />
    </div>
  );
}
