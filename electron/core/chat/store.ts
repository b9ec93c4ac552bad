// Conversations and messages of the chat workspace (migration 006), full-text search over them (FTS5, kept in
// sync by triggers), soft delete with undo, and export. Synchronous better-sqlite3 with prepared statements;
// every query is bounded (LIMIT, indexed ranges) so it stays short at 10,000 conversations.
import crypto from 'node:crypto';
import type { DB } from '../store/db.ts';
import type { ChatAttachment, ChatDlpFinding, ChatError, ChatMessage, ChatSearchHit, Conversation } from '../../../shared/api/chat.ts';

/** A deleted conversation stays restorable this long, then is purged. */
export const UNDO_WINDOW_MS = 10 * 60_000;

interface ConvRow {
  id: string;
  title: string;
  title_auto: number;
  pinned: number;
  model: string;
  system_prompt: string;
  temperature: number | null;
  max_tokens: number | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  message_count: number;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
}

/** The outcome columns of a turn: the same names in the gateway's requests row and the assistant message row. */
export interface TurnColumns {
  requested_model: string | null;
  provider: string | null;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cached_tokens: number | null;
  cost_usd: number | null;
  cache_hit: number;
  dlp: string | null;
  latency_ms: number | null;
}

interface MsgRow extends TurnColumns {
  id: number;
  conversation_id: string;
  seq: number;
  role: 'user' | 'assistant';
  content: string;
  attachments: string | null;
  status: ChatMessage['status'];
  error: string | null;
  created_at: number;
}

/** An attachment as stored: the metadata the UI shows plus the payload a resend needs. */
export interface StoredAttachment extends ChatAttachment {
  text?: string;
  dataUrl?: string;
}

export interface StoredMessage extends ChatMessage {
  /** Attachment payloads (text, data URLs), for building the request; not part of the API shape. */
  payloads: StoredAttachment[];
}

export interface TurnResult {
  requestedModel: string | null;
  provider: string | null;
  model: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedTokens: number | null;
  costUsd: number | null;
  cacheHit: boolean;
  dlp: ChatDlpFinding[] | null;
  latencyMs: number | null;
}

const json = <T>(s: string | null, fallback: T): T => {
  if (s === null) return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
};

function toConversation(r: ConvRow, streaming = false): Conversation {
  return {
    id: r.id,
    title: r.title,
    pinned: r.pinned === 1,
    model: r.model,
    systemPrompt: r.system_prompt,
    temperature: r.temperature,
    maxTokens: r.max_tokens,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    messageCount: r.message_count,
    costUsd: Math.round(r.cost_usd * 1e9) / 1e9,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    streaming,
  };
}

function toMessage(r: MsgRow): StoredMessage {
  const payloads = json<StoredAttachment[]>(r.attachments, []);
  return {
    id: r.id,
    conversationId: r.conversation_id,
    seq: r.seq,
    role: r.role,
    content: r.content,
    attachments: payloads.map((a) => ({ name: a.name, kind: a.kind, mime: a.mime, size: a.size })),
    payloads,
    status: r.status,
    error: json<ChatError | null>(r.error, null),
    requestedModel: r.requested_model,
    provider: r.provider,
    model: r.model,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    cachedTokens: r.cached_tokens,
    costUsd: r.cost_usd,
    cacheHit: r.cache_hit === 1,
    dlp: json<ChatDlpFinding[] | null>(r.dlp, null),
    latencyMs: r.latency_ms,
    createdAt: r.created_at,
  };
}

/** The API shape of a stored message (payloads stay in core). */
export function publicMessage(m: StoredMessage): ChatMessage {
  const { payloads: _p, ...rest } = m;
  return rest;
}

