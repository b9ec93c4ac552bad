import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from './db.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { tempDataDir } from '../testing/harness.ts';

test('a fresh database gets every migration once, in WAL mode; reopening applies nothing twice', () => {
  const dir = tempDataDir();
  try {
    const file = path.join(dir, 'airlock.db');
    const db = openDatabase(file);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    assert.deepEqual(versions, MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
    db.close();
    const again = openDatabase(file);
    assert.equal((again.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get() as number), MIGRATIONS.length);
    again.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a database from a newer Airlock is refused with a clear message', () => {
  const dir = tempDataDir();
  try {
    const file = path.join(dir, 'airlock.db');
    const raw = new Database(file);
    raw.pragma('user_version = 9999');
    raw.close();
    assert.throws(() => openDatabase(file), /newer Airlock \(schema 9999/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt database file gives a clear error, not a crash', () => {
  const dir = tempDataDir();
  try {
    const file = path.join(dir, 'airlock.db');
    fs.writeFileSync(file, 'this is not a sqlite database'.repeat(100));
    assert.throws(() => openDatabase(file), /Cannot open the Airlock database .*not a database/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
