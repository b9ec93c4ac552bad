import { useState } from 'react';
import type { KeyTestResult, Provider } from '../../../shared/api/contract.ts';
import { api } from '../api.ts';
import { errorText, useApp } from '../store.ts';
import { Card, CopyButton } from '../components/common.tsx';
import { ProviderForm } from '../components/ProviderForm.tsx';
import { KeyBadge, TestResult } from '../components/KeyBadge.tsx';

/** The provider step 2 tests: the one just added, else the one picked, else the first configured; null when there is none. */
export function testTarget(providers: Provider[], added: Provider | null, picked: string | null): Provider | null {
  if (added && (picked === null || picked === added.id)) return providers.find((p) => p.id === added.id) ?? added;
  return providers.find((p) => p.id === picked) ?? providers[0] ?? added ?? null;
}

/** First run: add a provider, test its key, see the local endpoint. */
export function Welcome() {
  const info = useApp((s) => s.info.data);
  const providers = useApp((s) => s.providers.data) ?? [];
  const load = useApp((s) => s.load);
  const navigate = useApp((s) => s.navigate);
  const [added, setAdded] = useState<Provider | null>(null);
  const [adding, setAdding] = useState(false);
  const [picked, setPicked] = useState<string | null>(null);
  const [test, setTest] = useState<KeyTestResult | null>(null);
  const [testing, setTesting] = useState(false);
  const url = info?.gateway.url ?? '';
  // Step 2 tests the provider just added, else one already configured (QA: it said "Add a provider first" when some existed).
  const target = testTarget(providers, added, picked);
  const showForm = !added && (providers.length === 0 || adding);

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
            <button type="button" className="btn btn-link" onClick={() => { setAdded(null); setAdding(true); setTest(null); }}>
              Add another
            </button>
          </div>
        ) : showForm ? (
          <>
            <ProviderForm
              takenIds={providers.map((p) => p.id)}
              onAdded={(p) => {
                setAdded(p);
                setAdding(false);
                setPicked(p.id);
                setTest(null);
                void load('providers');
                void load('models');
              }}
            />
            {providers.length > 0 && (
              <button type="button" className="btn btn-link" onClick={() => setAdding(false)}>
                Cancel
              </button>
            )}
          </>
        ) : (
          <div className="done-row" data-testid="first-run-existing">
            <span>
              {providers.length === 1 ? 'One provider is' : `${providers.length} providers are`} set up:{' '}
              {providers.map((p, i) => (
                <span key={p.id}>
                  {i > 0 && ', '}
                  <code>{p.id}</code>
                </span>
              ))}
            </span>
            <button type="button" className="btn btn-link" onClick={() => setAdding(true)} data-testid="first-run-add-another">
              Add another
            </button>
          </div>
        )}
      </Card>

      <Card title={<><span className="step">2</span> Test the key</>}>
        {target ? (
          <div>
            {providers.length > 1 && (
              <div className="inline-form">
                <label htmlFor="welcome-test-provider">Provider</label>
                <select
                  id="welcome-test-provider"
                  className="narrow"
                  value={target.id}
                  onChange={(e) => {
                    setPicked(e.target.value);
                    setTest(null);
                  }}
                  data-testid="key-test-provider"
                >
                  {providers.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.id}
                    </option>
                  ))}
                </select>
                <KeyBadge k={target.key} />
              </div>
            )}
            <p className="muted">
              Airlock asks {target.label} for its model list with {target.key.source === 'keychain' ? 'the stored key' : target.key.source === 'env' ? 'the key from the environment' : target.local ? 'no key (a local server)' : 'its key'}. Nothing is billed.
            </p>
            <button type="button" className="btn" disabled={testing} onClick={() => runTest(target)} data-testid="key-test">
              {testing ? 'Testing…' : 'Test key'}
            </button>
            {test && <TestResult r={test} testId="key-test-result" />}
          </div>
        ) : (
          <p className="muted" data-testid="key-test-none">
            Add a provider first.
          </p>
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
