import type { Core } from '../core.ts';
import { toRuntime, type ProviderRuntime } from '../providers/registry.ts';
import { agentFor } from '../providers/http.ts';
import { extractUpstreamError, upstreamNetworkError } from '../providers/upstream-errors.ts';
import { redactSecrets } from '../util/redact.ts';
import { UserError } from '../util/errors.ts';
import { KeysRepo, type KeyRecord } from './keys-repo.ts';
import { SecretStoreUnavailableError, keyAccount, type SecretStore } from './secret-store.ts';

/** One stored provider key as every surface (CLI, desktop UI) sees it: metadata only, never the key. */
export interface KeyInfo {
  providerId: string;
  label: string;
  /** The key's last 4 characters ('' for keys too short to hint safely). */
  hint: string;
  active: boolean;
  createdAt: number;
}

export type KeyTestResult = {
  status: 'works' | 'rejected' | 'unreachable' | 'no-key' | 'keychain-unavailable';
  /** A sentence for a person, with the provider's own message where it gave one; never key bytes. */
  message: string;
};

export const DEFAULT_LABEL = 'default';
const LABEL_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;
/** How long a key read from the keychain is reused in memory before the keychain is asked again. */
const CACHE_TTL_MS = 60_000;

/** Echoes a word a person typed only when it cannot be a pasted key. */
function shown(word: string): string {
  return word.length > 40 ? '[redacted]' : redactSecrets(word);
}

/** Throws a UserError unless `label` is a plain name (it becomes part of the keychain item's name). */
export function checkLabel(label: string): string {
  if (!LABEL_RE.test(label)) {
    throw new UserError(`Key label '${shown(label)}' is not valid: use up to 40 letters, digits, '.', '_' or '-' (e.g. personal, team).`, 2);
  }
  return label;
}

/** Trims the newline a pasted or piped key usually ends with, and refuses what cannot be a key. Never echoes it. */
export function cleanSecret(raw: string): string {
  const s = raw.replace(/^\uFEFF/, '').trim();
  if (!s) throw new UserError('No key given: pipe or paste the key on standard input (e.g. `airlock key set openai < key.txt`).', 2);
  if (/[\s\x00-\x1f\x7f]/.test(s)) throw new UserError('The key contains spaces, line breaks or control characters; provide exactly one key.', 2);
  if (s.length > 4096) throw new UserError('The key is longer than 4096 characters; provide exactly one key.', 2);
  return s;
}

export function hintOf(secret: string): string {
  return secret.length >= 8 ? secret.slice(-4) : '';
}

const info = (r: KeyRecord): KeyInfo => ({ providerId: r.providerId, label: r.label, hint: r.hint, active: r.active, createdAt: r.createdAt });

function asUnavailable(err: unknown): SecretStoreUnavailableError | null {
  return err instanceof SecretStoreUnavailableError ? err : null;
}

/**
 * Provider keys: bytes in the OS keychain (one item per key, service `Airlock`), metadata in SQLite.
 * Used by the gateway at request time (activeKey), by the CLI (`airlock key`) and by the desktop app.
 *
 * Rotation never opens a window where requests fail: a new value is always written to the keychain first,
 * and only then does the SQLite pointer (active label, hint) change. Replacing the value of a label rewrites
 * its keychain item in place (atomic in every OS store), so readers see either the old or the new key.
 */
export class KeyService {
  private readonly core: Core;
  readonly repo: KeysRepo;
  private readonly cache = new Map<string, { label: string; updatedAt: number; secret: string; at: number }>();
  private readonly pending = new Map<string, Promise<string | null>>();

  constructor(core: Core) {
    this.core = core;
    this.repo = new KeysRepo(core.db);
  }

  private store(): SecretStore {
    if (!this.core.secrets) throw new SecretStoreUnavailableError('no keychain adapter is available in this process');
    return this.core.secrets;
  }

  private provider(providerId: string) {
    const rec = this.core.providers.get(providerId);
    if (!rec) throw new UserError(`No provider named '${shown(providerId)}'. Add it first with \`airlock provider add <id> ...\`; see \`airlock provider list\`.`);
    return rec;
  }

  /** Forgets keys held in memory (after a lock, or in tests). */
  invalidate(): void {
    this.cache.clear();
  }

