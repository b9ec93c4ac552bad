import { createRequire } from 'node:module';
import path from 'node:path';
import type { DB } from '../store/db.ts';

/**
 * Nearest-neighbour search for the semantic cache, over the rows of semantic_entries (migration 008).
 *
 * Engine 'sqlite-vec': the sqlite-vec loadable extension (npm `sqlite-vec`, prebuilt per platform as optional
 * dependencies) is loaded into the connection and one vec0 virtual table per vector size mirrors the rows by
 * rowid, partitioned by the semantic scope key, with cosine distance. Search runs in C inside SQLite.
 * Engine 'js' (fallback where the extension cannot load): brute-force cosine in JS over the scope's rows, at
 * most MAX_SCAN of them (newest first), so a lookup has a bounded cost.
 * semantic_entries is the source of truth in both cases; the vec0 tables are an index that is reconciled lazily
 * (rows whose semantic_entries row went, e.g. removed by the cache_entries trigger in another process, are
 * skipped and deleted when found).
 */
export type VectorEngine = 'sqlite-vec' | 'js';

export const MAX_SCAN = 1_000;
/** vec0 vectors per chunk (per partition); see vecTable. */
const CHUNK = 8;
/** Neighbours asked of vec0 per lookup: a few spares for rows that turn out stale. */
const K = 8;

export interface Neighbour {
  id: number;
  entryKey: Buffer;
  similarity: number;
}

export interface VectorRow {
  entryKey: Buffer;
  skey: Buffer;
  embedModel: string;
  vector: Float32Array;
  createdAt: number;
  expiresAt: number;
}

export interface VectorStats {
  engine: VectorEngine;
  /** Why sqlite-vec is not used (engine 'js'), or null. */
  fallbackReason: string | null;
  entries: number;
  hits: number;
}

/** Where the sqlite-vec extension for this platform is, or throws saying why not. */
export function sqliteVecPath(): string {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const ext = process.platform === 'win32' ? 'dll' : process.platform === 'darwin' ? 'dylib' : 'so';
  const pkg = `sqlite-vec-${os}-${process.arch}`;
  let file: string;
  try {
    file = createRequire(import.meta.url).resolve(`${pkg}/vec0.${ext}`);
  } catch {
    throw new Error(`the sqlite-vec build for ${process.platform}-${process.arch} (npm package ${pkg}) is not installed`);
  }
  // In a packaged app the extension must be loaded from the unpacked copy next to the asar archive.
  return file.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
}

