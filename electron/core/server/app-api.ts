// Web mode: the built renderer at http://127.0.0.1:PORT/ and the app API under /_airlock/, on the gateway's
// listener, protected like a Jupyter server. A login link (/?token=...) is printed once by `airlock serve`
// (and minted again by `airlock ui-url`); it is exchanged for an HttpOnly SameSite=Strict session cookie.
// Only hashes of login tokens and sessions are stored (settings key 'webui'), so the CLI can mint links for
// a running server and a restart does not sign the browser out.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Core } from '../core.ts';
import type { ExtraHandler } from './gateway.ts';
import type { AppApiService } from '../api/service.ts';
import { errorBody, toApiError } from '../api/service.ts';
import { ApiError, type ApiErrorCode } from '../../../shared/api/errors.ts';
import { GatewayError } from '../util/errors.ts';

export const SESSION_COOKIE = 'airlock_session';
export const LOGIN_TTL_MS = 24 * 3_600_000;
export const SESSION_TTL_MS = 30 * 24 * 3_600_000;
const API_BODY_MAX = 1024 * 1024;
const WEBUI_KEY = 'webui';

/** The Content-Security-Policy of every page the UI serves: no inline script, no eval, same-origin only. */
export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': UI_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

// ---------------------------------------------------------------------------------------------------------
// Login tokens and sessions (hashed at rest)

interface Entry {
  h: string;
  exp: number;
}
interface WebUiState {
  logins?: Entry[];
  sessions?: Entry[];
}

const sha = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest('hex');

function eqHex(a: string, b: string): boolean {
  return a.length === b.length && crypto.timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

function updateState<T>(core: Core, fn: (s: WebUiState, now: number) => T): T {
  const tx = core.db.transaction(() => {
    const now = Date.now();
    const s = core.settings.get<WebUiState>(WEBUI_KEY, {});
    s.logins = (s.logins ?? []).filter((e) => e.exp > now);
    s.sessions = (s.sessions ?? []).filter((e) => e.exp > now);
    const r = fn(s, now);
    // Login links and sessions are bookkeeping, not a settings change: no settings.change entry (a sign-in is
    // audited once, as webui.login).
    core.settings.set(WEBUI_KEY, s, null);
    return r;
  });
  return tx.immediate();
}

/** Creates a single-use login token valid for 24 h and stores its hash. Returns the token. */
export function mintLoginToken(core: Core): string {
  const token = crypto.randomBytes(32).toString('base64url');
  updateState(core, (s, now) => {
    s.logins!.push({ h: sha(token), exp: now + LOGIN_TTL_MS });
    s.logins = s.logins!.slice(-20);
  });
  return token;
}

export function loginUrl(port: number, token: string): string {
  return `http://127.0.0.1:${port}/?token=${token}`;
}

/** Spends a login token: true (and it is gone) when it was valid. */
export function consumeLoginToken(core: Core, token: string): boolean {
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(token)) return false;
  const h = sha(token);
  return updateState(core, (s) => {
    const i = s.logins!.findIndex((e) => eqHex(e.h, h));
    if (i < 0) return false;
    s.logins!.splice(i, 1);
    return true;
  });
}

function createSession(core: Core): string {
  const sid = crypto.randomBytes(32).toString('base64url');
  updateState(core, (s, now) => {
    s.sessions!.push({ h: sha(sid), exp: now + SESSION_TTL_MS });
    s.sessions = s.sessions!.slice(-50);
  });
  return sid;
}

function sessionValid(core: Core, sid: string | null): boolean {
  if (!sid || !/^[A-Za-z0-9_-]{16,128}$/.test(sid)) return false;
  const h = sha(sid);
  const now = Date.now();
  const s = core.settings.get<WebUiState>(WEBUI_KEY, {});
  let ok = false;
  for (const e of s.sessions ?? []) if (eqHex(e.h, h) && e.exp > now) ok = true;
  return ok;
}

function endSession(core: Core, sid: string | null): void {
  if (!sid) return;
  const h = sha(sid);
  updateState(core, (s) => {
    s.sessions = s.sessions!.filter((e) => !eqHex(e.h, h));
  });
}

