import type { DB } from '../store/db.ts';

/** One provider key's metadata. Never the key: only a last-4 hint. */
export interface KeyRecord {
  providerId: string;
  label: string;
  hint: string;
  active: boolean;
  createdAt: number;
  /** Strictly increases with every change of the row: the gateway's in-memory key cache is keyed on it. */
  updatedAt: number;
}

interface Row {
  provider_id: string;
  label: string;
  hint: string;
  active: number;
  created_at: number;
  updated_at: number;
}

const fromRow = (r: Row): KeyRecord => ({
  providerId: r.provider_id,
  label: r.label,
  hint: r.hint,
  active: r.active === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The provider_keys table (migration 002): which keys exist, their hints, and which one each provider uses. */
export class KeysRepo {
  private readonly db: DB;
  onChange: (() => void) | null = null;
  private readonly activeStmt;

  constructor(db: DB) {
    this.db = db;
    this.activeStmt = db.prepare('SELECT * FROM provider_keys WHERE provider_id = ? AND active = 1');
  }

  list(providerId?: string): KeyRecord[] {
    const rows = providerId
      ? this.db.prepare('SELECT * FROM provider_keys WHERE provider_id = ? ORDER BY label').all(providerId)
      : this.db.prepare('SELECT * FROM provider_keys ORDER BY provider_id, label').all();
    return (rows as Row[]).map(fromRow);
  }

  get(providerId: string, label: string): KeyRecord | undefined {
    const r = this.db.prepare('SELECT * FROM provider_keys WHERE provider_id = ? AND label = ?').get(providerId, label) as Row | undefined;
    return r && fromRow(r);
  }

  active(providerId: string): KeyRecord | undefined {
    const r = this.activeStmt.get(providerId) as Row | undefined;
    return r && fromRow(r);
  }

  /** Records (or updates the hint of) a key, and makes it the active one when asked, in one transaction. */
  upsert(providerId: string, label: string, hint: string, activate: boolean, now = Date.now()): KeyRecord {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO provider_keys (provider_id, label, hint, active, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)
           ON CONFLICT (provider_id, label) DO UPDATE SET hint = excluded.hint, updated_at = MAX(excluded.updated_at, provider_keys.updated_at + 1)`,
        )
        .run(providerId, label, hint, now, now);
      if (activate) this.activateIn(providerId, label, now);
    }).immediate();
    this.onChange?.();
    return this.get(providerId, label)!;
  }

  /** Makes `label` the provider's active key (the previous one stays stored, inactive). */
  activate(providerId: string, label: string, now = Date.now()): boolean {
    const ok = this.db.transaction(() => {
      if (!this.get(providerId, label)) return false;
      this.activateIn(providerId, label, now);
      return true;
    }).immediate();
    this.onChange?.();
    return ok;
  }

  private activateIn(providerId: string, label: string, now: number): void {
    this.db.prepare('UPDATE provider_keys SET active = 0, updated_at = MAX(?, updated_at + 1) WHERE provider_id = ? AND active = 1 AND label <> ?').run(now, providerId, label);
    this.db.prepare('UPDATE provider_keys SET active = 1, updated_at = MAX(?, updated_at + 1) WHERE provider_id = ? AND label = ?').run(now, providerId, label);
  }

  remove(providerId: string, label: string): boolean {
    const n = this.db.prepare('DELETE FROM provider_keys WHERE provider_id = ? AND label = ?').run(providerId, label).changes;
    this.onChange?.();
    return n > 0;
  }
}
