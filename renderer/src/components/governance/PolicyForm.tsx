// Forms for every policy section (shared/policy.ts), used by Admin mode (the team policy) and by the Policy view
// (your own settings, which may only tighten the team policy). Values are edited as a plain document; the core
// validates it with the strict schema and the issues come back here, shown next to the field they name.
import { useEffect, useId, useState, type ReactNode } from 'react';
import type { DlpTypeInfo, PolicyIssue } from '../../../../shared/api/governance.ts';
import { DLP_ACTIONS, FieldIssues, Lock, SHIELD_ACTIONS, getIn, issuesAt, setIn, valueText, type Doc } from './gov.tsx';

export const SECTIONS = [
  { id: 'access', label: 'Providers & models', paths: ['providers', 'models'] },
  { id: 'dlp', label: 'DLP', paths: ['dlp'] },
  { id: 'budgets', label: 'Budgets', paths: ['budgets'] },
  { id: 'routing', label: 'Routing', paths: ['routing'] },
  { id: 'cache', label: 'Cache', paths: ['cache'] },
  { id: 'retention', label: 'Retention', paths: ['retention'] },
] as const;
export type SectionId = (typeof SECTIONS)[number]['id'];

interface FormProps {
  value: Doc;
  onChange(next: Doc): void;
  issues?: PolicyIssue[];
  dlpTypes: DlpTypeInfo[];
  /** Test id prefix: 'admin' or 'user'. */
  prefix: string;
  /** Your-settings mode: the team policy's values, shown as locked hints next to each field. */
  managed?: Doc | null;
  managedBy?: string | null;
  /** Extra content under the DLP section (the admin's try-it box). */
  dlpExtra?: ReactNode;
}

const splitLines = (t: string) => t.split(/\r?\n|,/).map((s) => s.trim()).filter(Boolean);
const sameList = (a: string[] | undefined, b: string[] | undefined) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/** A list of strings, one per line (commas also split). Keeps the text as typed while it parses to the same list. */
function ListInput({ value, onChange, testId, id, placeholder, rows = 3 }: { value: string[] | undefined; onChange(v: string[]): void; testId: string; id: string; placeholder?: string; rows?: number }) {
  const [text, setText] = useState((value ?? []).join('\n'));
  useEffect(() => {
    if (!sameList(splitLines(text), value)) setText((value ?? []).join('\n'));
  }, [JSON.stringify(value)]);
  return (
    <textarea
      id={id}
      className="gov-list"
      rows={rows}
      value={text}
      placeholder={placeholder}
      spellCheck={false}
      data-testid={testId}
      onChange={(e) => {
        setText(e.target.value);
        onChange(splitLines(e.target.value));
      }}
    />
  );
}

/** A number field that passes what was typed through (a non-number becomes a validation issue, not a silent drop). */
function NumberInput({ value, onChange, testId, id, placeholder }: { value: unknown; onChange(v: number | string | undefined): void; testId: string; id?: string; placeholder?: string }) {
  const [text, setText] = useState(value === undefined ? '' : String(value));
  useEffect(() => {
    const parsed = text.trim() === '' ? undefined : /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text;
    if (parsed !== value) setText(value === undefined ? '' : String(value));
  }, [value]);
  return (
    <input
      id={id}
      inputMode="decimal"
      className="gov-num"
      value={text}
      placeholder={placeholder}
      data-testid={testId}
      onChange={(e) => {
        const t = e.target.value;
        setText(t);
        onChange(t.trim() === '' ? undefined : /^-?\d+(\.\d+)?$/.test(t.trim()) ? Number(t) : t);
      }}
    />
  );
}

/** not set / on / off */
function TriState({ value, onChange, testId, id, on = 'On', off = 'Off' }: { value: boolean | undefined; onChange(v: boolean | undefined): void; testId: string; id: string; on?: string; off?: string }) {
  return (
    <select id={id} value={value === undefined ? '' : value ? 'on' : 'off'} data-testid={testId} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value === 'on')}>
      <option value="">Not set</option>
      <option value="on">{on}</option>
      <option value="off">{off}</option>
    </select>
  );
}

