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

/** A limit the effective policy (team bundle ∩ your own policy settings) puts on a privacy setting. */
export interface PolicyLimit {
  /** Who set it: "team policy '<bundle>' v<N>" or "your policy settings". */
  by: string;
}

/**
 * Request-log retention in force: the stricter of the app setting (0 = forever) and the effective policy's
 * `retention.requestLogDays` (a maximum). `limit` is set when the policy is what shortens it.
 */
export function effectiveRetention(core: Core): { days: number; settingDays: number; policyDays: number | null; limit: PolicyLimit | null } {
  const settingDays = readAppSettings(core).requestLogRetentionDays;
  const policyDays = core.policyService.effective().retention?.requestLogDays ?? null;
  if (policyDays === null || (settingDays > 0 && settingDays <= policyDays)) return { days: settingDays, settingDays, policyDays, limit: null };
  return { days: policyDays, settingDays, policyDays, limit: { by: retentionSource(core, 'requestLogDays') } };
}

/** Whether prompts and answers of gateway traffic are stored: the app setting, unless the policy forbids it (false wins). */
export function effectiveStorePrompts(core: Core): { on: boolean; setting: boolean; allowed: boolean; limit: PolicyLimit | null } {
  const setting = readAppSettings(core).storePrompts;
  const allowed = core.policyService.effective().retention?.storePrompts !== false;
  return { on: setting && allowed, setting, allowed, limit: allowed ? null : { by: retentionSource(core, 'storePrompts') } };
}

function retentionSource(core: Core, key: 'requestLogDays' | 'storePrompts'): string {
  const managed = core.policy.managed();
  if (managed?.retention?.[key] !== undefined) return `team policy ${core.policy.managedBy() ?? ''}`.trim();
  return 'your policy settings';
}

/**
 * Deletes request-log rows, and stored request/response bodies, older than the effective retention; deletes
 * every stored body when storing is off or forbidden. Returns how many request rows went.
 */
export function pruneRequestLog(core: Core, now = Date.now()): number {
  const { days } = effectiveRetention(core);
  if (!effectiveStorePrompts(core).on) core.db.prepare('DELETE FROM request_bodies').run();
  if (days <= 0) return 0;
  const cutoff = now - days * 86_400_000;
  core.db.prepare('DELETE FROM request_bodies WHERE ts < ?').run(cutoff);
  return core.db.prepare('DELETE FROM requests WHERE ts < ?').run(cutoff).changes;
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
