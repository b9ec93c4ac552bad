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
  db.pragma('busy_timeout = 5000');
  if (opts.readonly) return db;
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

export function migrate(db: DB): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = MIGRATIONS.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new UserError(
      `This database was written by a newer Airlock (schema ${current}, this build knows ${latest}). Update Airlock.`,
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    // Each migration and its version bump commit together, so a crash never leaves half a schema.
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
