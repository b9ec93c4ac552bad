// Admin mode: security and finance people write the team policy in forms, see it validated as they type and the
// diff against the last signed version, sign it with the admin key (keychain, or a key file they choose) and export
// the bundle. The core does the checking and signing with the CLI's code (electron/core/policy/admin.ts, bundle.ts).
import { useEffect, useId, useMemo, useState } from 'react';
import type { AdminState, DlpTry, PolicyCheck, SignedBundle } from '../../../../shared/api/governance.ts';
import { api, isDesktop } from '../../api.ts';
import { errorText } from '../../store.ts';
import { Card, ErrorState, Loading } from '../../components/common.tsx';
import { PolicyForm, type SectionId } from '../../components/governance/PolicyForm.tsx';
import { downloadText, readFileText, shortId, useDebounced, useLatest, valueText, when, type Doc } from '../../components/governance/gov.tsx';

const DRAFT_KEY = 'airlock.admin.draft';

function loadDraft(): Doc | null {
  try {
    const raw = localStorage.getItem(DRAFT_KEY);
    return raw ? (JSON.parse(raw) as Doc) : null;
  } catch {
    return null;
  }
}

/** A policy document, or the policy inside a bundle (signatures are not checked: this is only a starting point). */
function policyFromFile(text: string): Doc {
  const o = JSON.parse(text);
  if (o && typeof o.payload === 'string' && typeof o.payloadType === 'string') {
    const payload = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(o.payload), (c) => c.charCodeAt(0))));
    if (!payload?.policy) throw new Error('that bundle carries no policy');
    return payload.policy as Doc;
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Error('a policy file holds a JSON object');
  return o as Doc;
}

function TryIt({ draft }: { draft: Doc }) {
  const [text, setText] = useState('Ask EMP-123456 about Project Bluebird, or mail jane.doe@example.com (IBAN DE89 3704 0044 0532 0130 00).');
  const [res, setRes] = useState<DlpTry | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const dlp = useDebounced(JSON.stringify({ dlp: draft.dlp ?? {} }), 250);
  const sample = useDebounced(text, 250);
  const next = useLatest();
  const uid = useId();
  useEffect(() => {
    const current = next();
    api
      .call('admin.tryDlp', { policy: JSON.parse(dlp), text: sample })
      .then((r) => current() && (setRes(r), setErr(null)))
      .catch((e) => current() && setErr(errorText(e)));
  }, [dlp, sample]);
  const parts = useMemo(() => {
    if (!res) return [text];
    const out: (string | { t: string; type: string; action: string })[] = [];
    let at = 0;
    for (const f of res.findings) {
      if (f.start < at || f.end > text.length) continue;
      out.push(text.slice(at, f.start), { t: text.slice(f.start, f.end), type: f.type, action: f.action });
      at = f.end;
    }
    out.push(text.slice(at));
    return out;
  }, [res, text]);
  return (
    <fieldset className="gov-fieldset gov-try" data-testid="admin-try">
      <legend>Try it</legend>
      <label htmlFor={`${uid}-sample`} className="hint">
        Paste sample text: the DLP scanner runs on it with this draft's actions and rules (nothing is sent to a provider or stored).
      </label>
      <textarea id={`${uid}-sample`} rows={3} value={text} onChange={(e) => setText(e.target.value)} data-testid="admin-try-text" spellCheck={false} />
      {err && <p className="form-error">{err}</p>}
      {res?.error && (
        <p className="form-error" data-testid="admin-try-error">
          {res.error}
        </p>
      )}
      {res && !res.error && (
        <>
          <p className="gov-try-out" data-testid="admin-try-output" aria-live="polite">
            {parts.map((x, i) =>
              typeof x === 'string' ? (
                <span key={i}>{x}</span>
              ) : (
                <mark key={i} className={`gov-mark gov-mark-${x.action}`} title={`${x.type}: ${x.action}`}>
                  {x.t}
                  <span className="gov-mark-tag">
                    {x.type} · {x.action}
                  </span>
                </mark>
              ),
            )}
          </p>
          <p className="hint" data-testid="admin-try-summary">
            {res.findings.length === 0 ? 'Nothing found.' : `${res.findings.length} finding${res.findings.length === 1 ? '' : 's'}: ${res.findings.map((f) => `${f.type} (${f.action})`).join(', ')}.`}
          </p>
        </>
      )}
    </fieldset>
  );
}

