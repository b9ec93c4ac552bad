// The chat runner: each turn is a real gateway call. It POSTs to the running gateway's own
// /v1/chat/completions on 127.0.0.1 with an internal client token (client `airlock-chat`), so chat passes the
// same pipeline as every tool (policy, DLP, routing, budgets, cache, audit) and never calls a provider itself.
// The token is minted (rotated) on first use in each process and held in memory only: the database keeps its
// SHA-256 like any client token. Streamed text reaches the UI as `chat` events on the app API's one event
// channel (IPC events in the desktop app, SSE in web mode), coalesced every EMIT_MS.
import crypto from 'node:crypto';
import { createParser } from 'eventsource-parser';
import type { Core } from '../core.ts';
import type { ChatError, ChatEvent, ChatDlpFinding } from '../../../shared/api/chat.ts';
import { ApiError } from '../../../shared/api/errors.ts';
import { ChatStore, autoTitle, publicMessage, type StoredAttachment, type StoredMessage, type TurnColumns, type TurnResult } from './store.ts';

export const CHAT_CLIENT = 'airlock-chat';
/** How often streamed text is pushed to the UI (one event per turn per interval, not one per token). */
export const EMIT_MS = 40;
/** History sent with a turn is cut (oldest first) to about this many characters (~100k tokens). */
export const HISTORY_CHAR_BUDGET = 400_000;

export interface ChatGatewayInfo {
  state: 'running' | 'paused' | 'stopped';
  port: number;
}

interface Run {
  abort: AbortController;
  messageId: number;
  done: Promise<void>;
}

type OpenAIContent = string | ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } })[];

/** What the user typed plus attached files, as the provider sees it. */
export function userContent(m: { content: string; payloads: StoredAttachment[] }): OpenAIContent {
  let text = m.content;
  const files = m.payloads.filter((a) => a.kind === 'text' && a.text !== undefined);
  if (files.length) {
    const blocks = files.map((a) => {
      const fence = a.text!.includes('```') ? '~~~~' : '```';
      const lang = /\.([A-Za-z0-9]+)$/.exec(a.name)?.[1] ?? '';
      return `Attached file \`${a.name}\`:\n${fence}${lang}\n${a.text}\n${fence}`;
    });
    text = `${blocks.join('\n\n')}\n\n${text}`;
  }
  const images = m.payloads.filter((a) => a.kind === 'image' && a.dataUrl);
  if (!images.length) return text;
  return [{ type: 'text', text }, ...images.map((a) => ({ type: 'image_url' as const, image_url: { url: a.dataUrl! } }))];
}

/**
 * The messages of a request for the turn answering `upTo` (a user message): the system prompt, then earlier
 * exchanges that were answered (refused or failed turns are left out, so a blocked value is not resent), oldest
 * dropped first beyond the character budget.
 */
export function requestMessages(systemPrompt: string, history: StoredMessage[], upTo: StoredMessage, budget = HISTORY_CHAR_BUDGET): { role: string; content: OpenAIContent }[] {
  const turns: { role: string; content: OpenAIContent; size: number }[] = [];
  const before = history.filter((m) => m.seq < upTo.seq);
  for (let i = 0; i < before.length; i++) {
    const m = before[i]!;
    if (m.role !== 'user') continue;
    const reply = before[i + 1];
    if (!reply || reply.role !== 'assistant' || !(reply.status === 'done' || reply.status === 'stopped') || !reply.content) continue;
    const u = userContent(m);
    turns.push({ role: 'user', content: u, size: sizeOf(u) }, { role: 'assistant', content: reply.content, size: reply.content.length });
  }
  const current = userContent(upTo);
  let used = sizeOf(current) + systemPrompt.length;
  let start = turns.length;
  while (start >= 2 && used + turns[start - 1]!.size + turns[start - 2]!.size <= budget) {
    used += turns[start - 1]!.size + turns[start - 2]!.size;
    start -= 2;
  }
  const out: { role: string; content: OpenAIContent }[] = [];
  if (systemPrompt.trim()) out.push({ role: 'system', content: systemPrompt });
  for (const t of turns.slice(start)) out.push({ role: t.role, content: t.content });
  out.push({ role: 'user', content: current });
  return out;
}

