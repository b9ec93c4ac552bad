/**
 * The audit log: append-only, hash-chained entries in SQLite, signed checkpoints, retention, export.
 * append() is on request paths (blocked requests, DLP actions): one short IMMEDIATE transaction with two prepared
 * statements (read the head, insert), so several processes (the gateway and the CLI) extend the same chain safely.
 */
import type { KeyObject } from 'node:crypto';
import type { DB } from '../store/db.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { GENESIS, entryHash, signCheckpoint, verifyChain, type AuditEntry, type ChainStart, type Checkpoint, type VerifyResult } from './chain.ts';
import { fileDeviceKey, loadDeviceKey } from './device-key.ts';
import { canonicalJson } from '../policy/strict-json.ts';
import { redactSecrets } from '../util/redact.ts';

export interface AuditLogOptions {
  dataDir: string;
  secrets?: SecretStore | null;
  /** Sign a checkpoint after this many new entries (default 256). */
  checkpointEvery?: number;
  /** And at this interval when there are new entries (default 10 minutes). 0 turns the timer off. */
  checkpointIntervalMs?: number;
  /** Minimum days to keep entries (the effective policy's retention.auditDays); undefined = keep forever. */
  retentionDays?: () => number | undefined;
}

interface Row {
  seq: number;
  ts: number;
  type: string;
  data: string;
  prev: string;
  hash: string;
}
const fromRow = (r: Row): AuditEntry => ({ seq: r.seq, ts: r.ts, type: r.type, data: JSON.parse(r.data), prev: r.prev, hash: r.hash });

interface Pending {
  ts: number;
  type: string;
  data: Record<string, unknown>;
}

const TYPE_RE = /^[a-z][a-z0-9_.-]{0,63}$/;
const MAX_STRING = 500;

/** Keeps entries to types and counts: strings are capped and anything key-shaped is redacted. */
function sanitize(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return redactSecrets(v.length > MAX_STRING ? v.slice(0, MAX_STRING) + '…' : v);
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (v === null || typeof v === 'boolean') return v;
  if (depth > 4) return null;
  if (Array.isArray(v)) return v.slice(0, 100).map((x) => sanitize(x, depth + 1));
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as object)) if (x !== undefined) out[k.slice(0, 64)] = sanitize(x, depth + 1);
    return out;
  }
  return null;
}

const open = new Set<AuditLog>();
let exitHook = false;

