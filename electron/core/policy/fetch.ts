/**
 * Downloads the team policy bundle from the trust anchor's bundle_url (or a given URL) and installs it.
 * https only (plain http is accepted for loopback hosts, for local mirrors and tests: the bundle is signed either
 * way); conditional GET with the last ETag; a size cap and a timeout. The app polls with startPolicyPolling.
 */
import { request } from 'undici';
import type { Core } from '../core.ts';
import { MAX_BUNDLE_BYTES } from './bundle.ts';
import { PolicyRefusal } from './refusal.ts';
import type { InstallResult } from './service.ts';

export interface FetchResult {
  url: string;
  notModified: boolean;
  install: InstallResult | null;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function checkBundleUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`'${raw}' is not a URL`);
  }
  if (u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname))) return u;
  throw new Error(`policy bundles are fetched over https only (got ${u.protocol}//${u.host})`);
}

export async function fetchBundle(core: Core, opts: { url?: string; timeoutMs?: number; maxBytes?: number } = {}): Promise<FetchResult> {
  const svc = core.policyService;
  const target = opts.url ?? svc.trust()?.payload.bundle_url;
  if (!target) throw new Error('No URL: pass --url, or set bundle_url in the trust anchor (`airlock policy trust ... --bundle-url URL`).');
  const url = checkBundleUrl(target).toString();
  const maxBytes = opts.maxBytes ?? MAX_BUNDLE_BYTES;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const prev = core.db.prepare('SELECT etag FROM policy_fetch WHERE url = ?').get(url) as { etag: string | null } | undefined;
  const record = (etag: string | null, status: string) =>
    core.db
      .prepare('INSERT INTO policy_fetch (url, etag, checked_at, status) VALUES (?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, checked_at = excluded.checked_at, status = excluded.status')
      .run(url, etag, Date.now(), status);
  const signal = AbortSignal.timeout(timeoutMs);
  let res;
  try {
    res = await request(url, {
      method: 'GET',
      headers: { accept: 'application/json', ...(prev?.etag && svc.bundle() ? { 'if-none-match': prev.etag } : {}) },
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      maxRedirections: 0,
    } as Parameters<typeof request>[1]);
  } catch (err) {
    record(prev?.etag ?? null, `error: ${(err as Error).message}`);
    throw new Error(`Cannot download the team policy from ${url}: ${signal.aborted ? `no answer within ${timeoutMs} ms` : (err as Error).message}`);
  }
  if (res.statusCode === 304) {
    await res.body.dump();
    record(prev?.etag ?? null, 'not-modified');
    return { url, notModified: true, install: null };
  }
  if (res.statusCode !== 200) {
    await res.body.dump();
    record(prev?.etag ?? null, `http ${res.statusCode}`);
    throw new Error(`The policy server answered HTTP ${res.statusCode} for ${url}.`);
  }
  const declared = Number(res.headers['content-length'] ?? NaN);
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = declared > maxBytes;
  if (!tooLarge) {
    for await (const c of res.body) {
      size += (c as Buffer).length;
      if (size > maxBytes) {
        tooLarge = true;
        break;
      }
      chunks.push(c as Buffer);
    }
  }
  if (tooLarge) {
    res.body.destroy();
    const refusal = new PolicyRefusal('too_large', `the bundle at ${url} is larger than ${maxBytes} bytes`);
    core.audit.append('policy.refused', { source: url, code: refusal.code, reason: refusal.message });
    record(prev?.etag ?? null, 'refused: too_large');
    throw refusal;
  }
  const etag = typeof res.headers.etag === 'string' ? res.headers.etag : null;
  try {
    const install = svc.install(Buffer.concat(chunks), url);
    record(etag, install.changed ? 'installed' : 'unchanged');
    return { url, notModified: false, install };
  } catch (err) {
    record(null, `refused: ${(err as PolicyRefusal).code ?? 'error'}`);
    throw err;
  }
}

/** Polls the trust anchor's bundle_url (when there is one) every `intervalMs`. Returns a stop function. */
export function startPolicyPolling(core: Core, intervalMs = 15 * 60_000): () => void {
  let running = false;
  const tick = async () => {
    if (running || !core.db.open || !core.policyService.trust()?.payload.bundle_url) return;
    running = true;
    try {
      await fetchBundle(core);
    } catch (err) {
      console.error(`airlock: team policy poll: ${(err as Error).message}`);
    } finally {
      running = false;
    }
  };
  const first = setTimeout(tick, 1000);
  const timer = setInterval(tick, intervalMs);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
