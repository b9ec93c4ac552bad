import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startHarness, type Harness } from '../testing/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

/** A raw HTTP request, so tests control Host, Origin and Content-Type exactly (fetch would not let them). */
function raw(opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: h.gateway.port, method: opts.method ?? 'POST', path: opts.path ?? '/v1/chat/completions', headers: opts.headers, setHost: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const chatBody = JSON.stringify({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
const good = () => ({ host: `127.0.0.1:${h.gateway.port}`, 'content-type': 'application/json', authorization: `Bearer ${h.token}` });

test('binds to 127.0.0.1 only', () => {
  const addr = h.gateway.server.address() as { address: string };
  assert.equal(addr.address, '127.0.0.1');
});

test('Host must be exactly a loopback name with our port', async () => {
  for (const host of [`127.0.0.1:${h.gateway.port}`, `localhost:${h.gateway.port}`, `[::1]:${h.gateway.port}`]) {
    const r = await raw({ headers: { ...good(), host }, body: chatBody });
    assert.equal(r.status, 200, host);
  }
  for (const host of ['evil.example', `evil.example:${h.gateway.port}`, `localhost6:${h.gateway.port}`, `0.0.0.0:${h.gateway.port}`, '127.0.0.1', `127.0.0.1:${h.gateway.port + 1}`, `127.0.0.1.nip.io:${h.gateway.port}`]) {
    const before = h.mock.requests.length;
    const r = await raw({ headers: { ...good(), host }, body: chatBody });
    assert.equal(r.status, 403, host);
    assert.equal(JSON.parse(r.body).error.code, 'host_not_allowed');
    assert.equal(h.mock.requests.length, before, 'nothing reaches the provider');
  }
  // Node's HTTP parser itself refuses HTTP/1.1 without Host (400) before our guard runs.
  const r = await raw({ method: 'GET', path: '/v1/models', headers: { authorization: `Bearer ${h.token}` } });
  assert.ok(r.status === 400 || r.status === 403, `a missing Host is refused (got ${r.status})`);
});

test('an Origin off the allow-list (empty by default), and Origin: null, get 403 and no CORS headers', async () => {
  for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${h.gateway.port}`]) {
    const r = await raw({ headers: { ...good(), origin }, body: chatBody });
    assert.equal(r.status, 403, origin);
    assert.equal(r.headers['access-control-allow-origin'], undefined);
  }
  const pre = await raw({ method: 'OPTIONS', headers: { host: good().host, origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
  assert.equal(pre.status, 403);
  assert.equal(pre.headers['access-control-allow-origin'], undefined);
  const plain = await raw({ headers: good(), body: chatBody });
  assert.equal(plain.headers['access-control-allow-origin'], undefined, 'no CORS headers unless configured');
});

test('a configured CORS origin is allowed, with preflight', async () => {
  h.core.settings.set('gateway', { corsOrigins: ['https://app.example'] });
  try {
    const pre = await raw({ method: 'OPTIONS', headers: { host: good().host, origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example');
    const r = await raw({ headers: { ...good(), origin: 'https://app.example' }, body: chatBody });
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], 'https://app.example');
    const other = await raw({ headers: { ...good(), origin: 'https://other.example' }, body: chatBody });
    assert.equal(other.status, 403);
  } finally {
    h.core.settings.set('gateway', {});
  }
});

test('POST requires Content-Type: application/json (415)', async () => {
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    const r = await raw({ headers: { ...good(), 'content-type': ct }, body: chatBody });
    assert.equal(r.status, 415, ct);
    assert.equal(JSON.parse(r.body).error.code, 'unsupported_media_type');
  }
  const { 'content-type': _drop, ...noCt } = good();
  assert.equal((await raw({ headers: noCt, body: chatBody })).status, 415);
  assert.equal((await raw({ headers: { ...good(), 'content-type': 'application/json; charset=utf-8' }, body: chatBody })).status, 200);
});

test('missing, wrong or revoked tokens get 401; both Bearer and x-api-key work', async () => {
  const { authorization: _a, ...noAuth } = good();
  const missing = await raw({ headers: noAuth, body: chatBody });
  assert.equal(missing.status, 401);
  assert.match(JSON.parse(missing.body).error.message, /token/);
  assert.equal((await raw({ headers: { ...good(), authorization: 'Bearer alk_wrong' }, body: chatBody })).status, 401);
  assert.equal((await raw({ headers: { ...good(), authorization: `Bearer ${h.token}x` }, body: chatBody })).status, 401);
  assert.equal((await raw({ headers: { ...noAuth, 'x-api-key': h.token }, body: chatBody })).status, 200);
  const { token } = h.core.clients.create('short-lived');
  assert.equal((await raw({ headers: { ...good(), authorization: `Bearer ${token}` }, body: chatBody })).status, 200);
  h.core.clients.revoke('short-lived');
  assert.equal((await raw({ headers: { ...good(), authorization: `Bearer ${token}` }, body: chatBody })).status, 401);
  assert.equal((await raw({ method: 'GET', path: '/v1/models', headers: { host: good().host } })).status, 401);
});

test('bodies over the cap get 413, by Content-Length and by streamed size', async () => {
  h.core.settings.set('gateway', { maxBodyBytes: 1024 });
  try {
    const big = JSON.stringify({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(5000) }] });
    const before = h.mock.requests.length;
    const r = await raw({ headers: good(), body: big });
    assert.equal(r.status, 413);
    assert.equal(JSON.parse(r.body).error.code, 'request_too_large');
    // Chunked, so no Content-Length to check up front.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: h.gateway.port, method: 'POST', path: '/v1/chat/completions', headers: { ...good(), 'transfer-encoding': 'chunked' }, setHost: false }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      for (let i = 0; i < 5; i++) req.write('x'.repeat(1000));
      req.end();
    });
    assert.equal(chunked, 413);
    assert.equal(h.mock.requests.length, before);
  } finally {
    h.core.settings.set('gateway', {});
  }
});

test('the default body cap is 32 MiB', () => {
  assert.equal(h.core.live.refresh().gateway.maxBodyBytes, 32 * 1024 * 1024);
});

test('the client cannot choose the upstream: absolute URLs and odd paths are not proxied', async () => {
  const before = h.mock.requests.length;
  const r = await raw({ path: 'http://evil.example/v1/chat/completions', headers: good(), body: chatBody });
  assert.equal(r.status, 404);
  const r2 = await raw({ path: '/v1/../admin', headers: good(), body: chatBody });
  assert.equal(r2.status, 404);
  assert.equal(h.mock.requests.length, before);
});