/** Loads sqlite-vec into a connection; returns null on success, else the reason it could not. */
export function loadSqliteVec(db: DB): string | null {
  try {
    db.loadExtension(sqliteVecPath());
    db.prepare('SELECT vec_version()').get();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Scales a vector to unit length (cosine similarity of unit vectors is their dot product). */
export function normalize(v: ArrayLike<number>): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  const out = new Float32Array(v.length);
  const s = n > 0 ? 1 / Math.sqrt(n) : 0;
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * s;
  return out;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

const asBytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
/** A view on the blob when it is aligned (no copy), else a copy. */
const asVector = (b: Buffer) => (b.byteOffset % 4 === 0 ? new Float32Array(b.buffer, b.byteOffset, b.byteLength >> 2) : new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));

export class VectorIndex {
  readonly engine: VectorEngine;
  readonly fallbackReason: string | null;
  readonly db: DB;
  private readonly vecTables = new Set<number>();
  private readonly vecStmts = new Map<string, ReturnType<typeof this.db.prepare<unknown[]>>>();
  private readonly byScope;
  private readonly byId;
  private readonly findByEntry;
  private readonly insert;
  private readonly deleteById;
  private readonly hit;

  constructor(db: DB, opts: { engine?: 'auto' | 'js' } = {}) {
    this.db = db;
    const reason = opts.engine === 'js' ? 'the js engine was asked for' : loadSqliteVec(db);
    this.engine = reason === null ? 'sqlite-vec' : 'js';
    this.fallbackReason = reason;
    this.byScope = db.prepare('SELECT id, entry_key, vector, expires_at FROM semantic_entries WHERE skey = ? AND embed_model = ? AND dims = ? ORDER BY id DESC LIMIT ?');
    this.byId = db.prepare('SELECT entry_key, skey, expires_at FROM semantic_entries WHERE id = ?');
    this.findByEntry = db.prepare('SELECT id, dims FROM semantic_entries WHERE entry_key = ?');
    this.insert = db.prepare('INSERT INTO semantic_entries (entry_key, skey, embed_model, dims, vector, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.deleteById = db.prepare('DELETE FROM semantic_entries WHERE id = ?');
    this.hit = db.prepare('UPDATE semantic_entries SET hits = hits + 1 WHERE id = ?');
    if (this.engine === 'sqlite-vec') {
      const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'semantic_vec_[0-9]*'").pluck().all() as string[];
      for (const n of names) this.vecTables.add(Number(n.slice('semantic_vec_'.length)));
      this.reconcile();
    }
  }

  private stmt(sql: string) {
    let st = this.vecStmts.get(sql);
    if (!st) this.vecStmts.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  private vecTable(dims: number): string {
    const name = `semantic_vec_${dims}`;
    if (!this.vecTables.has(dims)) {
      // chunk_size 8: vec0 allocates vectors in chunks per partition (1024 slots by default: 6 MiB per scope at
      // 1536 dimensions, read whole by every query). Scopes are many and mostly small, so chunks are small.
      this.db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${name} USING vec0(skey text partition key, embedding float[${dims}] distance_metric=cosine, chunk_size=${CHUNK})`);
      this.vecTables.add(dims);
    }
    return name;
  }

  /** The most similar live entry in the scope, or null. `vector` must be normalized. */
  nearest(skey: Buffer, embedModel: string, vector: Float32Array, now = Date.now()): Neighbour | null {
    return this.engine === 'sqlite-vec' ? this.nearestVec(skey, vector, now) : this.nearestJs(skey, embedModel, vector, now);
  }

  private nearestVec(skey: Buffer, vector: Float32Array, now: number): Neighbour | null {
    const dims = vector.length;
    if (!this.vecTables.has(dims)) return null;
    const table = this.vecTable(dims);
    const rows = this.stmt(`SELECT rowid, distance FROM ${table} WHERE embedding MATCH ? AND k = ? AND skey = ? ORDER BY distance`).all(asBytes(vector), K, skey.toString('hex')) as {
      rowid: number;
      distance: number;
    }[];
    for (const r of rows) {
      const e = this.byId.get(r.rowid) as { entry_key: Buffer; skey: Buffer; expires_at: number } | undefined;
      if (!e || !e.skey.equals(skey)) {
        // The semantic_entries row went (its cache entry was evicted or cleared): drop the stale index row.
        this.stmt(`DELETE FROM ${table} WHERE rowid = ?`).run(BigInt(r.rowid));
        continue;
      }
      if (e.expires_at <= now) continue;
      return { id: r.rowid, entryKey: e.entry_key, similarity: 1 - r.distance };
    }
    return null;
  }

  private nearestJs(skey: Buffer, embedModel: string, vector: Float32Array, now: number): Neighbour | null {
    let best: Neighbour | null = null;
    const rows = this.byScope.all(skey, embedModel, vector.length, MAX_SCAN) as { id: number; entry_key: Buffer; vector: Buffer; expires_at: number }[];
    for (const r of rows) {
      if (r.expires_at <= now) continue;
      const s = dot(vector, asVector(r.vector));
      if (!best || s > best.similarity) best = { id: r.id, entryKey: r.entry_key, similarity: s };
    }
    return best;
  }

  /** Adds (or replaces) the vector of one cache entry. `vector` must be normalized. */
  add(row: VectorRow): void {
    const dims = row.vector.length;
    const table = this.engine === 'sqlite-vec' ? this.vecTable(dims) : null;
    this.db.transaction(() => {
      const old = this.findByEntry.get(row.entryKey) as { id: number; dims: number } | undefined;
      if (old) {
        this.deleteById.run(old.id);
        if (this.engine === 'sqlite-vec' && this.vecTables.has(old.dims)) this.stmt(`DELETE FROM semantic_vec_${old.dims} WHERE rowid = ?`).run(BigInt(old.id));
      }
      const id = this.insert.run(row.entryKey, row.skey, row.embedModel, dims, asBytes(row.vector), row.createdAt, row.expiresAt).lastInsertRowid;
      if (table) this.stmt(`INSERT INTO ${table} (rowid, skey, embedding) VALUES (?, ?, ?)`).run(BigInt(id), row.skey.toString('hex'), asBytes(row.vector));
    })();
  }

  noteHit(id: number): void {
    try {
      this.hit.run(id);
    } catch {
      /* a counter is not worth failing an answer */
    }
  }

  /**
   * Deletes expired rows, keeps at most `maxEntries` (oldest go first), and drops index rows whose
   * semantic_entries row is gone. Returns the number of semantic_entries rows removed.
   */
  prune(maxEntries: number, now = Date.now()): number {
    let removed = this.db.prepare('DELETE FROM semantic_entries WHERE expires_at <= ?').run(now).changes;
    const count = this.db.prepare('SELECT COUNT(*) FROM semantic_entries').pluck().get() as number;
    if (count > maxEntries) {
      removed += this.db.prepare('DELETE FROM semantic_entries WHERE id IN (SELECT id FROM semantic_entries ORDER BY id ASC LIMIT ?)').run(count - maxEntries).changes;
    }
    if (this.engine === 'sqlite-vec') this.reconcile();
    return removed;
  }

  /** Drops vec0 rows without a semantic_entries row (removed by the trigger or by a process without the extension). */
  reconcile(): number {
    let n = 0;
    for (const dims of this.vecTables) {
      const table = `semantic_vec_${dims}`;
      const live = new Set(this.db.prepare('SELECT id FROM semantic_entries WHERE dims = ?').pluck().all(dims) as number[]);
      const doomed = (this.db.prepare(`SELECT rowid FROM ${table}`).pluck().all() as number[]).filter((id) => !live.has(id));
      if (doomed.length === 0) continue;
      const del = this.db.prepare(`DELETE FROM ${table} WHERE rowid = ?`);
      this.db.transaction(() => {
        for (const id of doomed) del.run(BigInt(id));
      })();
      n += doomed.length;
    }
    // Rows added by a process without the extension are not in the index yet.
    for (const dims of new Set(this.db.prepare('SELECT DISTINCT dims FROM semantic_entries').pluck().all() as number[])) {
      const table = this.vecTable(dims);
      const indexed = new Set(this.db.prepare(`SELECT rowid FROM ${table}`).pluck().all() as number[]);
      const missing = (this.db.prepare('SELECT id FROM semantic_entries WHERE dims = ?').pluck().all(dims) as number[]).filter((id) => !indexed.has(id));
      if (missing.length === 0) continue;
      const one = this.db.prepare('SELECT skey, vector FROM semantic_entries WHERE id = ?');
      const ins = this.db.prepare(`INSERT INTO ${table} (rowid, skey, embedding) VALUES (?, ?, ?)`);
      this.db.transaction(() => {
        for (const id of missing) {
          const r = one.get(id) as { skey: Buffer; vector: Buffer };
          ins.run(BigInt(id), r.skey.toString('hex'), r.vector);
        }
      })();
    }
    return n;
  }

  clear(): number {
    const n = this.db.prepare('DELETE FROM semantic_entries').run().changes;
    for (const dims of this.vecTables) this.db.exec(`DELETE FROM semantic_vec_${dims}`);
    return n;
  }

  stats(): VectorStats {
    const r = this.db.prepare('SELECT COUNT(*) AS entries, COALESCE(SUM(hits), 0) AS hits FROM semantic_entries').get() as { entries: number; hits: number };
    return { engine: this.engine, fallbackReason: this.fallbackReason, entries: r.entries, hits: r.hits };
  }
}