function sizeOf(c: OpenAIContent): number {
  if (typeof c === 'string') return c.length;
  return c.reduce((n, p) => n + (p.type === 'text' ? p.text.length : 1000), 0);
}

/** What a person can do about a refused or failed turn. */
export function hintFor(status: number, code: string | null, retryAfter: number | null): string | null {
  const wait = retryAfter ? ` (about ${retryAfter < 90 ? `${retryAfter} s` : `${Math.ceil(retryAfter / 60)} min`})` : '';
  if (code === 'dlp_blocked' || code === 'dlp_error') return 'Edit your message to remove the value, then resend it. If this data may leave the machine, the rule can be changed with `airlock dlp set` (unless your team policy manages it).';
  if (code === 'model_not_allowed') return 'Pick another model in the model picker: this one is not allowed by policy.';
  if (code === 'budget_exceeded') return `Wait for the budget window to reset${wait}, pick a cheaper model (or \`fast\`), or raise the limit with \`airlock budget set\` if you may.`;
  if (code === 'rate_limit_exceeded') return `Wait${wait || ' a moment'}, then regenerate.`;
  if (code === 'no_provider_configured') return 'Add a provider under Providers & keys first.';
  if (code === 'no_model_available') return 'Pick a model in the model picker, or do what the message says so this route has a model to choose from.';
  if (code === 'model_not_found' || code === 'ambiguous_model' || code === 'no_capable_model' || code === 'route_unavailable') return 'Pick another model in the model picker.';
  if (status === 403) return 'This request is not allowed by policy. Change the message or the model, or ask whoever manages your policy.';
  if (status === 429) return `The provider or a limit refused the request: wait${wait || ' a moment'}, then regenerate.`;
  if (status === 0) return 'Check that the gateway is running (Airlock’s status bar), then regenerate.';
  if (status >= 500) return 'The provider failed or is unreachable: regenerate, or pick another model.';
  return null;
}

export class ChatService {
  readonly core: Core;
  readonly store: ChatStore;
  private readonly gateway: () => ChatGatewayInfo;
  private token: string | null = null;
  private readonly runs = new Map<string, Run>();
  private readonly rowByTag;

  constructor(core: Core, gateway: () => ChatGatewayInfo) {
    this.core = core;
    this.gateway = gateway;
    this.store = new ChatStore(core.db);
    this.store.recoverInterrupted();
    this.rowByTag = core.db.prepare(
      `SELECT provider, model, requested_model, input_tokens, output_tokens, cached_tokens, cost_usd, cache_hit, dlp, latency_ms
         FROM requests WHERE client = ? AND ts >= ? AND tags = ? ORDER BY id DESC LIMIT 1`,
    );
  }

  streaming(conversationId: string): boolean {
    return this.runs.has(conversationId);
  }

  emit(e: ChatEvent): void {
    this.core.events.emit('chat', e);
  }

  /** The internal client token: minted (or rotated) on first use in this process, kept in memory only. */
  private internalToken(rotate = false): string {
    if (this.token && !rotate) return this.token;
    const existing = this.core.clients.get(CHAT_CLIENT);
    if (existing && existing.revokedAt === null) this.core.clients.revoke(CHAT_CLIENT);
    this.token = this.core.clients.create(CHAT_CLIENT).token;
    return this.token;
  }

  private conversationOrThrow(id: string) {
    const c = this.store.get(id);
    if (!c) throw new ApiError('not_found', 'That conversation does not exist (it may have been deleted).');
    return c;
  }

