/**
 * The audit chain's pure parts: entry hashing, checkpoint signing, and verification of a sequence of entries
 * (from SQLite or from an exported audit.jsonl) against signed checkpoints. No I/O, so it runs anywhere
 * (CLI, a worker thread in the app, an auditor's machine).
 */
import crypto, { type KeyObject } from 'node:crypto';
import { canonicalJson } from '../policy/strict-json.ts';
import { keyIdOf, publicKeyFromRaw, rawPublicKey } from '../policy/dsse.ts';

export const GENESIS = '0'.repeat(64);
export const CHECKPOINT_TYPE = 'airlock.audit.checkpoint/v1';

export interface AuditEntry {
  seq: number;
  ts: number;
  type: string;
  data: Record<string, unknown>;
  /** Hash of the previous entry (GENESIS for the first). */
  prev: string;
  /** SHA-256 over canonicalJson({seq, ts, type, data, prev}). */
  hash: string;
}

export interface Checkpoint {
  seq: number;
  hash: string;
  ts: number;
  keyid: string;
  /** base64 raw Ed25519 public key of the device. */
  pub: string;
  /** base64 Ed25519 signature over checkpointBytes(). */
  sig: string;
}

/** Where a verified range starts when older entries were pruned (retention) or left out of an export. */
export interface ChainStart {
  seq: number;
  hash: string;
}

export function entryBytes(e: Pick<AuditEntry, 'seq' | 'ts' | 'type' | 'data' | 'prev'>): string {
  return canonicalJson({ seq: e.seq, ts: e.ts, type: e.type, data: e.data, prev: e.prev });
}

export function entryHash(e: Pick<AuditEntry, 'seq' | 'ts' | 'type' | 'data' | 'prev'>): string {
  return crypto.createHash('sha256').update(entryBytes(e)).digest('hex');
}

export function checkpointBytes(c: Pick<Checkpoint, 'seq' | 'hash' | 'ts' | 'keyid'>): Buffer {
  return Buffer.from(canonicalJson({ type: CHECKPOINT_TYPE, seq: c.seq, hash: c.hash, ts: c.ts, keyid: c.keyid }));
}

export function signCheckpoint(key: KeyObject, seq: number, hash: string, ts = Date.now()): Checkpoint {
  const raw = rawPublicKey(key);
  const keyid = keyIdOf(raw);
  const sig = crypto.sign(null, checkpointBytes({ seq, hash, ts, keyid }), key).toString('base64');
  return { seq, hash, ts, keyid, pub: raw.toString('base64'), sig };
}

export function checkpointSignatureValid(c: Checkpoint): boolean {
  try {
    const raw = Buffer.from(c.pub, 'base64');
    if (keyIdOf(raw) !== c.keyid) return false;
    return crypto.verify(null, checkpointBytes(c), publicKeyFromRaw(raw), Buffer.from(c.sig, 'base64'));
  } catch {
    return false;
  }
}

export interface VerifyResult {
  ok: boolean;
  /** One line per problem: what is wrong and where (entry number, type, time). */
  problems: string[];
  entries: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** Checkpoints whose signature verified and whose entry matched. */
  checkpointsVerified: number;
  /** Entry numbers after the newest verified checkpoint: chained, but not yet covered by a signature. */
  uncheckpointed: number;
}

const iso = (ts: number) => (Number.isFinite(ts) ? new Date(ts).toISOString() : String(ts));
const where = (e: AuditEntry) => `entry #${e.seq} (${e.type}, ${iso(e.ts)})`;

/**
 * Verifies entries in the order given. Detects: edited entries (content vs hash), deleted entries (gaps),
 * inserted or reordered entries (sequence and prev-hash breaks), a tail truncated below a checkpoint, and a
 * rewritten-and-rechained history (an entry no longer matching the hash a checkpoint signed).
 * `trustedKeyIds`, when given, pins the device key(s) checkpoints must be signed by.
 */
export function verifyChain(
  entries: AuditEntry[],
  checkpoints: Checkpoint[],
  opts: { start?: ChainStart | null; trustedKeyIds?: string[] } = {},
): VerifyResult {
  const problems: string[] = [];
  let prevHash = opts.start?.hash ?? GENESIS;
  let expectSeq = (opts.start?.seq ?? 0) + 1;
  const bySeq = new Map<number, AuditEntry>();
  for (const e of entries) {
    const computed = entryHash(e);
    if (computed !== e.hash) {
      // An entry moved to another position after an insert/delete keeps its content but not its number.
      const renumbered = [-1, 1, -2, 2].find((d) => entryHash({ ...e, seq: e.seq + d }) === e.hash);
      if (renumbered !== undefined) problems.push(`${where(e)} was renumbered from #${e.seq + renumbered}: an entry was inserted or deleted before it`);
      else problems.push(`${where(e)} was edited: its content does not match its hash`);
    }
    if (e.seq > expectSeq) {
      const gone = e.seq - 1 > expectSeq ? `entries #${expectSeq}..#${e.seq - 1} are` : `entry #${expectSeq} is`;
      problems.push(`${gone} missing before ${where(e)}: deleted`);
    } else if (e.seq < expectSeq) {
      problems.push(`${where(e)} is out of order or duplicated (expected #${expectSeq}): entries were inserted or reordered`);
    } else if (e.prev !== prevHash) {
      problems.push(`${where(e)} does not follow the entry before it (prev hash mismatch): an entry was inserted, deleted or reordered here`);
    }
    bySeq.set(e.seq, e);
    prevHash = e.hash;
    expectSeq = Math.max(expectSeq, e.seq + 1);
  }
  const firstSeq = entries[0]?.seq ?? null;
  const lastSeq = entries.length ? Math.max(...entries.map((e) => e.seq)) : (opts.start?.seq ?? null);
  let checkpointsVerified = 0;
  let coveredTo = opts.start?.seq ?? 0;
  for (const c of [...checkpoints].sort((a, b) => a.seq - b.seq)) {
    const label = `the checkpoint signed at ${iso(c.ts)} (covering #${c.seq})`;
    if (!checkpointSignatureValid(c)) {
      problems.push(`${label} has an invalid signature`);
      continue;
    }
    if (opts.trustedKeyIds && !opts.trustedKeyIds.includes(c.keyid)) {
      problems.push(`${label} is signed by device key ${c.keyid.slice(0, 12)}…, which is not the pinned key`);
      continue;
    }
    if (opts.start && c.seq <= opts.start.seq) {
      if (c.seq === opts.start.seq && c.hash !== opts.start.hash) problems.push(`${label} does not match the start of this log`);
      continue;
    }
    const e = bySeq.get(c.seq);
    if (!e) {
      if (lastSeq === null || c.seq > lastSeq) {
        problems.push(`the log ends at #${lastSeq ?? 0} but ${label} vouches for entries up to #${c.seq}: the tail was truncated (${c.seq - (lastSeq ?? 0)} entries missing)`);
      } else problems.push(`entry #${c.seq}, covered by ${label}, is missing`);
      continue;
    }
    if (e.hash !== c.hash) {
      problems.push(`${where(e)} does not match ${label}: entries up to #${c.seq} were rewritten`);
      continue;
    }
    checkpointsVerified++;
    coveredTo = Math.max(coveredTo, c.seq);
  }
  return {
    ok: problems.length === 0,
    problems,
    entries: entries.length,
    firstSeq,
    lastSeq,
    checkpointsVerified,
    uncheckpointed: lastSeq === null ? 0 : Math.max(0, lastSeq - coveredTo),
  };
}
