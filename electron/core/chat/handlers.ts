// The chat methods of the app API (shared/api/chat.ts), spread into createHandlers (electron/core/api/handlers.ts).
import type { Core } from '../core.ts';
import type { z } from 'zod';
import type { chatMethods, ChatModels, Conversation } from '../../../shared/api/chat.ts';
import { ApiError } from '../../../shared/api/errors.ts';
import { discoverable, discoveryError, listModels } from '../routing/models.ts';
import { routingOf } from '../routing/runtime.ts';
import { lookupModelFor } from '../routing/catalog.ts';
import { isGeneralPurpose } from '../routing/auto.ts';
import { discoveryBeforeRoute, resolveRoute } from '../routing/resolve.ts';
import { CHAT_CLIENT, chatOf, type ChatGatewayInfo } from './runner.ts';
import { publicMessage, type StoredAttachment } from './store.ts';

type ChatContract = typeof chatMethods;
type ChatHandlers = { [M in keyof ChatContract]: (input: z.output<ChatContract[M]['input']>) => Promise<z.output<ChatContract[M]['output']>> | z.output<ChatContract[M]['output']> };

const ALIAS_TEXT: Record<string, string> = {
  auto: 'Best value: the cheapest capable model for each message',
  fast: 'Cheapest, quickest economy models',
  smart: 'Flagship models only',
};

export function chatHandlers(core: Core, gateway: () => ChatGatewayInfo): ChatHandlers {
  const svc = () => chatOf(core, gateway);
  const withState = (c: Conversation): Conversation => ({ ...c, streaming: svc().streaming(c.id) });
  const conv = (id: string): Conversation => {
    const c = svc().store.get(id);
    if (!c) throw new ApiError('not_found', 'That conversation does not exist (it may have been deleted).');
    return withState(c);
  };
  const turn = (t: { user: Parameters<typeof publicMessage>[0]; assistant: Parameters<typeof publicMessage>[0] }) => ({ user: publicMessage(t.user), assistant: publicMessage(t.assistant) });

  return {
    'chat.list': ({ limit, offset }) => {
      const r = svc().store.list(limit ?? 100, offset ?? 0);
      return { conversations: r.conversations.map(withState), total: r.total };
    },
    'chat.get': ({ id }) => conv(id),
    // A new conversation without a model gets one that can answer (auto only when auto has a model to choose).
    'chat.create': async (input) => withState(svc().store.create(input.model ? input : { ...input, model: (await chatModels(core)).defaultModel })),
    'chat.update': ({ id, ...patch }) => {
      conv(id);
      return withState(svc().store.update(id, patch)!);
    },
    'chat.delete': ({ id }) => {
      svc().stop(id);
      return { deleted: svc().store.delete(id) };
    },
    'chat.restore': ({ id }) => {
      const c = svc().store.restore(id);
      if (!c) throw new ApiError('not_found', 'That conversation can no longer be restored.');
      return withState(c);
    },
    'chat.messages': ({ conversationId, fromSeq, limit }) => {
      conv(conversationId);
      const r = svc().store.messages(conversationId, fromSeq, limit ?? 100);
      return { messages: r.messages.map(publicMessage), total: r.total };
    },
    'chat.send': ({ conversationId, content, attachments }) => {
      const stored: StoredAttachment[] = (attachments ?? []).map((a) => ({
        name: a.name,
        kind: a.kind,
        mime: a.mime,
        size: a.kind === 'text' ? Buffer.byteLength(a.text ?? '', 'utf8') : Math.floor(((a.dataUrl ?? '').length - (a.dataUrl ?? '').indexOf(',') - 1) * 0.75),
        ...(a.text !== undefined ? { text: a.text } : {}),
        ...(a.dataUrl !== undefined ? { dataUrl: a.dataUrl } : {}),
      }));
      return turn(svc().send(conversationId, content, stored));
    },
    'chat.edit': ({ conversationId, messageId, content }) => turn(svc().edit(conversationId, messageId, content)),
    'chat.regenerate': ({ conversationId }) => turn(svc().regenerate(conversationId)),
    'chat.stop': ({ conversationId }) => ({ stopped: svc().stop(conversationId) }),
    'chat.search': ({ query, limit }) => ({ hits: svc().store.search(query, limit ?? 50) }),
    'chat.export': ({ id, format }) => {
      const r = svc().store.export(id, format);
      if (!r) throw new ApiError('not_found', 'That conversation does not exist (it may have been deleted).');
      return r;
    },
    'chat.models': () => chatModels(core),
  };
}

