// The chat screen's state (zustand): conversations, the open conversation's messages (paged by position, so a
// 5,000-message chat loads only what is on screen), streamed text, search, the model list, and delete-undo.
import { create } from 'zustand';
import type { AppEvent } from '../../../../shared/api/contract.ts';
import type { ChatAttachmentInput, ChatMessage, ChatModels, ChatSearchHit, Conversation } from '../../../../shared/api/chat.ts';
import { api } from '../../api.ts';
import { errorText } from '../../store.ts';
import { usableModel } from '../../components/chat/chat-format.ts';

export const PAGE = 100;

export interface ConvMessages {
  total: number;
  bySeq: Record<number, ChatMessage>;
}

interface ChatState {
  conversations: Conversation[];
  total: number;
  listLoaded: boolean;
  listError: string | null;
  activeId: string | null;
  messages: Record<string, ConvMessages>;
  /** Text streamed so far, by assistant message id (merged into content when the turn is done). */
  streamText: Record<number, string>;
  models: ChatModels | null;
  modelsError: string | null;
  query: string;
  hits: ChatSearchHit[] | null;
  /** The last deleted conversation, restorable until the undo bar goes. */
  undo: { id: string; title: string } | null;
  error: string | null;
  /** Scroll the list to this seq once loaded (search hits). */
  focusSeq: number | null;
  init(): Promise<void>;
  loadList(): Promise<void>;
  loadModels(): Promise<void>;
  open(id: string | null, focusSeq?: number | null): Promise<void>;
  newChat(): Promise<Conversation | null>;
  ensureRange(convId: string, from: number, to: number): void;
  send(content: string, attachments: ChatAttachmentInput[]): Promise<boolean>;
  stop(): Promise<void>;
  regenerate(): Promise<void>;
  edit(messageId: number, content: string): Promise<void>;
  update(id: string, patch: { title?: string; pinned?: boolean; model?: string; systemPrompt?: string; temperature?: number | null; maxTokens?: number | null }): Promise<void>;
  remove(id: string): Promise<void>;
  undoDelete(): Promise<void>;
  dismissUndo(): void;
  search(q: string): Promise<void>;
  onEvent(e: AppEvent): void;
  setError(e: string | null): void;
}

const inflight = new Set<string>();
let searchSeq = 0;
let subscribed = false;

function sortConvs(list: Conversation[]): Conversation[] {
  return [...list].sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.updatedAt - a.updatedAt);
}

