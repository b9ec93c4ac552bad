// The message list: virtualized (only what is on screen is in the DOM) and paged (positions not loaded yet are
// placeholders that fetch their page when they scroll into view). Follows the answer while it streams, unless
// the reader scrolled up.
import { useCallback, useEffect, useLayoutEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useChat } from '../../screens/chat/chatStore.ts';
import { MessageView } from './MessageView.tsx';

export function MessageList({ convId }: { convId: string }) {
  const data = useChat((s) => s.messages[convId]);
  const streamText = useChat((s) => s.streamText);
  const focusSeq = useChat((s) => s.focusSeq);
  const { ensureRange, regenerate, edit } = useChat.getState();
  const total = data?.total ?? 0;
  const parent = useRef<HTMLDivElement>(null);
  const following = useRef(true);

  const v = useVirtualizer({
    count: total,
    getScrollElement: () => parent.current,
    estimateSize: () => 140,
    overscan: 6,
    getItemKey: (i) => data?.bySeq[i + 1]?.id ?? `p${i}`,
  });
  const items = v.getVirtualItems();

  // Fetch pages for visible positions that are not loaded.
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (total > 0) ensureRange(convId, first + 1, last + 1);
  }, [convId, first, last, total, data]);

  // Open at the bottom (or at a search hit), once per conversation.
  const opened = useRef<string | null>(null);
  useLayoutEffect(() => {
    if (!data || opened.current === convId) return;
    opened.current = convId;
    following.current = !focusSeq;
    if (total > 0) v.scrollToIndex(focusSeq ? focusSeq - 1 : total - 1, { align: focusSeq ? 'center' : 'end' });
  }, [convId, data, total]);

  // Follow new messages and streamed text while at the bottom.
  const lastSeq = total;
  const lastMsg = data?.bySeq[lastSeq];
  const streamed = lastMsg ? (streamText[lastMsg.id]?.length ?? 0) : 0;
  useEffect(() => {
    if (following.current && total > 0) v.scrollToIndex(total - 1, { align: 'end' });
  }, [total, streamed, lastMsg?.status]);

  const onScroll = useCallback(() => {
    const el = parent.current;
    if (!el) return;
    following.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  }, []);

  const lastUserSeq = (() => {
    for (let s = total; s >= Math.max(1, total - 2); s--) if (data?.bySeq[s]?.role === 'user') return s;
    return -1;
  })();
  const busy = lastMsg?.status === 'streaming';

  return (
    <div className="msg-scroll" ref={parent} onScroll={onScroll} data-testid="message-list" data-total={total}>
      <div style={{ height: v.getTotalSize(), position: 'relative', width: '100%' }}>
        {items.map((it) => {
          const m = data?.bySeq[it.index + 1];
          return (
            <div key={it.key} data-index={it.index} ref={v.measureElement} className="msg-row" style={{ position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${it.start}px)` }}>
              {m ? (
                <MessageView
                  message={m}
                  streamText={m.status === 'streaming' ? streamText[m.id] : undefined}
                  canRegenerate={!busy && m.role === 'assistant' && m.seq === total && lastUserSeq > 0}
                  canEdit={!busy}
                  onRegenerate={regenerate}
                  onEdit={edit}
                />
              ) : (
                <div className="msg msg-placeholder" aria-hidden="true" />
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