/** A title from the first user message: its first line, cut at a word boundary near 60 characters. */
export function autoTitle(text: string): string {
  const line = text.replace(/```[\s\S]*?(```|$)/g, ' ').split('\n').map((l) => l.replace(/^[#>*\-\s]+/, '').trim()).find((l) => l.length > 0) ?? '';
  const clean = line.replace(/\s+/g, ' ');
  if (clean.length <= 60) return clean || 'New chat';
  const cut = clean.slice(0, 60);
  const space = cut.lastIndexOf(' ');
  return `${(space > 30 ? cut.slice(0, space) : cut).replace(/[\s,.;:]+$/, '')}…`;
}

/**
 * Turns what a person typed into a safe FTS5 query: every word becomes a quoted term (so `"`, `*`, `-`, `:`,
 * AND/OR/NEAR are plain text), the last one a prefix match. Returns null when nothing searchable is left.
 */
export function ftsQuery(input: string): string | null {
  const words = input.match(/[\p{L}\p{N}_]+/gu);
  if (!words || words.length === 0) return null;
  const terms = words.slice(0, 16).map((w) => `"${w}"`);
  terms[terms.length - 1] += '*';
  return terms.join(' ');
}

const SNIPPET_OPEN = '\u0002';
const SNIPPET_CLOSE = '\u0003';

export class ChatStore {
  readonly db: DB;
  private readonly s;

  constructor(db: DB) {
    this.db = db;
    this.s = {
      getConv: db.prepare('SELECT * FROM conversations WHERE id = ? AND deleted_at IS NULL'),
      getConvAny: db.prepare('SELECT * FROM conversations WHERE id = ?'),
      list: db.prepare('SELECT * FROM conversations WHERE deleted_at IS NULL ORDER BY pinned DESC, updated_at DESC LIMIT ? OFFSET ?'),
      count: db.prepare('SELECT COUNT(*) FROM conversations WHERE deleted_at IS NULL').pluck(),
      insertConv: db.prepare(
        `INSERT INTO conversations (id, title, model, system_prompt, temperature, max_tokens, created_at, updated_at)
         VALUES (@id, '', @model, @systemPrompt, @temperature, @maxTokens, @now, @now)`,
      ),
      page: db.prepare('SELECT * FROM messages WHERE conversation_id = ? AND seq >= ? ORDER BY seq LIMIT ?'),
      getMsg: db.prepare('SELECT * FROM messages WHERE id = ?'),
      lastMsg: db.prepare('SELECT * FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT 1'),
      insertMsg: db.prepare(
        `INSERT INTO messages (conversation_id, seq, role, content, attachments, status, requested_model, created_at)
         VALUES (@conversationId, @seq, @role, @content, @attachments, @status, @requestedModel, @now)`,
      ),
      truncate: db.prepare('DELETE FROM messages WHERE conversation_id = ? AND seq > ?'),
      recount: db.prepare(
        `UPDATE conversations SET message_count = (SELECT COUNT(*) FROM messages WHERE conversation_id = @id), updated_at = @now WHERE id = @id`,
      ),
      setContent: db.prepare('UPDATE messages SET content = ? WHERE id = ?'),
      finish: db.prepare(
        `UPDATE messages SET content = @content, status = @status, error = @error, requested_model = @requestedModel, provider = @provider,
           model = @model, input_tokens = @inputTokens, output_tokens = @outputTokens, cached_tokens = @cachedTokens, cost_usd = @costUsd,
           cache_hit = @cacheHit, dlp = @dlp, latency_ms = @latencyMs WHERE id = @id`,
      ),
      addTotals: db.prepare(
        `UPDATE conversations SET cost_usd = cost_usd + @cost, input_tokens = input_tokens + @input, output_tokens = output_tokens + @output, updated_at = @now WHERE id = @id`,
      ),
      all: db.prepare('SELECT * FROM messages WHERE conversation_id = ? ORDER BY seq'),
      softDelete: db.prepare('UPDATE conversations SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL'),
      restore: db.prepare('UPDATE conversations SET deleted_at = NULL WHERE id = ? AND deleted_at IS NOT NULL'),
      purge: db.prepare('DELETE FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at < ?'),
      // Newest matches first: FTS5 walks its doclists backwards by rowid and stops at LIMIT, so a common word
      // costs about as much as a rare one (ranking by bm25 would score every match first).
      search: db.prepare(
        `SELECT m.id AS messageId, m.seq AS seq, m.role AS role, c.id AS conversationId, c.title AS title, c.updated_at AS updatedAt,
                snippet(messages_fts, 0, '${SNIPPET_OPEN}', '${SNIPPET_CLOSE}', '…', 16) AS snippet
           FROM messages_fts
           JOIN messages m ON m.id = messages_fts.rowid
           JOIN conversations c ON c.id = m.conversation_id AND c.deleted_at IS NULL
          WHERE messages_fts MATCH ?
          ORDER BY messages_fts.rowid DESC
          LIMIT ?`,
      ),
      searchTitles: db.prepare(
        `SELECT id AS conversationId, title, updated_at AS updatedAt FROM conversations
          WHERE deleted_at IS NULL AND title LIKE ? ESCAPE '\\' ORDER BY updated_at DESC LIMIT ?`,
      ),
    };
  }

  // -------------------------------------------------------------------------------------------------------
  // Conversations

  create(opts: { model?: string; systemPrompt?: string; temperature?: number | null; maxTokens?: number | null } = {}): Conversation {
    const id = `c_${crypto.randomBytes(12).toString('base64url')}`;
    this.s.insertConv.run({
      id,
      model: opts.model ?? 'auto',
      systemPrompt: opts.systemPrompt ?? '',
      temperature: opts.temperature ?? null,
      maxTokens: opts.maxTokens ?? null,
      now: Date.now(),
    });
    return this.get(id)!;
  }

  get(id: string): Conversation | null {
    const r = this.s.getConv.get(id) as ConvRow | undefined;
    return r ? toConversation(r) : null;
  }

  list(limit = 100, offset = 0): { conversations: Conversation[]; total: number } {
    this.purgeDeleted();
    const rows = this.s.list.all(limit, offset) as ConvRow[];
    return { conversations: rows.map((r) => toConversation(r)), total: this.s.count.get() as number };
  }

  update(id: string, patch: { title?: string; pinned?: boolean; model?: string; systemPrompt?: string; temperature?: number | null; maxTokens?: number | null }): Conversation | null {
    const sets: string[] = [];
    const args: Record<string, unknown> = { id };
    if (patch.title !== undefined) {
      sets.push('title = @title', 'title_auto = 0');
      args.title = patch.title.trim();
    }
    if (patch.pinned !== undefined) {
      sets.push('pinned = @pinned');
      args.pinned = patch.pinned ? 1 : 0;
    }
    if (patch.model !== undefined) {
      sets.push('model = @model');
      args.model = patch.model;
    }
    if (patch.systemPrompt !== undefined) {
      sets.push('system_prompt = @systemPrompt');
      args.systemPrompt = patch.systemPrompt;
    }
    if (patch.temperature !== undefined) {
      sets.push('temperature = @temperature');
      args.temperature = patch.temperature;
    }
    if (patch.maxTokens !== undefined) {
      sets.push('max_tokens = @maxTokens');
      args.maxTokens = patch.maxTokens;
    }
    if (sets.length) this.db.prepare(`UPDATE conversations SET ${sets.join(', ')} WHERE id = @id AND deleted_at IS NULL`).run(args);
    return this.get(id);
  }

  /** Sets the automatic title unless the user renamed the conversation. */
  setAutoTitle(id: string, title: string): void {
    this.db.prepare("UPDATE conversations SET title = ? WHERE id = ? AND title_auto = 1 AND title = ''").run(title, id);
  }

  /** Soft delete: restorable with restore() for UNDO_WINDOW_MS. */
  delete(id: string, now = Date.now()): boolean {
    return this.s.softDelete.run(now, id).changes > 0;
  }

  restore(id: string): Conversation | null {
    this.s.restore.run(id);
    return this.get(id);
  }

  /** Removes conversations deleted longer ago than the undo window (their messages and index rows go too). */
  purgeDeleted(now = Date.now()): number {
    return this.s.purge.run(now - UNDO_WINDOW_MS).changes;
  }

  // -------------------------------------------------------------------------------------------------------
  // Messages

  /** A page of messages by position; without fromSeq, the last `limit`. */
  messages(conversationId: string, fromSeq: number | undefined, limit: number): { messages: StoredMessage[]; total: number } {
    const conv = this.s.getConv.get(conversationId) as ConvRow | undefined;
    if (!conv) return { messages: [], total: 0 };
    const total = conv.message_count;
    const from = fromSeq ?? Math.max(1, total - limit + 1);
    return { messages: (this.s.page.all(conversationId, from, limit) as MsgRow[]).map(toMessage), total };
  }

  allMessages(conversationId: string): StoredMessage[] {
    return (this.s.all.all(conversationId) as MsgRow[]).map(toMessage);
  }

  message(id: number): StoredMessage | null {
    const r = this.s.getMsg.get(id) as MsgRow | undefined;
    return r ? toMessage(r) : null;
  }

  last(conversationId: string): StoredMessage | null {
    const r = this.s.lastMsg.get(conversationId) as MsgRow | undefined;
    return r ? toMessage(r) : null;
  }

  /**
   * Appends messages (in one transaction). With `afterSeq`, every message after that position is removed first
   * (edit-and-resend, regenerate): the conversation stays one linear thread.
   */
  append(
    conversationId: string,
    items: { role: 'user' | 'assistant'; content: string; attachments?: StoredAttachment[]; status?: ChatMessage['status']; requestedModel?: string | null }[],
    afterSeq?: number,
  ): StoredMessage[] {
    const tx = this.db.transaction(() => {
      if (afterSeq !== undefined) this.s.truncate.run(conversationId, afterSeq);
      const last = this.s.lastMsg.get(conversationId) as MsgRow | undefined;
      let seq = last?.seq ?? 0;
      const now = Date.now();
      const ids: number[] = [];
      for (const it of items) {
        const r = this.s.insertMsg.run({
          conversationId,
          seq: ++seq,
          role: it.role,
          content: it.content,
          attachments: it.attachments && it.attachments.length ? JSON.stringify(it.attachments) : null,
          status: it.status ?? 'done',
          requestedModel: it.requestedModel ?? null,
          now,
        });
        ids.push(Number(r.lastInsertRowid));
      }
      this.s.recount.run({ id: conversationId, now });
      return ids;
    });
    return tx.immediate().map((id) => this.message(id)!);
  }

  /** Replaces a user message's text and drops everything after it. */
  editAndTruncate(messageId: number, content: string): StoredMessage | null {
    const tx = this.db.transaction(() => {
      const m = this.s.getMsg.get(messageId) as MsgRow | undefined;
      if (!m) return null;
      this.s.setContent.run(content, messageId);
      this.s.truncate.run(m.conversation_id, m.seq);
      this.s.recount.run({ id: m.conversation_id, now: Date.now() });
      return messageId;
    });
    const id = tx.immediate();
    return id === null ? null : this.message(id);
  }

  /** Drops every message after `seq`. */
  truncateAfter(conversationId: string, seq: number): void {
    this.db.transaction(() => {
      this.s.truncate.run(conversationId, seq);
      this.s.recount.run({ id: conversationId, now: Date.now() });
    }).immediate();
  }

  /** Writes the outcome of a turn onto the assistant message and adds its cost and tokens to the conversation. */
  finish(messageId: number, content: string, status: ChatMessage['status'], error: ChatError | null, r: TurnResult): StoredMessage {
    const m = this.message(messageId);
    this.db.transaction(() => {
      this.s.finish.run({
        id: messageId,
        content,
        status,
        error: error ? JSON.stringify(error) : null,
        requestedModel: r.requestedModel,
        provider: r.provider,
        model: r.model,
        inputTokens: r.inputTokens,
        outputTokens: r.outputTokens,
        cachedTokens: r.cachedTokens,
        costUsd: r.costUsd,
        cacheHit: r.cacheHit ? 1 : 0,
        dlp: r.dlp ? JSON.stringify(r.dlp) : null,
        latencyMs: r.latencyMs,
      });
      if (m) this.s.addTotals.run({ id: m.conversationId, cost: r.costUsd ?? 0, input: r.inputTokens ?? 0, output: r.outputTokens ?? 0, now: Date.now() });
    }).immediate();
    return this.message(messageId)!;
  }

  /** Assistant messages left 'streaming' by a crash or quit are marked stopped at start. */
  recoverInterrupted(): number {
    return this.db.prepare("UPDATE messages SET status = 'stopped' WHERE status = 'streaming'").run().changes;
  }

  // -------------------------------------------------------------------------------------------------------
  // Search and export

  search(query: string, limit = 50): ChatSearchHit[] {
    const q = ftsQuery(query);
    if (!q) return [];
    const hits = this.s.search.all(q, limit) as ChatSearchHit[];
    // Titles match too (a LIKE over at most 10,000 short strings); shown first, once per conversation.
    const words = query.trim();
    const like = `%${words.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const titles = (this.s.searchTitles.all(like, 10) as { conversationId: string; title: string; updatedAt: number }[]).map(
      (t): ChatSearchHit => ({ conversationId: t.conversationId, title: t.title, messageId: null, seq: null, role: null, snippet: markTitle(t.title, words), updatedAt: t.updatedAt }),
    );
    return [...titles, ...hits].slice(0, limit);
  }

  export(id: string, format: 'markdown' | 'json'): { filename: string; mime: string; content: string } | null {
    const conv = this.get(id);
    if (!conv) return null;
    const msgs = this.allMessages(id);
    const base = (conv.title || 'chat').replace(/[^\p{L}\p{N} _-]+/gu, '').trim().replace(/\s+/g, '-').slice(0, 60) || 'chat';
    if (format === 'json') {
      const doc = {
        format: 'airlock-chat/1',
        exportedAt: new Date().toISOString(),
        conversation: conv,
        messages: msgs.map(publicMessage),
      };
      return { filename: `${base}.json`, mime: 'application/json', content: JSON.stringify(doc, null, 2) + '\n' };
    }
    const lines: string[] = [`# ${conv.title || 'Chat'}`, ''];
    lines.push(`_Exported from Airlock on ${new Date().toISOString()}. Model: ${conv.model}. Total cost: $${conv.costUsd.toFixed(6)}._`, '');
    if (conv.systemPrompt) lines.push('## System prompt', '', conv.systemPrompt, '');
    for (const m of msgs) {
      if (m.role === 'user') lines.push('## You', '');
      else {
        const meta = [m.provider && m.model ? `${m.provider}/${m.model}` : m.requestedModel, m.costUsd !== null ? `$${m.costUsd.toFixed(6)}` : null, m.cacheHit ? 'cache hit' : null]
          .filter(Boolean)
          .join(' · ');
        lines.push(`## Assistant${meta ? ` (${meta})` : ''}`, '');
      }
      for (const a of m.attachments) lines.push(`> Attachment: ${a.name} (${a.kind}, ${a.size} bytes)`, '');
      if (m.status === 'blocked' || m.status === 'error') lines.push(`> ${m.status === 'blocked' ? 'Blocked' : 'Error'}: ${m.error?.message ?? ''}`, '');
      else lines.push(m.content, '');
      if (m.status === 'stopped') lines.push('_(stopped)_', '');
    }
    return { filename: `${base}.md`, mime: 'text/markdown', content: lines.join('\n') };
  }
}

function markTitle(title: string, query: string): string {
  const i = title.toLowerCase().indexOf(query.toLowerCase());
  if (i < 0 || !query) return title;
  return `${title.slice(0, i)}${SNIPPET_OPEN}${title.slice(i, i + query.length)}${SNIPPET_CLOSE}${title.slice(i + query.length)}`;
}
