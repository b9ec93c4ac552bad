// Stored prompts and answers of gateway traffic: off by default; on only when the user turned on "Store prompts"
// (Settings) AND the effective policy does not forbid it (retention.storePrompts: false wins).
//
// What is kept (table request_bodies, migration 009), keyed by the request id the client got in x-airlock-request-id:
// - the request as it went upstream, AFTER the DLP stage: masked values are placeholders (<EMAIL_1>), redacted ones
//   markers; base64 payloads (images, audio) are replaced by their size;
// - the answer's texts (assistant text, tool-call arguments) as the provider returned them, i.e. before the DLP
//   filter restored placeholders, then passed through the output scan: masked values stay masked;
// - both passed through the key redactor with this request's provider keys: no provider key or client token.
// Deleted with the request log's retention, and all at once when storing is turned off or forbidden
// (electron/core/api/settings.ts pruneRequestLog).
//
// Hot path when off: bodiesStage() costs one cached boolean (recomputed only when settings or policy changed).
import type { Core } from '../core.ts';
import type { OutputFilter, RequestContext } from '../pipeline/context.ts';
import type { Policy } from '../../../shared/policy.ts';
import { effectiveStorePrompts } from '../api/settings.ts';
import { redactSecrets } from '../util/redact.ts';
import { dlpConfig } from '../dlp/settings.ts';
import { DlpOutputFilter } from '../dlp/output.ts';
import { MaskVault } from '../dlp/engine.ts';

/** Per side (request, answer): longer texts are cut here and the row marked truncated. */
export const MAX_BODY_CHARS = 1_000_000;

export interface StoredBodyPart {
  /** Which text of the answer: c0 (choice 0), c0.t1 (its tool call 1), b2 (content block 2), text (whole answer)… */
  part: string;
  text: string;
}

export interface StoredBody {
  requestId: string;
  ts: number;
  client: string | null;
  inbound: string;
  model: string | null;
  status: number;
  cacheHit: boolean;
  truncated: boolean;
  /** The request as sent upstream (JSON text), after DLP masking. */
  request: string;
  /** The answer's texts, masked values still masked. Empty for a cache hit or a call that failed before any text. */
  response: StoredBodyPart[];
}

interface Row {
  request_id: string;
  ts: number;
  client: string | null;
  inbound: string;
  model: string | null;
  status: number;
  request: string;
  response: string;
  truncated: number;
  cache_hit: number;
}

const stores = new WeakMap<Core, BodyStore>();

/** The body store of a core (one per Core, created on first use). */
export function bodyStoreOf(core: Core): BodyStore {
  let s = stores.get(core);
  if (!s) stores.set(core, (s = new BodyStore(core)));
  return s;
}

export class BodyStore {
  private readonly core: Core;
  private gen = -1;
  private eff: Policy | null = null;
  private on = false;
  private insertStmt: ReturnType<Core['db']['prepare']> | null = null;

  constructor(core: Core) {
    this.core = core;
  }

  /** Whether this request's bodies are kept. Cached until the settings or the policy change. */
  enabled(): boolean {
    const gen = this.core.live.generation;
    const eff = this.core.policyService.effective();
    if (gen === this.gen && eff === this.eff) return this.on;
    this.gen = gen;
    this.eff = eff;
    this.on = effectiveStorePrompts(this.core).on;
    return this.on;
  }

  /** Forget the cached decision (the settings API calls this after a change in this process). */
  invalidate(): void {
    this.gen = -1;
  }

  write(b: StoredBody): void {
    this.insertStmt ??= this.core.db.prepare(
      `INSERT OR REPLACE INTO request_bodies (request_id, ts, client, inbound, model, status, request, response, truncated, cache_hit)
       VALUES (@requestId, @ts, @client, @inbound, @model, @status, @request, @response, @truncated, @cacheHit)`,
    );
    this.insertStmt.run({ ...b, response: JSON.stringify(b.response), truncated: b.truncated ? 1 : 0, cacheHit: b.cacheHit ? 1 : 0 });
  }

