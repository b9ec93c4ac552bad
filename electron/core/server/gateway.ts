import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Core } from '../core.ts';
import type { InboundProtocol } from '../protocols/inbound.ts';
import { createContext, type RequestContext } from '../pipeline/context.ts';
import { openAIChat, openAIEmbeddings } from '../protocols/openai-chat.ts';
import { anthropicCountTokens, anthropicMessages } from '../protocols/anthropic-messages.ts';
import { openAIResponses } from '../protocols/responses.ts';
import { writeJson, writeOpenAIError } from '../protocols/openai-errors.ts';
import { runPipeline, toGatewayError } from '../pipeline/run.ts';
import { identify } from '../pipeline/stages/identify.ts';
import { settle } from '../pipeline/stages/settle.ts';
import { streamErrorEvent } from '../protocols/stream-errors.ts';
import { allowedHosts, checkHost, checkJsonContentType, checkOrigin, parseJsonObject, readBody } from './guards.ts';
import { GatewayError } from '../util/errors.ts';
import { listModels } from '../routing/models.ts';
import { startPolicyPolling } from '../policy/fetch.ts';
import { checkUiOrigin, isUiRequest } from './app-api.ts';

/**
 * Extra handlers mounted on the same listener: the web UI in web mode (the app API under /_airlock/ and the
 * built renderer for GET/HEAD outside /v1 and /healthz, see isUiRequest). They run after the Host check and
 * a same-origin-only Origin check; returning false falls through to the gateway's 404.
 */
export type ExtraHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export interface GatewayOptions {
  port: number;
  /** Only loopback is supported; kept as an option for tests that want 127.0.0.1 explicitly. */
  host?: '127.0.0.1';
  extra?: ExtraHandler;
}

export interface Gateway {
  readonly port: number;
  readonly url: string;
  readonly server: http.Server;
  /**
   * Stops accepting requests, lets those in flight finish for up to `drainMs` (default 10 s), then cuts the rest
   * with an error the client can read (in-band for streams) and records them as 503 gateway_shutdown.
   */
  close(opts?: { drainMs?: number }): Promise<void>;
  /** Requests in flight right now. */
  inFlight(): number;
}

/** Routes of the gateway API: method + path to the inbound protocol that serves it. */
const POST_ROUTES: Record<string, InboundProtocol> = {
  '/v1/chat/completions': openAIChat,
  '/v1/embeddings': openAIEmbeddings,
  '/v1/responses': openAIResponses,
  '/v1/messages': anthropicMessages,
  '/v1/messages/count_tokens': anthropicCountTokens,
};

/** Lets later protocols (Anthropic Messages, Responses) mount themselves without touching the server. */
export function registerPostRoute(path: string, protocol: InboundProtocol): void {
  POST_ROUTES[path] = protocol;
}

function corsHeaders(origin: string | null): Record<string, string> {
  if (!origin) return {};
  return {
    'access-control-allow-origin': origin,
    vary: 'Origin',
    'access-control-allow-headers': 'authorization, content-type, x-api-key, anthropic-version, anthropic-beta, x-airlock-tags, x-airlock-cache',
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-expose-headers': 'x-airlock-request-id, x-airlock-provider, x-airlock-model, x-airlock-cache, x-airlock-attempts',
  };
}