  private idle(conversationId: string): void {
    if (this.runs.has(conversationId)) throw new ApiError('conflict', 'A reply is still streaming in this conversation: stop it first.');
  }

  /** Appends a user message and starts its reply. */
  send(conversationId: string, content: string, attachments: StoredAttachment[] = []): { user: StoredMessage; assistant: StoredMessage } {
    const conv = this.conversationOrThrow(conversationId);
    this.idle(conversationId);
    if (!content.trim() && attachments.length === 0) throw new ApiError('invalid_input', 'Type a message (or attach a file) first.');
    const [user, assistant] = this.store.append(conversationId, [
      { role: 'user', content, attachments },
      { role: 'assistant', content: '', status: 'streaming', requestedModel: conv.model },
    ]);
    if (!conv.title) this.store.setAutoTitle(conversationId, autoTitle(content || attachments[0]?.name || 'New chat'));
    this.start(conversationId, user!, assistant!);
    return { user: user!, assistant: assistant! };
  }

  /** Replaces a user message's text, drops the messages after it, and answers it again. */
  edit(conversationId: string, messageId: number, content: string): { user: StoredMessage; assistant: StoredMessage } {
    const conv = this.conversationOrThrow(conversationId);
    this.idle(conversationId);
    const m = this.store.message(messageId);
    if (!m || m.conversationId !== conversationId || m.role !== 'user') throw new ApiError('not_found', 'Only your own messages in this conversation can be edited.');
    if (!content.trim() && m.payloads.length === 0) throw new ApiError('invalid_input', 'The message cannot be empty.');
    const user = this.store.editAndTruncate(messageId, content)!;
    const [assistant] = this.store.append(conversationId, [{ role: 'assistant', content: '', status: 'streaming', requestedModel: conv.model }]);
    this.start(conversationId, user, assistant!);
    return { user, assistant: assistant! };
  }

  /** Answers the last user message again, replacing the reply after it. */
  regenerate(conversationId: string): { user: StoredMessage; assistant: StoredMessage } {
    const conv = this.conversationOrThrow(conversationId);
    this.idle(conversationId);
    const all = this.store.messages(conversationId, undefined, 2).messages;
    const user = [...all].reverse().find((m) => m.role === 'user');
    if (!user) throw new ApiError('invalid_input', 'There is nothing to regenerate yet.');
    const [assistant] = this.store.append(conversationId, [{ role: 'assistant', content: '', status: 'streaming', requestedModel: conv.model }], user.seq);
    this.start(conversationId, user, assistant!);
    return { user, assistant: assistant! };
  }

  stop(conversationId: string): boolean {
    const run = this.runs.get(conversationId);
    if (!run) return false;
    run.abort.abort();
    return true;
  }

  /** Resolves when the conversation's current reply (if any) has finished and been stored. */
  async settled(conversationId: string): Promise<void> {
    await this.runs.get(conversationId)?.done;
  }

  /** Stops every reply (shutdown). */
  async close(): Promise<void> {
    const all = [...this.runs.values()];
    for (const r of all) r.abort.abort();
    await Promise.all(all.map((r) => r.done));
  }

  private start(conversationId: string, user: StoredMessage, assistant: StoredMessage): void {
    const abort = new AbortController();
    const run: Run = { abort, messageId: assistant.id, done: Promise.resolve() };
    this.runs.set(conversationId, run);
    run.done = this.execute(conversationId, user, assistant, abort.signal)
      .catch((err) => {
        console.error(`airlock: chat turn failed: ${(err as Error).message}`);
      })
      .finally(() => {
        if (this.runs.get(conversationId) === run) this.runs.delete(conversationId);
      });
  }

