import type { Core } from '../core.ts';
import { DEFAULT_PORT } from '../config.ts';

/** App settings as stored (settings key 'app'). Absent fields take the defaults below. */
export interface StoredAppSettings {
  port?: number;
  startAtLogin?: boolean;
  requestLogRetentionDays?: number;
  storePrompts?: boolean;
}

export const APP_SETTINGS_KEY = 'app';
export const DEFAULT_RETENTION_DAYS = 90;

export interface AppSettings {
  port: number;
  /** Whether the user picked the port (as opposed to the default). */
  portSet: boolean;
  startAtLogin: boolean;
  requestLogRetentionDays: number;
  storePrompts: boolean;
}

export function readAppSettings(core: Core): AppSettings {
  const s = core.settings.get<StoredAppSettings>(APP_SETTINGS_KEY, {});
  return {
    port: s.port ?? DEFAULT_PORT,
    portSet: s.port !== undefined,
    startAtLogin: s.startAtLogin ?? false,
    requestLogRetentionDays: s.requestLogRetentionDays ?? DEFAULT_RETENTION_DAYS,
    // Prompts are never stored unless the user turns this on.
    storePrompts: s.storePrompts ?? false,
  };
}

export function writeAppSettings(core: Core, patch: StoredAppSettings): void {
  const cur = core.settings.get<StoredAppSettings>(APP_SETTINGS_KEY, {});
  core.settings.set(APP_SETTINGS_KEY, { ...cur, ...patch });
}

/** Deletes request-log rows older than the retention setting. Returns how many went. */
export function pruneRequestLog(core: Core, now = Date.now()): number {
  const days = readAppSettings(core).requestLogRetentionDays;
  if (days <= 0) return 0;
  return core.db.prepare('DELETE FROM requests WHERE ts < ?').run(now - days * 86_400_000).changes;
}

/** Prunes now and every few hours; returns a stop function. */
export function startRetention(core: Core, everyMs = 6 * 3_600_000): () => void {
  const run = () => {
    try {
      pruneRequestLog(core);
    } catch (err) {
      console.error(`airlock: request-log retention failed: ${(err as Error).message}`);
    }
  };
  run();
  const t = setInterval(run, everyMs);
  t.unref();
  return () => clearInterval(t);
}