export class AuditLog {
  private readonly db: DB;
  private readonly opts: AuditLogOptions;
  private readonly head;
  private readonly insert;
  private readonly appendTx;
  private key: KeyObject | null = null;
  private keyWhere: 'keychain' | 'file' | null = null;
  private keyLoading: Promise<void> | null = null;
  private sinceCheckpoint = 0;
  private queue: Pending[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;
  /** Called after each append (live views). Never throws into the caller. */
  onAppend: ((e: AuditEntry) => void) | null = null;

  constructor(db: DB, opts: AuditLogOptions) {
    this.db = db;
    this.opts = opts;
    this.head = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.insert = db.prepare('INSERT INTO audit_log (seq, ts, type, data, prev, hash) VALUES (?, ?, ?, ?, ?, ?)');
    // The head is read inside the IMMEDIATE transaction, so appends from several processes chain correctly.
    this.appendTx = db.transaction((batch: Pending[]): AuditEntry[] => {
      const h = (this.head.get() as ChainStart | undefined) ?? this.prunedStart();
      let seq = h?.seq ?? 0;
      let prev = h?.hash ?? GENESIS;
      const out: AuditEntry[] = [];
      for (const { ts, type, data } of batch) {
        seq++;
        const e = { seq, ts, type, data, prev };
        const hash = entryHash(e);
        this.insert.run(seq, ts, type, canonicalJson(data), prev, hash);
        out.push({ ...e, hash });
        prev = hash;
      }
      return out;
    });
    open.add(this);
    if (!exitHook) {
      exitHook = true;
      // Short-lived processes (the CLI) leave a checkpoint behind on the way out: 'beforeExit' can still wait for
      // the keychain; 'exit' signs synchronously with a key that is already loaded.
      process.on('beforeExit', () => {
        for (const log of open) if ((log.sinceCheckpoint > 0 || log.queue.length > 0) && log.db.open) void log.checkpoint();
      });
      process.once('exit', () => {
        for (const log of open) log.close();
      });
    }
  }

  /**
   * Queues one entry; entries are chained and written in one transaction per event-loop turn (the request path
   * never waits for a commit). Never throws: a bad type or a failing write is reported on stderr.
   */
  append(type: string, data: Record<string, unknown> = {}): void {
    try {
      if (!TYPE_RE.test(type)) throw new Error(`bad audit entry type '${type}'`);
      this.queue.push({ ts: Date.now(), type, data: sanitize(data) as Record<string, unknown> });
    } catch (err) {
      console.error(`airlock: could not write audit entry '${type}': ${(err as Error).message}`);
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes queued entries now (readers call this first, so they always see every append). */
  flush(): AuditEntry[] {
    this.scheduled = false;
    if (this.queue.length === 0 || !this.db.open) return [];
    const batch = this.queue;
    this.queue = [];
    let written: AuditEntry[];
    try {
      written = this.appendTx.immediate(batch);
    } catch (err) {
      console.error(`airlock: could not write ${batch.length} audit entr${batch.length === 1 ? 'y' : 'ies'}: ${(err as Error).message}`);
      return [];
    }
    this.sinceCheckpoint += written.length;
    if (this.sinceCheckpoint >= (this.opts.checkpointEvery ?? 256)) void this.checkpoint();
    else {
      this.arm();
      // Start loading the device key now (keychain reads are async), so a checkpoint at shutdown can be signed.
      if (!this.key && !this.keyLoading) this.ensureKey().catch(() => {});
    }
    if (this.onAppend) {
      for (const e of written) {
        try {
          this.onAppend(e);
        } catch {
          /* a listener's problem is not the writer's */
        }
      }
    }
    return written;
  }

  private arm(): void {
    const ms = this.opts.checkpointIntervalMs ?? 10 * 60_000;
    if (this.timer || ms <= 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.checkpoint();
    }, ms);
    this.timer.unref();
  }

  private prunedStart(): ChainStart | null {
    const r = this.db.prepare("SELECT value FROM audit_meta WHERE key = 'pruned_through'").get() as { value: string } | undefined;
    return r ? (JSON.parse(r.value) as ChainStart) : null;
  }

  /** Where the kept chain starts (null when nothing was pruned). */
  start(): ChainStart | null {
    return this.prunedStart();
  }

  entries(opts: { sinceTs?: number; afterSeq?: number; type?: string; limit?: number } = {}): AuditEntry[] {
    this.flush();
    const where: string[] = [];
    const args: unknown[] = [];
    if (opts.sinceTs !== undefined) (where.push('ts >= ?'), args.push(opts.sinceTs));
    if (opts.afterSeq !== undefined) (where.push('seq > ?'), args.push(opts.afterSeq));
    if (opts.type) (where.push('type = ?'), args.push(opts.type));
    const sql = `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq${opts.limit ? ' LIMIT ' + Math.floor(opts.limit) : ''}`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(fromRow);
  }

  checkpoints(): Checkpoint[] {
    return this.db.prepare('SELECT seq, hash, ts, keyid, pub, sig FROM audit_checkpoints ORDER BY seq, id').all() as Checkpoint[];
  }

  latestCheckpoint(): Checkpoint | null {
    return (this.db.prepare('SELECT seq, hash, ts, keyid, pub, sig FROM audit_checkpoints ORDER BY seq DESC, id DESC LIMIT 1').get() as Checkpoint | undefined) ?? null;
  }

  /** Where the device key lives ('keychain' or 'file'); null until it was first needed. */
  deviceKeyLocation(): 'keychain' | 'file' | null {
    return this.keyWhere;
  }

  private async ensureKey(): Promise<KeyObject> {
    if (this.key) return this.key;
    this.keyLoading ??= loadDeviceKey(this.opts.dataDir, this.opts.secrets ?? null).then((r) => {
      this.key = r.key;
      this.keyWhere = r.where;
    });
    await this.keyLoading;
    return this.key!;
  }

  /** Signs the current head if it is not checkpointed yet. Also applies audit retention. */
  async checkpoint(): Promise<Checkpoint | null> {
    if (!this.db.open) return null;
    await this.ensureKey();
    return this.checkpointSync();
  }

  /**
   * Synchronous checkpoint for shutdown. Uses the loaded key; without a keychain the file key is loaded on the spot.
   * Returns null when there is nothing new to sign (or the keychain key is not loaded yet).
   */
  checkpointSync(): Checkpoint | null {
    if (!this.db.open) return null;
    if (!this.key && !this.opts.secrets) {
      this.key = fileDeviceKey(this.opts.dataDir);
      this.keyWhere = 'file';
    }
    if (!this.key) return null;
    this.flush();
    this.sinceCheckpoint = 0;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    try {
      this.applyRetention();
      const h = this.head.get() as { seq: number; hash: string } | undefined;
      if (!h) return null;
      const last = this.latestCheckpoint();
      if (last && last.seq === h.seq && last.hash === h.hash) return null;
      const c = signCheckpoint(this.key, h.seq, h.hash);
      this.db.prepare('INSERT INTO audit_checkpoints (seq, hash, ts, keyid, pub, sig) VALUES (?, ?, ?, ?, ?, ?)').run(c.seq, c.hash, c.ts, c.keyid, c.pub, c.sig);
      return c;
    } catch (err) {
      console.error(`airlock: could not sign an audit checkpoint: ${(err as Error).message}`);
      return null;
    }
  }

  /**
   * Deletes entries older than the retention period, but only entries a checkpoint already covers. The chain's new
   * start is recorded in audit_meta and vouched for by an 'audit.pruned' entry, so a silent deletion of old entries
   * is still told apart from retention.
   */
  applyRetention(now = Date.now()): number {
    const days = this.opts.retentionDays?.();
    if (days === undefined) return 0;
    const cp = this.latestCheckpoint();
    if (!cp) return 0;
    const cutoff = now - days * 86_400_000;
    const last = this.db.prepare('SELECT seq, hash FROM audit_log WHERE ts < ? AND seq <= ? ORDER BY seq DESC LIMIT 1').get(cutoff, cp.seq) as ChainStart | undefined;
    if (!last) return 0;
    const count = this.db.transaction(() => {
      const n = this.db.prepare('DELETE FROM audit_log WHERE seq <= ?').run(last.seq).changes;
      this.db.prepare("INSERT INTO audit_meta (key, value) VALUES ('pruned_through', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(JSON.stringify({ seq: last.seq, hash: last.hash }));
      this.db.prepare('DELETE FROM audit_checkpoints WHERE seq < ?').run(last.seq);
      return n;
    }).immediate();
    this.append('audit.pruned', { through_seq: last.seq, through_hash: last.hash, count, retention_days: days });
    this.flush();
    return count;
  }

  /** Verifies the whole stored chain against every checkpoint. */
  verify(opts: { trustedKeyIds?: string[] } = {}): VerifyResult {
    const start = this.prunedStart();
    const entries = this.entries();
    const r = verifyChain(entries, this.checkpoints(), { start, trustedKeyIds: opts.trustedKeyIds });
    if (start && !entries.some((e) => e.type === 'audit.pruned' && e.data.through_seq === start.seq && e.data.through_hash === start.hash)) {
      const gone = start.seq > 1 ? `entries #1..#${start.seq} are gone and no 'audit.pruned' entry records a retention prune of them` : `entry #1 is gone and no 'audit.pruned' entry records a retention prune of it`;
      r.problems.unshift(`${gone}: deleted`);
      r.ok = false;
    }
    return r;
  }

  /**
   * audit.jsonl lines: a header, the entries (since `sinceTs`), and the latest checkpoint (signed just now, so the
   * export is covered to its last entry).
   */
  async exportLines(opts: { sinceTs?: number } = {}): Promise<string[]> {
    await this.checkpoint();
    const entries = this.entries({ sinceTs: opts.sinceTs });
    let after: ChainStart | null = this.prunedStart();
    if (entries.length && entries[0]!.seq > (after?.seq ?? 0) + 1) {
      const before = this.db.prepare('SELECT seq, hash FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT 1').get(entries[0]!.seq) as ChainStart | undefined;
      after = before ?? after;
    }
    const cp = this.latestCheckpoint();
    return [
      JSON.stringify({ kind: 'header', format: 'airlock-audit/v1', exported_at: new Date().toISOString(), after }),
      ...entries.map((e) => JSON.stringify({ kind: 'entry', ...e })),
      ...(cp ? [JSON.stringify({ kind: 'checkpoint', ...cp })] : []),
    ];
  }

  close(): void {
    this.flush();
    open.delete(this);
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.db.open) this.checkpointSync();
  }
}

/** Parses an audit.jsonl export back into entries, checkpoints and the chain start. */
export function parseExport(text: string): { entries: AuditEntry[]; checkpoints: Checkpoint[]; start: ChainStart | null } {
  const entries: AuditEntry[] = [];
  const checkpoints: Checkpoint[] = [];
  let start: ChainStart | null = null;
  let sawHeader = false;
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let o: any;
    try {
      o = JSON.parse(line);
    } catch {
      throw new Error(`line ${i + 1} is not JSON`);
    }
    if (o.kind === 'header') {
      if (o.format !== 'airlock-audit/v1') throw new Error(`line ${i + 1}: unknown export format '${o.format}'`);
      sawHeader = true;
      start = o.after ?? null;
    } else if (o.kind === 'entry') entries.push({ seq: o.seq, ts: o.ts, type: o.type, data: o.data, prev: o.prev, hash: o.hash });
    else if (o.kind === 'checkpoint') checkpoints.push({ seq: o.seq, hash: o.hash, ts: o.ts, keyid: o.keyid, pub: o.pub, sig: o.sig });
    else throw new Error(`line ${i + 1}: unknown line kind '${o.kind}'`);
  });
  if (!sawHeader) throw new Error('not an Airlock audit export (no header line)');
  return { entries, checkpoints, start };
}