  async list(providerId?: string): Promise<KeyInfo[]> {
    return this.repo.list(providerId).map(info);
  }

  /**
   * Stores a key under a label (default 'default'). It becomes active when asked (`activate`), when the provider
   * has no active key yet, or when it replaces the value of the active label (rotation in place).
   */
  async set(providerId: string, secret: string, opts: { label?: string; activate?: boolean } = {}): Promise<KeyInfo> {
    this.provider(providerId);
    const label = checkLabel(opts.label ?? DEFAULT_LABEL);
    const value = cleanSecret(secret);
    const current = this.repo.active(providerId);
    const activate = opts.activate ?? (!current || current.label === label);
    // The keychain item first: the pointer in SQLite only ever names an item that already holds its key.
    await this.store().set(keyAccount(providerId, label), value);
    const rec = this.repo.upsert(providerId, label, hintOf(value), activate);
    this.cache.delete(providerId);
    this.core.audit.append('key.set', { provider: providerId, label, active: rec.active });
    return info(rec);
  }

  /** Switches which stored key the provider uses. The key must still be in the keychain. */
  async use(providerId: string, label: string): Promise<void> {
    this.provider(providerId);
    checkLabel(label);
    const rec = this.repo.get(providerId, label);
    if (!rec) {
      const labels = this.repo.list(providerId).map((k) => k.label);
      throw new UserError(
        labels.length
          ? `Provider '${providerId}' has no key labelled '${label}'. Its keys: ${labels.join(', ')}.`
          : `Provider '${providerId}' has no stored keys. Store one with \`airlock key set ${providerId} --label ${label}\`.`,
      );
    }
    const v = await this.store().get(keyAccount(providerId, label));
    if (!v) throw new UserError(`The keychain no longer holds the key '${label}' of provider '${providerId}'. Store it again with \`airlock key set ${providerId} --label ${label}\`.`);
    this.repo.activate(providerId, label);
    this.cache.delete(providerId);
    this.core.audit.append('key.use', { provider: providerId, label });
  }

  /**
   * Removes one labelled key, or every key of the provider when no label is given: the keychain item first
   * (so a locked keychain leaves everything as it was), then its metadata. False when there was nothing to remove.
   */
  async remove(providerId: string, label?: string): Promise<boolean> {
    if (label !== undefined) checkLabel(label);
    const recs = label === undefined ? this.repo.list(providerId) : [this.repo.get(providerId, label)].filter((r): r is KeyRecord => !!r);
    let any = false;
    for (const r of recs) {
      await this.store().delete(keyAccount(providerId, r.label));
      any = this.repo.remove(providerId, r.label) || any;
      this.core.audit.append('key.remove', { provider: providerId, label: r.label });
    }
    // An item without metadata (e.g. the metadata was lost) still goes when its label is named.
    if (label !== undefined && recs.length === 0) any = (await this.store().delete(keyAccount(providerId, label))) || any;
    this.cache.delete(providerId);
    return any;
  }

  /**
   * The key the gateway sends to a provider right now: its active keychain key (from memory when read in the
   * last minute and unchanged since), or null when it has none stored. Throws SecretStoreUnavailableError.
   */
  async activeKey(providerId: string): Promise<{ label: string; secret: string } | null> {
    const rec = this.repo.active(providerId);
    if (!rec) return null;
    const hit = this.cache.get(providerId);
    const now = Date.now();
    if (hit && hit.label === rec.label && hit.updatedAt === rec.updatedAt && now - hit.at < CACHE_TTL_MS) return { label: rec.label, secret: hit.secret };
    const flight = `${providerId}\n${rec.label}\n${rec.updatedAt}`;
    let p = this.pending.get(flight);
    if (!p) {
      p = this.store().get(keyAccount(providerId, rec.label));
      this.pending.set(flight, p);
      p.then(
        () => this.pending.delete(flight),
        () => this.pending.delete(flight),
      );
    }
    const secret = await p;
    if (secret === null) {
      this.cache.delete(providerId);
      throw new KeyMissingError(providerId, rec.label);
    }
    this.cache.set(providerId, { label: rec.label, updatedAt: rec.updatedAt, secret, at: now });
    return { label: rec.label, secret };
  }