function Diff({ check, baseLabel }: { check: PolicyCheck | null; baseLabel: string }) {
  if (!check) return <Loading what="the check" />;
  if (!check.valid)
    return (
      <div className="test-result test-error" data-testid="admin-invalid" role="alert">
        <strong>
          {check.issues.length} problem{check.issues.length === 1 ? '' : 's'} to fix before signing:
        </strong>
        <ul className="gov-issue-list">
          {check.issues.map((i, n) => (
            <li key={n}>
              <code>{i.path || '(top level)'}</code> {i.message}
            </li>
          ))}
        </ul>
      </div>
    );
  return (
    <div data-testid="admin-diff">
      <p className="test-result test-ok" data-testid="admin-valid">
        ✓ Valid. {check.changes.length === 0 ? `No changes against ${baseLabel}.` : `${check.changes.length} change${check.changes.length === 1 ? '' : 's'} against ${baseLabel}:`}
      </p>
      {check.changes.length > 0 && (
        <div className="table-wrap">
          <table className="table gov-diff">
            <thead>
              <tr>
                <th scope="col">Setting</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {check.changes.map((c) => (
                <tr key={c.path} className={`gov-diff-${c.kind}`} data-testid={`admin-diff-${c.path}`}>
                  <td>
                    <span className={`gov-diff-sign`} aria-label={c.kind}>
                      {c.kind === 'added' ? '+' : c.kind === 'removed' ? '−' : '~'}
                    </span>{' '}
                    <code>{c.path}</code>
                  </td>
                  <td className="gov-before">{c.kind === 'added' ? '' : valueText(c.before)}</td>
                  <td className="gov-after">{c.kind === 'removed' ? '' : valueText(c.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

type KeyChoice = 'keychain' | 'file' | 'path';

function SignCard({ state, draft, valid, reload }: { state: AdminState; draft: Doc; valid: boolean; reload(): void }) {
  const uid = useId();
  const [tenant, setTenant] = useState(state.suggested.tenant ?? '');
  const [bundleId, setBundleId] = useState(state.suggested.bundleId ?? '');
  const [version, setVersion] = useState(String(state.suggested.version));
  const [expires, setExpires] = useState('30d');
  const [choice, setChoice] = useState<KeyChoice>(state.keychain.keyid ? 'keychain' : 'file');
  const [keyFile, setKeyFile] = useState<{ name: string; pem: string } | null>(null);
  const [keyPath, setKeyPath] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [signed, setSigned] = useState<SignedBundle | null>(null);
  const [keyMsg, setKeyMsg] = useState<string | null>(null);

  useEffect(() => setVersion(String(state.suggested.version)), [state.suggested.version]);

  async function sign() {
    setBusy(true);
    setError(null);
    setSigned(null);
    try {
      const key = choice === 'keychain' ? { kind: 'keychain' as const } : choice === 'path' ? { kind: 'path' as const, path: keyPath } : { kind: 'pem' as const, pem: keyFile?.pem ?? '' };
      if (key.kind === 'pem' && !key.pem) throw new Error('Choose the admin key file (PREFIX.key from `airlock policy keygen`).');
      const r = await api.call('admin.sign', { policy: draft, tenant: tenant.trim(), bundleId: bundleId.trim() || undefined, version: Number(version), expires: expires.trim(), key });
      setSigned(r);
      downloadText(r.fileName, r.bundle);
      reload();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  async function keyAction(kind: 'generate' | 'import' | 'forget', pem?: string) {
    setKeyMsg(null);
    setError(null);
    try {
      if (kind === 'generate') {
        const r = await api.call('admin.keyGenerate');
        setKeyMsg(`Created key ${shortId(r.keyid)}. Put its public key in your trust anchor (airlock policy trust --pub).`);
      } else if (kind === 'import') {
        const r = await api.call('admin.keyImport', { pem: pem! });
        setKeyMsg(`Stored key ${shortId(r.keyid)} in the keychain.`);
      } else {
        await api.call('admin.keyForget');
        setKeyMsg('Removed the admin key from the keychain.');
      }
      reload();
    } catch (e) {
      setError(errorText(e));
    }
  }

  const kc = state.keychain;
  return (
    <Card title="Sign and export" testId="admin-sign">
      <div className="gov-row">
        <div className="field">
          <label htmlFor={`${uid}-tenant`}>Tenant</label>
          <input id={`${uid}-tenant`} value={tenant} onChange={(e) => setTenant(e.target.value)} data-testid="admin-tenant" placeholder="acme" />
        </div>
        <div className="field">
          <label htmlFor={`${uid}-bid`}>Bundle name</label>
          <input id={`${uid}-bid`} value={bundleId} onChange={(e) => setBundleId(e.target.value)} data-testid="admin-bundle-id" placeholder="acme-engineering" />
        </div>
        <div className="field">
          <label htmlFor={`${uid}-ver`}>Version</label>
          <input id={`${uid}-ver`} className="gov-num" inputMode="numeric" value={version} onChange={(e) => setVersion(e.target.value.replace(/\D/g, ''))} data-testid="admin-version" />
        </div>
        <div className="field">
          <label htmlFor={`${uid}-exp`}>Expires in</label>
          <input id={`${uid}-exp`} className="gov-num" value={expires} onChange={(e) => setExpires(e.target.value)} data-testid="admin-expires" placeholder="30d" />
        </div>
      </div>
      <p className="hint">Versions only go up: desktops refuse a lower version (rollback) and a reused number with other content (fork). Expiry: 30d, 12h, or an ISO date.</p>

      <fieldset className="gov-fieldset">
        <legend>Signing key</legend>
        <div className="gov-keys" role="radiogroup" aria-label="Signing key">
          <label className="check">
            <input type="radio" name={`${uid}-key`} checked={choice === 'keychain'} onChange={() => setChoice('keychain')} disabled={!kc.available} data-testid="admin-key-keychain" />
            <span>
              Admin key in the keychain
              <span className="hint block" data-testid="admin-keychain-status">
                {!kc.available ? kc.message : kc.keyid ? `Key id ${shortId(kc.keyid, 24)}` : 'None yet.'}
              </span>
            </span>
          </label>
          <label className="check">
            <input type="radio" name={`${uid}-key`} checked={choice === 'file'} onChange={() => setChoice('file')} data-testid="admin-key-file-choice" />
            <span>
              A key file I choose
              <span className="hint block">Used for this signature only; it is not kept.</span>
            </span>
          </label>
          {isDesktop && (
            <label className="check">
              <input type="radio" name={`${uid}-key`} checked={choice === 'path'} onChange={() => setChoice('path')} data-testid="admin-key-path-choice" />
              <span>A key file path on this computer</span>
            </label>
          )}
        </div>
        {choice === 'keychain' && kc.available && (
          <div className="inline-form">
            {!kc.keyid && (
              <button type="button" className="btn btn-small" onClick={() => keyAction('generate')} data-testid="admin-key-generate">
                Create a key in the keychain
              </button>
            )}
            {!kc.keyid && (
              <label className="btn btn-small gov-file-btn">
                Import a key file…
                <input
                  type="file"
                  className="sr-only"
                  onChange={async (e) => {
                    const f = e.target.files?.[0];
                    e.target.value = '';
                    if (f) void keyAction('import', await readFileText(f, 20_000));
                  }}
                />
              </label>
            )}
            {kc.keyid && (
              <>
                <button type="button" className="btn btn-small" onClick={() => kc.publicKeyPem && downloadText('admin.pub', kc.publicKeyPem, 'application/x-pem-file')}>
                  Download public key
                </button>
                <button type="button" className="btn btn-small btn-ghost-danger" onClick={() => keyAction('forget')} data-testid="admin-key-forget">
                  Remove from keychain
                </button>
              </>
            )}
          </div>
        )}
        {choice === 'file' && (
          <div className="inline-form">
            <label className="btn btn-small gov-file-btn">
              Choose key file…
              <input
                type="file"
                className="sr-only"
                data-testid="admin-key-file"
                onChange={async (e) => {
                  const f = e.target.files?.[0];
                  if (!f) return;
                  try {
                    setKeyFile({ name: f.name, pem: await readFileText(f, 20_000) });
                  } catch (err) {
                    setError(errorText(err));
                  }
                }}
              />
            </label>
            <span className="muted small" data-testid="admin-key-file-name">
              {keyFile ? keyFile.name : 'No file chosen'}
            </span>
          </div>
        )}
        {choice === 'path' && (
          <div className="inline-form">
            <input value={keyPath} onChange={(e) => setKeyPath(e.target.value)} placeholder="/secure/admin.key" aria-label="Key file path" data-testid="admin-key-path" />
          </div>
        )}
        {keyMsg && (
          <p className="saved" role="status">
            {keyMsg}
          </p>
        )}
      </fieldset>

      {error && (
        <p className="form-error" role="alert" data-testid="admin-sign-error">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="btn btn-primary" disabled={!valid || busy || !tenant.trim() || !version} onClick={sign} data-testid="admin-sign-button">
          {busy ? 'Signing…' : 'Sign and export bundle'}
        </button>
        {!valid && <span className="muted small">Fix the problems above first.</span>}
      </div>
      {signed && (
        <div className="new-token gov-signed" data-testid="admin-signed" role="status">
          <p>
            <strong>
              Signed '{signed.bundleId}' v{signed.version}
            </strong>{' '}
            for tenant '{signed.tenant}', expires {when(signed.expiresAt)}.
          </p>
          <p className="small">
            SHA-256 <code data-testid="admin-signed-sha">{signed.sha256}</code> · signer <code>{shortId(signed.signer, 24)}</code>
          </p>
          {signed.trustCheck && (
            <p className={`small ${signed.trustCheck.ok ? 'ok-text' : 'error-text'}`} data-testid="admin-trust-check">
              {signed.trustCheck.message}
            </p>
          )}
          <div className="form-actions">
            <button type="button" className="btn btn-small" onClick={() => downloadText(signed.fileName, signed.bundle)} data-testid="admin-download">
              Download {signed.fileName}
            </button>
          </div>
          <p className="hint">Distribute it as a file (desktops install it under Policy, or with `airlock policy install`) or publish it at the trust anchor's bundle URL.</p>
        </div>
      )}
    </Card>
  );
}

export function AdminScreen() {
  const [state, setState] = useState<AdminState | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [draft, setDraft] = useState<Doc | null>(null);
  const [base, setBase] = useState<{ policy: Doc | null; label: string } | null>(null);
  const [section, setSection] = useState<SectionId>('access');
  const [check, setCheck] = useState<PolicyCheck | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const next = useLatest();

  async function load(first = false) {
    try {
      const s = await api.call('admin.state');
      setState(s);
      setLoadError(null);
      const b = s.base ? { policy: s.base.policy, label: `'${s.base.bundleId}' v${s.base.version} (${s.base.from === 'installed' ? 'installed here' : `signed ${when(s.base.at)}`})` } : { policy: null, label: 'nothing (no signed version yet)' };
      setBase(b);
      if (first) setDraft(loadDraft() ?? (s.base?.policy as Doc | undefined) ?? s.starter);
    } catch (e) {
      setLoadError(errorText(e));
    }
  }
  useEffect(() => {
    void load(true);
  }, []);

  const debounced = useDebounced(draft, 200);
  useEffect(() => {
    if (!debounced || !base) return;
    try {
      localStorage.setItem(DRAFT_KEY, JSON.stringify(debounced));
    } catch {
      /* private mode: the draft just is not kept */
    }
    const current = next();
    api
      .call('admin.check', { policy: debounced, base: base.policy })
      .then((r) => current() && setCheck(r))
      .catch((e) => current() && setCheck({ valid: false, issues: [{ path: '', message: errorText(e) }], summary: errorText(e), changes: [] }));
  }, [debounced, base]);

  if (loadError && !state) return <ErrorState message={loadError} retry={() => load(true)} />;
  if (!state || !draft || !base) return <Loading what="admin mode" />;

  const valid = !!check?.valid && debounced === draft;
  return (
    <div className="screen gov-screen" data-testid="admin-screen">
      <header className="screen-head">
        <h1>Admin mode</h1>
        <p className="lead">Write the team policy in forms, sign it with your admin key and export the bundle your desktops install. Checks and signing are the same as `airlock policy sign`.</p>
      </header>

      <Card
        title="Draft"
        testId="admin-draft"
        actions={
          <div className="card-actions gov-start">
            <button type="button" className="btn btn-small" onClick={() => setDraft(state.starter)} data-testid="admin-start-starter">
              Starter policy
            </button>
            {state.base && (
              <button type="button" className="btn btn-small" onClick={() => setDraft(state.base!.policy)} data-testid="admin-start-base">
                Last signed version
              </button>
            )}
            <button type="button" className="btn btn-small" onClick={() => setDraft({})} data-testid="admin-start-empty">
              Empty
            </button>
            <label className="btn btn-small gov-file-btn">
              Open file…
              <input
                type="file"
                accept=".json,application/json"
                className="sr-only"
                data-testid="admin-open-file"
                onChange={async (e) => {
                  const f = e.target.files?.[0];
                  e.target.value = '';
                  if (!f) return;
                  try {
                    setDraft(policyFromFile(await readFileText(f)));
                    setFileError(null);
                  } catch (err) {
                    setFileError(`${f.name}: ${errorText(err)}`);
                  }
                }}
              />
            </label>
          </div>
        }
      >
        <p className="hint">The draft is kept in this browser until you sign it. Open a policy.json or a bundle to start from it.</p>
        {fileError && <p className="form-error">{fileError}</p>}
        <PolicyForm value={draft} onChange={setDraft} issues={check?.issues} dlpTypes={state.dlpTypes} prefix="admin" section={section} onSection={setSection} dlpExtra={<TryIt draft={draft} />} />
      </Card>

      <Card title="Check and changes" testId="admin-check">
        <Diff check={check} baseLabel={base.label} />
      </Card>

      <SignCard state={state} draft={draft} valid={valid} reload={() => load(false)} />
    </div>
  );
}
