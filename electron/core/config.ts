import { DEFAULT_TIMEOUTS, type Timeouts } from './providers/http.ts';

/** The gateway's fixed default port (documented in README.md). */
export const DEFAULT_PORT = 4789;

export interface GatewaySettings {
  /** Largest request body accepted, in bytes (413 above it). */
  maxBodyBytes: number;
  /** Browser origins allowed to call the gateway (CORS). Empty: no browser origin may. */
  corsOrigins: string[];
  timeouts: Timeouts;
}

export const DEFAULT_GATEWAY_SETTINGS: GatewaySettings = {
  maxBodyBytes: 32 * 1024 * 1024,
  corsOrigins: [],
  timeouts: DEFAULT_TIMEOUTS,
};

export function mergeGatewaySettings(stored: Partial<GatewaySettings> | undefined): GatewaySettings {
  return {
    ...DEFAULT_GATEWAY_SETTINGS,
    ...stored,
    timeouts: { ...DEFAULT_TIMEOUTS, ...(stored?.timeouts ?? {}) },
  };
}