  private async execute(conversationId: string, user: StoredMessage, assistant: StoredMessage, signal: AbortSignal): Promise<void> {
    const conv = this.store.get(conversationId);
    const history = this.store.allMessages(conversationId);
    const body: Record<string, unknown> = {
      model: conv?.model || 'auto',
      messages: requestMessages(conv?.systemPrompt ?? '', history, user),
      stream: true,
      stream_options: { include_usage: true },
    };
    if (conv?.temperature !== null && conv?.temperature !== undefined) body.temperature = conv.temperature;
    if (conv?.maxTokens !== null && conv?.maxTokens !== undefined) body.max_tokens = conv.maxTokens;

    const runTag = crypto.randomBytes(9).toString('base64url');
    // feature=chat is a normal tag (the dashboard groups by it); `_chat` is not a valid tag key, so analytics
    // ignores it, but the raw header stays on the request row and lets this turn find its own row.
    const tags = `feature=chat;_chat=${runTag}`;
    const t0 = Date.now();
    let text = '';
    let pending = '';
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flushDelta = () => {
      timer = null;
      if (!pending) return;
      this.emit({ kind: 'delta', conversationId, messageId: assistant.id, text: pending });
      pending = '';
    };
    let status: StoredMessage['status'] = 'done';
    let error: ChatError | null = null;
    let provider: string | null = null;
    let model: string | null = null;
    let cacheHit = false;
    let usage: { input: number | null; output: number | null; cached: number | null } = { input: null, output: null, cached: null };
    let dlpHeader: ChatDlpFinding[] | null = null;

    const g = this.gateway();
    try {
      if (g.state !== 'running') throw Object.assign(new Error('The gateway is paused: resume it to chat.'), { status: 503 });
      let res = await this.post(g.port, body, tags, signal, false);
      if (res.status === 401) res = await this.post(g.port, body, tags, signal, true);
      provider = res.headers.get('x-airlock-provider');
      model = res.headers.get('x-airlock-model');
      cacheHit = res.headers.get('x-airlock-cache') === 'hit';
      dlpHeader = parseDlpHeader(res.headers.get('x-airlock-dlp'));
      if (res.status !== 200 || !res.body) {
        const raw = await res.text().catch(() => '');
        error = errorOf(res.status, raw, res.headers.get('retry-after'));
        status = res.status === 403 || res.status === 429 ? 'blocked' : 'error';
      } else {
        const decoder = new TextDecoder();
        let streamError: ChatError | null = null;
        const parser = createParser({
          onEvent: (ev) => {
            if (ev.data === '[DONE]') return;
            let chunk: any;
            try {
              chunk = JSON.parse(ev.data);
            } catch {
              return;
            }
            if (chunk?.error) {
              streamError = errorOf(Number(chunk.error.status ?? 502) || 502, JSON.stringify(chunk), null);
              return;
            }
            const delta = chunk?.choices?.[0]?.delta?.content;
            if (typeof delta === 'string' && delta) {
              text += delta;
              pending += delta;
              if (!timer) timer = setTimeout(flushDelta, EMIT_MS);
            }
            if (chunk?.usage) {
              usage = {
                input: numOrNull(chunk.usage.prompt_tokens),
                output: numOrNull(chunk.usage.completion_tokens),
                cached: numOrNull(chunk.usage.prompt_tokens_details?.cached_tokens),
              };
            }
          },
        });
        for await (const part of res.body as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(part, { stream: true }));
        if (streamError) {
          error = streamError;
          status = 'error';
        }
      }
    } catch (err) {
      if (signal.aborted) status = 'stopped';
      else {
        const st = (err as { status?: number }).status ?? 0;
        status = 'error';
        error = {
          status: st,
          code: st === 503 ? 'gateway_paused' : 'gateway_unreachable',
          message: st ? (err as Error).message : `Could not reach the Airlock gateway on 127.0.0.1:${g.port} (${(err as Error).message}).`,
          hint: hintFor(st, null, null),
          retryAfterSeconds: null,
        };
      }
    } finally {
      if (timer) clearTimeout(timer);
      flushDelta();
    }

    // The gateway's request row is the record of this turn: routed model, tokens, cost, cache, DLP findings.
    const row = await this.requestRow(tags, t0);
    const result: TurnResult = {
      requestedModel: row?.requested_model ?? (body.model as string),
      provider: row?.provider ?? provider,
      model: row?.model ?? model,
      inputTokens: row?.input_tokens ?? usage.input,
      outputTokens: row?.output_tokens ?? usage.output,
      cachedTokens: row?.cached_tokens ?? usage.cached,
      costUsd: row ? row.cost_usd : null,
      cacheHit: row ? row.cache_hit === 1 : cacheHit,
      dlp: (row?.dlp ? safeDlp(row.dlp) : null) ?? dlpHeader,
      latencyMs: row?.latency_ms ?? Date.now() - t0,
    };
    if (error && !error.hint) error.hint = hintFor(error.status, error.code, error.retryAfterSeconds);
    const stored = this.store.finish(assistant.id, text, status, error, result);
    const conversation = this.store.get(conversationId);
    const asked = this.store.message(user.id);
    if (conversation) this.emit({ kind: 'done', conversationId, message: publicMessage(stored), user: asked ? publicMessage(asked) : null, conversation: { ...conversation, streaming: false } });
  }