export async function startGateway(core: Core, opts: GatewayOptions): Promise<Gateway> {
  const active = new Set<RequestContext>();
  let hosts = allowedHosts(opts.port);
  // One gateway owns the data directory: budget reservations left by an earlier one (crash, kill) are void.
  core.budgets.claim();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    const live = core.live.refresh();
    // Security guards come first, before anything else is read or answered.
    const protocol = POST_ROUTES[path.split('?')[0]!];
    const writeError = protocol ? protocol.writeError : writeOpenAIError;
    let origin: string | null = null;
    // The web UI (static files and /_airlock/) answers its own origins only, and never sends CORS headers.
    const ui = Boolean(opts.extra) && isUiRequest(req.method, path.split('?')[0]!);
    try {
      checkHost(req, hosts);
      if (ui) checkUiOrigin(req, hosts);
      else origin = checkOrigin(req, live.gateway.corsOrigins);
    } catch (err) {
      writeError(res, err as GatewayError);
      return;
    }
    for (const [k, v] of Object.entries(corsHeaders(origin))) res.setHeader(k, v);
    if (req.method === 'OPTIONS' && origin) {
      res.writeHead(204).end();
      return;
    }
    if (opts.extra && ui) {
      const url = new URL(path, 'http://127.0.0.1');
      if (await opts.extra(req, res, url)) return;
    }

    if (protocol) {
      if (req.method !== 'POST') {
        writeError(res, new GatewayError(405, 'invalid_request_error', `${path} accepts POST only.`, { code: 'method_not_allowed' }));
        return;
      }
      await handleProtocol(req, res, protocol);
      return;
    }
    if (req.method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) {
      try {
        const client = identify(req, live);
        core.markClientUsed(client.id);
        const models = await listModels(live, core);
        if (path === '/v1/models') {
          writeJson(res, 200, JSON.stringify({ object: 'list', data: models }));
          return;
        }
        const id = decodeURIComponent(path.slice('/v1/models/'.length));
        const m = models.find((x) => x.id === id || x.id.endsWith(`/${id}`));
        if (!m) throw new GatewayError(404, 'not_found_error', `Model '${id}' is not offered by any configured provider.`, { code: 'model_not_found' });
        writeJson(res, 200, JSON.stringify(m));
      } catch (err) {
        writeOpenAIError(res, toGatewayError(err));
      }
      return;
    }
    if (req.method === 'GET' && (path === '/healthz' || path === '/v1/healthz')) {
      writeJson(res, 200, JSON.stringify({ status: 'ok' }));
      return;
    }
    writeOpenAIError(res, new GatewayError(404, 'not_found_error', `Unknown endpoint ${req.method} ${path}. The gateway serves POST /v1/chat/completions, /v1/responses, /v1/messages, /v1/messages/count_tokens, /v1/embeddings and GET /v1/models.`, { code: 'unknown_endpoint' }));
  }

  async function handleProtocol(req: IncomingMessage, res: ServerResponse, protocol: InboundProtocol): Promise<void> {
    const live = core.live;
    const ctx = createContext({ req, res, core, protocol });
    try {
      checkJsonContentType(req);
      // Identify before reading the body: an unauthenticated caller gets nothing parsed.
      ctx.client = identify(req, live);
      const body = parseJsonObject(await readBody(req, live.gateway.maxBodyBytes));
      const parsed = protocol.parse(body);
      ctx.body = body;
      ctx.requestedModel = parsed.model;
      ctx.stream = parsed.stream;
      ctx.wantsUsage = parsed.wantsUsage;
      const tags = req.headers['x-airlock-tags'];
      if (typeof tags === 'string' && tags) ctx.tags = tags.slice(0, 512);
    } catch (err) {
      const ge = toGatewayError(err);
      if (ge.status === 413) res.setHeader('connection', 'close');
      protocol.writeError(res, ge);
      // Unauthenticated noise is not logged as traffic; everything from a known client is.
      if (ctx.client) {
        ctx.status = ge.status;
        ctx.errorType = ge.code ?? ge.kind;
        ctx.done = true;
        settle(ctx);
      }
      return;
    }
    res.on('close', () => {
      if (!res.writableFinished) ctx.abort.abort();
    });
    active.add(ctx);
    try {
      await runPipeline(ctx);
    } finally {
      active.delete(ctx);
    }
  }

  const server = http.createServer({ keepAlive: true, requestTimeout: 0, headersTimeout: 60_000 }, (req, res) => {
    handle(req, res).catch((err) => {
      const ge = toGatewayError(err);
      if (!res.headersSent) writeOpenAIError(res, ge);
      else res.end();
    });
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new GatewayError(500, 'api_error', `Port ${opts.port} on 127.0.0.1 is already in use. Pick another with --port N (or --port 0 for any free port).`)
          : err,
      );
    };
    server.once('error', onError);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(port);
  // Polls the trust anchor's bundle_url for a newer team policy (a no-op when the install is not managed).
  const stopPolicyPolling = startPolicyPolling(core);
  return {
    port,
    url: `http://127.0.0.1:${port}/v1`,
    server,
    inFlight: () => active.size,
    close: async (closeOpts = {}) => {
      stopPolicyPolling();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + (closeOpts.drainMs ?? 10_000);
      while (active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      for (const ctx of active) {
        const ge = new GatewayError(503, 'overloaded_error', 'Airlock is shutting down; this response was cut off. Retry once it is running again.', { code: 'gateway_shutdown' });
        ctx.stoppedBy = 'gateway_shutdown';
        if (!ctx.res.headersSent) ctx.protocol.writeError(ctx.res, ge);
        else if (!ctx.res.writableEnded) ctx.res.write(streamErrorEvent(ctx.protocol.id, ge));
        ctx.abort.abort();
      }
      // Let the cut requests settle (write their rows) before the last flush.
      for (let i = 0; i < 40 && active.size > 0; i++) await new Promise((r) => setTimeout(r, 25));
      core.requestLog.flush();
      server.closeAllConnections();
      await closed;
    },
  };
}
