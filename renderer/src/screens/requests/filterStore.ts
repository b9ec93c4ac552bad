// The request log's filter, shared so other screens (dashboard tables, DLP view) can open the log pre-filtered.
import { create } from 'zustand';
import type { LogFilter } from '../../../../shared/api/dashboard.ts';

interface FilterState {
  filter: LogFilter;
  /** Bumped on every external open, so the log screen resets its form and paging. */
  version: number;
  open(filter: LogFilter): void;
}

export const useRequestFilter = create<FilterState>((set, get) => ({
  filter: {},
  version: 0,
  open: (filter) => set({ filter, version: get().version + 1 }),
}));

/** A short human description of a filter ("client cursor · errors only"). */
export function describeFilter(f: LogFilter): string {
  const parts: string[] = [];
  if (f.client !== undefined) parts.push(`client ${f.client || '(none)'}`);
  if (f.model !== undefined) parts.push(`model ${f.model || '(not routed)'}`);
  if (f.provider !== undefined) parts.push(`provider ${f.provider || '(none)'}`);
  if (f.status === 'error') parts.push('errors only');
  else if (f.status === 'ok') parts.push('successful only');
  else if (typeof f.status === 'number') parts.push(`status ${f.status}`);
  if (f.blocked) parts.push('blocked only');
  if (f.tag) parts.push(`tag ${f.tag.key}=${f.tag.value}`);
  if (f.from !== undefined || f.to !== undefined) parts.push('time range');
  return parts.join(' · ');
}
