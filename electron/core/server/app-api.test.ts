// Web-mode security against the real `airlock serve` process: the login link it prints once, the cookie it
// is exchanged for, Host and Origin checks, the CSP of the served page, and `airlock ui-url`.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { tempDataDir } from '../testing/harness.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const cli = path.join(root, 'electron/cli/main.ts');

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, p: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: opts.method ?? 'GET', headers: { host: `127.0.0.1:${port}`, ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      // SSE never ends: take what the first chunk says.
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        res.once('data', (c: Buffer) => {
          resolve({ status: res.statusCode!, headers: res.headers, body: c.toString() });
          req.destroy();
        });
        return;
      }
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function startServe(dataDir: string): Promise<{ child: ChildProcess; port: number; link: string; out: string[] }> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AIRLOCK_PORT: '' } });
  const out: string[] = [];
  let buf = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not start: ${buf}`)), 20_000);
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes('Data directory:')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${buf}`)));
  });
  out.push(...buf.split('\n'));
  const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)\/v1/.exec(buf)![1]);
  const link = /Airlock UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(buf)![1]!;
  return { child, port, link, out };
}

test('web mode: login link once, cookie exchange, 401 without it, Host/Origin guards, CSP, ui-url', async (t) => {
  const dataDir = tempDataDir('airlock-webui-');
  const { child, port, link, out } = await startServe(dataDir);
  t.after(() => {
    child.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const own = `http://127.0.0.1:${port}`;
  assert.equal(out.filter((l) => l.includes('?token=')).length, 1, 'the login link is printed once');
  const json = { 'content-type': 'application/json' };

  // No cookie: the API and the event stream answer 401; the session probe says so.
  const noCookie = await request(port, '/_airlock/api/app.info', { method: 'POST', headers: json, body: '{}' });
  assert.equal(noCookie.status, 401);
  assert.equal(JSON.parse(noCookie.body).error.code, 'unauthorized');
  assert.equal((await request(port, '/_airlock/events')).status, 401);
  assert.deepEqual(JSON.parse((await request(port, '/_airlock/session')).body), { authenticated: false });
  const forged = await request(port, '/_airlock/api/app.info', { method: 'POST', headers: { ...json, cookie: 'airlock_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, body: '{}' });
  assert.equal(forged.status, 401);

  // The link: exchanged once for an HttpOnly SameSite=Strict cookie, and the token leaves the URL.
  const tokenPath = new URL(link).pathname + new URL(link).search;
  const login = await request(port, tokenPath);
  assert.equal(login.status, 302);
  assert.equal(login.headers.location, '/');
  const setCookie = String(login.headers['set-cookie']);
  assert.match(setCookie, /^airlock_session=[A-Za-z0-9_-]{40,};/);
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  assert.equal((await request(port, tokenPath)).status, 403, 'a login link works once');
  assert.equal((await request(port, '/?token=not-a-real-token-at-all')).status, 403);
  const cookie = setCookie.split(';')[0]!;

  // With the cookie, from the UI's own origin: the API answers.
  const info = await request(port, '/_airlock/api/app.info', { method: 'POST', headers: { ...json, cookie, origin: own }, body: '{}' });
  assert.equal(info.status, 200);
  assert.equal(JSON.parse(info.body).mode, 'web');
  assert.equal(JSON.parse(info.body).gateway.port, port);
  assert.equal(info.headers['access-control-allow-origin'], undefined, 'no CORS headers for the UI');
  const bad = await request(port, '/_airlock/api/tokens.create', { method: 'POST', headers: { ...json, cookie }, body: '{"name":"has space"}' });
  assert.equal(bad.status, 400);
  assert.equal(JSON.parse(bad.body).error.code, 'invalid_input');
  assert.equal((await request(port, '/_airlock/api/nope', { method: 'POST', headers: { ...json, cookie }, body: '{}' })).status, 404);
  assert.equal((await request(port, '/_airlock/api/app.info', { headers: { cookie } })).status, 405);
  assert.equal((await request(port, '/_airlock/api/app.info', { method: 'POST', headers: { cookie, 'content-type': 'text/plain' }, body: '{}' })).status, 400);
  const sse = await request(port, '/_airlock/events', { headers: { cookie } });
  assert.equal(sse.status, 200);
  assert.match(sse.body, /^retry: \d+/);

  // Host and Origin: only the server's own loopback names and origins, even with a valid cookie.
  const hostile: Record<string, string>[] = [
    { host: `evil.example:${port}` },
    { host: `localhost6:${port}` },
    { origin: 'http://evil.example' },
    { origin: 'null' },
    { origin: `http://127.0.0.1:${port + 1}` },
    { origin: `https://127.0.0.1:${port}` },
    { 'sec-fetch-site': 'cross-site' },
  ];
  for (const h of hostile) {
    const r = await request(port, '/_airlock/api/app.info', { method: 'POST', headers: { ...json, cookie, ...h }, body: '{}' });
    assert.equal(r.status, 403, JSON.stringify(h));
    assert.equal((await request(port, '/', { headers: h })).status, 403, `page with ${JSON.stringify(h)}`);
  }
  for (const o of [`http://localhost:${port}`, `http://[::1]:${port}`]) {
    assert.equal((await request(port, '/_airlock/api/gateway.status', { method: 'POST', headers: { ...json, cookie, origin: o }, body: '{}' })).status, 200, o);
  }
  // The gateway API keeps its own rules: a browser origin is still refused there.
  assert.equal((await request(port, '/v1/models', { headers: { origin: own } })).status, 403);
  assert.equal((await request(port, '/v1/models')).status, 401);

  // The page: strict CSP, no inline script; no path traversal out of the build directory.
  const page = await request(port, '/');
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  if (page.status === 200) {
    assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline <script>');
    assert.doesNotMatch(page.body, /\son[a-z]+=/i, 'no inline event handlers');
  } else assert.equal(page.status, 503, 'renderer not built: a page that says how to build it');
  for (const p of ['/%2e%2e/package.json', '/..%2fpackage.json', '/assets/..%2f..%2fpackage.json', '/.env']) {
    const r = await request(port, p);
    assert.equal(r.status, 404, p);
    assert.doesNotMatch(r.body, /"name": "airlock"/);
  }

  // `airlock ui-url` mints a fresh link for this running server.
  const r = spawnSync(process.execPath, [cli, 'ui-url', '--data-dir', dataDir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const fresh = r.stdout.trim();
  assert.match(fresh, new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?token=[A-Za-z0-9_-]{40,}$`));
  const second = await request(port, new URL(fresh).pathname + new URL(fresh).search);
  assert.equal(second.status, 302);

  // Logging out ends the session.
  const out2 = await request(port, '/_airlock/logout', { method: 'POST', headers: { cookie, origin: own } });
  assert.equal(out2.status, 200);
  assert.equal((await request(port, '/_airlock/api/app.info', { method: 'POST', headers: { ...json, cookie }, body: '{}' })).status, 401);

  // Nothing secret at rest: the settings row holds hashes only.
  const db = fs.readFileSync(path.join(dataDir, 'airlock.db'));
  assert.ok(!db.includes(new URL(fresh).searchParams.get('token')!), 'login tokens are stored hashed');
  assert.ok(!db.includes(cookie.split('=')[1]!), 'sessions are stored hashed');
});

test('ui-url without a running server says how to start one', () => {
  const dataDir = tempDataDir('airlock-webui-');
  try {
    const r = spawnSync(process.execPath, [cli, 'ui-url', '--data-dir', dataDir], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /No Airlock server is running on .*`airlock serve`/);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
