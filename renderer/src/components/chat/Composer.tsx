import { useRef, useState, type KeyboardEvent } from 'react';
import type { ChatAttachmentInput } from '../../../../shared/api/chat.ts';
import { CHAT_LIMITS } from '../../../../shared/api/chat-limits.ts';
import { fileKind } from './chat-format.ts';

interface Props {
  streaming: boolean;
  /** Whether the picked model takes images (null: depends on routing). */
  vision: boolean | null;
  onSend(content: string, attachments: ChatAttachmentInput[]): Promise<boolean>;
  onStop(): void;
  onError(message: string): void;
}

async function readAttachment(f: File): Promise<ChatAttachmentInput> {
  const kind = fileKind(f.name, f.type);
  if (kind === 'unsupported') throw new Error(`${f.name}: only text and code files, and PNG/JPEG/GIF/WebP images, can be attached.`);
  if (kind === 'image') {
    if (f.size > CHAT_LIMITS.imageBytes) throw new Error(`${f.name} is larger than 700 KB: shrink it first.`);
    const dataUrl = await new Promise<string>((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(String(r.result));
      r.onerror = () => reject(new Error(`Could not read ${f.name}.`));
      r.readAsDataURL(f);
    });
    return { name: f.name, kind: 'image', mime: f.type, dataUrl };
  }
  const text = await f.text();
  if (text.length > CHAT_LIMITS.textAttachment) throw new Error(`${f.name} is too large to attach (200,000 characters at most).`);
  if (text.includes('\u0000')) throw new Error(`${f.name} looks like a binary file.`);
  return { name: f.name, kind: 'text', mime: f.type || 'text/plain', text };
}

export function Composer({ streaming, vision, onSend, onStop, onError }: Props) {
  const [text, setText] = useState('');
  const [files, setFiles] = useState<ChatAttachmentInput[]>([]);
  const [sending, setSending] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  const send = async () => {
    if (streaming || sending || (!text.trim() && files.length === 0)) return;
    setSending(true);
    const ok = await onSend(text, files);
    setSending(false);
    if (ok) {
      setText('');
      setFiles([]);
    }
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  };
  const add = async (list: FileList | null) => {
    if (!list) return;
    for (const f of Array.from(list)) {
      try {
        const a = await readAttachment(f);
        setFiles((cur) => [...cur.filter((x) => x.name !== a.name), a].slice(0, CHAT_LIMITS.attachments));
      } catch (err) {
        onError((err as Error).message);
      }
    }
    if (fileInput.current) fileInput.current.value = '';
  };
  const rows = Math.min(10, Math.max(2, text.split('\n').length));
  const hasImage = files.some((f) => f.kind === 'image');

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        void add(e.dataTransfer.files);
      }}
    >
      {files.length > 0 && (
        <ul className="chips" aria-label="Attached files">
          {files.map((f) => (
            <li key={f.name} className="chip" data-testid="attachment-chip">
              <span className="chip-kind">{f.kind === 'image' ? 'image' : 'file'}</span> {f.name}
              <button type="button" className="btn btn-link btn-small" aria-label={`Remove ${f.name}`} onClick={() => setFiles(files.filter((x) => x !== f))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {hasImage && vision === false && <p className="note">The selected model does not take images: pick a vision model, or the image will be refused.</p>}
      <div className="composer-row">
        <label className="sr-only" htmlFor="chat-composer">
          Message
        </label>
        <textarea
          id="chat-composer"
          data-testid="composer"
          placeholder="Message… (Enter to send, Shift+Enter for a new line)"
          value={text}
          rows={rows}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKey}
          onPaste={(e) => {
            if (e.clipboardData.files.length) {
              e.preventDefault();
              void add(e.clipboardData.files);
            }
          }}
        />
        <div className="composer-actions">
          <input ref={fileInput} type="file" multiple hidden onChange={(e) => void add(e.target.files)} data-testid="attach-input" />
          <button type="button" className="btn" onClick={() => fileInput.current?.click()} title="Attach text/code files or images">
            Attach
          </button>
          {streaming ? (
            <button type="button" className="btn btn-danger" onClick={onStop} data-testid="stop" title="Esc">
              Stop
            </button>
          ) : (
            <button type="submit" className="btn btn-primary" disabled={sending || (!text.trim() && files.length === 0)} data-testid="send">
              Send
            </button>
          )}
        </div>
      </div>
    </form>
  );
}
