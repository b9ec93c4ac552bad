import type { Command } from './types.ts';
import { parse } from '../args.ts';
import { table } from '../context.ts';
import { UserError } from '../../core/util/errors.ts';
import { gatewaySettingsView, updateGatewaySettings } from '../../core/api/gateway-settings.ts';
import {
  GATEWAY_KEYS,
  GATEWAY_KEY_INFO,
  GatewaySettingError,
  formatGatewayValue,
  getGatewayValue,
  isGatewayKey,
  type GatewayKey,
} from '../../../shared/gateway-settings.ts';

const USAGE = `Usage:
  airlock config get [KEY] [--json]
  airlock config set KEY VALUE
  airlock config unset KEY

The gateway's advanced settings (the desktop app edits the same ones under Settings → Advanced gateway settings).
A running gateway (airlock serve or the desktop app) applies a change to its next request, without a restart.

Keys:
  gateway.corsOrigins             browser origins allowed to call the gateway, a comma-separated list of exact
                                  http(s) origins: https://app.example.com,http://localhost:3000 (default: none;
                                  '*' is refused). \`config set gateway.corsOrigins ""\` allows none.
  gateway.maxBodyBytes            largest request body (413 above it): 32MiB, 512KiB, 1GiB or bytes (default 32MiB)
  gateway.timeouts.connectMs      connecting to a provider: 10s, 500ms or milliseconds (default 10s)
  gateway.timeouts.firstByteMs    from sending a request to the first response byte (default 5m)
  gateway.timeouts.idleMs         longest silence between two chunks of a streamed answer (default 2m)

\`config get KEY\` prints the value alone (bytes and milliseconds as numbers, origins comma-separated);
\`config unset\` also takes gateway.timeouts or gateway to reset a group.`;

function resolveKey(raw: string | undefined, what: string): GatewayKey {
  if (!raw) throw new UserError(`Missing ${what}.\n\n${USAGE}`, 2);
  if (isGatewayKey(raw)) return raw;
  const near = GATEWAY_KEYS.find((k) => k.toLowerCase() === raw.toLowerCase() || k.toLowerCase().endsWith(`.${raw.toLowerCase()}`));
  throw new UserError(`Unknown setting '${raw}'.${near ? ` Did you mean ${near}?` : ''} Settings: ${GATEWAY_KEYS.join(', ')}.`, 2);
}

function valueText(key: GatewayKey, v: number | string[]): string {
  const kind = GATEWAY_KEY_INFO[key].kind;
  if (kind === 'origins') return formatGatewayValue(key, v);
  return `${formatGatewayValue(key, v)} (${v} ${kind === 'bytes' ? 'bytes' : 'ms'})`;
}

function asUserError(err: unknown): never {
  if (err instanceof GatewaySettingError) throw new UserError(err.message, 2);
  throw err;
}

export const configCommand: Command = {
  summary: "show and change the gateway's settings (CORS origins, body cap, timeouts)",
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const { io } = ctx;
    if (sub === 'get' || sub === 'list' || sub === undefined) {
      const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, USAGE);
      if (positionals.length > 1) throw new UserError(`config get takes one key at most.\n\n${USAGE}`, 2);
      const view = gatewaySettingsView(ctx.core());
      if (positionals[0] !== undefined) {
        const key = resolveKey(positionals[0], 'a key');
        const v = getGatewayValue(view.values, key)!;
        if (values.json) io.out(JSON.stringify(v));
        else io.out(Array.isArray(v) ? v.join(',') : String(v));
        return 0;
      }
      if (values.json) {
        io.out(JSON.stringify(view));
        return 0;
      }
      io.out(
        table([
          ['KEY', 'VALUE', ''],
          ...GATEWAY_KEYS.map((k) => [k, valueText(k, getGatewayValue(view.values, k)!), view.set.includes(k) ? 'set' : 'default']),
        ]),
      );
      return 0;
    }
    if (sub === 'set') {
      const { positionals } = parse(rest, {}, USAGE);
      const key = resolveKey(positionals[0], 'a key');
      if (positionals.length < 2) throw new UserError(`Missing the value for ${key}.\n\n${USAGE}`, 2);
      // `config set gateway.corsOrigins https://a.example http://localhost:3000` works as well as one comma list.
      if (positionals.length > 2 && GATEWAY_KEY_INFO[key].kind !== 'origins') throw new UserError(`${key} takes one value (got ${positionals.length - 1}).`, 2);
      const raw = GATEWAY_KEY_INFO[key].kind === 'origins' ? positionals.slice(1).join(',') : positionals[1]!;
      let view;
      try {
        view = updateGatewaySettings(ctx.core(), { set: { [key]: raw } });
      } catch (err) {
        asUserError(err);
      }
      io.out(`${key} = ${valueText(key, getGatewayValue(view.values, key)!)}. A running gateway applies it to its next request.`);
      return 0;
    }
    if (sub === 'unset') {
      const { positionals } = parse(rest, {}, USAGE);
      const raw = positionals[0];
      if (!raw) throw new UserError(`Missing a key.\n\n${USAGE}`, 2);
      if (positionals.length > 1) throw new UserError('config unset takes one key.', 2);
      const keys = raw === 'gateway' || raw === 'gateway.timeouts' ? GATEWAY_KEYS.filter((k) => k.startsWith(`${raw}.`)) : [resolveKey(raw, 'a key')];
      let view;
      try {
        view = updateGatewaySettings(ctx.core(), { unset: keys });
      } catch (err) {
        asUserError(err);
      }
      for (const k of keys) io.out(`${k} = ${valueText(k, getGatewayValue(view.values, k)!)} (default).`);
      return 0;
    }
    throw new UserError(`Unknown subcommand 'config ${sub}'.\n\n${USAGE}`, 2);
  },
};
