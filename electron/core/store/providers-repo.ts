import type { DB } from './db.ts';
import type { ProviderType } from '../providers/presets.ts';

export interface ProviderRecord {
  id: string;
  type: ProviderType;
  preset: string | null;
  baseUrl: string;
  keyEnv: string | null;
  options: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: string;
  type: ProviderType;
  preset: string | null;
  base_url: string;
  key_env: string | null;
  options: string;
  created_at: number;
  updated_at: number;
}

const fromRow = (r: Row): ProviderRecord => ({
  id: r.id,
  type: r.type,
  preset: r.preset,
  baseUrl: r.base_url,
  keyEnv: r.key_env,
  options: JSON.parse(r.options),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class ProvidersRepo {
  private readonly db: DB;
  /** Called after every write, so in-process readers (the live gateway config) refresh. */
  onChange: (() => void) | null = null;
  /** Called after every change with an audit entry (types and names, never values). */
  onAudit: ((type: string, data: Record<string, unknown>) => void) | null = null;
  constructor(db: DB) {
    this.db = db;
  }

  list(): ProviderRecord[] {
    return (this.db.prepare('SELECT * FROM providers ORDER BY id').all() as Row[]).map(fromRow);
  }

  get(id: string): ProviderRecord | undefined {
    const r = this.db.prepare('SELECT * FROM providers WHERE id = ?').get(id) as Row | undefined;
    return r && fromRow(r);
  }

  add(p: Omit<ProviderRecord, 'createdAt' | 'updatedAt'>): ProviderRecord {
    const now = Date.now();
    this.db
      .prepare(
        'INSERT INTO providers (id, type, preset, base_url, key_env, options, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(p.id, p.type, p.preset, p.baseUrl, p.keyEnv, JSON.stringify(p.options ?? {}), now, now);
    this.onChange?.();
    this.onAudit?.('provider.add', { id: p.id, type: p.type, preset: p.preset, key_env: p.keyEnv });
    return this.get(p.id)!;
  }

  update(id: string, patch: Partial<Pick<ProviderRecord, 'baseUrl' | 'keyEnv' | 'options' | 'type'>>): ProviderRecord | undefined {
    const cur = this.get(id);
    if (!cur) return undefined;
    const next = { ...cur, ...patch };
    this.db
      .prepare('UPDATE providers SET type = ?, base_url = ?, key_env = ?, options = ?, updated_at = ? WHERE id = ?')
      .run(next.type, next.baseUrl, next.keyEnv, JSON.stringify(next.options), Date.now(), id);
    this.onChange?.();
    this.onAudit?.('provider.update', { id, fields: Object.keys(patch) });
    return this.get(id);
  }

  remove(id: string): boolean {
    const removed = this.db.prepare('DELETE FROM providers WHERE id = ?').run(id).changes > 0;
    this.onChange?.();
    if (removed) this.onAudit?.('provider.remove', { id });
    return removed;
  }
}
