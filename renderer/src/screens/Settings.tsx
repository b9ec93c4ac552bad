import { useEffect, useId, useState } from 'react';
import type { SettingsPatch } from '../../../shared/api/contract.ts';
import { api } from '../api.ts';
import { errorText, useApp } from '../store.ts';
import { Card, ErrorState, Loading } from '../components/common.tsx';

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
          <p className="hint">
            {info?.gateway.restartNeeded
              ? `Airlock is still listening on ${info.gateway.port}; the new port applies after a restart. Update your tools' base URL then.`
              : 'Changing it applies after a restart; tools then need the new base URL.'}
          </p>
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
            {RETENTION.map((r) => (
              <option key={r.days} value={r.days}>
                {r.label}
              </option>
            ))}
          </select>
          <p className="hint">The log holds times, models, token counts and costs, never prompts. Older rows are deleted.</p>
        </div>
        <label className="check">
          <input type="checkbox" checked={s.storePrompts} onChange={(e) => save({ storePrompts: e.target.checked }, 'Prompt storage')} data-testid="settings-store-prompts" />
          <span>
            Store prompts and answers of gateway traffic
            <span className="hint block">Off by default. When on, what your tools send and receive is kept on this computer with the request log.</span>
          </span>
        </label>
      </Card>
      <p className="muted small">
        Data directory: <code>{info?.dataDir}</code> · Airlock {info?.version}
      </p>
    </div>
  );
}
