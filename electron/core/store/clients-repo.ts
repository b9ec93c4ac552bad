import crypto from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { DB } from './db.ts';

export interface ClientRecord {
  id: number;
  name: string;
  tokenHash: Buffer;
  tokenHint: string;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

interface Row {
  id: number;
  name: string;
  token_hash: Buffer;
  token_hint: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

const fromRow = (r: Row): ClientRecord => ({
  id: r.id,
  name: r.name,
  tokenHash: r.token_hash,
  tokenHint: r.token_hint,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
});

export const TOKEN_PREFIX = 'alk_';

export function hashToken(token: string): Buffer {
  return crypto.createHash('sha256').update(token, 'utf8').digest();
}

/** 32 random bytes (256 bits), base64url, with a prefix that secret scanners and people can recognise. */
export function newToken(): string {
  return TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
}

export const CLIENT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class ClientsRepo {
  private readonly db: DB;
  /** Called after every write, so in-process readers (the live gateway config) refresh. */
  onChange: (() => void) | null = null;
  /** Called after every change with an audit entry (types and names, never values). */
  onAudit: ((type: string, data: Record<string, unknown>) => void) | null = null;
  constructor(db: DB) {
    this.db = db;
  }

  /** Active (not revoked) clients, the set the gateway authenticates against. */
  active(): ClientRecord[] {
    return (this.db.prepare('SELECT * FROM clients WHERE revoked_at IS NULL ORDER BY name').all() as Row[]).map(fromRow);
  }

  list(): ClientRecord[] {
    return (this.db.prepare('SELECT * FROM clients ORDER BY name').all() as Row[]).map(fromRow);
  }

  get(name: string): ClientRecord | undefined {
    const r = this.db.prepare('SELECT * FROM clients WHERE name = ?').get(name) as Row | undefined;
    return r && fromRow(r);
  }

  /** Creates a client and returns its token: the only time the token exists outside the caller's hands. */
  create(name: string): { client: ClientRecord; token: string } {
    if (!CLIENT_NAME_RE.test(name)) {
      throw new Error(`Token name '${name}' is not valid: use letters, digits, '.', '_' or '-' (up to 64 characters).`);
    }
    const existing = this.get(name);
    if (existing && existing.revokedAt === null) throw new Error(`A token named '${name}' already exists. Revoke it first or pick another name.`);
    const token = newToken();
    const tx = this.db.transaction(() => {
      // A revoked name may be reused: the old row goes, its request history keeps the name.
      if (existing) this.db.prepare('DELETE FROM clients WHERE id = ?').run(existing.id);
      this.db
        .prepare('INSERT INTO clients (name, token_hash, token_hint, created_at) VALUES (?, ?, ?, ?)')
        .run(name, hashToken(token), token.slice(-4), Date.now());
    });
    tx.immediate();
    this.onChange?.();
    this.onAudit?.('token.create', { name, replaced_revoked: Boolean(existing) });
    return { client: this.get(name)!, token };
  }

  revoke(name: string): boolean {
    const revoked = this.db.prepare('UPDATE clients SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL').run(Date.now(), name).changes > 0;
    this.onChange?.();
    if (revoked) this.onAudit?.('token.revoke', { name });
    return revoked;
  }

  private touchStmt: Statement<[number, number]> | null = null;

  touch(ids: Iterable<number>, at: number): void {
    this.touchStmt ??= this.db.prepare('UPDATE clients SET last_used_at = ? WHERE id = ?');
    for (const id of ids) this.touchStmt.run(at, id);
  }
}
