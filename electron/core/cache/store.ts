import type { DB } from '../store/db.ts';
import type { Usage } from '../routing/catalog.ts';

export interface CacheEntry {
  key: Buffer;
  scope: string;
  provider: string;
  model: string;
  inbound: string;
  stream: boolean;
  contentType: string;
  body: Buffer;
  usage: Usage | null;
  createdAt: number;
  expiresAt: number;
}

export interface CacheStats {
  entries: number;
  bytes: number;
  hits: number;
  expired: number;
}

interface Row {
  scope: string;
  provider: string;
  model: string;
  inbound: string;
  stream: number;
  content_type: string;
  body: Buffer;
  usage: string | null;
  created_at: number;
  expires_at: number;
}

/**
 * The exact response cache in SQLite (table cache_entries). Lookups are one primary-key read; hit counters
 * are batched into one write per event-loop turn; the size cap is enforced after inserts by evicting the
 * least recently used entries (expired ones first).
 */
export class CacheStore {
  private readonly db: DB;
  private readonly getStmt;
  private readonly putStmt;
  private readonly delStmt;
  private readonly hitStmt;
  private readonly sizeStmt;
  private pendingHits = new Map<string, { key: Buffer; at: number; n: number }>();
  private hitsScheduled = false;
  private approxBytes: number;
  private lastPurge = 0;
  maxBytes: number;

  constructor(db: DB, maxBytes: number) {
    this.db = db;
    this.maxBytes = maxBytes;
    this.getStmt = db.prepare('SELECT scope, provider, model, inbound, stream, content_type, body, usage, created_at, expires_at FROM cache_entries WHERE key = ?');
    this.putStmt = db.prepare(`INSERT INTO cache_entries (key, scope, provider, model, inbound, stream, content_type, body, size, usage, created_at, expires_at, last_hit_at, hits)
      VALUES (@key, @scope, @provider, @model, @inbound, @stream, @contentType, @body, @size, @usage, @createdAt, @expiresAt, @createdAt, 0)
      ON CONFLICT(key) DO UPDATE SET body = excluded.body, size = excluded.size, usage = excluded.usage, content_type = excluded.content_type,
        created_at = excluded.created_at, expires_at = excluded.expires_at, last_hit_at = excluded.last_hit_at`);
    this.delStmt = db.prepare('DELETE FROM cache_entries WHERE key = ?');
    this.hitStmt = db.prepare('UPDATE cache_entries SET hits = hits + ?, last_hit_at = ? WHERE key = ?');
    this.sizeStmt = db.prepare('SELECT COALESCE(SUM(size), 0) FROM cache_entries').pluck();
    this.approxBytes = this.sizeStmt.get() as number;
  }

  /** The live entry for `key`, or null. An expired entry is deleted on the way. */
  get(key: Buffer, now = Date.now()): CacheEntry | null {
    const r = this.getStmt.get(key) as Row | undefined;
    if (!r) return null;
    if (r.expires_at <= now) {
      this.delStmt.run(key);
      return null;
    }
    this.noteHit(key, now);
    return {
      key,
      scope: r.scope,
      provider: r.provider,
      model: r.model,
      inbound: r.inbound,
      stream: r.stream === 1,
      contentType: r.content_type,
      body: r.body,
      usage: r.usage ? (JSON.parse(r.usage) as Usage) : null,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
    };
  }

  put(e: CacheEntry): void {
    this.putStmt.run({
      key: e.key,
      scope: e.scope,
      provider: e.provider,
      model: e.model,
      inbound: e.inbound,
      stream: e.stream ? 1 : 0,
      contentType: e.contentType,
      body: e.body,
      size: e.body.length,
      usage: e.usage ? JSON.stringify(e.usage) : null,
      createdAt: e.createdAt,
      expiresAt: e.expiresAt,
    });
    this.approxBytes += e.body.length;
    if (this.approxBytes > this.maxBytes || e.createdAt - this.lastPurge > 60_000) this.evict(e.createdAt);
  }

  /** Deletes expired entries, then least-recently-used ones until the cache is at most 90% of its cap. */
  evict(now = Date.now()): number {
    this.flushHits();
    this.lastPurge = now;
    let removed = this.db.prepare('DELETE FROM cache_entries WHERE expires_at <= ?').run(now).changes;
    let total = this.sizeStmt.get() as number;
    if (total > this.maxBytes) {
      const target = this.maxBytes * 0.9;
      const rows = this.db.prepare('SELECT key, size FROM cache_entries ORDER BY last_hit_at ASC').iterate() as Iterable<{ key: Buffer; size: number }>;
      const doomed: Buffer[] = [];
      for (const r of rows) {
        if (total <= target) break;
        doomed.push(r.key);
        total -= r.size;
      }
      this.db.transaction(() => {
        for (const k of doomed) this.delStmt.run(k);
      })();
      removed += doomed.length;
    }
    this.approxBytes = total;
    return removed;
  }

  private noteHit(key: Buffer, at: number): void {
    const id = key.toString('latin1');
    const p = this.pendingHits.get(id);
    if (p) {
      p.n++;
      p.at = at;
    } else this.pendingHits.set(id, { key, at, n: 1 });
    if (!this.hitsScheduled) {
      this.hitsScheduled = true;
      setImmediate(() => this.flushHits());
    }
  }

  flushHits(): void {
    this.hitsScheduled = false;
    if (this.pendingHits.size === 0) return;
    const hits = [...this.pendingHits.values()];
    this.pendingHits.clear();
    try {
      this.db.transaction(() => {
        for (const h of hits) this.hitStmt.run(h.n, h.at, h.key);
      })();
    } catch (err) {
      console.error(`airlock: could not record cache hits: ${(err as Error).message}`);
    }
  }

  /** Removes every entry (or those of one scope). */
  clear(scope?: string): number {
    this.flushHits();
    const n = scope ? this.db.prepare('DELETE FROM cache_entries WHERE scope = ?').run(scope).changes : this.db.prepare('DELETE FROM cache_entries').run().changes;
    this.approxBytes = this.sizeStmt.get() as number;
    return n;
  }

  stats(now = Date.now()): CacheStats {
    this.flushHits();
    const r = this.db
      .prepare('SELECT COUNT(*) AS entries, COALESCE(SUM(size), 0) AS bytes, COALESCE(SUM(hits), 0) AS hits, COALESCE(SUM(expires_at <= ?), 0) AS expired FROM cache_entries')
      .get(now) as CacheStats;
    return r;
  }
}
