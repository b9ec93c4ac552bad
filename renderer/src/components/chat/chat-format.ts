// Pure helpers of the chat UI (unit-tested under Node: no DOM here).
import type { ChatDlpFinding, ChatMessage, ChatModel, ChatModels } from '../../../../shared/api/chat.ts';

/** "2 values masked before sending: EMAIL, IBAN" — or null when nothing was found. */
export function dlpSummary(findings: ChatDlpFinding[] | null | undefined): { text: string; level: 'info' | 'warn' | 'block' } | null {
  if (!findings || findings.length === 0) return null;
  const input = findings.filter((f) => !f.action.startsWith('output_'));
  const output = findings.filter((f) => f.action.startsWith('output_'));
  const count = (fs: ChatDlpFinding[]) => fs.reduce((n, f) => n + f.count, 0);
  const types = (fs: ChatDlpFinding[]) => [...new Set(fs.map((f) => f.type))].join(', ');
  const blocked = input.filter((f) => f.action === 'block');
  if (blocked.length) return { text: `Blocked before sending: ${count(blocked)} ${plural(count(blocked), 'value')} (${types(blocked)})`, level: 'block' };
  const masked = input.filter((f) => f.action === 'mask' || f.action === 'redact');
  const parts: string[] = [];
  if (masked.length) parts.push(`${count(masked)} ${plural(count(masked), 'value')} masked before sending: ${types(masked)}`);
  const seen = input.filter((f) => f.action !== 'mask' && f.action !== 'redact');
  if (seen.length) parts.push(`${count(seen)} detected and sent (policy allows): ${types(seen)}`);
  if (output.length) parts.push(`${count(output)} found in the answer: ${types(output)}`);
  return { text: parts.join(' · '), level: masked.length ? 'info' : 'warn' };
}

const plural = (n: number, w: string) => (n === 1 ? w : `${w}s`);

/** Search snippets mark matches between \u0002 and \u0003: split into plain and highlighted parts. */
export function splitSnippet(s: string): { text: string; mark: boolean }[] {
  const out: { text: string; mark: boolean }[] = [];
  const re = /\u0002([\s\S]*?)\u0003/g;
  let last = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m.index > last) out.push({ text: s.slice(last, m.index), mark: false });
    out.push({ text: m[1]!, mark: true });
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push({ text: s.slice(last).replace(/[\u0002\u0003]/g, ''), mark: false });
  return out;
}

export function fmtTokens(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  if (n < 1000) return String(n);
  if (n < 100_000) return `${(n / 1000).toFixed(1)}k`;
  return `${Math.round(n / 1000)}k`;
}

export function fmtCost(x: number | null | undefined): string {
  if (x === null || x === undefined) return 'price unknown';
  if (x === 0) return '$0';
  if (x < 0.01) return `$${Number(x.toPrecision(2)).toFixed(Math.min(10, Math.max(2, 1 - Math.floor(Math.log10(x)))))}`;
  return `$${x.toFixed(3)}`;
}

/** "$2.50 / $10.00 per M" for a model's input/output price. */
export function fmtPrice(m: Pick<ChatModel, 'inputPerM' | 'outputPerM'>): string {
  if (m.inputPerM === null || m.outputPerM === null) return 'price unknown';
  if (m.inputPerM === 0 && m.outputPerM === 0) return 'free';
  const f = (x: number) => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3).replace(/0$/, ''));
  return `$${f(m.inputPerM)} in / $${f(m.outputPerM)} out per M`;
}

/** "$0.15/$0.60" (input/output per M tokens), for the picker's options. */
export function shortPrice(m: Pick<ChatModel, 'inputPerM' | 'outputPerM'>): string {
  if (m.inputPerM === null || m.outputPerM === null) return 'price unknown';
  if (m.inputPerM === 0 && m.outputPerM === 0) return 'free';
  const f = (x: number) => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3).replace(/0$/, ''));
  return `$${f(m.inputPerM)}/$${f(m.outputPerM)}`;
}

