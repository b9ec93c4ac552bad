// Size caps of the chat API, without zod so the renderer can import them. The web transport's body limit is
// 1 MB, so an image (base64) must stay well under it.
export const CHAT_LIMITS = {
  content: 200_000,
  textAttachment: 200_000,
  imageBytes: 700_000,
  attachments: 8,
  systemPrompt: 20_000,
} as const;
