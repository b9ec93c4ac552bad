import type { Policy, PolicyDlpRule } from '../../../shared/policy.ts';
import { compileRules, customType } from './custom.ts';
import { ALL_DETECTORS, type Detector } from './detectors.ts';
import { BUILTIN_TYPES, stricter, type DlpAction } from './types.ts';

/** What the user keeps in the settings table under key 'dlp'. */
export interface DlpUserSettings {
  /** Master switch for the gateway stage (the CLI scan ignores it). Default true. */
  enabled?: boolean;
  actions?: Record<string, DlpAction>;
  rules?: PolicyDlpRule[];
  promptShield?: { action?: 'block' | 'warn' | 'log'; threshold?: number };
  /** Scan model output too (default true). */
  outputScan?: boolean;
  /** What a detector error does: 'block' (default) or 'warn' (record and pass). Never a silent pass. */
  onError?: 'block' | 'warn';
}

export type ActionSource = 'default' | 'user' | 'managed';

/** The effective DLP configuration for one request: actions resolved, rules compiled. */
export interface DlpConfig {
  enabled: boolean;
  outputScan: boolean;
  onError: 'block' | 'warn';
  actions: Map<string, DlpAction>;
  sources: Map<string, ActionSource>;
  /** Detectors whose effective action is not 'allow' (built-in and custom). */
  detectors: Detector[];
  /** Every detector, whatever its action (the CLI scan). */
  allDetectors: Detector[];
  shieldAction: DlpAction;
  shieldThreshold: number;
  /** Custom rule ids -> type. */
  customTypes: Map<string, string>;
}

const SHIELD_MAP = { log: 'warn', warn: 'warn', block: 'block' } as const;

/** The effective action: the stricter of the managed and user settings, else the default. */
export function buildConfig(user: DlpUserSettings | null | undefined, managed: Policy | null | undefined): DlpConfig {
  const u = user ?? {};
  const md = managed?.dlp ?? {};
  const actions = new Map<string, DlpAction>();
  const sources = new Map<string, ActionSource>();
  const rules = new Map<string, PolicyDlpRule>();
  for (const r of md.rules ?? []) rules.set(r.id, r);
  for (const r of u.rules ?? []) {
    const m = rules.get(r.id);
    rules.set(r.id, m ? { ...m, action: stricter(m.action, r.action)! } : r);
  }
  const customTypes = new Map<string, string>();
  for (const r of rules.values()) customTypes.set(r.id, customType(r.id));

  const resolve = (key: string, aliases: string[], dflt: DlpAction, extraUser?: DlpAction, extraManaged?: DlpAction) => {
    let ua: DlpAction | undefined = extraUser;
    let ma: DlpAction | undefined = extraManaged;
    for (const k of [key, ...aliases]) {
      ua = stricter(ua, u.actions?.[k]);
      ma = stricter(ma, md.actions?.[k]);
    }
    const eff = stricter(ma, ua) ?? dflt;
    actions.set(key, eff);
    sources.set(key, ma && eff === ma ? 'managed' : ua ? 'user' : 'default');
  };
  // The prompt shield: its policy section and per-type actions both count; log == warn (record, pass).
  const us = u.promptShield?.action ? SHIELD_MAP[u.promptShield.action] : undefined;
  const ms = md.promptShield?.action ? SHIELD_MAP[md.promptShield.action] : undefined;
  for (const t of BUILTIN_TYPES) {
    if (t.category === 'shield') resolve(t.type, [], t.defaultAction, us, ms);
    else resolve(t.type, [], t.defaultAction);
  }
  for (const r of rules.values()) {
    const mr = md.rules?.find((x) => x.id === r.id);
    const ur = u.rules?.find((x) => x.id === r.id);
    resolve(customTypes.get(r.id)!, [r.id], r.action, ur?.action, mr?.action);
  }

  const thresholds = [md.promptShield?.threshold, u.promptShield?.threshold].filter((x): x is number => typeof x === 'number');
  const shieldThreshold = thresholds.length ? Math.min(...thresholds) : 0.5;

  const custom = compileRules([...rules.values()]);
  const all = [...ALL_DETECTORS, ...custom];
  return {
    enabled: u.enabled !== false || !!managed?.dlp,
    outputScan: u.outputScan !== false,
    onError: u.onError === 'warn' && !managed?.dlp ? 'warn' : 'block',
    actions,
    sources,
    detectors: all.filter((d) => actions.get(d.type) !== 'allow'),
    allDetectors: all,
    shieldAction: stricter(actions.get('PROMPT_INJECTION'), actions.get('JAILBREAK'))!,
    shieldThreshold,
    customTypes,
  };
}

/** Reads a policy file for `dlp scan --policy`: a whole Policy, or just its dlp section. */
export function policyFromJson(j: unknown): Policy {
  if (!j || typeof j !== 'object') throw new Error('the policy file must hold a JSON object');
  const o = j as Record<string, unknown>;
  if ('dlp' in o) return o as Policy;
  if ('actions' in o || 'rules' in o || 'promptShield' in o) return { dlp: o as Policy['dlp'] };
  return o as Policy;
}
