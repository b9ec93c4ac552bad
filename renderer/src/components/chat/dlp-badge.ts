// What the chat's DLP badge says for one assistant message. An answered turn (done, stopped) went out with its
// values masked and came back with them restored; a refused or failed turn (blocked, error) may never have left
// this machine and got no answer, so it must not claim that anything was sent or restored (QA). A cache hit was
// answered without sending anything.
import type { ChatDlpFinding, ChatMessage } from '../../../../shared/api/chat.ts';
import { dlpSummary } from './chat-format.ts';

export interface DlpBadgeText {
  text: string;
  level: 'info' | 'warn' | 'block';
  /** One line per finding's action, for the details list. */
  action(a: string): string;
  /** The paragraph under the details list. */
  note: string;
}

const plural = (n: number, w: string) => (n === 1 ? w : `${w}s`);
const count = (fs: ChatDlpFinding[]) => fs.reduce((n, f) => n + f.count, 0);
const types = (fs: ChatDlpFinding[]) => [...new Set(fs.map((f) => f.type))].join(', ');
const STORED = 'The gateway never stores the values: its log keeps types and counts only.';

function answeredAction(a: string, cacheHit: boolean): string {
  switch (a) {
    case 'mask':
      return cacheHit ? 'masked, answered from the cache (nothing sent), restored in the answer' : 'masked before sending, restored in the answer';
    case 'redact':
      return cacheHit ? 'removed (answered from the cache, nothing sent)' : 'removed before sending';
    case 'block':
      return 'blocked: nothing was sent';
    case 'warn':
      return 'detected, sent (policy: warn)';
    case 'allow':
      return 'detected, allowed by policy';
    default:
      return a.startsWith('output_') ? `in the answer (${a.slice(7)})` : a;
  }
}

function failedAction(a: string): string {
  switch (a) {
    case 'mask':
      return 'to be masked; this turn got no answer, so nothing was restored';
    case 'redact':
      return 'to be removed before sending';
    case 'block':
      return 'blocked: nothing was sent';
    case 'warn':
    case 'allow':
      return `detected (policy: ${a})`;
    default:
      return a.startsWith('output_') ? `in the partial answer (${a.slice(7)})` : a;
  }
}

export function dlpBadgeText(m: Pick<ChatMessage, 'dlp' | 'status' | 'cacheHit'>): DlpBadgeText | null {
  const findings = m.dlp;
  if (!findings || findings.length === 0) return null;
  const failed = m.status === 'blocked' || m.status === 'error';
  if (!failed) {
    const s = dlpSummary(findings);
    if (!s) return null;
    return {
      text: m.cacheHit ? s.text.replace(/ masked before sending: /, ' masked (answered from the cache, nothing sent): ') : s.text,
      level: s.level,
      action: (a) => answeredAction(a, m.cacheHit),
      note: m.cacheHit
        ? `Found in this request (your message and the history with it). Masked values were replaced by placeholders (like <IBAN_1>); the answer came from Airlock's cache, so nothing was sent, and it shows them restored. ${STORED}`
        : `Found in what this request sent (your message and the history sent with it). Masked values were replaced by placeholders (like <IBAN_1>) before the request left this machine, and the answer shows them restored. ${STORED}`,
    };
  }
  const input = findings.filter((f) => !f.action.startsWith('output_'));
  const blocked = input.filter((f) => f.action === 'block');
  const masked = input.filter((f) => f.action === 'mask' || f.action === 'redact');
  const seen = input.filter((f) => f.action !== 'mask' && f.action !== 'redact' && f.action !== 'block');
  const parts: string[] = [];
  if (blocked.length) parts.push(`Blocked before sending: ${count(blocked)} ${plural(count(blocked), 'value')} (${types(blocked)})`);
  if (masked.length) parts.push(`${count(masked)} ${plural(count(masked), 'value')} to mask: ${types(masked)}; not answered, nothing restored`);
  if (seen.length) parts.push(`${count(seen)} detected: ${types(seen)}`);
  return {
    text: parts.join(' · ') || `${count(findings)} found: ${types(findings)}`,
    level: blocked.length ? 'block' : masked.length ? 'info' : 'warn',
    action: failedAction,
    note: `Found in this request (your message and the history with it). The turn was refused or failed, so it may never have left this machine; if it reached the provider, masked values went as placeholders (like <IBAN_1>). No answer came back, so nothing was restored. ${STORED}`,
  };
}
