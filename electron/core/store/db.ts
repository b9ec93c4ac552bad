import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations/index.ts';
import { UserError } from '../util/errors.ts';

export type DB = Database.Database;

/** Opens (creating if needed) the data directory's database, in WAL mode, with every migration applied. */
export function openDatabase(file: string, opts: { readonly?: boolean } = {}): DB {
  if (!opts.readonly) fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let db: DB;
  try {
    db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (err) {
    throw new UserError(`Cannot open the Airlock database at ${file}: ${(err as Error).message}`);
  }
  try {
    db.pragma('busy_timeout = 5000');
    if (opts.readonly) return db;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (err) {
    db.close();
    if (err instanceof UserError) throw err;
    throw new UserError(`Cannot open the Airlock database at ${file}: ${(err as Error).message}. Move the file aside to start fresh, or restore it from a backup.`);
  }
  return db;
}

export function migrate(db: DB): void {
  const latest = MIGRATIONS.reduce((m, x) => Math.max(m, x.version), 0);
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new UserError(
      `This database was written by a newer Airlock (schema ${current}, this build knows ${latest}). Update Airlock.`,
    );
  }
  // Applied versions are tracked one by one (not just the highest), so a migration registered out of order
  // during development is still applied.
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]));
  if (applied.size === 0 && current > 0) {
    // A database from before schema_migrations existed: everything up to user_version was applied.
    for (const m of MIGRATIONS) if (m.version <= current) applied.add(m.version);
  }
  for (const m of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    // Each migration and its bookkeeping commit together, so a crash never leaves half a schema.
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
      const v = db.pragma('user_version', { simple: true }) as number;
      if (m.version > v) db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
