import type { DlpFinding, OutputFilter, RequestContext } from '../context.ts';
import { GatewayError } from '../../util/errors.ts';
import { dlpConfig } from '../../dlp/settings.ts';
import { applyMasks, MaskVault, scanText } from '../../dlp/engine.ts';
import { DlpOutputFilter, outputScanWanted, type OutputEvent } from '../../dlp/output.ts';
import { WALKERS, type TextKind } from '../../dlp/walkers.ts';
import type { DlpConfig } from '../../dlp/config.ts';
import type { DlpAction, Finding } from '../../dlp/types.ts';

const SHIELDED: ReadonlySet<TextKind> = new Set(['user', 'tool']);
const RANK: Record<DlpAction, number> = { allow: 0, warn: 1, mask: 2, redact: 3, block: 4 };

/**
 * Stage 3, DLP: finds personal data and secrets in every text the provider would see, then per policy masks
 * them (reversibly: the output filter restores them), redacts, blocks, or records them. Runs the prompt shield on
 * user input and tool results. Never fails open: a detector or config error blocks (or, if the user chose
 * onError 'warn', is recorded as DLP_ERROR).
 */
export function dlp(ctx: RequestContext): void {
  const walk = WALKERS[ctx.protocol.id];
  if (!walk) return;
  let cfg: DlpConfig;
  try {
    cfg = dlpConfig(ctx.core);
  } catch (err) {
    failClosed(ctx, null, `the DLP configuration is invalid (${(err as Error).message.split('\n')[0]})`);
    return;
  }
  if (!cfg.enabled) return;

  // Pass 1: scan every text.
  const texts: { text: string; findings: Finding[] }[] = [];
  try {
    walk(ctx.body, (text, kind) => {
      const findings = scanText(text, cfg, { shield: SHIELDED.has(kind) });
      texts.push({ text, findings });
      return text;
    });
  } catch (err) {
    failClosed(ctx, cfg, (err as Error).name === 'DetectorError' ? (err as Error).message : 'a DLP detector failed');
    return;
  }

  const counts = new Map<string, { count: number; action: DlpAction; rules: Set<string> }>();
  const seen = new Set<string>();
  let masks = 0;
  for (const t of texts) {
    for (const f of t.findings) {
      const action = cfg.actions.get(f.type) ?? 'warn';
      let c = counts.get(f.type);
      if (!c) counts.set(f.type, (c = { count: 0, action, rules: new Set() }));
      c.count++;
      c.rules.add(f.rule);
      if (f.score === undefined) seen.add(t.text.slice(f.start, f.end));
      if ((action === 'mask' || action === 'redact') && f.score === undefined) masks++;
    }
  }
  if (counts.size === 0) {
    // Nothing masked: the filter only scans the answer, so it is needed only if that scan has work to do.
    if (outputScanWanted(cfg)) setFilter(ctx, outputFilter(ctx, cfg, new MaskVault(), seen));
    return;
  }
  ctx.dlp = [...counts].map(([type, c]) => ({ type, count: c.count, action: c.action }));
  const summary = [...counts].map(([type, c]) => ({ type, count: c.count, action: c.action }));

  const blocking = [...counts].filter(([, c]) => c.action === 'block');
  if (blocking.length) {
    const what = blocking.map(([type, c]) => `${c.count} ${type} detected (rule ${[...c.rules].join(', ')})`).join('; ');
    const managedBy = ctx.core.policy.managedBy();
    const who = blocking.some(([type]) => cfg.sources.get(type) === 'managed') && managedBy ? `team policy ${managedBy}` : "policy 'dlp'";
    ctx.core.audit.append('dlp.block', { request: ctx.id, client: ctx.client?.name ?? null, findings: summary });
    ctx.core.emit({ kind: 'dlp', level: 'warn', title: 'Request blocked by DLP', message: `${ctx.client?.name ?? 'a client'}: ${what}`, data: { findings: summary } });
    throw new GatewayError(403, 'policy_violation', `Blocked by ${who}: ${what}. Remove the value${blocking.length > 1 || blocking[0]![1].count > 1 ? 's' : ''} and retry, or change the rule with \`airlock dlp set\` if you are allowed to.`, { code: 'dlp_blocked' });
  }

  // Pass 2: mask / redact in place, in the same walk order.
  const vault = new MaskVault();
  if (masks) {
    let i = 0;
    const actionOf = (f: Finding): DlpAction => (f.score === undefined ? (cfg.actions.get(f.type) ?? 'warn') : 'warn');
    walk(ctx.body, (text) => {
      const t = texts[i++];
      if (!t || t.text !== text || t.findings.length === 0) return text;
      return applyMasks(text, t.findings, actionOf, vault);
    });
  }
  const strictest = summary.reduce((a, f) => (RANK[f.action] > RANK[a] ? f.action : a), 'allow' as DlpAction);
  ctx.core.audit.append(`dlp.${strictest === 'redact' ? 'mask' : strictest}`, { request: ctx.id, client: ctx.client?.name ?? null, findings: summary });
  if (!ctx.res.headersSent) ctx.res.setHeader('x-airlock-dlp', summary.map((f) => `${f.type}=${f.action}`).join(','));
  if (vault.size || outputScanWanted(cfg)) setFilter(ctx, outputFilter(ctx, cfg, vault, seen));
}

/** Installs the DLP filter; a filter an earlier stage set still runs, after DLP restored and scanned the text. */
function setFilter(ctx: RequestContext, f: OutputFilter): void {
  const prev = ctx.outputFilter;
  if (!prev) {
    ctx.outputFilter = f;
    return;
  }
  ctx.outputFilter = {
    delta: (slot, text) => prev.delta(slot, f.delta(slot, text)),
    flush: (slot) => {
      const rest = f.flush(slot);
      return (rest ? prev.delta(slot, rest) : '') + prev.flush(slot);
    },
    full: (text) => prev.full(f.full(text)),
  };
}

function outputFilter(ctx: RequestContext, cfg: DlpConfig, vault: MaskVault, seen: Set<string>): DlpOutputFilter {
  return new DlpOutputFilter(vault, cfg, seen, (events: OutputEvent[]) => {
    const list: DlpFinding[] = (ctx.dlp ??= []);
    for (const e of events) {
      const action = `output_${e.action}`;
      const f = list.find((x) => x.type === e.type && x.action === action);
      if (f) f.count++;
      else list.push({ type: e.type, count: 1, action });
    }
    ctx.core.audit.append('dlp.output', { request: ctx.id, client: ctx.client?.name ?? null, findings: events.map((e) => ({ type: e.type, action: e.action })) });
  });
}

function failClosed(ctx: RequestContext, cfg: DlpConfig | null, why: string): void {
  ctx.dlp = [{ type: 'DLP_ERROR', count: 1, action: cfg?.onError === 'warn' ? 'warn' : 'block' }];
  ctx.core.audit.append('dlp.error', { request: ctx.id, client: ctx.client?.name ?? null, error: why, action: ctx.dlp[0]!.action });
  if (cfg?.onError === 'warn') {
    console.error(`airlock: DLP scan error (passed by policy onError=warn): ${why}`);
    return;
  }
  throw new GatewayError(403, 'policy_violation', `Blocked by policy 'dlp': the scan could not complete (${why}), so nothing was sent. Check the DLP rules with \`airlock dlp list\`.`, { code: 'dlp_error' });
}