  private async post(port: number, body: unknown, tags: string, signal: AbortSignal, rotate: boolean): Promise<Response> {
    const token = this.internalToken(rotate);
    return fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-airlock-tags': tags },
      body: JSON.stringify(body),
      signal,
    });
  }

  private async requestRow(tags: string, since: number): Promise<TurnColumns | null> {
    // settle() queues the row when the gateway finishes the response; give it a turn, then write the queue.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, i === 0 ? 0 : 20));
      this.core.requestLog.flush();
      const row = this.rowByTag.get(CHAT_CLIENT, since - 1000, tags) as TurnColumns | undefined;
      if (row) return row;
    }
    return null;
  }
}

function numOrNull(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function safeDlp(s: string): ChatDlpFinding[] | null {
  try {
    const v = JSON.parse(s) as ChatDlpFinding[];
    return Array.isArray(v) ? v.filter((f) => typeof f?.type === 'string').map((f) => ({ type: f.type, count: Number(f.count) || 1, action: String(f.action ?? '') })) : null;
  } catch {
    return null;
  }
}

/** `x-airlock-dlp: EMAIL=mask,IBAN=mask` → findings (count unknown: 1 each), a fallback when no row is found. */
function parseDlpHeader(h: string | null): ChatDlpFinding[] | null {
  if (!h) return null;
  const out = h
    .split(',')
    .map((p) => p.trim().split('='))
    .filter((p) => p[0])
    .map(([type, action]) => ({ type: type!, count: 1, action: action ?? '' }));
  return out.length ? out : null;
}

function errorOf(status: number, raw: string, retryAfterHeader: string | null): ChatError {
  let message = `The gateway answered HTTP ${status}.`;
  let code: string | null = null;
  try {
    const j = JSON.parse(raw);
    const e = j?.error;
    if (typeof e?.message === 'string') message = e.message;
    if (typeof e?.code === 'string') code = e.code;
    else if (typeof e?.type === 'string') code = e.type;
  } catch {
    /* not JSON */
  }
  const ra = retryAfterHeader !== null ? Number(retryAfterHeader) : NaN;
  const retryAfterSeconds = Number.isFinite(ra) && ra >= 0 ? Math.ceil(ra) : null;
  return { status, code, message, hint: hintFor(status, code, retryAfterSeconds), retryAfterSeconds };
}

// One ChatService per core (the API handlers and tests share it).
const services = new WeakMap<Core, ChatService>();

export function chatOf(core: Core, gateway: () => ChatGatewayInfo): ChatService {
  let s = services.get(core);
  if (!s) {
    s = new ChatService(core, gateway);
    services.set(core, s);
  }
  return s;
}
