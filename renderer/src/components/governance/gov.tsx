// Small pieces the governance screens share: badges for managed settings, value formatting, file reading and
// downloads, immutable path updates for policy drafts, and field-level validation messages.
import { useEffect, useRef, useState } from 'react';
import type { PolicyIssue, SettingSource } from '../../../../shared/api/governance.ts';

export type Doc = Record<string, any>;

/** Loosest to strictest (shared/policy.ts DLP_ACTIONS; repeated here so the UI bundle carries no zod). */
export const DLP_ACTIONS = ['allow', 'warn', 'mask', 'redact', 'block'] as const;
export const SHIELD_ACTIONS = ['log', 'warn', 'block'] as const;

/** A copy of `doc` with the value at `path` replaced (undefined removes the key). */
export function setIn(doc: Doc | undefined, path: (string | number)[], value: unknown): Doc {
  const [head, ...rest] = path;
  const base: any = Array.isArray(doc) ? [...doc] : { ...(doc ?? {}) };
  const next = rest.length ? setIn(base[head as any], rest, value) : value;
  if (next === undefined && !Array.isArray(base)) delete base[head as any];
  else base[head as any] = next;
  return base;
}

export function getIn(doc: unknown, path: (string | number)[]): any {
  let v: any = doc;
  for (const k of path) v = v == null ? undefined : v[k as any];
  return v;
}

/** Issues at `prefix` or below it. */
export function issuesAt(issues: PolicyIssue[] | undefined, prefix: string): PolicyIssue[] {
  if (!issues) return [];
  return issues.filter((i) => i.path === prefix || i.path.startsWith(prefix + '.'));
}

export function FieldIssues({ issues, at, exact = false, testId }: { issues?: PolicyIssue[]; at: string; exact?: boolean; testId?: string }) {
  const list = exact ? (issues ?? []).filter((i) => i.path === at) : issuesAt(issues, at);
  if (list.length === 0) return null;
  return (
    <ul className="gov-issues" role="alert" data-testid={testId ?? `issue-${at}`}>
      {list.map((i, n) => (
        <li key={n}>{i.message}</li>
      ))}
    </ul>
  );
}

export function Lock({ by }: { by: string | null }) {
  return (
    <span className="gov-lock" title={by ? `Managed by team policy ${by}: you may only make it stricter` : 'Managed by team policy'}>
      <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
        <path fill="currentColor" d="M4 7V5a4 4 0 1 1 8 0v2h.5A1.5 1.5 0 0 1 14 8.5v5a1.5 1.5 0 0 1-1.5 1.5h-9A1.5 1.5 0 0 1 2 13.5v-5A1.5 1.5 0 0 1 3.5 7H4Zm2 0h4V5a2 2 0 1 0-4 0v2Z" />
      </svg>
      <span>{by ? `set by ${by}` : 'managed'}</span>
    </span>
  );
}

export function SourceBadge({ source, by }: { source: SettingSource; by: string | null }) {
  if (source === 'user') return <span className="badge badge-muted">yours</span>;
  return (
    <span className="gov-source">
      <Lock by={by} />
      {source === 'both' && <span className="badge badge-ok">made stricter by you</span>}
    </span>
  );
}

/** A policy value as short text: lists joined, objects as compact JSON. */
export function valueText(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? '(none)' : v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ');
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (v === undefined) return '—';
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  return JSON.stringify(v);
}

export function shortId(id: string | null | undefined, n = 16): string {
  if (!id) return '—';
  return id.length > n ? `${id.slice(0, n)}…` : id;
}

export function when(ts: number | string | null | undefined): string {
  if (ts === null || ts === undefined) return '—';
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? String(ts) : d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Web mode and desktop alike: a Blob download of text the app produced (a bundle, audit.jsonl). */
export function downloadText(fileName: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function readFileText(file: File, max = 1_000_000): Promise<string> {
  if (file.size > max) return Promise.reject(new Error(`${file.name} is ${file.size} bytes; the limit is ${max}.`));
  return file.text();
}

/** `value`, `ms` after it last changed. */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** Ignores answers to superseded requests (typing fast must not show an older validation). */
export function useLatest(): () => () => boolean {
  const n = useRef(0);
  return () => {
    const mine = ++n.current;
    return () => mine === n.current;
  };
}
