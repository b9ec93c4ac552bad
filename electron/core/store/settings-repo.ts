import type { DB } from './db.ts';

/** Small JSON key/value settings (gateway options, CORS allow-list, retention...). */
export class SettingsRepo {
  private readonly db: DB;
  /** Called after every write, so in-process readers (the live gateway config) refresh. */
  onChange: (() => void) | null = null;
  /** Called after every change with an audit entry (types and names, never values). */
  onAudit: ((type: string, data: Record<string, unknown>) => void) | null = null;
  constructor(db: DB) {
    this.db = db;
  }
  get<T>(key: string, fallback: T): T {
    const r = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return r ? (JSON.parse(r.value) as T) : fallback;
  }
  /**
   * `audit` replaces the generic `settings.change {key}` entry: a specific entry from the admin function that
   * made the change (e.g. route.set with the alias), or null for bookkeeping that is no settings change
   * (web-UI login sessions).
   */
  set(key: string, value: unknown, audit?: { type: string; data: Record<string, unknown> } | null): void {
    this.db
      .prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
      .run(key, JSON.stringify(value), Date.now());
    this.onChange?.();
    if (audit === undefined) this.onAudit?.('settings.change', { key });
    else if (audit) this.onAudit?.(audit.type, audit.data);
  }
  all(): Record<string, unknown> {
    const rows = this.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value)]));
  }
}