  get(requestId: string): StoredBody | null {
    const r = this.core.db.prepare('SELECT * FROM request_bodies WHERE request_id = ?').get(requestId) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  /** Newest first; `before` is a ts for paging. Parts are left out (use get()). */
  list(opts: { limit?: number; before?: number | null } = {}): Omit<StoredBody, 'request' | 'response'>[] {
    const limit = Math.min(Math.max(opts.limit ?? 20, 1), 500);
    const rows = this.core.db
      .prepare(
        `SELECT request_id, ts, client, inbound, model, status, truncated, cache_hit, '' AS request, '[]' AS response FROM request_bodies
         WHERE ts < @before ORDER BY ts DESC LIMIT @limit`,
      )
      .all({ before: opts.before ?? Number.MAX_SAFE_INTEGER, limit }) as Row[];
    return rows.map((r) => {
      const { request: _q, response: _a, ...rest } = fromRow(r);
      return rest;
    });
  }

  count(): number {
    return this.core.db.prepare('SELECT COUNT(*) FROM request_bodies').pluck().get() as number;
  }
}

function fromRow(r: Row): StoredBody {
  let response: StoredBodyPart[] = [];
  try {
    response = JSON.parse(r.response) as StoredBodyPart[];
  } catch {
    /* a damaged row: show the request at least */
  }
  return {
    requestId: r.request_id,
    ts: r.ts,
    client: r.client,
    inbound: r.inbound,
    model: r.model,
    status: r.status,
    cacheHit: r.cache_hit === 1,
    truncated: r.truncated === 1,
    request: r.request,
    response,
  };
}

// ---- capture on the request path ----

interface Capture {
  request: string;
  truncated: boolean;
  parts: Map<string, string[]>;
  size: number;
}

const captures = new WeakMap<RequestContext, Capture>();

const BASE64_RUN = /(data:[\w.+-]+\/[\w.+-]+;base64,)[A-Za-z0-9+/=]{64,}|("(?:data|b64_json|image_url|audio)"\s*:\s*")[A-Za-z0-9+/=]{256,}(")/g;

function shrinkBase64(json: string): string {
  return json.replace(BASE64_RUN, (m, dataUrl: string | undefined, key: string | undefined, close: string | undefined) => {
    if (dataUrl) return `${dataUrl}[${Math.round(((m.length - dataUrl.length) * 3) / 4)} bytes not stored]`;
    const n = m.length - key!.length - close!.length;
    return `${key}[${Math.round((n * 3) / 4)} bytes of base64 not stored]${close}`;
  });
}

/**
 * Pipeline stage (after DLP, route and budget; before the cache): when storing is on, snapshots the masked request
 * and tees the answer's texts in front of the DLP output filter. When off: one cached boolean.
 */
export function bodiesStage(ctx: RequestContext): void {
  if (!bodyStoreOf(ctx.core).enabled()) return;
  let request: string;
  try {
    request = shrinkBase64(JSON.stringify(ctx.body));
  } catch {
    request = '{}';
  }
  const c: Capture = { request, truncated: false, parts: new Map(), size: 0 };
  if (c.request.length > MAX_BODY_CHARS) {
    c.request = c.request.slice(0, MAX_BODY_CHARS);
    c.truncated = true;
  }
  captures.set(ctx, c);
  const record = (part: string, text: string) => {
    if (!text) return;
    if (c.size + text.length > MAX_BODY_CHARS) {
      text = text.slice(0, Math.max(0, MAX_BODY_CHARS - c.size));
      c.truncated = true;
      if (!text) return;
    }
    c.size += text.length;
    let list = c.parts.get(part);
    if (!list) c.parts.set(part, (list = []));
    list.push(text);
  };
  let whole = 0;
  // In front of the DLP filter: it sees the provider's text with placeholders, before they are restored.
  const next: OutputFilter | null = ctx.outputFilter;
  ctx.outputFilter = {
    delta(slot, text) {
      record(slot, text);
      return next ? next.delta(slot, text) : text;
    },
    flush(slot) {
      return next ? next.flush(slot) : '';
    },
    full(text) {
      record(`text${whole++ ? `.${whole - 1}` : ''}`, text);
      return next ? next.full(text) : text;
    },
  };
}

/** At settle: writes what bodiesStage captured (nothing when storing was off for this request). */
export function finishBodies(ctx: RequestContext): void {
  const c = captures.get(ctx);
  if (!c) return;
  captures.delete(ctx);
  try {
    const keys = ctx.keys;
    // The output scan over the answer, with an empty vault: placeholders stay, new findings are masked/redacted.
    let scan: ((t: string) => string) | null = null;
    try {
      const cfg = dlpConfig(ctx.core);
      const f = new DlpOutputFilter(new MaskVault(), cfg.enabled ? cfg : null, new Set());
      scan = (t) => f.full(t);
    } catch {
      scan = null; // no valid DLP config: the key redactor below still runs
    }
    const response: StoredBodyPart[] = [];
    for (const [part, pieces] of c.parts) {
      let text = pieces.join('');
      try {
        if (scan) text = scan(text);
      } catch {
        text = '[answer not stored: the DLP output scan failed]';
      }
      response.push({ part, text: redactSecrets(text, keys) });
    }
    const t = ctx.target;
    bodyStoreOf(ctx.core).write({
      requestId: ctx.id,
      ts: ctx.ts,
      client: ctx.client?.name ?? null,
      inbound: ctx.protocol.id,
      model: t ? `${t.provider.id}/${t.model}` : ctx.requestedModel,
      status: ctx.status,
      cacheHit: ctx.cacheHit,
      truncated: c.truncated,
      request: redactSecrets(c.request, keys),
      response,
    });
  } catch (err) {
    console.error(`airlock: could not store a request body: ${(err as Error).message}`);
  }
}
