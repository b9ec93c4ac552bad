import type { GatewayStatus } from '../../shared/api/contract.ts';

/**
 * Settings shows the configured port in its field; when the gateway runs on another one, this says which and why:
 * "The gateway is running on 127.0.0.1:45123 because --port was given; started without it, it uses 4789."
 * Empty when nothing overrides the configured port (a pending restart has its own hint).
 */
export function portOverrideText(g: Pick<GatewayStatus, 'state' | 'port' | 'configuredPort' | 'portOverride'>): string {
  const where = `${g.state === 'running' ? 'The gateway is running' : 'The gateway is set to run'} on 127.0.0.1:${g.port}`;
  switch (g.portOverride) {
    case '--port':
      return `${where} because --port was given to airlock serve; started without it, it uses ${g.configuredPort}.`;
    case 'AIRLOCK_PORT':
      return `${where} because the AIRLOCK_PORT environment variable is set; without it, Airlock uses ${g.configuredPort}.`;
    case 'other':
      return `${where}, the port chosen by whatever started it; Airlock uses ${g.configuredPort} when it starts the gateway itself.`;
    default:
      return '';
  }
}
