// Runs `airlock audit verify`'s check (AuditLog.verify) on a worker thread with its own read-only connection, so a
// big log never stalls the gateway's event loop. Started by electron/core/api/governance.ts.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { AuditLog } from '../audit/log.ts';

const { file, dataDir } = workerData as { file: string; dataDir: string };
let db: Database.Database | null = null;
try {
  db = new Database(file, { readonly: true, fileMustExist: true });
  // Never appends, never signs: verify() and latestCheckpoint() only read.
  const log = new AuditLog(db, { dataDir, checkpointIntervalMs: 0 });
  const result = log.verify();
  const cp = log.latestCheckpoint();
  parentPort!.postMessage({ ok: true, result, lastCheckpoint: cp ? { seq: cp.seq, ts: cp.ts, keyid: cp.keyid } : null });
} catch (err) {
  parentPort!.postMessage({ ok: false, error: (err as Error).message });
} finally {
  // Closed before the AuditLog's exit hook runs, so that hook finds nothing to flush or sign.
  db?.close();
}
