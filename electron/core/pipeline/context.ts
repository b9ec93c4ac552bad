import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Core } from '../core.ts';
import type { ClientRecord } from '../store/clients-repo.ts';
import type { InboundProtocol } from '../protocols/inbound.ts';
import type { ProviderRuntime } from '../providers/registry.ts';
import type { ModelInfo, Usage } from '../routing/catalog.ts';
import type { BudgetReservation } from '../budget/service.ts';

/** One place a request may be sent: a provider and the model id that provider knows it by. */
export interface RouteCandidate {
  provider: ProviderRuntime;
  model: string;
  info: ModelInfo | undefined;
}

/** Types and counts of what DLP found; never the values. */
export interface DlpFinding {
  type: string;
  count: number;
  action: string;
}

/**
 * Rewrites text the provider sends back before the client sees it (DLP restore of masked values, output scan).
 * Every relay, whatever the protocol pair, applies it to assistant text and to tool-call arguments.
 * Streaming text is fed per slot (one slot per choice's content, per tool call's arguments, per content block),
 * in order; a filter may hold back a partial placeholder and release it with the next delta or at flush.
 */
export interface OutputFilter {
  delta(slot: string, text: string): string;
  flush(slot: string): string;
  /** A whole (non-streamed) text. */
  full(text: string): string;
}

/** Everything the stages know about one gateway call. Stages read and fill it in order. */
export interface RequestContext {
  readonly id: string;
  readonly ts: number;
  /** performance.now() at arrival: latency and time to first token are measured from here. */
  readonly t0: number;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly core: Core;
  readonly protocol: InboundProtocol;
  /** Fires when the client goes away, so the upstream call is aborted too. */
  readonly abort: AbortController;
  client: ClientRecord | null;
  /** The parsed JSON body. Stages may rewrite it (routing, masking) before the provider stage sends it. */
  body: Record<string, unknown>;
  requestedModel: string | null;
  stream: boolean;
  wantsUsage: boolean;
  candidates: RouteCandidate[];
  target: RouteCandidate | null;
  routeRule: string | null;
  attempts: number;
  usage: Usage | null;
  usageEstimated: boolean;
  status: number;
  errorType: string | null;
  ttftMs: number | null;
  cacheHit: boolean;
  dlp: DlpFinding[] | null;
  tags: string | null;
  /** Provider keys this request used: scrubbed from anything that goes back to the client. */
  readonly keys: string[];
  /** Set by the DLP stage when masked values must be restored or output scanned; null means pass-through. */
  outputFilter: OutputFilter | null;
  /** Set once the response has been fully written or failed. */
  done: boolean;
  /** Set when the gateway itself cut the request (shutdown): recorded instead of a client cancel. */
  stoppedBy?: string;
  /** Budget stage: the reservation (and rate-limit admission) this request holds until settle. */
  budget?: BudgetReservation | null;
  /** Route stage: where "had it gone direct" is priced (requested_cost_usd); null/absent: the target itself. */
  baseline?: RouteCandidate | null;
  /** Settle: the cost of this call in USD (0 for a cache hit), null when a price is unknown. */
  costUsd?: number | null;
  /** Cache stage: the capture of a response to store once the call succeeded (stages/cache.ts). */
  cacheCapture?: { finish(ctx: RequestContext): void } | null;
}

/** What a new context must be given; any other field may be given too, the rest starts empty. */
export type ContextInit = Pick<RequestContext, 'req' | 'res' | 'core' | 'protocol'> & Partial<RequestContext>;

/**
 * Makes the context of one gateway call (or of a call the gateway makes on a request's behalf, like a semantic
 * cache embedding): a new id, arrival time and abort controller, no client, route, usage or findings yet.
 * Every context is built here, so a new field gets its starting value in one place.
 */
export function createContext(init: ContextInit): RequestContext {
  return {
    id: randomUUID(),
    ts: Date.now(),
    t0: performance.now(),
    abort: new AbortController(),
    client: null,
    body: {},
    requestedModel: null,
    stream: false,
    wantsUsage: false,
    candidates: [],
    target: null,
    routeRule: null,
    attempts: 0,
    usage: null,
    usageEstimated: false,
    status: 0,
    errorType: null,
    ttftMs: null,
    cacheHit: false,
    dlp: null,
    tags: null,
    keys: [],
    outputFilter: null,
    done: false,
    ...init,
  };
}
