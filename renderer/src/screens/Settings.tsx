import { useEffect, useId, useState } from 'react';
import type { SettingsPatch, StoredBody } from '../../../shared/api/contract.ts';
import { portOverrideText } from '../port-note.ts';
import { api } from '../api.ts';
import { errorText, useApp } from '../store.ts';
import { Card, ErrorState, Loading } from '../components/common.tsx';
import { GatewaySettingsCard } from './SettingsGateway.tsx';

const RETENTION = [
  { days: 7, label: '7 days' },
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
  { days: 0, label: 'Forever' },
];

export function SettingsScreen() {
  const settings = useApp((s) => s.settings);
  const info = useApp((s) => s.info.data);
  const load = useApp((s) => s.load);
  const [port, setPort] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const uid = useId();

  useEffect(() => {
    void load('settings');
  }, []);
  useEffect(() => {
    if (settings.data) setPort(String(settings.data.port));
  }, [settings.data?.port]);

  async function save(patch: SettingsPatch, what: string) {
    setError(null);
    setSaved(null);
    try {
      await api.call('settings.update', patch);
      await Promise.all([load('settings'), load('info')]);
      setSaved(what);
    } catch (err) {
      setError(errorText(err));
    }
  }

  if (settings.error && !settings.data) return <ErrorState message={settings.error} retry={() => load('settings')} />;
  if (!settings.data) return <Loading what="settings" />;
  const s = settings.data;
  const web = info?.mode === 'web';

  return (
    <div className="screen" data-testid="settings-screen">
      <header className="screen-head">
        <h1>Settings</h1>
      </header>
      {error && (
        <p className="form-error" role="alert" data-testid="settings-error">
          {error}
        </p>
      )}
      {saved && (
        <p className="saved" role="status" data-testid="settings-saved">
          ✓ {saved} saved.
        </p>
      )}

      <Card title="Gateway">
        <form
          className="field"
          onSubmit={(e) => {
            e.preventDefault();
            void save({ port: Number(port) }, 'Port');
          }}
        >
          <label htmlFor={`${uid}-port`}>Port on 127.0.0.1</label>
          <div className="inline-form">
            <input id={`${uid}-port`} inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value.replace(/\D/g, ''))} data-testid="settings-port" className="narrow" />
            <button type="submit" className="btn btn-small" disabled={port === String(s.port) || !port} data-testid="settings-port-save">
              Save
            </button>
          </div>
          <p className="hint" data-testid="settings-port-hint">
            {info?.gateway.restartNeeded
              ? `Airlock is still listening on ${info.gateway.port}; the new port applies after a restart. Update your tools' base URL then.`
              : 'Changing it applies after a restart; tools then need the new base URL.'}
          </p>
          {info && info.gateway.portOverride && (
            <p className="hint port-override" data-testid="settings-port-running">
              {portOverrideText(info.gateway)}
            </p>
          )}
        </form>
      </Card>

      <Card title="Startup">
        <label className="check">
          <input
            type="checkbox"
            checked={s.startAtLogin}
            disabled={!s.startAtLoginSupported}
            onChange={(e) => save({ startAtLogin: e.target.checked }, 'Start at login')}
            data-testid="settings-start-at-login"
          />
          <span>
            Start Airlock when I log in
            <span className="hint block">
              {s.startAtLoginSupported ? (
                'Starts in the tray, with the gateway running.'
              ) : web ? (
                <>
                  Only the desktop app can start at login; in web mode, start <code>airlock serve</code> from your session.
                </>
              ) : (
                'Not available on this system.'
              )}
            </span>
          </span>
        </label>
      </Card>

      <Card title="Privacy">
        <div className="field">
          <label htmlFor={`${uid}-ret`}>Keep the request log for</label>
          <select
            id={`${uid}-ret`}
            value={s.requestLogRetentionDays}
            onChange={(e) => save({ requestLogRetentionDays: Number(e.target.value) }, 'Retention')}
            data-testid="settings-retention"
            className="narrow"
          >
            {RETENTION.some((r) => r.days === s.requestLogRetentionDays) ? null : <option value={s.requestLogRetentionDays}>{s.requestLogRetentionDays} days</option>}
            {RETENTION.map((r) => {
              // The policy's maximum: longer choices (and "Forever") may not be picked.
              const tooLong = s.requestLogRetentionLimitedBy !== null && (r.days === 0 || r.days > s.requestLogRetentionEffectiveDays);
              return (
                <option key={r.days} value={r.days} disabled={tooLong && r.days !== s.requestLogRetentionDays}>
                  {r.label}
                </option>
              );
            })}
          </select>
          <p className="hint">
            The log holds times, models, token counts and costs{s.storePrompts && s.storePromptsAllowed ? '' : ', never prompts'}. Older rows are deleted.
            {s.requestLogRetentionLimitedBy && (
              <span className="block" data-testid="settings-retention-limit">
                🔒 Kept {s.requestLogRetentionEffectiveDays} days at most: set by {s.requestLogRetentionLimitedBy}.
              </span>
            )}
          </p>
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={s.storePrompts && s.storePromptsAllowed}
            disabled={!s.storePromptsAllowed}
            onChange={(e) => save({ storePrompts: e.target.checked }, 'Prompt storage')}
            data-testid="settings-store-prompts"
          />
          <span>
            Store prompts and answers of gateway traffic
            <span className="hint block" data-testid="settings-store-prompts-hint">
              {!s.storePromptsAllowed
                ? `🔒 Not allowed by ${s.storePromptsLimitedBy ?? 'the policy'}.`
                : s.storePrompts
                  ? `On: what your tools and Chat send and receive is kept on this computer, after DLP masking (masked values stay masked), for as long as the request log. Turning it off deletes what was stored. ${s.storedBodies} stored.`
                  : 'Off by default. When on, what your tools send and receive is kept on this computer, after DLP masking, with the request log.'}
            </span>
          </span>
        </label>
        {s.storePrompts && s.storePromptsAllowed && <StoredPrompts count={s.storedBodies} />}
      </Card>
      <GatewaySettingsCard />
      <p className="muted small">
        Data directory: <code>{info?.dataDir}</code> · Airlock {info?.version}
      </p>
    </div>
  );
}