export const useChat = create<ChatState>((set, get) => {
  const upsertConv = (c: Conversation) => {
    const list = get().conversations.filter((x) => x.id !== c.id);
    set({ conversations: sortConvs([c, ...list]) });
  };
  const putMessages = (convId: string, msgs: ChatMessage[], total?: number) => {
    const cur = get().messages[convId] ?? { total: 0, bySeq: {} };
    const bySeq = { ...cur.bySeq };
    for (const m of msgs) {
      const old = bySeq[m.seq];
      // A turn's 'done' event can beat the answer to the call that started it: never go back to streaming.
      if (old && old.id === m.id && old.status !== 'streaming' && m.status === 'streaming') continue;
      bySeq[m.seq] = m;
    }
    const t = total ?? Math.max(cur.total, ...msgs.map((m) => m.seq));
    // Positions past the total are gone (truncated by an edit or regenerate).
    for (const k of Object.keys(bySeq)) if (Number(k) > t) delete bySeq[Number(k)];
    set({ messages: { ...get().messages, [convId]: { total: t, bySeq } } });
  };
  const turn = (convId: string, r: { user: ChatMessage; assistant: ChatMessage }) => {
    putMessages(convId, [r.user, r.assistant], r.assistant.seq);
    if (get().messages[convId]?.bySeq[r.assistant.seq]?.status !== 'streaming') return;
    if (get().streamText[r.assistant.id] === undefined) set({ streamText: { ...get().streamText, [r.assistant.id]: '' } });
    const c = get().conversations.find((x) => x.id === convId);
    if (c) upsertConv({ ...c, streaming: true, updatedAt: Date.now(), messageCount: r.assistant.seq });
  };
  const fail = (err: unknown) => set({ error: errorText(err) });

  return {
    conversations: [],
    total: 0,
    listLoaded: false,
    listError: null,
    activeId: null,
    messages: {},
    streamText: {},
    models: null,
    modelsError: null,
    query: '',
    hits: null,
    undo: null,
    error: null,
    focusSeq: null,

    async init() {
      if (!subscribed) {
        subscribed = true;
        api.subscribe((e) => get().onEvent(e));
      }
      await Promise.all([get().loadList(), get().loadModels()]);
      const first = get().conversations[0];
      if (!get().activeId && first) await get().open(first.id);
    },
    async loadList() {
      try {
        const r = await api.call('chat.list', { limit: 200 });
        set({ conversations: r.conversations, total: r.total, listLoaded: true, listError: null });
      } catch (err) {
        set({ listError: errorText(err), listLoaded: true });
      }
    },
    async loadModels() {
      try {
        set({ models: await api.call('chat.models'), modelsError: null });
      } catch (err) {
        set({ modelsError: errorText(err) });
      }
    },
    async open(id, focusSeq = null) {
      set({ activeId: id, error: null, focusSeq });
      if (!id) return;
      try {
        const r = focusSeq
          ? await api.call('chat.messages', { conversationId: id, fromSeq: Math.max(1, focusSeq - PAGE / 2), limit: PAGE })
          : await api.call('chat.messages', { conversationId: id, limit: PAGE });
        putMessages(id, r.messages, r.total);
      } catch (err) {
        fail(err);
      }
    },
    async newChat() {
      try {
        const last = get().conversations.find((c) => c.id === get().activeId);
        // Keep the open chat's model when it can still answer; otherwise the server picks one that can.
        const c = await api.call('chat.create', last && usableModel(get().models, last.model) ? { model: last.model } : {});
        upsertConv(c);
        set({ messages: { ...get().messages, [c.id]: { total: 0, bySeq: {} } }, activeId: c.id, error: null, focusSeq: null });
        return c;
      } catch (err) {
        fail(err);
        return null;
      }
    },
    ensureRange(convId, from, to) {
      const cur = get().messages[convId];
      if (!cur) return;
      const lo = Math.max(1, from);
      const hi = Math.min(cur.total, to);
      let missing = -1;
      for (let s = lo; s <= hi; s++) {
        if (!cur.bySeq[s]) {
          missing = s;
          break;
        }
      }
      if (missing < 0) return;
      const start = Math.max(1, Math.floor((missing - 1) / PAGE) * PAGE + 1);
      const key = `${convId}:${start}`;
      if (inflight.has(key)) return;
      inflight.add(key);
      void api
        .call('chat.messages', { conversationId: convId, fromSeq: start, limit: PAGE })
        .then((r) => putMessages(convId, r.messages, r.total))
        .catch(fail)
        .finally(() => inflight.delete(key));
    },
    async send(content, attachments) {
      let id = get().activeId;
      if (!id) id = (await get().newChat())?.id ?? null;
      if (!id) return false;
      try {
        turn(id, await api.call('chat.send', { conversationId: id, content, ...(attachments.length ? { attachments } : {}) }));
        set({ error: null });
        return true;
      } catch (err) {
        fail(err);
        return false;
      }
    },
    async stop() {
      const id = get().activeId;
      if (id) await api.call('chat.stop', { conversationId: id }).catch(fail);
    },
    async regenerate() {
      const id = get().activeId;
      if (!id) return;
      try {
        turn(id, await api.call('chat.regenerate', { conversationId: id }));
      } catch (err) {
        fail(err);
      }
    },
    async edit(messageId, content) {
      const id = get().activeId;
      if (!id) return;
      try {
        turn(id, await api.call('chat.edit', { conversationId: id, messageId, content }));
      } catch (err) {
        fail(err);
      }
    },
    async update(id, patch) {
      try {
        upsertConv(await api.call('chat.update', { id, ...patch }));
      } catch (err) {
        fail(err);
      }
    },
    async remove(id) {
      const c = get().conversations.find((x) => x.id === id);
      try {
        await api.call('chat.delete', { id });
      } catch (err) {
        return fail(err);
      }
      const rest = get().conversations.filter((x) => x.id !== id);
      set({ conversations: rest, undo: { id, title: c?.title || 'New chat' }, total: Math.max(0, get().total - 1) });
      if (get().activeId === id) await get().open(rest[0]?.id ?? null);
    },
    async undoDelete() {
      const u = get().undo;
      if (!u) return;
      set({ undo: null });
      try {
        const c = await api.call('chat.restore', { id: u.id });
        upsertConv(c);
        set({ total: get().total + 1 });
        await get().open(c.id);
      } catch (err) {
        fail(err);
      }
    },
    dismissUndo: () => set({ undo: null }),
    async search(q) {
      set({ query: q });
      const mine = ++searchSeq;
      if (!q.trim()) return set({ hits: null });
      try {
        const r = await api.call('chat.search', { query: q, limit: 50 });
        if (mine === searchSeq) set({ hits: r.hits });
      } catch (err) {
        fail(err);
      }
    },
    onEvent(e) {
      if (e.type !== 'chat') return;
      const ev = e.event;
      if (ev.kind === 'delta') {
        const cur = get().streamText[ev.messageId];
        set({ streamText: { ...get().streamText, [ev.messageId]: (cur ?? '') + ev.text } });
        return;
      }
      const st = { ...get().streamText };
      delete st[ev.message.id];
      set({ streamText: st });
      if (get().messages[ev.conversationId]) putMessages(ev.conversationId, ev.user ? [ev.user, ev.message] : [ev.message]);
      upsertConv(ev.conversation);
    },
    setError: (error) => set({ error }),
  };
});
