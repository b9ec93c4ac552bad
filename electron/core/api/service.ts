import { EventEmitter } from 'node:events';
import type { Core, CoreEvent } from '../core.ts';
import { contract, type AppEvent, type GatewayStatus, type Method } from '../../../shared/api/contract.ts';
import { ApiError, type ApiErrorBody } from '../../../shared/api/errors.ts';
import type { ChatEvent } from '../../../shared/api/chat.ts';
import { SecretStoreUnavailableError } from '../secrets/secret-store.ts';
import { redactSecrets } from '../util/redact.ts';
import { UserError } from '../util/errors.ts';
import { createHandlers, type Handlers, type ShellHooks } from './handlers.ts';

/** Turns a zod issue list into one sentence a person can act on. */
function describeIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof SecretStoreUnavailableError) return new ApiError('unavailable', err.message);
  const msg = redactSecrets((err as Error)?.message ?? String(err));
  if (err instanceof UserError) return new ApiError(/^No /.test(msg) ? 'not_found' : 'invalid_input', msg);
  // Repositories throw plain Errors with user-facing messages for validation conflicts.
  if (/already exists/i.test(msg)) return new ApiError('conflict', msg);
  if (/not valid/i.test(msg)) return new ApiError('invalid_input', msg);
  return new ApiError('internal', `Something went wrong: ${msg}`);
}

export function errorBody(err: ApiError): ApiErrorBody {
  return { error: { code: err.code, message: err.message } };
}

/**
 * The app API as transports see it: `call(method, input)` validates the input, runs the one handler,
 * validates the output; `subscribe` delivers live events. Used by Electron IPC and by the web-mode server.
 */
export class AppApiService {
  readonly core: Core;
  readonly handlers: Handlers;
  private readonly bus = new EventEmitter();
  private readonly onCore = (e: CoreEvent) => this.bus.emit('event', { type: 'core', event: e } satisfies AppEvent);
  /** Chat streaming (electron/core/chat/runner.ts) rides the same event channel. */
  private readonly onChat = (e: ChatEvent) => this.bus.emit('event', { type: 'chat', event: e } satisfies AppEvent);

  constructor(core: Core, hooks: ShellHooks) {
    this.core = core;
    this.handlers = createHandlers(core, hooks);
    this.bus.setMaxListeners(0);
    core.events.on('event', this.onCore);
    core.events.on('chat', this.onChat);
    // Live spend: each committed request-log batch becomes a 'request' event for the UI (not for core's
    // own listeners, so desktop notifications stay for budget and policy).
    const prev = core.requestLog.onFlush;
    this.restoreFlush = () => {
      core.requestLog.onFlush = prev;
    };
    core.requestLog.onFlush = (rows) => {
      prev?.(rows);
      const event: CoreEvent = { kind: 'request', level: 'info', title: 'Requests logged', message: `${rows.length} request(s) logged`, data: { count: rows.length } };
      this.bus.emit('event', { type: 'core', event } satisfies AppEvent);
    };
  }
  private readonly restoreFlush: () => void;

  async call(method: string, input: unknown): Promise<unknown> {
    if (!Object.hasOwn(contract, method)) throw new ApiError('unknown_method', `Unknown app API method '${method}'.`);
    const spec = contract[method as Method];
    const parsed = spec.input.safeParse(input ?? {});
    if (!parsed.success) throw new ApiError('invalid_input', describeIssues(parsed.error.issues));
    let result: unknown;
    try {
      result = await (this.handlers[method as Method] as (i: unknown) => unknown)(parsed.data);
    } catch (err) {
      throw toApiError(err);
    }
    const out = spec.output.safeParse(result);
    if (!out.success) throw new ApiError('invalid_output', `The app answered '${method}' in an unexpected shape: ${describeIssues(out.error.issues)}`);
    return out.data;
  }

  /** Same as call, but answers errors as a value (for IPC, which flattens thrown errors). */
  async callSafe(method: string, input: unknown): Promise<unknown> {
    try {
      return await this.call(method, input);
    } catch (err) {
      return errorBody(toApiError(err));
    }
  }

  subscribe(listener: (e: AppEvent) => void): () => void {
    this.bus.on('event', listener);
    return () => this.bus.off('event', listener);
  }

  /** The shell announces gateway state changes (paused, resumed, port). */
  async gatewayChanged(): Promise<void> {
    const status = (await this.call('gateway.status', {})) as GatewayStatus;
    this.bus.emit('event', { type: 'gateway', status } satisfies AppEvent);
  }

  close(): void {
    this.core.events.off('event', this.onCore);
    this.core.events.off('chat', this.onChat);
    this.restoreFlush();
    this.bus.removeAllListeners();
  }
}
