// The chat workspace's part of the app API contract (issue 10). contract.ts spreads chatMethods into the
// contract and adds ChatEvent to AppEvent; everything here is validated at the boundary like every method.
import { z } from 'zod';

const ConvId = z.string().regex(/^c_[A-Za-z0-9_-]{8,40}$/, 'Not a conversation id.');
const MsgId = z.number().int().positive();

import { CHAT_LIMITS } from './chat-limits.ts';

export { CHAT_LIMITS };

export const ChatAttachmentInput = z
  .object({
    name: z.string().min(1).max(255),
    kind: z.enum(['text', 'image']),
    mime: z.string().max(100),
    /** text/code files: their text, inserted into the message as context. */
    text: z.string().max(CHAT_LIMITS.textAttachment, 'That file is too large to attach (200,000 characters at most).').optional(),
    /** images: a data: URL (png, jpeg, gif, webp), sent to vision models. */
    dataUrl: z
      .string()
      .max(Math.ceil((CHAT_LIMITS.imageBytes * 4) / 3) + 64, 'That image is too large (700 KB at most).')
      .regex(/^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/, 'Images must be PNG, JPEG, GIF or WebP.')
      .optional(),
  })
  .strict()
  .refine((a) => (a.kind === 'text' ? a.text !== undefined : a.dataUrl !== undefined), 'An attachment needs its text (files) or dataUrl (images).');
export type ChatAttachmentInput = z.infer<typeof ChatAttachmentInput>;

export const ChatAttachment = z.object({ name: z.string(), kind: z.enum(['text', 'image']), mime: z.string(), size: z.number().int() });
export type ChatAttachment = z.infer<typeof ChatAttachment>;

export const ChatDlpFinding = z.object({ type: z.string(), count: z.number().int(), action: z.string() });
export type ChatDlpFinding = z.infer<typeof ChatDlpFinding>;

/** Why a turn failed or was refused: the gateway's own message (it names the policy/budget), plus what to do. */
export const ChatError = z.object({
  status: z.number().int(),
  code: z.string().nullable(),
  message: z.string(),
  hint: z.string().nullable(),
  retryAfterSeconds: z.number().nullable(),
});
export type ChatError = z.infer<typeof ChatError>;

export const ChatMessage = z.object({
  id: z.number().int(),
  conversationId: z.string(),
  seq: z.number().int(),
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  attachments: z.array(ChatAttachment),
  /** done | streaming | stopped (by the user) | error | blocked (403 policy/DLP, 429 budget/rate limit) */
  status: z.enum(['done', 'streaming', 'stopped', 'error', 'blocked']),
  error: ChatError.nullable(),
  requestedModel: z.string().nullable(),
  /** Where routing actually sent it. */
  provider: z.string().nullable(),
  model: z.string().nullable(),
  inputTokens: z.number().int().nullable(),
  outputTokens: z.number().int().nullable(),
  cachedTokens: z.number().int().nullable(),
  costUsd: z.number().nullable(),
  cacheHit: z.boolean(),
  /** DLP findings of the request that carried this turn (types, counts, actions; never values). */
  dlp: z.array(ChatDlpFinding).nullable(),
  latencyMs: z.number().nullable(),
  createdAt: z.number(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const Conversation = z.object({
  id: z.string(),
  title: z.string(),
  pinned: z.boolean(),
  model: z.string(),
  systemPrompt: z.string(),
  temperature: z.number().nullable(),
  maxTokens: z.number().int().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  messageCount: z.number().int(),
  costUsd: z.number(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  /** A reply is being streamed right now. */
  streaming: z.boolean(),
});
export type Conversation = z.infer<typeof Conversation>;

export const ChatSearchHit = z.object({
  conversationId: z.string(),
  title: z.string(),
  /** null when only the title matched. */
  messageId: z.number().int().nullable(),
  seq: z.number().int().nullable(),
  role: z.enum(['user', 'assistant']).nullable(),
  /** Text with matches between \u0002 and \u0003 (rendered as <mark> by the UI, never as HTML). */
  snippet: z.string(),
  updatedAt: z.number(),
});
export type ChatSearchHit = z.infer<typeof ChatSearchHit>;

export const ChatModel = z.object({
  /** What goes in `model`: `<provider>/<model>`. */
  id: z.string(),
  name: z.string(),
  /** USD per million tokens; null when the catalog has no price. */
  inputPerM: z.number().nullable(),
  outputPerM: z.number().nullable(),
  vision: z.boolean().nullable(),
  contextWindow: z.number().int().nullable(),
});
export type ChatModel = z.infer<typeof ChatModel>;

export const ChatModels = z.object({
  /** `available`: the alias can route a short message now (auto over no model cannot). */
  aliases: z.array(z.object({ id: z.string(), description: z.string(), managed: z.boolean(), available: z.boolean() })),
  providers: z.array(z.object({ id: z.string(), local: z.boolean(), models: z.array(ChatModel) })),
  /** What a new conversation uses: `auto` when it can route, else the first listed model. */
  defaultModel: z.string(),
  /** Something the user should fix (a provider whose models could not be listed, no usable model), or null. */
  notice: z.string().nullable(),
});
export type ChatModels = z.infer<typeof ChatModels>;

/** Pushed while a reply streams (IPC events / SSE at /_airlock/events), coalesced to a few per second per turn. */
export const ChatEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('delta'), conversationId: z.string(), messageId: z.number().int(), text: z.string() }),
  // `user`: the message this turn answered, updated with the request's DLP findings.
  z.object({ kind: z.literal('done'), conversationId: z.string(), message: ChatMessage, user: ChatMessage.nullable(), conversation: Conversation }),
]);
export type ChatEvent = z.infer<typeof ChatEvent>;

