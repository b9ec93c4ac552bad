import type { DB } from '../store/db.ts';
import type { ModelInfoWithTier } from './catalog.ts';

export interface ModelOverride {
  provider: string;
  model: string;
  info: ModelInfoWithTier;
  updatedAt: number;
}

/** User-set prices and capabilities (`airlock model set`), stored in model_overrides. */
export class ModelOverridesRepo {
  private readonly db: DB;
  onChange: (() => void) | null = null;
  constructor(db: DB) {
    this.db = db;
  }
  list(): ModelOverride[] {
    const rows = this.db.prepare('SELECT provider, model, info, updated_at FROM model_overrides ORDER BY provider, model').all() as {
      provider: string;
      model: string;
      info: string;
      updated_at: number;
    }[];
    return rows.map((r) => ({ provider: r.provider, model: r.model, info: JSON.parse(r.info), updatedAt: r.updated_at }));
  }
  get(provider: string, model: string): ModelOverride | undefined {
    return this.list().find((o) => o.provider === provider && o.model === model);
  }
  set(provider: string, model: string, info: ModelInfoWithTier): void {
    this.db
      .prepare(
        'INSERT INTO model_overrides (provider, model, info, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(provider, model) DO UPDATE SET info = excluded.info, updated_at = excluded.updated_at',
      )
      .run(provider, model, JSON.stringify(info), Date.now());
    this.onChange?.();
  }
  remove(provider: string, model: string): boolean {
    const n = this.db.prepare('DELETE FROM model_overrides WHERE provider = ? AND model = ?').run(provider, model).changes;
    this.onChange?.();
    return n > 0;
  }
}