/** One line under an answer: routed model, tokens, cost, cache. */
export function messageMeta(m: ChatMessage): string {
  const parts: string[] = [];
  const routed = m.provider && m.model ? `${m.provider}/${m.model}` : null;
  if (routed) parts.push(m.requestedModel && m.requestedModel !== routed ? `${routed} (via ${m.requestedModel})` : routed);
  if (m.inputTokens !== null || m.outputTokens !== null) parts.push(`${fmtTokens(m.inputTokens)} in · ${fmtTokens(m.outputTokens)} out`);
  if (m.status === 'done' || m.status === 'stopped') parts.push(m.cacheHit ? 'cache hit · $0' : fmtCost(m.costUsd));
  return parts.join(' · ');
}

export type FileKind = 'text' | 'image' | 'unsupported';

const TEXT_EXT = /\.(txt|md|markdown|csv|tsv|json|jsonl|ya?ml|toml|ini|cfg|conf|env|log|xml|html?|css|scss|less|js|mjs|cjs|jsx|ts|tsx|py|rb|go|rs|java|kt|kts|swift|c|h|cc|cpp|hpp|cs|php|pl|sh|bash|zsh|fish|ps1|sql|r|lua|dart|scala|ex|exs|erl|hs|clj|vue|svelte|graphql|proto|tf|gradle|dockerfile|makefile|gitignore|diff|patch)$/i;

export function fileKind(name: string, mime: string): FileKind {
  if (/^image\/(png|jpeg|gif|webp)$/.test(mime)) return 'image';
  if (mime.startsWith('text/') || /json|xml|yaml|javascript|typescript|x-sh|sql/.test(mime) || TEXT_EXT.test(name) || /^(Dockerfile|Makefile|README|LICENSE)$/i.test(name)) return 'text';
  return 'unsupported';
}

/** Whether a picked model takes images (null: unknown — aliases route per request). */
export function visionOf(models: ChatModels | null, id: string): boolean | null {
  if (!models) return null;
  for (const p of models.providers) for (const m of p.models) if (m.id === id) return m.vision;
  return null;
}

/** Can this model (an alias that can route now, or a listed model) answer? Unknown while the list loads. */
export function usableModel(models: ChatModels | null, id: string): boolean {
  if (!models) return true;
  const alias = models.aliases.find((a) => a.id === id);
  if (alias) return alias.available;
  return models.providers.some((p) => p.models.some((m) => m.id === id));
}

/**
 * What the picker should tell the user, or null: the server's notice (a provider whose models could not be
 * listed, nothing usable), or that the picked model cannot answer and what to pick instead.
 */
export function pickerNotice(models: ChatModels | null, value: string, loadError: string | null): string | null {
  if (!models) return loadError ? `Could not load the model list: ${loadError}` : null;
  const alias = models.aliases.find((a) => a.id === value);
  const listed = models.providers.some((p) => p.models.length > 0);
  let own: string | null = null;
  if (alias && !alias.available) {
    own = listed
      ? `'${value}' has no model to choose from: pick a model below${models.defaultModel !== value ? ` (e.g. ${models.defaultModel})` : ''}.`
      : `'${value}' has no model to choose from.`;
  } else if (!alias && !usableModel(models, value)) own = `${value} is not offered any more: pick another model.`;
  return [own, models.notice].filter(Boolean).join(' ') || null;
}

export type ChatShortcut = 'new-chat' | 'search' | 'focus-composer' | 'stop';

/** The chat screen's keyboard shortcuts (Enter / Shift+Enter are the composer's own). */
export function shortcutOf(e: { key: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }): ChatShortcut | null {
  const mod = e.ctrlKey || e.metaKey;
  const k = e.key.toLowerCase();
  if (mod && e.shiftKey && !e.altKey && k === 'o') return 'new-chat';
  if (mod && !e.shiftKey && !e.altKey && k === 'k') return 'search';
  if (!mod && e.shiftKey && !e.altKey && k === 'escape') return 'focus-composer';
  if (!mod && !e.shiftKey && !e.altKey && k === 'escape') return 'stop';
  return null;
}

export const SHORTCUTS: { keys: string; what: string }[] = [
  { keys: 'Ctrl+Shift+O', what: 'New chat' },
  { keys: 'Ctrl+K', what: 'Search chats' },
  { keys: 'Shift+Esc', what: 'Focus the message box' },
  { keys: 'Enter', what: 'Send (Shift+Enter: new line)' },
  { keys: 'Esc', what: 'Stop the answer' },
];