/** The newest stored prompts and answers (also: `airlock requests list` / `airlock requests show <id>`). */
function StoredPrompts({ count }: { count: number }) {
  const [rows, setRows] = useState<Omit<StoredBody, 'request' | 'response'>[] | null>(null);
  const [open, setOpen] = useState<Record<string, StoredBody | string>>({});
  const tick = useApp((s) => s.requestTick);
  useEffect(() => {
    api.call('requests.bodies', { limit: 20 }).then((r) => setRows(r.bodies), () => setRows([]));
  }, [count, tick]);
  async function toggle(id: string, isOpen: boolean) {
    if (!isOpen || open[id]) return;
    try {
      const b = await api.call('requests.body', { requestId: id });
      setOpen((o) => ({ ...o, [id]: b }));
    } catch (err) {
      setOpen((o) => ({ ...o, [id]: errorText(err) }));
    }
  }
  if (!rows) return null;
  if (rows.length === 0) return <p className="hint">Nothing stored yet: the next request through the gateway will be.</p>;
  return (
    <div className="stored-prompts" data-testid="stored-prompts">
      <p className="hint">Newest {rows.length} (request id = the x-airlock-request-id header; <code>airlock requests show ID</code> prints one):</p>
      {rows.map((r) => {
        const b = open[r.requestId];
        return (
          <details key={r.requestId} onToggle={(e) => toggle(r.requestId, (e.target as HTMLDetailsElement).open)} data-testid="stored-prompt">
            <summary>
              {new Date(r.ts).toLocaleString()} · {r.client ?? '—'} · {r.model ?? '—'} · {r.status}
              {r.cacheHit ? ' · cache' : ''}
              {r.truncated ? ' · truncated' : ''}
            </summary>
            {typeof b === 'string' && <p className="form-error">{b}</p>}
            {b && typeof b !== 'string' && (
              <div className="stored-prompt-body">
                <p className="small muted">Request (as sent upstream, after DLP masking)</p>
                <pre data-testid="stored-request">{pretty(b.request)}</pre>
                <p className="small muted">Answer</p>
                <pre data-testid="stored-response">{b.response.length ? b.response.map((p) => (b.response.length > 1 ? `[${p.part}] ${p.text}` : p.text)).join('\n') : b.cacheHit ? '(replayed from the cache)' : '(no text)'}</pre>
              </div>
            )}
          </details>
        );
      })}
    </div>
  );
}

function pretty(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}
