import { forwardRef, useEffect, useState } from 'react';
import { useChat } from '../../screens/chat/chatStore.ts';
import { splitSnippet } from './chat-format.ts';

function Snippet({ text }: { text: string }) {
  return (
    <>
      {splitSnippet(text).map((p, i) => (p.mark ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
    </>
  );
}

/** New chat, search (FTS with highlighted matches), and conversations: pinned first, then most recently used. */
export const ConversationList = forwardRef<HTMLInputElement>(function ConversationList(_props, searchRef) {
  const conversations = useChat((s) => s.conversations);
  const activeId = useChat((s) => s.activeId);
  const hits = useChat((s) => s.hits);
  const listError = useChat((s) => s.listError);
  const listLoaded = useChat((s) => s.listLoaded);
  const { open, newChat, search } = useChat.getState();
  const [q, setQ] = useState(useChat.getState().query);

  useEffect(() => {
    const t = setTimeout(() => void search(q), 120);
    return () => clearTimeout(t);
  }, [q]);

  return (
    <aside className="chat-side" aria-label="Conversations">
      <button type="button" className="btn btn-primary chat-new" onClick={() => void newChat()} data-testid="new-chat" title="Ctrl+Shift+O">
        + New chat
      </button>
      <input
        ref={searchRef}
        type="search"
        className="chat-search"
        placeholder="Search chats (Ctrl+K)"
        aria-label="Search chats"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setQ('');
        }}
        data-testid="chat-search"
      />
      {hits ? (
        <ul className="chat-convs" data-testid="search-results">
          {hits.length === 0 && <li className="muted small chat-none">No matches.</li>}
          {hits.map((h) => (
            <li key={`${h.conversationId}-${h.messageId ?? 't'}`}>
              <button type="button" className="chat-conv chat-hit" onClick={() => void open(h.conversationId, h.seq)} data-testid="search-hit">
                <span className="chat-conv-title">{h.messageId === null ? <Snippet text={h.snippet} /> : h.title || 'New chat'}</span>
                {h.messageId !== null && (
                  <span className="chat-hit-snippet">
                    <Snippet text={h.snippet} />
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <ul className="chat-convs" data-testid="conversation-list">
          {listError && <li className="error-text small">{listError}</li>}
          {listLoaded && conversations.length === 0 && <li className="muted small chat-none">No conversations yet.</li>}
          {conversations.map((c) => (
            <li key={c.id}>
              <button
                type="button"
                className={`chat-conv ${c.id === activeId ? 'active' : ''}`}
                aria-current={c.id === activeId ? 'true' : undefined}
                onClick={() => void open(c.id)}
                data-testid="conversation"
                data-id={c.id}
              >
                <span className="chat-conv-title">
                  {c.pinned && (
                    <span className="pin" aria-label="Pinned" title="Pinned" />
                  )}
                  {c.title || 'New chat'}
                </span>
                {c.streaming && <span className="spinner" aria-label="Answering" />}
              </button>
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
});
