import type { OutputFilter } from '../pipeline/context.ts';
import type { DlpConfig } from './config.ts';
import { MaskVault, redaction, restore, scanText, splitHeld } from './engine.ts';
import type { DlpAction, Finding } from './types.ts';
import { GatewayError } from '../util/errors.ts';

export interface OutputEvent {
  type: string;
  action: DlpAction;
}

/** Raised by the output scan when policy blocks something the model wrote; relays render it in the caller's protocol. */
export function outputBlocked(types: string[]): GatewayError {
  const counts = new Map<string, number>();
  for (const t of types) counts.set(t, (counts.get(t) ?? 0) + 1);
  const what = [...counts].map(([t, n]) => `${n} ${t}`).join(', ');
  return new GatewayError(403, 'policy_violation', `Response blocked by policy 'dlp': the model's answer contained ${what}.`, { code: 'dlp_output_blocked' });
}

const RANK: Record<DlpAction, number> = { allow: 0, warn: 1, mask: 2, redact: 3, block: 4 };
const wanted = new WeakMap<DlpConfig, boolean>();
/** Whether the output scan has anything to do: it is on and some detector masks, redacts or blocks (cached per config). */
export function outputScanWanted(cfg: DlpConfig): boolean {
  let w = wanted.get(cfg);
  if (w === undefined) wanted.set(cfg, (w = cfg.outputScan && [...cfg.actions.values()].some((a) => RANK[a] >= 2)));
  return w;
}
/** Context carried from already-released text, so a value split across chunks is still recognised. */
const CARRY = 256;
/** A trailing word is held back (for the output scan) at most this long. */
const MAX_WORD = 512;

interface Slot {
  /** Raw text held back (possible partial placeholder / unfinished word). */
  held: string;
  /** The tail of what was already released (restored), for context. */
  carry: string;
  /** Whether this slot carries JSON (tool-call arguments): restored values are JSON-escaped. */
  json: boolean | null;
}

/**
 * The DLP output filter: restores placeholders (holding back only a possible placeholder start across chunks)
 * and scans what the model wrote with the request's detectors. Values the request itself carried are not
 * findings; a secret the model produced on its own is redacted (mask/redact), blocks the answer (block), or is
 * recorded (warn).
 */
export class DlpOutputFilter implements OutputFilter {
  private readonly slots = new Map<string, Slot>();
  private readonly vault: MaskVault;
  private readonly cfg: DlpConfig | null;
  private readonly seen: Set<string>;
  private readonly maxPh: number;
  readonly events: OutputEvent[] = [];
  private readonly onEvent: (e: OutputEvent[]) => void;

  constructor(vault: MaskVault, cfg: DlpConfig | null, seen: Set<string>, onEvent: (e: OutputEvent[]) => void = () => {}) {
    this.vault = vault;
    this.cfg = cfg && outputScanWanted(cfg) ? cfg : null;
    this.seen = seen;
    this.maxPh = Math.max(vault.maxLength(), 2);
    this.onEvent = onEvent;
  }

  private slot(id: string, first: string): Slot {
    let s = this.slots.get(id);
    if (!s) {
      s = { held: '', carry: '', json: null };
      this.slots.set(id, s);
    }
    if (s.json === null) {
      const c = first.trimStart()[0];
      if (c !== undefined) s.json = c === '{' || c === '[';
    }
    return s;
  }

  delta(id: string, text: string): string {
    const s = this.slot(id, text);
    let all = s.held + text;
    let held = '';
    if (this.vault.size) [all, held] = splitHeld(all, this.maxPh);
    if (this.cfg && !held) {
      // Hold the unfinished last word so a secret arriving in pieces is scanned whole before it goes out.
      const ws = Math.max(all.lastIndexOf(' '), all.lastIndexOf('\n'), all.lastIndexOf('\t'), all.lastIndexOf('"'));
      if (ws < all.length - 1 && all.length - ws - 1 <= MAX_WORD) {
        held = all.slice(ws + 1);
        all = all.slice(0, ws + 1);
      }
    }
    s.held = held;
    if (!all) return '';
    return this.release(s, all);
  }

  flush(id: string): string {
    const s = this.slots.get(id);
    if (!s) return '';
    this.slots.delete(id);
    if (!s.held) return '';
    return this.release(s, s.held);
  }

  full(text: string): string {
    const c = text.trimStart()[0];
    const restored = restore(text, this.vault, c === '{' || c === '[');
    return this.scan(restored, '');
  }

  private release(s: Slot, raw: string): string {
    const restored = restore(raw, this.vault, s.json === true);
    const out = this.scan(restored, s.carry);
    s.carry = (s.carry + out).slice(-CARRY);
    return out;
  }

  /** Scans `text` (with `carry` as preceding context that already went out) and applies output actions. */
  private scan(text: string, carry: string): string {
    if (!this.cfg || !text) return text;
    const all = carry + text;
    const found = scanText(all, this.cfg, { minRank: 2 });
    if (found.length === 0) return text;
    const events: OutputEvent[] = [];
    const blocked: string[] = [];
    const cut: Finding[] = [];
    for (const f of found) {
      if (f.end <= carry.length) continue; // reported with the earlier chunk
      const v = all.slice(f.start, f.end);
      if (this.seen.has(v) || this.vault.has(v)) continue; // the user sent it: not a leak
      const a = this.cfg.actions.get(f.type) ?? 'warn';
      if (a === 'block') blocked.push(f.type);
      if ((a === 'mask' || a === 'redact') && f.start >= carry.length) cut.push(f);
      events.push({ type: f.type, action: a === 'mask' ? 'redact' : a });
    }
    if (events.length) {
      this.events.push(...events);
      this.onEvent(events);
    }
    if (blocked.length) throw outputBlocked(blocked);
    if (cut.length === 0) return text;
    let out = '';
    let pos = carry.length;
    for (const f of cut) {
      out += all.slice(pos, f.start) + redaction(f.type);
      pos = f.end;
    }
    return out + all.slice(pos);
  }
}
