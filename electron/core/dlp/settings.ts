import type { Core } from '../core.ts';
import type { Statement } from 'better-sqlite3';
import { buildConfig, type DlpConfig, type DlpUserSettings } from './config.ts';
import { actionRank, type DlpAction } from './types.ts';

export const SETTINGS_KEY = 'dlp';

interface Cached {
  /** core.live.generation when the setting was read: any settings write (this process or another) bumps it. */
  generation: number;
  raw: string | undefined;
  managed: unknown;
  cfg: DlpConfig;
  stmt: Statement;
}
const cache = new WeakMap<Core, Cached>();

/**
 * The effective DLP config for this core. The gateway refreshes core.live once per request, and every write to
 * the settings table (here or from the CLI) bumps its generation: while that and the managed policy object stay
 * the same, the cached config is returned without touching SQLite. Otherwise the 'dlp' row is read (one indexed
 * read) and the config rebuilt only if it changed.
 */
export function dlpConfig(core: Core): DlpConfig {
  const c = cache.get(core);
  const generation = core.live.generation;
  const managed = core.policy.managed();
  if (c && c.generation === generation && c.managed === managed && generation > 0) return c.cfg;
  const stmt = c?.stmt ?? core.db.prepare('SELECT value FROM settings WHERE key = ?').pluck();
  const raw = stmt.get(SETTINGS_KEY) as string | undefined;
  if (c && c.raw === raw && c.managed === managed) {
    c.generation = generation;
    return c.cfg;
  }
  const user = raw ? (JSON.parse(raw) as DlpUserSettings) : null;
  const cfg = buildConfig(user, managed);
  cache.set(core, { generation, raw, managed, cfg, stmt });
  return cfg;
}

export function readUserSettings(core: Core): DlpUserSettings {
  return core.settings.get<DlpUserSettings>(SETTINGS_KEY, {});
}

export function writeUserSettings(core: Core, s: DlpUserSettings): void {
  core.settings.set(SETTINGS_KEY, s);
}

/** Refused: a team policy sets this detector's action and the requested one is looser. */
export class DlpLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DlpLockedError';
  }
}

const ACTIONS_BY_STRICTNESS: DlpAction[] = ['allow', 'warn', 'mask', 'redact', 'block'];

/**
 * Sets the user's action for one detector type or custom rule (`key` as typed, `type` as resolved), the one place
 * the CLI and the app change it. A team policy's action may only be made stricter: a looser one throws
 * DlpLockedError and leaves a `policy.loosen_refused` audit entry; a change leaves one `dlp.set` entry.
 */
export function setUserAction(core: Core, key: string, type: string, action: DlpAction): void {
  const managed = core.policy.managed();
  const m = managed?.dlp?.actions?.[type] ?? managed?.dlp?.actions?.[key] ?? managed?.dlp?.rules?.find((r) => r.id === key)?.action;
  const by = core.policy.managedBy() ?? '(managed)';
  if (m && actionRank(action) < actionRank(m)) {
    core.audit.append('policy.loosen_refused', { setting: `dlp.actions.${type}`, requested: action, managed: m, managed_by: by });
    const stricter = ACTIONS_BY_STRICTNESS.filter((x) => actionRank(x) >= actionRank(m));
    throw new DlpLockedError(`${type} is set to '${m}' by team policy ${by}; you can only make it stricter (${stricter.join(', ')}).`);
  }
  const user = readUserSettings(core);
  const previous = user.actions?.[type] ?? null;
  user.actions = { ...user.actions, [type]: action };
  core.settings.set(SETTINGS_KEY, user, { type: 'dlp.set', data: { type, action, previous } });
}
