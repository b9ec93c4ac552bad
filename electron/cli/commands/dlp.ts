import fs from 'node:fs';
import type { Command } from './types.ts';
import { parse, requirePositional } from '../args.ts';
import { table } from '../context.ts';
import { UserError } from '../../core/util/errors.ts';
import { buildConfig, policyFromJson, type DlpConfig } from '../../core/dlp/config.ts';
import { scanText } from '../../core/dlp/engine.ts';
import { DlpLockedError, readUserSettings, setUserAction } from '../../core/dlp/settings.ts';
import { BUILTIN_TYPES, TYPE_INFO, isAction } from '../../core/dlp/types.ts';
import type { Policy } from '../../../shared/policy.ts';

const USAGE = `Usage:
  airlock dlp list [--json]                                   every detector and custom rule with its effective action
  airlock dlp set <TYPE|rule-id> mask|redact|block|warn|allow [--json]  change one action (a team policy can only be tightened)
  airlock dlp scan [--json] [--jsonl] [--policy FILE] < file  print findings (type, start, end, rule) for stdin

Actions: mask (reversible placeholder, restored in the answer), redact (removed for good), block (refuse the
request), warn (pass and record), allow (do not scan). Prompt-shield types (PROMPT_INJECTION, JAILBREAK) take
block, warn or allow.
scan offsets are character (code point) offsets into the input. --jsonl reads one {"text": ...} object per line
and prints one {"findings": [...]} line per input line. --policy FILE applies a policy file (a whole policy or
its "dlp" section) instead of this machine's settings.`;

export const dlpCommand: Command = {
  summary: 'data-loss prevention: list and set detector actions, scan text',
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const { io } = ctx;
    if (sub === 'list' || sub === 'ls') {
      const { values } = parse(rest, { json: { type: 'boolean' } }, USAGE);
      const core = ctx.core();
      const cfg = configFor(readUserSettings(core), core.policy.managed());
      const rows = [...cfg.actions].map(([type, action]) => ({
        type,
        action,
        source: cfg.sources.get(type) ?? 'default',
        description: TYPE_INFO.get(type)?.description ?? `custom rule '${[...cfg.customTypes].find(([, t]) => t === type)?.[0] ?? type}'`,
      }));
      if (values.json) {
        io.out(JSON.stringify({ enabled: cfg.enabled, managedBy: core.policy.managedBy(), shieldThreshold: cfg.shieldThreshold, detectors: rows }));
        return 0;
      }
      const by = core.policy.managedBy();
      io.out(table([['TYPE', 'ACTION', 'SET BY', 'DETECTS'], ...rows.map((r) => [r.type, r.action, r.source === 'managed' && by ? `team ${by}` : r.source, r.description])]));
      if (!cfg.enabled) io.out('\nDLP is turned off for the gateway (settings "dlp.enabled": false).');
      return 0;
    }
    if (sub === 'set') {
      const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, USAGE);
      const key = requirePositional(positionals, 0, 'detector type or rule id', USAGE);
      const action = requirePositional(positionals, 1, 'action', USAGE);
      if (!isAction(action)) throw new UserError(`Unknown action '${action}'. Use mask, redact, block, warn or allow.`, 2);
      const core = ctx.core();
      const managed = core.policy.managed();
      const cfg = configFor(readUserSettings(core), managed);
      const type = TYPE_INFO.has(key.toUpperCase()) ? key.toUpperCase() : (cfg.customTypes.get(key) ?? ([...cfg.customTypes.values()].includes(key) ? key : null));
      if (!type) throw new UserError(`Unknown detector or rule '${key}'. Known types: ${BUILTIN_TYPES.map((t) => t.type).join(', ')}; custom rules: ${[...cfg.customTypes.keys()].join(', ') || 'none'}.`, 2);
      if (TYPE_INFO.get(type)?.category === 'shield' && (action === 'mask' || action === 'redact')) throw new UserError(`${type} is a prompt-shield type: use block, warn or allow.`, 2);
      try {
        setUserAction(core, key, type, action);
      } catch (err) {
        if (err instanceof DlpLockedError) throw new UserError(err.message, 1);
        throw err;
      }
      const eff = configFor(readUserSettings(core), managed).actions.get(type);
      if (values.json) {
        io.out(JSON.stringify({ type, action, effective: eff ?? action, managed_by: eff !== action ? core.policy.managedBy() : null }));
        return 0;
      }
      io.out(`${type}: ${action}${eff !== action ? ` (effective: ${eff}, set by team policy)` : ''}. A running gateway applies it to the next request.`);
      return 0;
    }
    if (sub === 'scan') {
      const { values } = parse(rest, { json: { type: 'boolean' }, jsonl: { type: 'boolean' }, policy: { type: 'string' } }, USAGE);
      let cfg: DlpConfig;
      if (values.policy) {
        let pol: Policy;
        try {
          pol = policyFromJson(JSON.parse(fs.readFileSync(values.policy, 'utf8')));
        } catch (err) {
          throw new UserError(`Cannot read policy file ${values.policy}: ${(err as Error).message}`);
        }
        cfg = configFor({}, pol);
      } else {
        const core = ctx.core();
        cfg = configFor(readUserSettings(core), core.policy.managed());
      }
      const input = await io.readStdin();
      const scan = (text: string) =>
        scanText(text, cfg, { all: true, shield: true }).map((f) => {
          const [start, end] = codePointSpan(text, f.start, f.end);
          return { type: f.type, start, end, rule: f.rule, action: cfg.actions.get(f.type) ?? 'warn', ...(f.score !== undefined ? { score: f.score } : {}) };
        });
      if (values.jsonl) {
        const lines = input.split('\n');
        if (lines.at(-1) === '') lines.pop();
        lines.forEach((line, i) => {
          let text: unknown;
          try {
            text = line.trim() ? JSON.parse(line).text : '';
          } catch {
            throw new UserError(`line ${i + 1}: not a JSON object with a "text" field`);
          }
          if (typeof text !== 'string') throw new UserError(`line ${i + 1}: "text" must be a string`);
          io.out(JSON.stringify({ findings: scan(text) }));
        });
        return 0;
      }
      const findings = scan(input);
      if (values.json) io.out(JSON.stringify({ findings }));
      else if (findings.length === 0) io.out('No findings.');
      else io.out(table([['TYPE', 'START', 'END', 'RULE', 'ACTION', 'SCORE'], ...findings.map((f) => [f.type, String(f.start), String(f.end), f.rule, f.action, 'score' in f ? String(f.score) : ''])]));
      return 0;
    }
    throw new UserError(sub ? `Unknown subcommand 'dlp ${sub}'.\n\n${USAGE}` : USAGE, 2);
  },
};

function configFor(user: Parameters<typeof buildConfig>[0], managed: Policy | null): DlpConfig {
  try {
    return buildConfig(user, managed);
  } catch (err) {
    throw new UserError(`The DLP configuration is invalid: ${(err as Error).message}`);
  }
}

/** UTF-16 indices to code point offsets (what other languages call character offsets). */
function codePointSpan(text: string, start: number, end: number): [number, number] {
  if (!/[\uD800-\uDFFF]/.test(text.slice(0, end))) return [start, end];
  const cp = (i: number) => [...text.slice(0, i)].length;
  return [cp(start), cp(end)];
}