function Managed({ managed, path, by }: { managed?: Doc | null; path: (string | number)[]; by?: string | null }) {
  if (!managed) return null;
  const v = getIn(managed, path);
  if (v === undefined) return null;
  return (
    <span className="gov-managed-hint">
      <Lock by={by ?? null} /> <code>{valueText(v)}</code>
    </span>
  );
}

function Field({ label, htmlFor, hint, children, issues, at, managed, mpath, by }: { label: string; htmlFor: string; hint?: ReactNode; children: ReactNode; issues?: PolicyIssue[]; at: string; managed?: Doc | null; mpath?: (string | number)[]; by?: string | null }) {
  return (
    <div className={`field gov-field${issuesAt(issues, at).length ? ' has-issue' : ''}`}>
      <label htmlFor={htmlFor}>
        {label} {mpath && <Managed managed={managed} path={mpath} by={by} />}
      </label>
      {children}
      {hint && <p className="hint">{hint}</p>}
      <FieldIssues issues={issues} at={at} />
    </div>
  );
}

function AllowDeny({ p, section, noun, example, uid }: { p: FormProps; section: 'providers' | 'models'; noun: string; example: string; uid: string }) {
  const allow = getIn(p.value, [section, 'allow']) as string[] | undefined;
  const deny = getIn(p.value, [section, 'deny']) as string[] | undefined;
  const set = (k: 'allow' | 'deny', v: string[] | undefined) => p.onChange(setIn(p.value, [section, k], v));
  return (
    <fieldset className="gov-fieldset">
      <legend>{noun === 'providers' ? 'Providers' : 'Models'}</legend>
      <label className="check">
        <input type="checkbox" checked={allow !== undefined} onChange={(e) => set('allow', e.target.checked ? [] : undefined)} data-testid={`${p.prefix}-${section}-restrict`} />
        <span>
          Only allow the {noun} listed
          {allow === undefined && <Managed managed={p.managed} path={[section, 'allow']} by={p.managedBy} />}
          <span className="hint block">Off: every {noun.replace(/s$/, '')} not denied below may be used.</span>
        </span>
      </label>
      {allow !== undefined && (
        <Field label={`Allowed ${noun}`} htmlFor={`${uid}-${section}-allow`} issues={p.issues} at={`${section}.allow`} managed={p.managed} mpath={[section, 'allow']} by={p.managedBy} hint={<>One per line. {example}</>}>
          <ListInput id={`${uid}-${section}-allow`} value={allow} onChange={(v) => set('allow', v)} testId={`${p.prefix}-${section}-allow`} />
        </Field>
      )}
      <Field label={`Denied ${noun}`} htmlFor={`${uid}-${section}-deny`} issues={p.issues} at={`${section}.deny`} managed={p.managed} mpath={[section, 'deny']} by={p.managedBy} hint="Deny wins over allow.">
        <ListInput id={`${uid}-${section}-deny`} value={deny} onChange={(v) => set('deny', v.length ? v : undefined)} testId={`${p.prefix}-${section}-deny`} rows={2} />
      </Field>
    </fieldset>
  );
}

function AccessSection({ p, uid }: { p: FormProps; uid: string }) {
  return (
    <div className="gov-grid2">
      <AllowDeny p={p} section="providers" noun="providers" example="Provider ids or types: openai, anthropic, openai-compatible." uid={uid} />
      <AllowDeny p={p} section="models" noun="models" example="provider/model, * matches anything: openai/*, anthropic/claude-*." uid={uid} />
    </div>
  );
}

