import fs from 'node:fs';
import type { Command } from './types.ts';
import { parse, wholeNumber } from '../args.ts';
import { table } from '../context.ts';
import { UserError } from '../../core/util/errors.ts';
import { parseSince } from '../../core/util/duration.ts';
import { parseExport } from '../../core/audit/log.ts';
import { verifyChain, type VerifyResult } from '../../core/audit/chain.ts';
import { keyIdOf, readPublicKey } from '../../core/policy/dsse.ts';

const USAGE = `Usage:
  airlock audit list [--since 24h|ISO] [--type TYPE] [--limit N] [--json]
  airlock audit verify [--file audit.jsonl] [--device-key KEYID|device.pub] [--json]
        checks the hash chain and the signed checkpoints; exit 1 naming what and where on tampering
        (--json prints {"ok", "entries", "problems", ...} on stdout, with the same exit code)
  airlock audit export [--since 24h|ISO] [--out audit.jsonl]   entries plus the latest signed checkpoint (JSON lines)
  airlock audit checkpoint                                      signs the current head now
  airlock audit device-key                                      prints the device key id auditors can pin

Entries hold types, names and counts: never provider keys, tokens or prompts.`;

function sinceOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = parseSince(v);
  if (t === null) throw new UserError(`--since takes a duration like 24h or 7d, or an ISO date (got '${v}').`, 2);
  return t;
}

function pinned(v: string | undefined): string[] | undefined {
  if (!v) return undefined;
  if (/^[0-9a-f]{64}$/.test(v)) return [v];
  try {
    return [keyIdOf(readPublicKey(v))];
  } catch (err) {
    throw new UserError(`--device-key takes a key id (64 hex) or a PEM public key file: ${(err as Error).message}`, 2);
  }
}

function report(r: VerifyResult, what: string, out: (l: string) => void, err: (l: string) => void, json = false): number {
  if (json) {
    out(
      JSON.stringify({
        ok: r.ok,
        entries: r.entries,
        problems: r.problems,
        first_seq: r.firstSeq,
        last_seq: r.lastSeq,
        checkpoints_verified: r.checkpointsVerified,
        uncheckpointed: r.uncheckpointed,
      }),
    );
    return r.ok ? 0 : 1;
  }
  if (!r.ok) {
    err(`audit log ${what} FAILED verification (${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}):`);
    for (const p of r.problems) err(`  - ${p}`);
    return 1;
  }
  const range = r.entries ? `#${r.firstSeq}..#${r.lastSeq}` : 'empty';
  out(
    `OK: ${r.entries} entries (${range}), hash chain intact, ${r.checkpointsVerified} signed checkpoint(s) verified` +
      (r.uncheckpointed ? `; the last ${r.uncheckpointed} entr${r.uncheckpointed === 1 ? 'y is' : 'ies are'} not yet covered by a checkpoint.` : '.'),
  );
  return 0;
}

export const auditCommand: Command = {
  summary: 'the tamper-evident audit log: list, verify, export',
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const { io } = ctx;
    switch (sub) {
      case 'list':
      case 'ls': {
        const { values } = parse(rest, { since: { type: 'string' }, type: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
        const limit = wholeNumber(values.limit, '--limit');
        const entries = ctx.core().auditLog.entries({ sinceTs: sinceOf(values.since), type: values.type });
        const shown = limit ? entries.slice(-limit) : entries;
        if (values.json) io.out(JSON.stringify(shown));
        else if (shown.length === 0) io.out('No audit entries.');
        else io.out(table([['#', 'TIME', 'TYPE', 'DATA'], ...shown.map((e) => [String(e.seq), new Date(e.ts).toISOString(), e.type, JSON.stringify(e.data)])]));
        return 0;
      }
      case 'verify': {
        const { values } = parse(rest, { file: { type: 'string' }, 'device-key': { type: 'string' }, json: { type: 'boolean' } }, USAGE);
        const trustedKeyIds = pinned(values['device-key']);
        if (values.file) {
          let text: string;
          try {
            text = fs.readFileSync(values.file, 'utf8');
          } catch (err) {
            throw new UserError(`Cannot read ${values.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
          }
          let parsed;
          try {
            parsed = parseExport(text);
          } catch (err) {
            const why = `audit export ${values.file} FAILED verification: ${(err as Error).message}`;
            if (values.json) io.out(JSON.stringify({ ok: false, entries: 0, problems: [(err as Error).message] }));
            else io.err(why);
            return 1;
          }
          const r = verifyChain(parsed.entries, parsed.checkpoints, { start: parsed.start, trustedKeyIds });
          if (r.ok && parsed.checkpoints.length === 0 && parsed.entries.length > 0) {
            r.ok = false;
            r.problems.push('the export carries no signed checkpoint, so its entries cannot be authenticated');
          }
          return report(r, values.file, io.out, io.err, values.json);
        }
        const r = ctx.core().auditLog.verify({ trustedKeyIds });
        return report(r, `in ${ctx.dataDir}`, io.out, io.err, values.json);
      }
      case 'export': {
        const { values } = parse(rest, { since: { type: 'string' }, out: { type: 'string' } }, USAGE);
        const lines = await ctx.core().auditLog.exportLines({ sinceTs: sinceOf(values.since) });
        if (values.out) {
          fs.writeFileSync(values.out, lines.join('\n') + '\n', { mode: 0o600 });
          io.err(`Wrote ${lines.length - 2} entries and the latest checkpoint to ${values.out}.`);
        } else for (const l of lines) io.out(l);
        return 0;
      }
      case 'checkpoint': {
        parse(rest, {}, USAGE);
        const log = ctx.core().auditLog;
        const c = await log.checkpoint();
        if (c) io.out(`Signed checkpoint at #${c.seq} (${c.hash.slice(0, 16)}…) with device key ${c.keyid.slice(0, 16)}… (${log.deviceKeyLocation()}).`);
        else io.out('Nothing new to checkpoint.');
        return 0;
      }
      case 'device-key': {
        parse(rest, {}, USAGE);
        const log = ctx.core().auditLog;
        const c = (await log.checkpoint()) ?? log.latestCheckpoint();
        if (!c) {
          io.out('No checkpoint yet (the audit log is empty).');
          return 0;
        }
        io.out(`Device key id: ${c.keyid}`);
        io.out(`Public key (base64, raw Ed25519): ${c.pub}`);
        return 0;
      }
      default:
        throw new UserError(sub ? `Unknown subcommand 'audit ${sub}'.\n\n${USAGE}` : USAGE, 2);
    }
  },
};
