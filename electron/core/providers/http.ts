import { Agent } from 'undici';

export interface Timeouts {
  /** TCP + TLS connect. */
  connectMs: number;
  /** From sending the request to the response headers (the first byte). */
  firstByteMs: number;
  /** Longest silence between two body chunks of a response (a stalled stream). */
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, firstByteMs: 300_000, idleMs: 120_000 };

/**
 * One undici Agent per timeout setting: it keeps a keep-alive connection pool per upstream origin,
 * so repeated calls to the same provider reuse warm connections.
 */
const agents = new Map<string, Agent>();

export function agentFor(t: Timeouts): Agent {
  const key = `${t.connectMs}/${t.firstByteMs}/${t.idleMs}`;
  let a = agents.get(key);
  if (!a) {
    a = new Agent({
      connect: { timeout: t.connectMs },
      headersTimeout: t.firstByteMs,
      bodyTimeout: t.idleMs,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 300_000,
      connections: 64,
      pipelining: 1,
    });
    agents.set(key, a);
  }
  return a;
}

export async function closeAgents(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.allSettled(all.map((a) => a.close()));
}
