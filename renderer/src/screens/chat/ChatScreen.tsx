// The chat workspace: conversations and search on the left; the open conversation with its model, settings,
// running total, messages and composer on the right. Every message goes through the local gateway.
import { useEffect, useRef, useState } from 'react';
import { useChat } from './chatStore.ts';
import { useApp } from '../../store.ts';
import { api } from '../../api.ts';
import { ConversationList } from '../../components/chat/ConversationList.tsx';
import { MessageList } from '../../components/chat/MessageList.tsx';
import { Composer } from '../../components/chat/Composer.tsx';
import { ModelPicker } from '../../components/chat/ModelPicker.tsx';
import { SHORTCUTS, fmtCost, fmtTokens, shortcutOf, visionOf } from '../../components/chat/chat-format.ts';
import type { Conversation } from '../../../../shared/api/chat.ts';
import './chat.css';

function download(filename: string, mime: string, content: string) {
  const url = URL.createObjectURL(new Blob([content], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

function Settings({ conv }: { conv: Conversation }) {
  const update = useChat((s) => s.update);
  const [system, setSystem] = useState(conv.systemPrompt);
  const [temp, setTemp] = useState(conv.temperature === null ? '' : String(conv.temperature));
  const [max, setMax] = useState(conv.maxTokens === null ? '' : String(conv.maxTokens));
  useEffect(() => {
    setSystem(conv.systemPrompt);
    setTemp(conv.temperature === null ? '' : String(conv.temperature));
    setMax(conv.maxTokens === null ? '' : String(conv.maxTokens));
  }, [conv.id]);
  const num = (s: string) => (s.trim() === '' ? null : Number(s));
  return (
    <div className="chat-settings" data-testid="chat-settings">
      <div className="field">
        <label htmlFor="chat-system">System prompt</label>
        <textarea id="chat-system" rows={3} value={system} placeholder="e.g. You are a concise assistant." onChange={(e) => setSystem(e.target.value)} onBlur={() => system !== conv.systemPrompt && void update(conv.id, { systemPrompt: system })} data-testid="system-prompt" />
      </div>
      <div className="chat-settings-row">
        <div className="field">
          <label htmlFor="chat-temp">Temperature</label>
          <input id="chat-temp" type="number" min={0} max={2} step={0.1} placeholder="default" value={temp} onChange={(e) => setTemp(e.target.value)} onBlur={() => num(temp) !== conv.temperature && void update(conv.id, { temperature: num(temp) })} className="narrow" data-testid="temperature" />
        </div>
        <div className="field">
          <label htmlFor="chat-max">Max tokens</label>
          <input id="chat-max" type="number" min={1} step={1} placeholder="default" value={max} onChange={(e) => setMax(e.target.value)} onBlur={() => num(max) !== conv.maxTokens && void update(conv.id, { maxTokens: num(max) })} className="narrow" data-testid="max-tokens" />
        </div>
      </div>
    </div>
  );
}

function Header({ conv }: { conv: Conversation }) {
  const { update, remove } = useChat.getState();
  const models = useChat((s) => s.models);
  const modelsError = useChat((s) => s.modelsError);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [showSettings, setShowSettings] = useState(false);
  const exp = async (format: 'markdown' | 'json') => {
    try {
      const r = await api.call('chat.export', { id: conv.id, format });
      download(r.filename, r.mime, r.content);
    } catch (err) {
      useChat.getState().setError((err as Error).message);
    }
  };
  return (
    <header className="chat-head">
      <div className="chat-head-row">
        {renaming !== null ? (
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (renaming.trim()) void update(conv.id, { title: renaming });
              setRenaming(null);
            }}
          >
            <input aria-label="Conversation title" value={renaming} autoFocus onChange={(e) => setRenaming(e.target.value)} onBlur={() => setRenaming(null)} onKeyDown={(e) => e.key === 'Escape' && setRenaming(null)} data-testid="rename-input" />
          </form>
        ) : (
          <h1 className="chat-title" data-testid="chat-title" title="Double-click to rename" onDoubleClick={() => setRenaming(conv.title)}>
            {conv.title || 'New chat'}
          </h1>
        )}
        <div className="chat-head-actions">
          <button type="button" className="btn btn-small" onClick={() => setRenaming(conv.title)} data-testid="rename">
            Rename
          </button>
          <button type="button" className="btn btn-small" aria-pressed={conv.pinned} onClick={() => void update(conv.id, { pinned: !conv.pinned })} data-testid="pin">
            {conv.pinned ? 'Unpin' : 'Pin'}
          </button>
          <button type="button" className="btn btn-small" onClick={() => void exp('markdown')} data-testid="export-md">
            Export .md
          </button>
          <button type="button" className="btn btn-small" onClick={() => void exp('json')} data-testid="export-json">
            .json
          </button>
          <button type="button" className="btn btn-small btn-ghost-danger" onClick={() => void remove(conv.id)} data-testid="delete">
            Delete
          </button>
        </div>
      </div>
      <div className="chat-head-row">
        <ModelPicker models={models} value={conv.model} error={modelsError} onChange={(model) => void update(conv.id, { model })} />
        <button type="button" className="btn btn-small" aria-expanded={showSettings} onClick={() => setShowSettings(!showSettings)} data-testid="toggle-settings">
          {showSettings ? 'Hide settings' : 'Settings'}
          {conv.systemPrompt ? ' •' : ''}
        </button>
        <span className="chat-total muted small" data-testid="chat-total" title="Running total for this conversation">
          Total {fmtCost(conv.costUsd)} · {fmtTokens(conv.inputTokens + conv.outputTokens)} tokens
        </span>
      </div>
      {showSettings && <Settings conv={conv} />}
    </header>
  );
}

function Empty({ hasProviders }: { hasProviders: boolean }) {
  const navigate = useApp((s) => s.navigate);
  return (
    <div className="chat-empty" data-testid="chat-empty">
      <h2>Chat through your Airlock</h2>
      <p className="muted">Every message passes the same policy, DLP, budgets, routing and cache as your other tools, and is logged like them.</p>
      {!hasProviders && (
        <p className="note">
          No provider yet.{' '}
          <button type="button" className="btn btn-link" onClick={() => navigate('providers')}>
            Add one under Providers &amp; keys
          </button>{' '}
          to start chatting.
        </p>
      )}
      <dl className="shortcuts">
        {SHORTCUTS.map((s) => (
          <div key={s.keys}>
            <dt>
              <kbd>{s.keys}</kbd>
            </dt>
            <dd>{s.what}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

export function ChatScreen() {
  const activeId = useChat((s) => s.activeId);
  const conv = useChat((s) => s.conversations.find((c) => c.id === s.activeId) ?? null);
  const models = useChat((s) => s.models);
  const error = useChat((s) => s.error);
  const undo = useChat((s) => s.undo);
  const providers = useApp((s) => s.providers.data);
  const { init, send, stop, newChat, setError, undoDelete, dismissUndo } = useChat.getState();
  const searchRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    void init();
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const s = shortcutOf(e);
      if (!s) return;
      if (s === 'new-chat') {
        e.preventDefault();
        void newChat().then(() => document.getElementById('chat-composer')?.focus());
      } else if (s === 'search') {
        e.preventDefault();
        searchRef.current?.focus();
        searchRef.current?.select();
      } else if (s === 'focus-composer') {
        e.preventDefault();
        document.getElementById('chat-composer')?.focus();
      } else if (s === 'stop') {
        const c = useChat.getState();
        const cur = c.conversations.find((x) => x.id === c.activeId);
        if (cur?.streaming) {
          e.preventDefault();
          void stop();
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    if (!undo) return;
    const t = setTimeout(dismissUndo, 10_000);
    return () => clearTimeout(t);
  }, [undo]);

  return (
    <div className="chat" data-testid="chat-screen">
      <ConversationList ref={searchRef} />
      <section className="chat-main" aria-label="Conversation">
        {conv && <Header conv={conv} />}
        {error && (
          <div className="form-error chat-error" role="alert" data-testid="chat-error">
            {error}
            <button type="button" className="btn btn-link" onClick={() => setError(null)} aria-label="Dismiss">
              ×
            </button>
          </div>
        )}
        {conv && conv.messageCount > 0 ? <MessageList convId={conv.id} key={conv.id} /> : <Empty hasProviders={(providers?.length ?? 1) > 0} />}
        <Composer streaming={Boolean(conv?.streaming)} vision={conv ? visionOf(models, conv.model) : null} onSend={send} onStop={() => void stop()} onError={setError} />
        {undo && (
          <div className="undo-bar" role="status" data-testid="undo-bar">
            Deleted “{undo.title}”.
            <button type="button" className="btn btn-small" onClick={() => void undoDelete()} data-testid="undo">
              Undo
            </button>
          </div>
        )}
        {!activeId && null}
      </section>
    </div>
  );
}
