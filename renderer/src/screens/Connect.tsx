import { useEffect, useId, useRef, useState } from 'react';
import type { CreatedToken } from '../../../shared/api/contract.ts';
import { api } from '../api.ts';
import { errorText, useApp } from '../store.ts';
import { Card, Code, CopyButton, Empty, ErrorState, Loading } from '../components/common.tsx';
import { MODEL_PLACEHOLDER, TOKEN_PLACEHOLDER, TOOLS, tokenNameFor } from '../snippets.ts';
import { ago, usd } from '../format.ts';

function ToolTabs({ tool, setTool }: { tool: string; setTool: (t: string) => void }) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const idx = TOOLS.findIndex((t) => t.id === tool);
  return (
    <div className="tabs" role="tablist" aria-label="Tool">
      {TOOLS.map((t, i) => (
        <button
          key={t.id}
          ref={(el) => {
            refs.current[i] = el;
          }}
          type="button"
          role="tab"
          aria-selected={t.id === tool}
          tabIndex={t.id === tool ? 0 : -1}
          className={`tab ${t.id === tool ? 'selected' : ''}`}
          data-testid={`snippet-tab-${t.id}`}
          onClick={() => setTool(t.id)}
          onKeyDown={(e) => {
            const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
            if (!d) return;
            e.preventDefault();
            const next = (idx + d + TOOLS.length) % TOOLS.length;
            setTool(TOOLS[next]!.id);
            refs.current[next]?.focus();
          }}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

export function Connect() {
  const info = useApp((s) => s.info.data);
  const tokens = useApp((s) => s.tokens);
  const models = useApp((s) => s.models);
  const load = useApp((s) => s.load);
  const [tool, setTool] = useState(TOOLS[0]!.id);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirmRevoke, setConfirmRevoke] = useState<string | null>(null);
  const uid = useId();

  useEffect(() => {
    void load('tokens');
    void load('models');
  }, []);

  const taken = (tokens.data ?? []).map((t) => t.name);
  useEffect(() => {
    setName(tokenNameFor(tool, taken));
  }, [tool, tokens.data]);

  const t = TOOLS.find((x) => x.id === tool)!;
  const model = models.data?.[0] ?? MODEL_PLACEHOLDER;
  const snippet = t.snippet({
    baseUrl: info?.gateway.url ?? '',
    origin: info?.gateway.origin ?? '',
    token: created?.token ?? TOKEN_PLACEHOLDER,
    model,
  });

  async function create(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setCreated(await api.call('tokens.create', { name: name.trim() }));
      await load('tokens');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="screen" data-testid="connect-screen">
      <header className="screen-head">
        <h1>Connect your tools</h1>
        <p className="lead">
          Give each tool its own token, so you can see what each one spends and revoke one without touching the others.
        </p>
      </header>

      <Card title="Local endpoint">
        <div className="endpoint">
          <code data-testid="connect-endpoint">{info?.gateway.url}</code>
          <CopyButton text={info?.gateway.url ?? ''} />
        </div>
      </Card>

      <Card title="Set up a tool" testId="tool-setup">
        <ToolTabs tool={tool} setTool={setTool} />
        <div role="tabpanel" aria-label={t.label} className="tabpanel">
          <form className="inline-form" onSubmit={create}>
            <label htmlFor={`${uid}-name`}>Token name</label>
            <input id={`${uid}-name`} value={name} onChange={(e) => setName(e.target.value)} data-testid="token-name" spellCheck={false} autoComplete="off" />
            <button type="submit" className="btn btn-primary btn-small" disabled={busy || !name.trim()} data-testid="token-create">
              {busy ? 'Creating…' : `Create token for ${t.label}`}
            </button>
          </form>
          {error && (
            <p className="form-error" role="alert" data-testid="token-error">
              {error}
            </p>
          )}
          {created && (
            <div className="new-token" role="status">
              <p>
                <strong>Token for {created.name}.</strong> Copy it now: Airlock keeps only its hash and cannot show it again.
              </p>
              <div className="endpoint">
                <code data-testid="new-token">{created.token}</code>
                <CopyButton text={created.token} testId="new-token-copy" />
              </div>
            </div>
          )}
          <p className="muted where">{t.where}</p>
          <Code text={snippet} testId={`snippet-${t.id}`} copyTestId="snippet-copy" />
          {t.note && <p className="note">{t.note}</p>}
          {!models.data?.length && !models.loading && (
            <p className="muted">
              Replace <code>{MODEL_PLACEHOLDER}</code> with a model your provider offers, e.g. <code>openai/gpt-4o-mini</code>.
            </p>
          )}
        </div>
      </Card>

      <Card title="Tokens" testId="tokens">
        {tokens.error && <ErrorState message={tokens.error} retry={() => load('tokens')} />}
        {!tokens.data && tokens.loading && <Loading what="tokens" />}
        {tokens.data && tokens.data.length === 0 && (
          <Empty title="No tokens yet" testId="tokens-empty">
            Create one above for each tool you use.
          </Empty>
        )}
        {tokens.data && tokens.data.length > 0 && (
          <div className="table-wrap">
            <table className="table" data-testid="tokens-table">
              <thead>
                <tr>
                  <th scope="col">Tool</th>
                  <th scope="col">Token</th>
                  <th scope="col">Last request</th>
                  <th scope="col" className="num">
                    Requests (30 d)
                  </th>
                  <th scope="col" className="num">
                    Spend (30 d)
                  </th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.data.map((tk) => (
                  <tr key={tk.name} data-testid={`token-row-${tk.name}`}>
                    <td>
                      <strong>{tk.name}</strong>
                    </td>
                    <td>
                      <code className="muted">alk_…{tk.hint}</code>
                    </td>
                    <td data-testid={`token-last-${tk.name}`}>
                      {tk.lastRequest ? (
                        <>
                          {ago(tk.lastRequest.ts)} · <code>{tk.lastRequest.model ?? '?'}</code>{' '}
                          <span className={tk.lastRequest.status < 400 ? 'ok-text' : 'error-text'}>{tk.lastRequest.status}</span>
                        </>
                      ) : (
                        <span className="muted">no requests yet</span>
                      )}
                    </td>
                    <td className="num">{tk.requests30d}</td>
                    <td className="num" data-testid={`token-spend-${tk.name}`}>
                      {usd(tk.spend30dUsd)}
                    </td>
                    <td className="actions">
                      {confirmRevoke === tk.name ? (
                        <>
                          <button
                            type="button"
                            className="btn btn-danger btn-small"
                            autoFocus
                            data-testid={`token-revoke-confirm-${tk.name}`}
                            onClick={async () => {
                              try {
                                await api.call('tokens.revoke', { name: tk.name });
                                if (created?.name === tk.name) setCreated(null);
                              } catch (err) {
                                setError(errorText(err));
                              }
                              setConfirmRevoke(null);
                              await load('tokens');
                            }}
                          >
                            Revoke
                          </button>
                          <button type="button" className="btn btn-small" onClick={() => setConfirmRevoke(null)}>
                            Keep
                          </button>
                        </>
                      ) : (
                        <button type="button" className="btn btn-small btn-ghost-danger" data-testid={`token-revoke-${tk.name}`} onClick={() => setConfirmRevoke(tk.name)}>
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}
