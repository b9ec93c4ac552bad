import { useState } from 'react';
import type { KeyTestResult, Provider } from '../../../shared/api/contract.ts';
import { api } from '../api.ts';
import { errorText, useApp } from '../store.ts';
import { Card, CopyButton } from '../components/common.tsx';
import { ProviderForm } from '../components/ProviderForm.tsx';
import { KeyBadge, TestResult } from '../components/KeyBadge.tsx';

/** First run: add a provider, test its key, see the local endpoint. */
export function Welcome() {
  const info = useApp((s) => s.info.data);
  const providers = useApp((s) => s.providers.data) ?? [];
  const load = useApp((s) => s.load);
  const navigate = useApp((s) => s.navigate);
  const [added, setAdded] = useState<Provider | null>(null);
  const [test, setTest] = useState<KeyTestResult | null>(null);
  const [testing, setTesting] = useState(false);
  const url = info?.gateway.url ?? '';

  async function runTest(p: Provider) {
    setTesting(true);
    setTest(null);
    try {
      setTest(await api.call('keys.test', { providerId: p.id }));
    } catch (err) {
      setTest({ status: 'unreachable', message: errorText(err) });
    } finally {
      setTesting(false);
    }
  }

  return (
    <div className="screen" data-testid="first-run">
      <header className="screen-head">
        <h1>Welcome to Airlock</h1>
        <p className="lead">
          Keep your AI keys in the system keychain and point every tool at one local endpoint. Three steps, about a minute.
        </p>
      </header>

      <Card title={<><span className="step">1</span> Add a provider</>}>
        {added ? (
          <div className="done-row" data-testid="first-run-added">
            <span>
              <strong>{added.label}</strong> added as <code>{added.id}</code>
            </span>
            <KeyBadge k={added.key} testId="first-run-key-status" />
            <button type="button" className="btn btn-link" onClick={() => { setAdded(null); setTest(null); }}>
              Add another
            </button>
          </div>
        ) : (
          <ProviderForm
            takenIds={providers.map((p) => p.id)}
            onAdded={(p) => {
              setAdded(p);
              void load('providers');
              void load('models');
            }}
          />
        )}
      </Card>

      <Card title={<><span className="step">2</span> Test the key</>}>
        {added ? (
          <div>
            <p className="muted">Airlock asks {added.label} for its model list with the stored key. Nothing is billed.</p>
            <button type="button" className="btn" disabled={testing} onClick={() => runTest(added)} data-testid="key-test">
              {testing ? 'Testing…' : 'Test key'}
            </button>
            {test && <TestResult r={test} testId="key-test-result" />}
          </div>
        ) : (
          <p className="muted">Add a provider first.</p>
        )}
      </Card>

      <Card title={<><span className="step">3</span> Your local endpoint</>}>
        <p className="muted">Every tool on this computer can use this OpenAI-compatible URL with its own Airlock token.</p>
        <div className="endpoint">
          <code data-testid="endpoint-url">{url}</code>
          <CopyButton text={url} />
        </div>
        <div className="form-actions">
          <button type="button" className="btn btn-primary" onClick={() => navigate('connect')} data-testid="goto-connect">
            Connect your tools →
          </button>
        </div>
      </Card>
    </div>
  );
}
