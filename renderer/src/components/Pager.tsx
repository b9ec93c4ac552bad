import { useState } from 'react';

/** Keyset paging, newest first: the cursors of the pages walked so far, so "Newer" goes back exactly to the page shown before. */
export interface Pages<C> {
  /** The cursor of the page shown. */
  cursor: C;
  /** 1 for the newest page. */
  pageNo: number;
  /** Back to the newest page (a new filter). */
  reset(): void;
  newer(): void;
  older(next: C): void;
}

/** The page cursors of a keyset-paged list; `first` is the newest page's cursor. */
export function usePages<C>(first: C): Pages<C> {
  const [cursors, setCursors] = useState<C[]>([first]);
  return {
    cursor: cursors[cursors.length - 1] as C,
    pageNo: cursors.length,
    reset: () => setCursors([first]),
    newer: () => setCursors(cursors.slice(0, -1)),
    older: (next) => setCursors([...cursors, next]),
  };
}

/** ← Newer · Page N · Older →; `next` is the cursor of the next older page, null on the last one. */
export function Pager<C>({ pages, next, testId }: { pages: Pages<C>; next: C | null; testId: string }) {
  return (
    <div className="gov-pager">
      <button type="button" className="btn btn-small" disabled={pages.pageNo <= 1} onClick={pages.newer} data-testid={`${testId}-newer`}>
        ← Newer
      </button>
      <span className="muted small">Page {pages.pageNo}</span>
      <button type="button" className="btn btn-small" disabled={next === null} onClick={() => pages.older(next!)} data-testid={`${testId}-older`}>
        Older →
      </button>
    </div>
  );
}