function DlpSection({ p, uid }: { p: FormProps; uid: string }) {
  const actions = (getIn(p.value, ['dlp', 'actions']) ?? {}) as Record<string, string>;
  const rules = (getIn(p.value, ['dlp', 'rules']) ?? []) as Doc[];
  const shield = getIn(p.value, ['dlp', 'promptShield']) as Doc | undefined;
  const builtin = new Set(p.dlpTypes.map((t) => t.type));
  const extraKeys = Object.keys(actions).filter((k) => !builtin.has(k));
  const setAction = (type: string, a: string) => p.onChange(setIn(p.value, ['dlp', 'actions', type], a || undefined));
  const setRules = (next: Doc[]) => p.onChange(setIn(p.value, ['dlp', 'rules'], next.length ? next : undefined));
  const setRule = (i: number, k: string, v: unknown) => setRules(rules.map((r, n) => (n === i ? (setIn(r, [k], v) as Doc) : r)));
  return (
    <div className="gov-stack">
      <fieldset className="gov-fieldset">
        <legend>Action per detector</legend>
        <p className="hint">
          mask: reversible placeholder, restored in the answer · redact: removed for good · block: refuse the request · warn: pass and record · allow: do not scan.
        </p>
        <div className="table-wrap">
          <table className="table gov-actions" data-testid={`${p.prefix}-dlp-actions`}>
            <thead>
              <tr>
                <th scope="col">Detector</th>
                <th scope="col">Finds</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {[...p.dlpTypes.map((t) => ({ type: t.type, description: t.description, dflt: t.defaultAction })), ...extraKeys.map((k) => ({ type: k, description: 'custom rule or other type', dflt: '' }))].map((t) => (
                <tr key={t.type} className={issuesAt(p.issues, `dlp.actions.${t.type}`).length ? 'has-issue' : ''}>
                  <td>
                    <code>{t.type}</code>
                  </td>
                  <td className="muted small">{t.description}</td>
                  <td>
                    <select value={actions[t.type] ?? ''} onChange={(e) => setAction(t.type, e.target.value)} aria-label={`Action for ${t.type}`} data-testid={`${p.prefix}-dlp-action-${t.type}`}>
                      <option value="">{t.dflt ? `Default (${t.dflt})` : 'Not set'}</option>
                      {DLP_ACTIONS.map((a) => (
                        <option key={a} value={a}>
                          {a}
                        </option>
                      ))}
                    </select>
                    <Managed managed={p.managed} path={['dlp', 'actions', t.type]} by={p.managedBy} />
                    <FieldIssues issues={p.issues} at={`dlp.actions.${t.type}`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <FieldIssues issues={(p.issues ?? []).filter((i) => i.path === 'dlp.actions')} at="dlp.actions" exact />
      </fieldset>

      <fieldset className="gov-fieldset">
        <legend>Custom rules</legend>
        <p className="hint">Your own detectors: a regular expression (JavaScript syntax), keywords (any case, whole words) or a dictionary of exact values.</p>
        {rules.length === 0 && <p className="muted small">No custom rules.</p>}
        <ol className="gov-rules">
          {rules.map((r, i) => (
            <li key={i} className={`gov-rule${issuesAt(p.issues, `dlp.rules.${i}`).length ? ' has-issue' : ''}`} data-testid={`${p.prefix}-rule-${i}`}>
              <div className="gov-rule-row">
                <div className="field">
                  <label htmlFor={`${uid}-rule-${i}-id`}>Rule id</label>
                  <input id={`${uid}-rule-${i}-id`} value={r.id ?? ''} onChange={(e) => setRule(i, 'id', e.target.value)} data-testid={`${p.prefix}-rule-${i}-id`} placeholder="employee-id" />
                </div>
                <div className="field">
                  <label htmlFor={`${uid}-rule-${i}-kind`}>Kind</label>
                  <select
                    id={`${uid}-rule-${i}-kind`}
                    value={r.kind ?? 'regex'}
                    data-testid={`${p.prefix}-rule-${i}-kind`}
                    onChange={(e) => {
                      const kind = e.target.value;
                      const next: Doc = { id: r.id, kind, action: r.action };
                      if (kind === 'regex') next.pattern = r.pattern ?? '';
                      else next.values = r.values ?? [];
                      setRules(rules.map((x, n) => (n === i ? next : x)));
                    }}
                  >
                    <option value="regex">Regular expression</option>
                    <option value="keywords">Keywords</option>
                    <option value="dictionary">Dictionary</option>
                  </select>
                </div>
                <div className="field">
                  <label htmlFor={`${uid}-rule-${i}-action`}>Action</label>
                  <select id={`${uid}-rule-${i}-action`} value={r.action ?? 'mask'} onChange={(e) => setRule(i, 'action', e.target.value)} data-testid={`${p.prefix}-rule-${i}-action`}>
                    {DLP_ACTIONS.map((a) => (
                      <option key={a} value={a}>
                        {a}
                      </option>
                    ))}
                  </select>
                </div>
                <button type="button" className="btn btn-small btn-ghost-danger gov-rule-remove" onClick={() => setRules(rules.filter((_, n) => n !== i))} data-testid={`${p.prefix}-rule-${i}-remove`} aria-label={`Remove rule ${r.id || i + 1}`}>
                  Remove
                </button>
              </div>
              {(r.kind ?? 'regex') === 'regex' ? (
                <div className="field">
                  <label htmlFor={`${uid}-rule-${i}-pattern`}>Pattern</label>
                  <input id={`${uid}-rule-${i}-pattern`} className="mono" value={r.pattern ?? ''} spellCheck={false} onChange={(e) => setRule(i, 'pattern', e.target.value)} data-testid={`${p.prefix}-rule-${i}-pattern`} placeholder="\bEMP-\d{6}\b" />
                </div>
              ) : (
                <div className="field">
                  <label htmlFor={`${uid}-rule-${i}-values`}>{r.kind === 'keywords' ? 'Keywords' : 'Values'} (one per line)</label>
                  <ListInput id={`${uid}-rule-${i}-values`} value={r.values} onChange={(v) => setRule(i, 'values', v)} testId={`${p.prefix}-rule-${i}-values`} rows={2} />
                </div>
              )}
              <FieldIssues issues={p.issues} at={`dlp.rules.${i}`} testId={`${p.prefix}-rule-${i}-issues`} />
            </li>
          ))}
        </ol>
        <button type="button" className="btn btn-small" onClick={() => setRules([...rules, { id: `rule-${rules.length + 1}`, kind: 'regex', pattern: '', action: 'mask' }])} data-testid={`${p.prefix}-rule-add`}>
          + Add a rule
        </button>
      </fieldset>

      <fieldset className="gov-fieldset">
        <legend>Prompt shield</legend>
        <div className="gov-row">
          <Field label="Injection and jailbreak attempts" htmlFor={`${uid}-shield`} issues={p.issues} at="dlp.promptShield.action" managed={p.managed} mpath={['dlp', 'promptShield', 'action']} by={p.managedBy}>
            <select
              id={`${uid}-shield`}
              value={shield?.action ?? ''}
              data-testid={`${p.prefix}-shield-action`}
              onChange={(e) => p.onChange(setIn(p.value, ['dlp', 'promptShield'], e.target.value ? { ...(shield ?? {}), action: e.target.value } : undefined))}
            >
              <option value="">Not set</option>
              {SHIELD_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </Field>
          {shield && (
            <Field label="Threshold (0–1)" htmlFor={`${uid}-shield-t`} issues={p.issues} at="dlp.promptShield.threshold" hint="Lower catches more.">
              <NumberInput id={`${uid}-shield-t`} value={shield.threshold} onChange={(v) => p.onChange(setIn(p.value, ['dlp', 'promptShield', 'threshold'], v))} testId={`${p.prefix}-shield-threshold`} />
            </Field>
          )}
        </div>
      </fieldset>
      {p.dlpExtra}
    </div>
  );
}

function BudgetsSection({ p, uid }: { p: FormProps; uid: string }) {
  const budgets = (getIn(p.value, ['budgets']) ?? []) as Doc[];
  const set = (next: Doc[]) => p.onChange(setIn(p.value, ['budgets'], next.length ? next : undefined));
  const setB = (i: number, k: string, v: unknown) => set(budgets.map((b, n) => (n === i ? (setIn(b, [k], v) as Doc) : b)));
  return (
    <div className="gov-stack">
      <p className="hint">
        Scope: <code>global</code>, <code>client:&lt;tool&gt;</code>, <code>provider:&lt;id&gt;</code> or <code>model:&lt;provider/model&gt;</code>. Hard limits refuse requests; soft limits warn. A user's own budget on the same scope can only be lower.
      </p>
      {budgets.length === 0 && <p className="muted small">No budgets.</p>}
      {budgets.length > 0 && (
        <div className="table-wrap">
          <table className="table gov-budgets">
            <thead>
              <tr>
                <th scope="col">Scope</th>
                <th scope="col">Window</th>
                <th scope="col">Mode</th>
                <th scope="col">Limit (USD)</th>
                <th scope="col">Limit (tokens)</th>
                <th scope="col">Warn at %</th>
                <th scope="col">
                  <span className="sr-only">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {budgets.map((b, i) => (
                <tr key={i} className={issuesAt(p.issues, `budgets.${i}`).length ? 'has-issue' : ''} data-testid={`${p.prefix}-budget-${i}`}>
                  <td>
                    <input value={b.scope ?? ''} onChange={(e) => setB(i, 'scope', e.target.value)} aria-label="Scope" data-testid={`${p.prefix}-budget-${i}-scope`} />
                  </td>
                  <td>
                    <select value={b.window ?? 'month'} onChange={(e) => setB(i, 'window', e.target.value)} aria-label="Window">
                      <option value="day">day</option>
                      <option value="week">week</option>
                      <option value="month">month</option>
                    </select>
                  </td>
                  <td>
                    <select value={b.mode ?? 'hard'} onChange={(e) => setB(i, 'mode', e.target.value)} aria-label="Mode">
                      <option value="hard">hard</option>
                      <option value="soft">soft</option>
                    </select>
                  </td>
                  <td>
                    <NumberInput value={b.limitUsd} onChange={(v) => setB(i, 'limitUsd', v)} testId={`${p.prefix}-budget-${i}-usd`} />
                  </td>
                  <td>
                    <NumberInput value={b.limitTokens} onChange={(v) => setB(i, 'limitTokens', v)} testId={`${p.prefix}-budget-${i}-tokens`} />
                  </td>
                  <td>
                    <NumberInput value={b.warnAtPct} onChange={(v) => setB(i, 'warnAtPct', v)} testId={`${p.prefix}-budget-${i}-warn`} />
                  </td>
                  <td className="actions">
                    <button type="button" className="btn btn-small btn-ghost-danger" onClick={() => set(budgets.filter((_, n) => n !== i))} aria-label={`Remove budget ${b.scope ?? i + 1}`}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {budgets.map((_, i) => (
        <FieldIssues key={i} issues={p.issues} at={`budgets.${i}`} testId={`${p.prefix}-budget-${i}-issues`} />
      ))}
      <Managed managed={p.managed} path={['budgets']} by={p.managedBy} />
      <div>
        <button type="button" className="btn btn-small" onClick={() => set([...budgets, { scope: 'global', window: 'month', mode: 'hard', limitUsd: 100 }])} data-testid={`${p.prefix}-budget-add`} id={`${uid}-budget-add`}>
          + Add a budget
        </button>
      </div>
    </div>
  );
}

function RoutingSection({ p, uid }: { p: FormProps; uid: string }) {
  const aliases = (getIn(p.value, ['routing', 'aliases']) ?? {}) as Record<string, string[]>;
  const entries = Object.entries(aliases);
  const set = (next: [string, string[]][]) => p.onChange(setIn(p.value, ['routing', 'aliases'], next.length ? Object.fromEntries(next) : undefined));
  return (
    <div className="gov-stack">
      <p className="hint">
        An alias is a model name tools may ask for (<code>fast</code>, <code>smart</code>); Airlock tries its targets in order.
      </p>
      {entries.length === 0 && <p className="muted small">No aliases.</p>}
      {entries.map(([name, targets], i) => (
        <div key={i} className="gov-row" data-testid={`${p.prefix}-alias-${i}`}>
          <div className="field">
            <label htmlFor={`${uid}-alias-${i}`}>Alias</label>
            <input id={`${uid}-alias-${i}`} value={name} onChange={(e) => set(entries.map((x, n) => (n === i ? [e.target.value, x[1]] : x)))} data-testid={`${p.prefix}-alias-${i}-name`} />
          </div>
          <div className="field grow">
            <label htmlFor={`${uid}-alias-${i}-t`}>Targets, in order (provider/model)</label>
            <ListInput id={`${uid}-alias-${i}-t`} value={targets} onChange={(v) => set(entries.map((x, n) => (n === i ? [x[0], v] : x)))} testId={`${p.prefix}-alias-${i}-targets`} rows={2} />
            <FieldIssues issues={p.issues} at={`routing.aliases.${name}`} />
          </div>
          <button type="button" className="btn btn-small btn-ghost-danger" onClick={() => set(entries.filter((_, n) => n !== i))} aria-label={`Remove alias ${name}`}>
            Remove
          </button>
        </div>
      ))}
      <FieldIssues issues={(p.issues ?? []).filter((i) => i.path === 'routing.aliases')} at="routing.aliases" exact />
      <div>
        <button type="button" className="btn btn-small" onClick={() => set([...entries, [`alias-${entries.length + 1}`, []]])} data-testid={`${p.prefix}-alias-add`}>
          + Add an alias
        </button>
      </div>
    </div>
  );
}

function CacheSection({ p, uid }: { p: FormProps; uid: string }) {
  const c = (getIn(p.value, ['cache']) ?? {}) as Doc;
  const set = (k: string, v: unknown) => p.onChange(setIn(p.value, ['cache', k], v));
  return (
    <div className="gov-row">
      <Field label="Response cache" htmlFor={`${uid}-cache-on`} issues={p.issues} at="cache.enabled" managed={p.managed} mpath={['cache', 'enabled']} by={p.managedBy} hint="Off wins when team and user settings differ.">
        <TriState id={`${uid}-cache-on`} value={c.enabled} onChange={(v) => set('enabled', v)} testId={`${p.prefix}-cache-enabled`} />
      </Field>
      <Field label="Keep answers for (seconds)" htmlFor={`${uid}-cache-ttl`} issues={p.issues} at="cache.ttlSeconds" managed={p.managed} mpath={['cache', 'ttlSeconds']} by={p.managedBy} hint="The shorter wins.">
        <NumberInput id={`${uid}-cache-ttl`} value={c.ttlSeconds} onChange={(v) => set('ttlSeconds', v)} testId={`${p.prefix}-cache-ttl`} />
      </Field>
      <Field label="Share across tools" htmlFor={`${uid}-cache-share`} issues={p.issues} at="cache.shareAcrossClients" managed={p.managed} mpath={['cache', 'shareAcrossClients']} by={p.managedBy}>
        <TriState id={`${uid}-cache-share`} value={c.shareAcrossClients} onChange={(v) => set('shareAcrossClients', v)} testId={`${p.prefix}-cache-share`} on="Shared" off="Per tool" />
      </Field>
    </div>
  );
}

function RetentionSection({ p, uid }: { p: FormProps; uid: string }) {
  const r = (getIn(p.value, ['retention']) ?? {}) as Doc;
  const set = (k: string, v: unknown) => p.onChange(setIn(p.value, ['retention', k], v));
  return (
    <div className="gov-row">
      <Field label="Delete request-log rows after (days)" htmlFor={`${uid}-ret-log`} issues={p.issues} at="retention.requestLogDays" managed={p.managed} mpath={['retention', 'requestLogDays']} by={p.managedBy} hint="A maximum: users may only shorten it.">
        <NumberInput id={`${uid}-ret-log`} value={r.requestLogDays} onChange={(v) => set('requestLogDays', v)} testId={`${p.prefix}-retention-log`} />
      </Field>
      <Field label="Keep audit entries at least (days)" htmlFor={`${uid}-ret-audit`} issues={p.issues} at="retention.auditDays" managed={p.managed} mpath={['retention', 'auditDays']} by={p.managedBy} hint="A minimum: users may only lengthen it.">
        <NumberInput id={`${uid}-ret-audit`} value={r.auditDays} onChange={(v) => set('auditDays', v)} testId={`${p.prefix}-retention-audit`} />
      </Field>
      <Field label="Store prompts of gateway traffic" htmlFor={`${uid}-ret-prompts`} issues={p.issues} at="retention.storePrompts" managed={p.managed} mpath={['retention', 'storePrompts']} by={p.managedBy} hint="Not allowed wins.">
        <TriState id={`${uid}-ret-prompts`} value={r.storePrompts} onChange={(v) => set('storePrompts', v)} testId={`${p.prefix}-retention-prompts`} on="Allowed" off="Not allowed" />
      </Field>
    </div>
  );
}

/** Tabs over the sections; each tab shows how many problems it holds. Arrow keys move between tabs. */
export function PolicyForm(p: FormProps & { section: SectionId; onSection(s: SectionId): void }) {
  const uid = useId();
  const count = (paths: readonly string[]) => (p.issues ?? []).filter((i) => paths.some((x) => i.path === x || i.path.startsWith(x + '.'))).length;
  const idx = SECTIONS.findIndex((s) => s.id === p.section);
  return (
    <div className="gov-form">
      <div
        className="tabs"
        role="tablist"
        aria-label="Policy sections"
        onKeyDown={(e) => {
          if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
          e.preventDefault();
          const next = SECTIONS[(idx + (e.key === 'ArrowRight' ? 1 : SECTIONS.length - 1)) % SECTIONS.length]!;
          p.onSection(next.id);
          document.getElementById(`${uid}-tab-${next.id}`)?.focus();
        }}
      >
        {SECTIONS.map((s) => {
          const n = count(s.paths);
          return (
            <button
              key={s.id}
              id={`${uid}-tab-${s.id}`}
              type="button"
              role="tab"
              aria-selected={p.section === s.id}
              tabIndex={p.section === s.id ? 0 : -1}
              className={`tab${p.section === s.id ? ' selected' : ''}`}
              onClick={() => p.onSection(s.id)}
              data-testid={`${p.prefix}-tab-${s.id}`}
            >
              {s.label}
              {n > 0 && (
                <span className="gov-tab-count" aria-label={`${n} problem${n === 1 ? '' : 's'}`}>
                  {n}
                </span>
              )}
            </button>
          );
        })}
      </div>
      <div role="tabpanel" aria-labelledby={`${uid}-tab-${p.section}`} data-testid={`${p.prefix}-section-${p.section}`}>
        {p.section === 'access' && <AccessSection p={p} uid={uid} />}
        {p.section === 'dlp' && <DlpSection p={p} uid={uid} />}
        {p.section === 'budgets' && <BudgetsSection p={p} uid={uid} />}
        {p.section === 'routing' && <RoutingSection p={p} uid={uid} />}
        {p.section === 'cache' && <CacheSection p={p} uid={uid} />}
        {p.section === 'retention' && <RetentionSection p={p} uid={uid} />}
      </div>
    </div>
  );
}
