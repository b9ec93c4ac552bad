import type { Core } from '../core.ts';
import type { Statement } from 'better-sqlite3';
import { buildConfig, type DlpConfig, type DlpUserSettings } from './config.ts';

export const SETTINGS_KEY = 'dlp';

interface Cached {
  raw: string | undefined;
  managed: unknown;
  cfg: DlpConfig;
  stmt: Statement;
}
const cache = new WeakMap<Core, Cached>();

/**
 * The effective DLP config for this core: rebuilt only when the user's 'dlp' setting (one indexed read per call)
 * or the managed policy object changed, so the hot path pays a few microseconds.
 */
export function dlpConfig(core: Core): DlpConfig {
  let c = cache.get(core);
  const stmt = c?.stmt ?? core.db.prepare('SELECT value FROM settings WHERE key = ?').pluck();
  const raw = stmt.get(SETTINGS_KEY) as string | undefined;
  const managed = core.policy.managed();
  if (c && c.raw === raw && c.managed === managed) return c.cfg;
  const user = raw ? (JSON.parse(raw) as DlpUserSettings) : null;
  const cfg = buildConfig(user, managed);
  cache.set(core, { raw, managed, cfg, stmt });
  return cfg;
}

export function readUserSettings(core: Core): DlpUserSettings {
  return core.settings.get<DlpUserSettings>(SETTINGS_KEY, {});
}

export function writeUserSettings(core: Core, s: DlpUserSettings): void {
  core.settings.set(SETTINGS_KEY, s);
}
