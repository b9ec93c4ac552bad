import type { Command } from './types.ts';
import { parse } from '../args.ts';
import { UserError } from '../../core/util/errors.ts';
import { routingOf } from '../../core/routing/runtime.ts';
import type { CacheSettings } from '../../core/cache/settings.ts';
import { clearCache, configureCache } from '../../core/cache/admin.ts';
import { parseDuration } from '../../core/util/duration.ts';
import { semanticIndexOf } from '../../core/cache/semantic.ts';

const USAGE = `Usage:
  airlock cache stats [--json]
  airlock cache clear
  airlock cache config [--enabled on|off] [--mode deterministic|all|off] [--ttl 1h] [--max-mb N] [--json]

The exact response cache answers a repeated request without calling the provider. By default it caches
requests likely to repeat identically (temperature 0, embeddings) and routes set with --cache on.
A client opts out per request with the header 'x-airlock-cache: no-store' (or Cache-Control: no-store),
forces a fresh answer with 'x-airlock-cache: refresh', and opts in with 'x-airlock-cache: force'.`;

export const cacheCommand: Command = {
  summary: 'inspect, configure and clear the response cache',
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const { io } = ctx;
    if (sub === 'stats' || sub === undefined) {
      const { values } = parse(rest, { json: { type: 'boolean' } }, USAGE);
      const rt = routingOf(ctx.core());
      const st = rt.cacheStore.stats();
      const s = rt.cacheSettings;
      const sem = semanticIndexOf(ctx.core()).stats();
      const semRoutes = [...rt.routes].filter(([, r]) => r.semanticCache).map(([n]) => n);
      if (values.json) io.out(JSON.stringify({ ...st, settings: s, semantic: { ...sem, routes: semRoutes } }));
      else {
        io.out(
          `Cache ${s.enabled ? `on (${s.mode})` : 'off'}: ${st.entries} entries, ${(st.bytes / 1048576).toFixed(2)} MiB of ${(s.maxBytes / 1048576).toFixed(0)} MiB, ${st.hits} hits; TTL ${s.ttlSeconds}s; ${s.shareAcrossClients ? 'shared across clients' : 'one cache per client token'}.`,
        );
        io.out(
          semRoutes.length
            ? `Semantic cache on for ${semRoutes.join(', ')}: ${sem.entries} entries, ${sem.hits} hits; search by ${sem.engine === 'sqlite-vec' ? 'sqlite-vec' : `brute force in JS (${sem.fallbackReason})`}.`
            : `Semantic cache off (no route has it; \`airlock route set <alias> ... --semantic <provider>/<embedding-model>\`)${sem.entries ? `; ${sem.entries} entries left from earlier` : ''}.`,
        );
      }
      return 0;
    }
    if (sub === 'clear') {
      parse(rest, {}, USAGE);
      const n = clearCache(ctx.core()).entries;
      io.out(`Removed ${n} cache entr${n === 1 ? 'y' : 'ies'}.`);
      return 0;
    }
    if (sub === 'config') {
      const { values } = parse(rest, { enabled: { type: 'string' }, mode: { type: 'string' }, ttl: { type: 'string' }, 'max-mb': { type: 'string' }, json: { type: 'boolean' } }, USAGE);
      const core = ctx.core();
      const cur: Partial<CacheSettings> = {};
      if (values.enabled !== undefined) {
        if (values.enabled !== 'on' && values.enabled !== 'off') throw new UserError('--enabled is on or off.', 2);
        cur.enabled = values.enabled === 'on';
      }
      if (values.mode !== undefined) {
        if (!['deterministic', 'all', 'off'].includes(values.mode)) throw new UserError('--mode is deterministic, all or off.', 2);
        cur.mode = values.mode as CacheSettings['mode'];
      }
      if (values.ttl !== undefined) {
        const ms = parseDuration(values.ttl);
        if (ms === null) throw new UserError(`--ttl takes a duration like 90s, 30m, 24h or 7d (got '${values.ttl}').`, 2);
        cur.ttlSeconds = Math.round(ms / 1000);
      }
      if (values['max-mb'] !== undefined) {
        const n = Number(values['max-mb']);
        if (!Number.isFinite(n) || n <= 0) throw new UserError(`--max-mb must be a number of megabytes above 0 (got '${values['max-mb']}').`, 2);
        cur.maxBytes = Math.round(n * 1048576);
      }
      configureCache(core, cur);
      const eff = routingOf(core).cacheSettings;
      if (values.json) io.out(JSON.stringify(eff));
      else io.out(`Cache ${eff.enabled ? `on (${eff.mode})` : 'off'}, TTL ${eff.ttlSeconds}s, cap ${(eff.maxBytes / 1048576).toFixed(0)} MiB.`);
      return 0;
    }
    throw new UserError(`Unknown subcommand 'cache ${sub}'.\n\n${USAGE}`, 2);
  },
};
