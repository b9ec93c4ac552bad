import { useEffect, useId, useState } from 'react';
import type { Preset, Provider } from '../../../shared/api/contract.ts';
import { api } from '../api.ts';
import { errorText, useApp } from '../store.ts';
import { ErrorState, External, Loading } from './common.tsx';

const CUSTOM = 'custom';
const TYPE_LABEL: Record<Preset['type'], string> = {
  openai: 'OpenAI API',
  'openai-compatible': 'OpenAI-compatible',
  anthropic: 'Anthropic API',
  gemini: 'Gemini API',
};

/** Pick a preset (or a custom OpenAI-compatible endpoint), name it, paste its key: the key goes to the keychain. */
export function ProviderForm({ onAdded, takenIds }: { onAdded: (p: Provider) => void; takenIds: string[] }) {
  const presets = useApp((s) => s.presets);
  const load = useApp((s) => s.load);
  const [choice, setChoice] = useState<string | null>(null);
  const [id, setId] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const uid = useId();

  useEffect(() => {
    if (!presets.data && !presets.loading) void load('presets');
  }, []);

  if (presets.error) return <ErrorState message={presets.error} retry={() => load('presets')} />;
  if (!presets.data) return <Loading what="providers" />;

  const preset: Preset | undefined = presets.data.find((p) => p.id === choice);
  const needsKey = choice === CUSTOM || (preset ? !preset.local : false);

  function pick(c: string) {
    const p = presets.data!.find((x) => x.id === c);
    setChoice(c);
    setError(null);
    let name = c === CUSTOM ? 'custom' : c;
    for (let n = 2; takenIds.includes(name); n++) name = `${c === CUSTOM ? 'custom' : c}-${n}`;
    setId(name);
    setBaseUrl(p?.baseUrl ?? '');
    setKey('');
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const p = await api.call('providers.add', {
        id: id.trim(),
        ...(preset ? { preset: preset.id } : {}),
        ...(choice === CUSTOM || (preset && baseUrl !== preset.baseUrl) ? { baseUrl: baseUrl.trim() } : {}),
        ...(key.trim() ? { key: key.trim() } : {}),
      });
      setKey('');
      onAdded(p);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="provider-form">
      <div className="preset-grid" role="group" aria-label="Provider">
        {presets.data.map((p) => (
          <button
            key={p.id}
            type="button"
            className={`preset ${choice === p.id ? 'selected' : ''}`}
            aria-pressed={choice === p.id}
            data-testid={`preset-${p.id}`}
            onClick={() => pick(p.id)}
          >
            <span className="preset-name">{p.label}</span>
            <span className="preset-meta">{p.local ? 'runs on this computer' : TYPE_LABEL[p.type]}</span>
          </button>
        ))}
        <button
          type="button"
          className={`preset ${choice === CUSTOM ? 'selected' : ''}`}
          aria-pressed={choice === CUSTOM}
          data-testid="preset-custom"
          onClick={() => pick(CUSTOM)}
        >
          <span className="preset-name">Other</span>
          <span className="preset-meta">any OpenAI-compatible URL</span>
        </button>
      </div>

      {choice && (
        <form className="form" onSubmit={submit} data-testid="provider-form">
          <div className="field">
            <label htmlFor={`${uid}-id`}>Name</label>
            <input
              id={`${uid}-id`}
              data-testid="provider-id"
              value={id}
              onChange={(e) => setId(e.target.value.toLowerCase())}
              required
              autoComplete="off"
              spellCheck={false}
            />
            <p className="hint">
              Models are addressed as <code>{id || 'name'}/&lt;model&gt;</code>.
            </p>
          </div>
          <div className="field">
            <label htmlFor={`${uid}-url`}>Base URL</label>
            <input
              id={`${uid}-url`}
              data-testid="provider-base-url"
              value={baseUrl}
              onChange={(e) => setBaseUrl(e.target.value)}
              placeholder="https://api.example.com/v1"
              required
              spellCheck={false}
              autoComplete="off"
            />
          </div>
          <div className="field">
            <label htmlFor={`${uid}-key`}>API key {needsKey ? '' : '(optional)'}</label>
            <input
              id={`${uid}-key`}
              data-testid="provider-key"
              type="password"
              value={key}
              onChange={(e) => setKey(e.target.value)}
              placeholder={preset?.local ? 'not needed for a local server' : 'paste your key'}
              autoComplete="off"
              spellCheck={false}
            />
            <p className="hint">
              Stored in your system keychain, never on disk or in this window again.{' '}
              {preset?.keyUrl && <External href={preset.keyUrl}>Get a key from {preset.label}</External>}
            </p>
          </div>
          {error && (
            <p className="form-error" role="alert" data-testid="form-error">
              {error}
            </p>
          )}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy} data-testid="provider-save">
              {busy ? 'Saving…' : 'Save provider'}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