/** A short first message: what an alias must be able to route for chat to offer it as working. */
const PROBE = { messages: [{ role: 'user', content: 'hello' }] };

/**
 * The picker's content: aliases (with whether each can route a short message now), every allowed chat model by
 * provider with prices, the default for new conversations, and what to fix when models are missing.
 */
export async function chatModels(core: Core): Promise<ChatModels> {
  const live = core.live.refresh();
  const listed = await listModels(live, core);
  const rt = routingOf(core);
  const byProvider = new Map<string, ChatModels['providers'][number]>();
  for (const entry of listed) {
    const slash = entry.id.indexOf('/');
    const pid = entry.id.slice(0, slash);
    const name = entry.id.slice(slash + 1);
    const p = live.providers.get(pid);
    if (!p || !rt.allowed(p, name)) continue;
    const info = lookupModelFor(p, name);
    // Chat-capable models only: catalog entries say their mode; discovered models (local servers) are kept.
    if (info?.mode && info.mode !== 'chat' && info.mode !== 'responses') continue;
    if (p.catalogProvider && !p.local && !isGeneralPurpose(name)) continue;
    let group = byProvider.get(pid);
    if (!group) byProvider.set(pid, (group = { id: pid, local: p.local, models: [] }));
    const perM = (x: number | undefined) => (x === undefined ? null : Math.round(x * 1e6 * 1e4) / 1e4);
    group.models.push({ id: entry.id, name, inputPerM: perM(info?.input), outputPerM: perM(info?.output), vision: info?.vision ?? null, contextWindow: info?.contextWindow ?? null });
  }
  const providers = [...byProvider.values()];
  const aliases: ChatModels['aliases'] = [];
  let autoProblem: string | null = null;
  for (const [id, r] of routingOf(core).routes) {
    let available = true;
    try {
      await discoveryBeforeRoute(rt, core, live, id);
      resolveRoute(routingOf(core), live, id, PROBE, { client: CHAT_CLIENT });
    } catch (err) {
      available = false;
      if (id === 'auto') autoProblem = (err as Error).message;
    }
    const description = ALIAS_TEXT[id] ?? (r.strategy === 'auto' ? 'Routed automatically' : `Tries ${r.candidates.slice(0, 3).join(', ')}${r.candidates.length > 3 ? ', …' : ''}`);
    aliases.push({ id, description, managed: Boolean(r.managed), available });
  }
  const firstModel = providers[0]?.models[0]?.id ?? null;
  const autoOk = aliases.find((a) => a.id === 'auto')?.available ?? false;
  const defaultModel = autoOk ? 'auto' : (firstModel ?? aliases.find((a) => a.available)?.id ?? 'auto');

  // What the user should fix, most basic first.
  const failed = [...live.providers.values()].filter((p) => discoverable(p) && discoveryError(p));
  const listFailures = failed.map((p) => `Could not list the models of '${p.id}': ${discoveryError(p)!.replace(/\.$/, '')}.`).join(' ');
  let notice: string | null = null;
  if (live.providers.size === 0) notice = 'No provider yet: add one under Providers & keys.';
  else if (!firstModel && !aliases.some((a) => a.available)) {
    notice = `No model is available to chat with. ${listFailures ? `${listFailures} Fix its key or URL under Providers & keys (Test key), then reopen this list.` : autoProblem ?? ''}`.trim();
  } else if (listFailures) notice = `${listFailures} Its models are missing from this list: fix its key or URL under Providers & keys, then reopen it.`;
  else if (!autoOk && autoProblem) notice = `'auto' cannot route yet, so new chats use ${defaultModel}. ${autoProblem}`;
  return { aliases, providers, defaultModel, notice };
}