function cookieOf(req: IncomingMessage): string | null {
  const raw = req.headers.cookie;
  if (!raw) return null;
  for (const part of raw.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) return v.join('=') || null;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// Guards the gateway applies to UI requests before anything else

/** Requests the UI serves: everything under /_airlock/, and GET/HEAD of anything outside the gateway API. */
export function isUiRequest(method: string | undefined, pathname: string): boolean {
  if (pathname.startsWith('/_airlock/')) return true;
  if (method !== 'GET' && method !== 'HEAD') return false;
  return !(pathname === '/v1' || pathname.startsWith('/v1/') || pathname === '/healthz');
}

/**
 * UI requests may come from the UI itself and nowhere else: an Origin, when sent, must be exactly one of
 * the server's own loopback origins; a browser that says the request is cross-site is refused too.
 */
export function checkUiOrigin(req: IncomingMessage, hosts: Set<string>): void {
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  const own = origin !== undefined && origin.startsWith('http://') && hosts.has(origin.slice('http://'.length).toLowerCase());
  if ((origin !== undefined && !own) || site === 'cross-site') {
    throw new GatewayError(403, 'permission_error', `Origin '${origin ?? site}' may not use the Airlock UI. Open it from the link \`airlock serve\` printed.`, {
      code: 'origin_not_allowed',
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// The handler

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

const STATUS: Record<ApiErrorCode, number> = {
  invalid_input: 400,
  unknown_method: 404,
  not_found: 404,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  not_supported: 501,
  unavailable: 503,
  invalid_output: 500,
  internal: 500,
};

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const buf = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': buf.length, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  res.end(buf);
}

function sendApiError(res: ServerResponse, err: ApiError): void {
  sendJson(res, STATUS[err.code] ?? 500, errorBody(err));
}

function htmlPage(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1><p>${body}</p></main></body></html>`;
}

export function defaultStaticDir(): string {
  return process.env.AIRLOCK_UI_DIR ?? path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../out/renderer');
}

export interface WebUi {
  handler: ExtraHandler;
  /** Mints a fresh single-use login link for this server. */
  loginUrl(port: number): string;
  /** Ends open event streams. */
  close(): void;
}

export function createWebUi(core: Core, api: AppApiService, opts: { staticDir?: string } = {}): WebUi {
  const root = path.resolve(opts.staticDir ?? defaultStaticDir());
  const streams = new Set<ServerResponse>();

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      rel = '\0';
    }
    if (rel === '/' || rel === '/index.html') rel = '/index.html';
    const file = path.resolve(root, '.' + rel);
    const inside = file.startsWith(root + path.sep) && !rel.includes('\0') && !rel.split('/').some((seg) => seg.startsWith('.'));
    let data: Buffer | null = null;
    if (inside) {
      try {
        data = await fs.promises.readFile(file);
      } catch {
        data = null;
      }
    }
    const isIndex = rel === '/index.html';
    if (!data && isIndex) {
      const page = htmlPage('Airlock UI is not built', 'Build it with <code>npm run build:renderer</code>, then reload. The gateway itself is running.');
      res.writeHead(503, { ...SECURITY_HEADERS, 'content-type': MIME['.html']!, 'cache-control': 'no-store' }).end(page);
      return;
    }
    if (!data) {
      res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': MIME['.txt']!, 'cache-control': 'no-store' }).end('Not found');
      return;
    }
    const type = MIME[path.extname(file)] ?? 'application/octet-stream';
    // Vite names assets by content hash: cache them for good; never cache the page that points at them.
    const cache = rel.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-store';
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': data.length, 'cache-control': cache });
    res.end(req.method === 'HEAD' ? undefined : data);
  }

  function login(res: ServerResponse, token: string): void {
    if (!consumeLoginToken(core, token)) {
      const page = htmlPage(
        'This login link has expired or was already used',
        'Each link signs in one browser once. Run <code>airlock ui-url</code> for a fresh link.',
      );
      res.writeHead(403, { ...SECURITY_HEADERS, 'content-type': MIME['.html']!, 'cache-control': 'no-store' }).end(page);
      return;
    }
    const sid = createSession(core);
    core.audit.append('webui.login', {});
    res.writeHead(302, {
      ...SECURITY_HEADERS,
      // The token leaves the address bar (and history) at once.
      location: '/',
      'cache-control': 'no-store',
      'set-cookie': `${SESSION_COOKIE}=${sid}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(SESSION_TTL_MS / 1000)}`,
    });
    res.end();
  }

  async function readJsonBody(req: IncomingMessage): Promise<unknown> {
    const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (ct !== 'application/json') throw new ApiError('invalid_input', `Content-Type must be application/json (got '${ct || 'none'}').`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > API_BODY_MAX) throw new ApiError('invalid_input', `Request body is larger than ${API_BODY_MAX} bytes.`);
      chunks.push(c as Buffer);
    }
    if (size === 0) return {};
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new ApiError('invalid_input', 'The request body is not valid JSON.');
    }
  }

  function events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', connection: 'keep-alive' });
    res.write('retry: 3000\n\n');
    streams.add(res);
    const unsubscribe = api.subscribe((e) => res.write(`data: ${JSON.stringify(e)}\n\n`));
    const ping = setInterval(() => res.write(': ping\n\n'), 20_000);
    ping.unref();
    const done = () => {
      clearInterval(ping);
      unsubscribe();
      streams.delete(res);
    };
    req.on('close', done);
    res.on('close', done);
  }

  const handler: ExtraHandler = async (req, res, url) => {
    const p = url.pathname;
    if (!p.startsWith('/_airlock/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      const token = url.searchParams.get('token');
      if (token !== null && (p === '/' || p === '/index.html')) {
        login(res, token);
        return true;
      }
      await serveStatic(req, res, p);
      return true;
    }
    const sid = cookieOf(req);
    if (p === '/_airlock/session' && req.method === 'GET') {
      sendJson(res, 200, { authenticated: sessionValid(core, sid) });
      return true;
    }
    if (!sessionValid(core, sid)) {
      sendApiError(res, new ApiError('unauthorized', 'Not signed in. Open the login link `airlock serve` printed, or run `airlock ui-url` for a fresh one.'));
      return true;
    }
    if (p === '/_airlock/events' && req.method === 'GET') {
      events(req, res);
      return true;
    }
    if (p === '/_airlock/logout' && req.method === 'POST') {
      endSession(core, sid);
      sendJson(res, 200, { ok: true }, { 'set-cookie': `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0` });
      return true;
    }
    if (p.startsWith('/_airlock/api/')) {
      if (req.method !== 'POST') {
        sendJson(res, 405, errorBody(new ApiError('invalid_input', 'App API methods are called with POST.')), { allow: 'POST' });
        return true;
      }
      try {
        const input = await readJsonBody(req);
        const out = await api.call(decodeURIComponent(p.slice('/_airlock/api/'.length)), input);
        sendJson(res, 200, out);
      } catch (err) {
        sendApiError(res, toApiError(err));
      }
      return true;
    }
    sendApiError(res, new ApiError('not_found', `Unknown UI endpoint ${req.method} ${p}.`));
    return true;
  };

  return {
    handler,
    loginUrl: (port) => loginUrl(port, mintLoginToken(core)),
    close() {
      for (const s of streams) s.end();
      streams.clear();
    },
  };
}
