import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../util/errors.ts';

export interface GatewayLock {
  readonly file: string;
  update(info: Record<string, unknown>): void;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One gateway per data directory: a lock file holding the owner's pid. A stale lock (its process is gone)
 * is taken over; a live one is refused with a message that says who holds it.
 */
export function acquireGatewayLock(dataDir: string): GatewayLock {
  const file = path.join(dataDir, 'gateway.lock');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
      fs.closeSync(fd);
      let released = false;
      return {
        file,
        update(info) {
          fs.writeFileSync(file, JSON.stringify({ pid: process.pid, ...info }));
        },
        release() {
          if (released) return;
          released = true;
          try {
            const held = JSON.parse(fs.readFileSync(file, 'utf8'));
            if (held.pid === process.pid) fs.unlinkSync(file);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let held: { pid?: number; port?: number } = {};
      try {
        held = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch {
        /* unreadable lock: treat as stale */
      }
      if (held.pid && held.pid !== process.pid && alive(held.pid)) {
        throw new UserError(
          `Another Airlock gateway is already running on ${dataDir} (pid ${held.pid}${held.port ? `, port ${held.port}` : ''}). ` +
            'Stop it first, or start this one with a different --data-dir.',
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new UserError(`Could not take the gateway lock at ${file}.`);
}

/** Reads who holds the lock, if anyone alive does. */
export function readGatewayLock(dataDir: string): { pid: number; port?: number } | null {
  try {
    const held = JSON.parse(fs.readFileSync(path.join(dataDir, 'gateway.lock'), 'utf8'));
    return held.pid && alive(held.pid) ? held : null;
  } catch {
    return null;
  }
}