  /** How a provider gets its key, for listings: 'env VAR', 'keychain …abcd', 'missing', 'not needed (local)', 'keychain unavailable: …'. */
  async describe(providerId: string): Promise<string> {
    const rec = this.core.providers.get(providerId);
    if (rec?.keyEnv) return `env ${rec.keyEnv}`;
    const active = this.repo.active(providerId);
    if (active) {
      try {
        const v = await this.store().get(keyAccount(providerId, active.label));
        if (v === null) return 'missing';
        const hint = hintOf(v);
        const labelled = this.repo.list(providerId).length > 1 || active.label !== DEFAULT_LABEL ? ` (${active.label})` : '';
        return `keychain ${hint ? `…${hint}` : '(short key)'}${labelled}`;
      } catch (err) {
        const u = asUnavailable(err);
        if (u) return `keychain unavailable: ${u.reason}`;
        throw err;
      }
    }
    if (rec && toRuntime(rec).local) return 'not needed (local)';
    return 'missing';
  }

  /**
   * A cheap authenticated call with the key the gateway would use (GET {base}/models): works, rejected (401/403,
   * with the provider's message), or unreachable. Key bytes are redacted from every message.
   */
  async test(providerId: string): Promise<KeyTestResult> {
    const rec = this.provider(providerId);
    const p = toRuntime(rec);
    let key: string | null = null;
    if (rec.keyEnv) {
      key = this.core.env[rec.keyEnv] || null;
      if (!key) return { status: 'no-key', message: `Provider '${providerId}' takes its key from the environment variable ${rec.keyEnv}, which is not set here.` };
    } else {
      try {
        key = (await this.activeKey(providerId))?.secret ?? null;
      } catch (err) {
        const u = asUnavailable(err);
        if (u) return { status: 'keychain-unavailable', message: u.message };
        if (err instanceof KeyMissingError) return { status: 'no-key', message: err.message };
        throw err;
      }
      if (!key && !p.local) return { status: 'no-key', message: `Provider '${providerId}' has no key. Store one with \`airlock key set ${providerId}\`.` };
    }
    const secrets = key ? [key] : [];
    const timeouts = { connectMs: 5_000, firstByteMs: 15_000, idleMs: 15_000 };
    let status: number;
    let text: string;
    try {
      const r = await agentFor(timeouts).request({ origin: p.origin, path: p.basePath + '/models', method: 'GET', headers: authHeaders(p, key) });
      status = r.statusCode;
      text = await r.body.text();
    } catch (err) {
      return { status: 'unreachable', message: redactSecrets(upstreamNetworkError(providerId, p.origin, err, timeouts).message, secrets) };
    }
    const via = rec.keyEnv ? `env ${rec.keyEnv}` : key ? `keychain …${hintOf(key)}` : 'no key';
    if (status >= 200 && status < 300) return { status: 'works', message: `Provider '${providerId}' accepted the key (${via}).` };
    const said = redactSecrets(extractUpstreamError(text).message ?? `HTTP ${status} with no error message`, secrets);
    if (status === 401 || status === 403) return { status: 'rejected', message: `Provider '${providerId}' rejected the key (${via}): HTTP ${status}: ${said}` };
    return { status: 'unreachable', message: `Provider '${providerId}' did not confirm the key: HTTP ${status}: ${said}` };
  }
}

function authHeaders(p: ProviderRuntime, key: string | null): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json', 'user-agent': 'Airlock-Gateway' };
  if (!key) return h;
  if (p.record.type === 'anthropic') {
    h['x-api-key'] = key;
    h['anthropic-version'] = '2023-06-01';
  } else if (p.record.type === 'gemini') h['x-goog-api-key'] = key;
  else h.authorization = `Bearer ${key}`;
  return h;
}

/** SQLite names an active key whose keychain item is gone (deleted outside Airlock). */
export class KeyMissingError extends Error {
  constructor(providerId: string, label: string) {
    super(
      `Provider '${providerId}' should use its key '${label}', but the keychain no longer holds it. Store it again with \`airlock key set ${providerId} --label ${label}\`.`,
    );
    this.name = 'KeyMissingError';
  }
}
