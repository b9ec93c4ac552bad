import { memo, useState } from 'react';
import type { ChatMessage } from '../../../../shared/api/chat.ts';
import { Markdown } from './Markdown.tsx';
import { messageMeta } from './chat-format.ts';
import { dlpBadgeText } from './dlp-badge.ts';

export function DlpBadge({ message }: { message: ChatMessage }) {
  const [open, setOpen] = useState(false);
  // A refused or failed turn says neither "sent" nor "restored" (dlp-badge.ts).
  const s = dlpBadgeText(message);
  if (!s || !message.dlp) return null;
  return (
    <div className={`dlp dlp-${s.level}`} data-testid="dlp-badge">
      <button type="button" className="dlp-toggle" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="dlp-toggle">
        <span className="dlp-tag">DLP</span> {s.text}
      </button>
      {open && (
        <div className="dlp-details" data-testid="dlp-details">
          <ul>
            {message.dlp.map((f) => (
              <li key={`${f.type}-${f.action}`}>
                <strong>{f.type}</strong> × {f.count} — {s.action(f.action)}
              </li>
            ))}
          </ul>
          <p className="muted small">{s.note}</p>
        </div>
      )}
    </div>
  );
}

/** `code` spans in a hint as <code> (React text, never HTML). */
function Ticks({ text }: { text: string }) {
  return (
    <>
      {text.split(/(`[^`]+`)/).map((p, i) => (p.startsWith('`') && p.endsWith('`') && p.length > 1 ? <code key={i}>{p.slice(1, -1)}</code> : <span key={i}>{p}</span>))}
    </>
  );
}

interface Props {
  message: ChatMessage;
  streamText?: string;
  canRegenerate: boolean;
  canEdit: boolean;
  onRegenerate(): void;
  onEdit(id: number, content: string): void;
}

export const MessageView = memo(function MessageView({ message: m, streamText, canRegenerate, canEdit, onRegenerate, onEdit }: Props) {
  const [editing, setEditing] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const text = m.status === 'streaming' ? (streamText ?? m.content) : m.content;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      /* clipboard refused: the text stays selectable */
    }
  };

  if (m.role === 'user') {
    return (
      <article className="msg msg-user" data-testid="message" data-role="user" data-seq={m.seq} data-id={m.id}>
        {editing !== null ? (
          <form
            className="msg-edit"
            onSubmit={(e) => {
              e.preventDefault();
              onEdit(m.id, editing);
              setEditing(null);
            }}
          >
            <textarea aria-label="Edit message" value={editing} onChange={(e) => setEditing(e.target.value)} rows={Math.min(12, editing.split('\n').length + 1)} autoFocus data-testid="edit-input" />
            <div className="msg-actions">
              <button type="submit" className="btn btn-small btn-primary" data-testid="edit-save">
                Save &amp; resend
              </button>
              <button type="button" className="btn btn-small" onClick={() => setEditing(null)}>
                Cancel
              </button>
            </div>
          </form>
        ) : (
          <>
            <div className="bubble" data-testid="message-text">
              {m.content}
            </div>
            {m.attachments.length > 0 && (
              <ul className="chips" aria-label="Attachments">
                {m.attachments.map((a) => (
                  <li key={a.name} className="chip">
                    <span className="chip-kind">{a.kind === 'image' ? 'image' : 'file'}</span> {a.name}
                  </li>
                ))}
              </ul>
            )}
            <div className="msg-actions">
              <button type="button" className="btn btn-link btn-small" onClick={copy}>
                {copied ? 'Copied' : 'Copy'}
              </button>
              {canEdit && (
                <button type="button" className="btn btn-link btn-small" onClick={() => setEditing(m.content)} data-testid="edit">
                  Edit
                </button>
              )}
            </div>
          </>
        )}
      </article>
    );
  }

  return (
    <article className="msg msg-assistant" data-testid="message" data-role="assistant" data-seq={m.seq} data-id={m.id} data-status={m.status}>
      {m.status === 'blocked' || m.status === 'error' ? (
        <div className={`refusal ${m.status === 'blocked' ? 'refusal-blocked' : ''}`} role="alert" data-testid="refusal">
          <strong>{m.status === 'blocked' ? (m.error?.status === 429 ? 'Not sent: a limit was reached' : 'Not sent: blocked by policy') : 'The answer failed'}</strong>
          <p data-testid="refusal-reason">{m.error?.message}</p>
          {m.error?.hint && (
            <p className="refusal-hint" data-testid="refusal-hint">
              <span className="muted">What to do: </span>
              <Ticks text={m.error.hint} />
            </p>
          )}
        </div>
      ) : (
        <>
          {text ? <Markdown text={text} testId="message-text" /> : m.status === 'streaming' ? <span className="typing" aria-label="Waiting for the answer" data-testid="message-text" /> : <p className="muted">(empty answer)</p>}
          {m.status === 'streaming' && text && <span className="cursor" aria-hidden="true" />}
        </>
      )}
      <DlpBadge message={m} />
      <div className="msg-foot">
        <span className="msg-meta" data-testid="message-meta">
          {m.status === 'stopped' && <span className="badge badge-warn">Stopped</span>} {m.status === 'streaming' ? 'Answering…' : messageMeta(m)}
        </span>
        {m.cacheHit && (
          <span className="badge badge-ok" data-testid="cache-hit">
            cache hit
          </span>
        )}
        <span className="msg-actions">
          {m.status !== 'streaming' && text && (
            <button type="button" className="btn btn-link btn-small" onClick={copy} data-testid="copy">
              {copied ? 'Copied' : 'Copy'}
            </button>
          )}
          {canRegenerate && (
            <button type="button" className="btn btn-link btn-small" onClick={onRegenerate} data-testid="regenerate">
              Regenerate
            </button>
          )}
        </span>
      </div>
    </article>
  );
});
