import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { sseEvents, wireBytes, wireJson } from './fixtures.ts';

/**
 * A mock AI provider on loopback that replays the real wire transcripts in testdata/wire. It is the only
 * mocked part of integration tests: everything between the client SDK and this server is real.
 */
export type Scenario =
  /** A JSON body from a fixture (`*.http.json` files carry their own status and headers). */
  | { kind: 'json'; file: string; status?: number; headers?: Record<string, string> }
  /** An SSE (or NDJSON) transcript, written event by event; `split` also cuts events at random byte offsets. */
  | { kind: 'sse'; file: string; delayMs?: number; split?: boolean; contentType?: string; headers?: Record<string, string> }
  /** An error fixture (`errors/<status>-<type>.json`): the status comes from the file name unless given. */
  | { kind: 'error'; file: string; status?: number; headers?: Record<string, string> }
  /** Accepts the request and never answers (timeouts). */
  | { kind: 'hang' }
  /** Destroys the connection without an answer. */
  | { kind: 'reset' }
  | { kind: 'custom'; handle: (req: IncomingMessage, res: ServerResponse, body: any) => void };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
  /** Set when the gateway closed the connection before the response finished (e.g. the client aborted). */
  aborted: boolean;
}

export interface MockUpstream {
  readonly port: number;
  /** Base URL for an OpenAI-compatible provider: http://127.0.0.1:PORT/v1 */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Answers the next request (to any path) with this scenario; queued scenarios are used first-in first-out. */
  next(...s: Scenario[]): void;
  /** Default scenario for a method+path (e.g. 'POST /v1/chat/completions'); a function can choose per request. */
  on(route: string, s: Scenario | ((body: any) => Scenario)): void;
  close(): Promise<void>;
}

const DEFAULTS: Record<string, Scenario | ((body: any) => Scenario)> = {
  'POST /v1/chat/completions': (b) =>
    b?.stream ? { kind: 'sse', file: 'openai/chat/stream.text.usage.sse' } : { kind: 'json', file: 'openai/chat/completion.text.json' },
  'POST /v1/embeddings': { kind: 'json', file: 'openai/embeddings/embeddings.float.json' },
  'GET /v1/models': { kind: 'json', file: 'openai/models/list.openapi.json' },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startMockUpstream(): Promise<MockUpstream> {
  const queue: Scenario[] = [];
  const routes = { ...DEFAULTS };
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  async function play(s: Scenario, req: IncomingMessage, res: ServerResponse, body: any, rec: RecordedRequest): Promise<void> {
    switch (s.kind) {
      case 'json': {
        let status = s.status ?? 200;
        let headers: Record<string, string> = { 'content-type': 'application/json', ...s.headers };
        let bytes = wireBytes(s.file);
        if (s.file.endsWith('.http.json')) {
          const h = wireJson(s.file);
          status = s.status ?? h.status;
          headers = { 'content-type': 'application/json', ...lower(h.headers), ...s.headers };
          delete headers['content-length'];
          delete headers['content-encoding'];
          delete headers['transfer-encoding'];
          bytes = Buffer.from(JSON.stringify(h.body));
        }
        res.writeHead(status, headers).end(bytes);
        return;
      }
      case 'error': {
        const status = s.status ?? Number(/(\d{3})-/.exec(s.file)?.[1] ?? 500);
        res.writeHead(status, { 'content-type': 'application/json', ...s.headers }).end(wireBytes(s.file));
        return;
      }
      case 'sse': {
        const ctype = s.contentType ?? (s.file.endsWith('.ndjson') ? 'application/x-ndjson' : s.file.startsWith('anthropic/') ? 'text/event-stream; charset=utf-8' : 'text/event-stream');
        res.writeHead(200, { 'content-type': ctype, 'cache-control': 'no-cache', ...s.headers });
        const bytes = wireBytes(s.file);
        const events = s.file.endsWith('.ndjson') ? bytes.toString('utf8').split(/(?<=\n)/).map((l) => Buffer.from(l)) : sseEvents(bytes);
        for (const ev of events) {
          if (rec.aborted) return;
          if (s.split && ev.length > 2) {
            const cut = 1 + Math.floor(Math.random() * (ev.length - 1));
            res.write(ev.subarray(0, cut));
            await sleep(1);
            res.write(ev.subarray(cut));
          } else res.write(ev);
          if (s.delayMs) await sleep(s.delayMs);
        }
        res.end();
        return;
      }
      case 'hang':
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'custom':
        s.handle(req, res, body);
        return;
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: any = raw;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        /* keep raw */
      }
      const path = (req.url ?? '/').split('?')[0]!;
      const rec: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body, aborted: false };
      requests.push(rec);
      res.on('close', () => {
        if (!res.writableFinished) rec.aborted = true;
      });
      const route = routes[`${req.method} ${path}`];
      const s = queue.shift() ?? (typeof route === 'function' ? route(body) : route);
      if (!s) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `mock: no scenario for ${req.method} ${path}`, type: 'invalid_request_error', param: null, code: null } }));
        return;
      }
      play(s, req, res, body, rec).catch(() => res.destroy());
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    next: (...s) => queue.push(...s),
    on: (route, s) => {
      routes[route] = s;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function lower(h: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
}