const Empty = z.object({}).strict();
const Temperature = z.number().min(0).max(2).nullable();
const MaxTokens = z.number().int().min(1).max(1_000_000).nullable();
const ModelName = z.string().min(1).max(200);
const Content = z.string().max(CHAT_LIMITS.content, 'That message is too long (200,000 characters at most).');
const Turn = z.object({ user: ChatMessage, assistant: ChatMessage });

const method = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string) => ({ input, output, summary });

export const chatMethods = {
  'chat.list': method(
    z.object({ limit: z.number().int().min(1).max(500).optional(), offset: z.number().int().min(0).optional() }).strict(),
    z.object({ conversations: z.array(Conversation), total: z.number().int() }),
    'Conversations, pinned first, then by most recent use',
  ),
  'chat.get': method(z.object({ id: ConvId }).strict(), Conversation, 'One conversation'),
  'chat.create': method(
    z.object({ model: ModelName.optional(), systemPrompt: z.string().max(CHAT_LIMITS.systemPrompt).optional(), temperature: Temperature.optional(), maxTokens: MaxTokens.optional() }).strict(),
    Conversation,
    'Start a conversation',
  ),
  'chat.update': method(
    z
      .object({
        id: ConvId,
        title: z.string().trim().min(1, 'A title cannot be empty.').max(200).optional(),
        pinned: z.boolean().optional(),
        model: ModelName.optional(),
        systemPrompt: z.string().max(CHAT_LIMITS.systemPrompt).optional(),
        temperature: Temperature.optional(),
        maxTokens: MaxTokens.optional(),
      })
      .strict(),
    Conversation,
    'Rename, pin, or change the model, system prompt, temperature or max tokens',
  ),
  'chat.delete': method(z.object({ id: ConvId }).strict(), z.object({ deleted: z.boolean() }), 'Delete a conversation (undo with chat.restore)'),
  'chat.restore': method(z.object({ id: ConvId }).strict(), Conversation, 'Undo a delete'),
  'chat.messages': method(
    z.object({ conversationId: ConvId, fromSeq: z.number().int().min(1).optional(), limit: z.number().int().min(1).max(500).optional() }).strict(),
    z.object({ messages: z.array(ChatMessage), total: z.number().int() }),
    'A page of messages by position (seq from 1); without fromSeq, the last page',
  ),
  'chat.send': method(
    z.object({ conversationId: ConvId, content: Content, attachments: z.array(ChatAttachmentInput).max(CHAT_LIMITS.attachments).optional() }).strict(),
    Turn,
    'Send a message; the reply streams as chat events',
  ),
  'chat.edit': method(
    z.object({ conversationId: ConvId, messageId: MsgId, content: Content }).strict(),
    Turn,
    'Edit a user message and resend it (later messages are replaced)',
  ),
  'chat.regenerate': method(z.object({ conversationId: ConvId }).strict(), Turn, 'Answer the last user message again'),
  'chat.stop': method(z.object({ conversationId: ConvId }).strict(), z.object({ stopped: z.boolean() }), 'Stop the reply being streamed'),
  'chat.search': method(
    z.object({ query: z.string().max(500), limit: z.number().int().min(1).max(200).optional() }).strict(),
    z.object({ hits: z.array(ChatSearchHit) }),
    'Full-text search across conversations',
  ),
  'chat.export': method(
    z.object({ id: ConvId, format: z.enum(['markdown', 'json']) }).strict(),
    z.object({ filename: z.string(), mime: z.string(), content: z.string() }),
    'A conversation as Markdown or JSON',
  ),
  'chat.models': method(Empty, ChatModels, 'Models the chat may use: aliases, and every allowed model by provider with prices'),
} as const;
