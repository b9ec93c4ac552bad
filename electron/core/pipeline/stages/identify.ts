import type { IncomingMessage } from 'node:http';
import type { LiveConfig } from '../../core.ts';
import type { ClientRecord } from '../../store/clients-repo.ts';
import { GatewayError } from '../../util/errors.ts';

/** Reads the client token from `Authorization: Bearer` or `x-api-key` (what the OpenAI and Anthropic SDKs send). */
export function presentedToken(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1]!;
  }
  const k = req.headers['x-api-key'];
  return typeof k === 'string' && k ? k.trim() : null;
}

/** Stage 1, identify: which local tool is calling. Runs before the body is read. */
export function identify(req: IncomingMessage, live: LiveConfig): ClientRecord {
  const token = presentedToken(req);
  if (!token) {
    throw new GatewayError(
      401,
      'authentication_error',
      'Missing Airlock client token. Send it as "Authorization: Bearer <token>" or "x-api-key: <token>"; create one with `airlock token create <name>`.',
      { code: 'missing_token' },
    );
  }
  const client = live.authenticate(token);
  if (!client) {
    throw new GatewayError(401, 'authentication_error', 'Invalid or revoked Airlock client token. Create a new one with `airlock token create <name>`.', {
      code: 'invalid_token',
    });
  }
  return client;
}
