// Reads and writes the gateway's advanced settings (settings key `gateway`) for `airlock config` and the app API.
// Values are parsed and range-checked by shared/gateway-settings.ts; a write is all-or-nothing. The running
// gateway picks a write up on its next request: in this process through SettingsRepo.onChange (LiveConfig
// invalidate), from another process through SQLite's data_version (LiveConfig.refresh).
import type { Core } from '../core.ts';
import {
  GATEWAY_DEFAULTS,
  GatewaySettingError,
  effectiveGateway,
  isGatewayKey,
  parseGatewayValue,
  setGatewayKeys,
  withGatewayValue,
  GATEWAY_KEYS,
  type GatewayKey,
  type GatewayValues,
  type StoredGateway,
} from '../../../shared/gateway-settings.ts';

export const GATEWAY_SETTINGS_KEY = 'gateway';

export interface GatewaySettingsView {
  values: GatewayValues;
  defaults: GatewayValues;
  /** Keys the user set; the others take their defaults. */
  set: GatewayKey[];
}

export function readStoredGateway(core: Core): StoredGateway {
  return core.settings.get<StoredGateway | null>(GATEWAY_SETTINGS_KEY, null) ?? {};
}

export function gatewaySettingsView(core: Core): GatewaySettingsView {
  const stored = readStoredGateway(core);
  return { values: effectiveGateway(stored), defaults: GATEWAY_DEFAULTS, set: setGatewayKeys(stored) };
}

export interface GatewaySettingsUpdate {
  /** Values as a person types them: "32MiB", "10s", "https://a.example, http://localhost:3000", or numbers. */
  set?: Partial<Record<string, string | number | string[]>>;
  /** Keys to put back to their defaults. */
  unset?: string[];
}

function checkKey(k: string): GatewayKey {
  if (isGatewayKey(k)) return k;
  throw new GatewaySettingError(null, `Unknown setting '${k}'. Settings: ${GATEWAY_KEYS.join(', ')}.`);
}

/** Validates every change first, then writes once; throws GatewaySettingError naming the key. */
export function updateGatewaySettings(core: Core, update: GatewaySettingsUpdate): GatewaySettingsView {
  let next = readStoredGateway(core);
  const before = JSON.stringify(next);
  for (const k of update.unset ?? []) next = withGatewayValue(next, checkKey(k), undefined);
  for (const [k, v] of Object.entries(update.set ?? {})) {
    if (v === undefined) continue;
    const key = checkKey(k);
    next = withGatewayValue(next, key, parseGatewayValue(key, v));
  }
  if (JSON.stringify(next) !== before) core.settings.set(GATEWAY_SETTINGS_KEY, next);
  return gatewaySettingsView(core);
}
