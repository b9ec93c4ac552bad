import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../util/errors.ts';

/** The only Host values accepted: loopback names with our port. Anything else may be DNS rebinding. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

export function checkHost(req: IncomingMessage, hosts: Set<string>): void {
  const host = req.headers.host;
  if (!host || !hosts.has(host.toLowerCase())) {
    throw new GatewayError(403, 'permission_error', `Host '${host ?? ''}' is not allowed. Use http://127.0.0.1 or http://localhost with the gateway's port.`, {
      code: 'host_not_allowed',
    });
  }
}

/**
 * Browsers send Origin; local tools do not. An Origin not on the configured allow-list (empty by default),
 * including the opaque `null`, is refused so web pages cannot drive the gateway.
 */
export function checkOrigin(req: IncomingMessage, allowed: string[]): string | null {
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  if (origin !== 'null' && allowed.includes(origin)) return origin;
  throw new GatewayError(403, 'permission_error', `Origin '${origin}' is not allowed to call the Airlock gateway. Add it to the gateway's CORS allow-list if it should be.`, {
    code: 'origin_not_allowed',
  });
}

export function checkJsonContentType(req: IncomingMessage): void {
  const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct !== 'application/json') {
    throw new GatewayError(415, 'unsupported_media_type', `Content-Type must be application/json (got '${ct || 'none'}').`, { code: 'unsupported_media_type' });
  }
}

/** Reads the request body up to `max` bytes; 413 past that, checked against Content-Length first. */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const tooLarge = () =>
    new GatewayError(413, 'request_too_large', `Request body is larger than the gateway's limit of ${max} bytes.`, { code: 'request_too_large' });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

export function parseJsonObject(buf: Buffer): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new GatewayError(400, 'invalid_request_error', `The request body is not valid JSON: ${(err as Error).message}`, { code: 'invalid_json' });
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw new GatewayError(400, 'invalid_request_error', 'The request body must be a JSON object.', { code: 'invalid_json' });
  }
  return v as Record<string, unknown>;
}
