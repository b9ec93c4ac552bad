import { useEffect, useId, useState } from 'react';
import type { KeyTestResult, Provider } from '../../../shared/api/contract.ts';
import { api } from '../api.ts';
import { errorText, useApp } from '../store.ts';
import { Card, Empty, ErrorState, Loading } from '../components/common.tsx';
import { ProviderForm } from '../components/ProviderForm.tsx';
import { KeyBadge, TestResult } from '../components/KeyBadge.tsx';

function ProviderRow({ p }: { p: Provider }) {
  const load = useApp((s) => s.load);
  const toast = useApp((s) => s.toast);
  const [mode, setMode] = useState<'idle' | 'rotate' | 'remove'>('idle');
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [test, setTest] = useState<KeyTestResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const uid = useId();

  async function act(fn: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className="row" data-testid={`provider-row-${p.id}`}>
      <div className="row-main">
        <div className="row-title">
          <strong>{p.label}</strong>
          {p.label !== p.id && <code className="muted">{p.id}</code>}
          <KeyBadge k={p.key} testId={`key-status-${p.id}`} />
        </div>
        <div className="row-sub muted">
          <code>{p.baseUrl}</code>
          {p.key.others > 0 && <span> · {p.key.others} older key{p.key.others > 1 ? 's' : ''} kept</span>}
        </div>
        {test && <TestResult r={test} testId={`key-test-result-${p.id}`} />}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {mode === 'rotate' && (
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              void act(async () => {
                await api.call('keys.set', { providerId: p.id, secret: key.trim() });
                setKey('');
                setMode('idle');
                setTest(null);
                toast({ level: 'info', title: 'Key saved', message: `${p.label} now uses the new key.` });
                await load('providers');
              });
            }}
          >
            <label htmlFor={`${uid}-k`} className="sr-only">
              New key for {p.label}
            </label>
            <input
              id={`${uid}-k`}
              type="password"
              autoFocus
              placeholder={`new ${p.label} key`}
              value={key}
              onChange={(e) => setKey(e.target.value)}
              data-testid={`rotate-input-${p.id}`}
              autoComplete="off"
            />
            <button type="submit" className="btn btn-primary btn-small" disabled={busy || !key.trim()} data-testid={`rotate-save-${p.id}`}>
              Save key
            </button>
            <button type="button" className="btn btn-small" onClick={() => setMode('idle')}>
              Cancel
            </button>
          </form>
        )}
        {mode === 'remove' && (
          <div className="inline-form confirm" role="alertdialog" aria-label={`Remove ${p.label}?`}>
            <span>Remove {p.label} and delete its keys from the keychain?</span>
            <button
              type="button"
              className="btn btn-danger btn-small"
              autoFocus
              disabled={busy}
              data-testid={`provider-remove-confirm-${p.id}`}
              onClick={() =>
                act(async () => {
                  await api.call('providers.remove', { id: p.id });
                  await load('providers');
                })
              }
            >
              Remove
            </button>
            <button type="button" className="btn btn-small" onClick={() => setMode('idle')}>
              Cancel
            </button>
          </div>
        )}
      </div>
      <div className="row-actions">
        <button
          type="button"
          className="btn btn-small"
          disabled={busy}
          data-testid={`key-test-${p.id}`}
          onClick={() =>
            act(async () => {
              setTest(null);
              setTest(await api.call('keys.test', { providerId: p.id }));
            })
          }
        >
          Test
        </button>
        {!p.local || p.key.source === 'keychain' ? (
          <button type="button" className="btn btn-small" data-testid={`key-rotate-${p.id}`} onClick={() => setMode(mode === 'rotate' ? 'idle' : 'rotate')}>
            {p.key.source === 'keychain' || p.key.source === 'env' ? 'Rotate key' : 'Add key'}
          </button>
        ) : null}
        <button type="button" className="btn btn-small btn-ghost-danger" data-testid={`provider-remove-${p.id}`} onClick={() => setMode(mode === 'remove' ? 'idle' : 'remove')}>
          Remove
        </button>
      </div>
    </li>
  );
}

function LocalServers() {
  const local = useApp((s) => s.local);
  const load = useApp((s) => s.load);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void load('local');
  }, []);
  return (
    <Card
      title="Local models"
      testId="local-servers"
      actions={
        <button type="button" className="btn btn-small" onClick={() => load('local')} disabled={local.loading} data-testid="local-refresh">
          {local.loading ? 'Looking…' : 'Look again'}
        </button>
      }
    >
      <p className="muted">Ollama and LM Studio are found on their default ports on this computer.</p>
      {local.error && <ErrorState message={local.error} retry={() => load('local')} />}
      {!local.data && local.loading && <Loading what="local servers" />}
      {local.data && (
        <ul className="list">
          {local.data.map((s) => (
            <li key={s.preset} className="row" data-testid={`local-${s.preset}`} data-running={s.running}>
              <div className="row-main">
                <div className="row-title">
                  <strong>{s.label}</strong>
                  <span className={`badge ${s.running ? 'badge-ok' : 'badge-muted'}`}>{s.running ? `running · ${s.models.length} model${s.models.length === 1 ? '' : 's'}` : 'not running'}</span>
                </div>
                <div className="row-sub muted">
                  <code>{s.baseUrl}</code>
                  {s.providerId && <span> · added as {s.providerId}</span>}
                </div>
              </div>
              <div className="row-actions">
                {s.running && !s.providerId && (
                  <button
                    type="button"
                    className="btn btn-small btn-primary"
                    disabled={busy !== null}
                    data-testid={`local-add-${s.preset}`}
                    onClick={async () => {
                      setBusy(s.preset);
                      setError(null);
                      try {
                        await api.call('providers.add', { id: s.preset, preset: s.preset, baseUrl: s.baseUrl });
                        await Promise.all([load('providers'), load('local')]);
                      } catch (err) {
                        setError(errorText(err));
                      } finally {
                        setBusy(null);
                      }
                    }}
                  >
                    Add
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </Card>
  );
}

export function Providers() {
  const providers = useApp((s) => s.providers);
  const load = useApp((s) => s.load);
  const [adding, setAdding] = useState(false);
  const list = providers.data ?? [];

  return (
    <div className="screen" data-testid="providers-screen">
      <header className="screen-head">
        <h1>Providers & keys</h1>
        <p className="lead">Keys live in your system keychain; Airlock only ever shows their last four characters.</p>
      </header>
      <Card
        title="Providers"
        actions={
          <button type="button" className="btn btn-small btn-primary" onClick={() => setAdding(!adding)} data-testid="provider-add" aria-expanded={adding}>
            {adding ? 'Close' : 'Add provider'}
          </button>
        }
      >
        {adding && (
          <div className="add-panel">
            <ProviderForm
              takenIds={list.map((p) => p.id)}
              onAdded={() => {
                setAdding(false);
                void load('providers');
              }}
            />
          </div>
        )}
        {providers.error && <ErrorState message={providers.error} retry={() => load('providers')} />}
        {!providers.data && providers.loading && <Loading what="providers" />}
        {providers.data && list.length === 0 && !adding && (
          <Empty title="No providers yet" testId="providers-empty">
            Add OpenAI, DeepSeek, Groq or any OpenAI-compatible service (or a local server) and paste its key.
          </Empty>
        )}
        {list.length > 0 && (
          <ul className="list" data-testid="providers-list">
            {list.map((p) => (
              <ProviderRow key={p.id} p={p} />
            ))}
          </ul>
        )}
      </Card>
      <LocalServers />
    </div>
  );
}
