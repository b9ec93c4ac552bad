// Settings → Advanced gateway settings: the CORS allow-list, the request body cap and the upstream timeouts
// (settings key `gateway`; the same as `airlock config`). Values are typed as people write them ("64 MiB",
// "10s") and validated by the app API (shared/gateway-settings.ts); an error goes under the field it names.
// A saved change applies to the gateway's next request, without a restart.
import { useEffect, useId, useState } from 'react';
import type { GatewaySettingsView } from '../../../shared/api/contract.ts';
import { GATEWAY_KEYS, GATEWAY_KEY_INFO, formatGatewayValue, getGatewayValue, type GatewayKey } from '../../../shared/gateway-settings.ts';
import { api } from '../api.ts';
import { errorText } from '../store.ts';
import { Card } from '../components/common.tsx';

/** What a field shows for a value: origins one per line, sizes and durations with their unit. */
function fieldText(key: GatewayKey, v: number | string[]): string {
  return GATEWAY_KEY_INFO[key].kind === 'origins' ? (v as string[]).join('\n') : formatGatewayValue(key, v);
}

const testIdOf = (key: GatewayKey) => `gw-${key.split('.').pop()}`;

/** "gateway.maxBodyBytes must be between…" → "Must be between…"; null when the message names no field. */
export function fieldError(message: string): { key: GatewayKey; text: string } | null {
  const key = [...GATEWAY_KEYS].sort((a, b) => b.length - a.length).find((k) => message.startsWith(k));
  if (!key) return null;
  const rest = message.slice(key.length).replace(/^:?\s*/, '');
  return { key, text: rest.charAt(0).toUpperCase() + rest.slice(1) };
}

export function GatewaySettingsCard() {
  const uid = useId();
  const [view, setView] = useState<GatewaySettingsView | null>(null);
  const [text, setText] = useState<Partial<Record<GatewayKey, string>>>({});
  const [errors, setErrors] = useState<Partial<Record<GatewayKey, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function show(v: GatewaySettingsView) {
    setView(v);
    setText(Object.fromEntries(GATEWAY_KEYS.map((k) => [k, fieldText(k, getGatewayValue(v.values, k)!)])));
  }
  useEffect(() => {
    api.call('settings.gateway').then(show, (err) => setFormError(errorText(err)));
  }, []);

  if (!view) {
    return (
      <Card title="Advanced gateway settings" testId="gateway-settings">
        {formError ? <p className="form-error">{formError}</p> : <p className="muted">Loading…</p>}
      </Card>
    );
  }
  const current = (k: GatewayKey) => fieldText(k, getGatewayValue(view.values, k)!);
  const changed = GATEWAY_KEYS.filter((k) => (text[k] ?? '').trim() !== current(k).trim());

  async function run(update: { set?: Record<string, string>; unset?: GatewayKey[] }, what: string) {
    setBusy(true);
    setErrors({});
    setFormError(null);
    setSaved(null);
    try {
      show(await api.call('settings.updateGateway', update));
      setSaved(what);
    } catch (err) {
      const msg = errorText(err);
      const f = fieldError(msg);
      if (f) setErrors({ [f.key]: f.text });
      else setFormError(msg);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Advanced gateway settings" testId="gateway-settings">
      <p className="hint">
        Applied to the gateway’s next request, no restart needed. The same settings as <code>airlock config</code>.
      </p>
      <form
        className="gw-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (changed.length) void run({ set: Object.fromEntries(changed.map((k) => [k, text[k] ?? ''])) }, changed.length === 1 ? GATEWAY_KEY_INFO[changed[0]!].label : 'Gateway settings');
        }}
        noValidate
      >
        {GATEWAY_KEYS.map((k) => {
          const info = GATEWAY_KEY_INFO[k];
          const id = `${uid}-${testIdOf(k)}`;
          const isSet = view.set.includes(k);
          const err = errors[k];
          const common = {
            id,
            value: text[k] ?? '',
            'aria-invalid': err ? true : undefined,
            'aria-describedby': `${id}-hint${err ? ` ${id}-err` : ''}`,
            'data-testid': testIdOf(k),
            spellCheck: false,
            autoComplete: 'off',
          } as const;
          return (
            <div className={`field gw-field ${info.kind === 'origins' ? 'gw-wide' : ''}`} key={k}>
              <label htmlFor={id}>{info.label}</label>
              {info.kind === 'origins' ? (
                <textarea {...common} rows={3} placeholder={'https://app.example.com\nhttp://localhost:3000'} onChange={(e) => setText({ ...text, [k]: e.target.value })} />
              ) : (
                <input {...common} className="narrow" inputMode="text" onChange={(e) => setText({ ...text, [k]: e.target.value })} />
              )}
              {err && (
                <p className="form-error" id={`${id}-err`} role="alert" data-testid={`${testIdOf(k)}-error`}>
                  {err}
                </p>
              )}
              <p className="hint" id={`${id}-hint`}>
                {info.help}{' '}
                {info.kind === 'origins'
                  ? 'Exact http(s) origins, one per line (scheme://host[:port], no path); * is refused.'
                  : info.kind === 'bytes'
                    ? 'E.g. 64 MiB, 512 KiB or bytes.'
                    : 'E.g. 10s, 2m, 500ms.'}{' '}
                <span data-testid={`${testIdOf(k)}-default`}>
                  {isSet ? (
                    <>
                      Default {formatGatewayValue(k, getGatewayValue(view.defaults, k)!)}:{' '}
                      <button type="button" className="btn btn-link btn-small" disabled={busy} onClick={() => run({ unset: [k] }, `${info.label} (default)`)} data-testid={`${testIdOf(k)}-reset`}>
                        use the default
                      </button>
                    </>
                  ) : (
                    '(default)'
                  )}
                </span>
              </p>
            </div>
          );
        })}
        <div className="form-actions gw-wide">
          <button type="submit" className="btn btn-primary btn-small" disabled={busy || changed.length === 0} data-testid="gw-save">
            {busy ? 'Saving…' : 'Save'}
          </button>
          {changed.length > 0 && (
            <button type="button" className="btn btn-small" disabled={busy} onClick={() => { show(view); setErrors({}); setFormError(null); }} data-testid="gw-discard">
              Discard changes
            </button>
          )}
          {saved && (
            <span className="saved" role="status" data-testid="gw-saved">
              ✓ {saved} saved: applies to the next request.
            </span>
          )}
        </div>
        {formError && (
          <p className="form-error gw-wide" role="alert" data-testid="gw-error">
            {formError}
          </p>
        )}
      </form>
    </Card>
  );
}
