// Picks the transport: the Electron preload's bridge when present, else HTTP + SSE (web mode).
import { createApiClient, type AirlockBridge, type ApiTransport, type AppApi } from '../../shared/api/client.ts';
import type { AppEvent } from '../../shared/api/contract.ts';

declare global {
  interface Window {
    airlock?: AirlockBridge;
  }
}

export const UNAUTHORIZED_EVENT = 'airlock:unauthorized';

function webTransport(): ApiTransport {
  return {
    async call(method, input) {
      let r: Response;
      try {
        r = await fetch(`./_airlock/api/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
          credentials: 'same-origin',
        });
      } catch {
        return { error: { code: 'unavailable', message: 'Cannot reach Airlock. Is `airlock serve` still running?' } };
      }
      const body = await r.json().catch(() => null);
      if (r.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
      if (!r.ok && !(body && typeof body === 'object' && 'error' in body)) {
        return { error: { code: 'internal', message: `Airlock answered HTTP ${r.status}.` } };
      }
      return body;
    },
    subscribe(listener) {
      const es = new EventSource('./_airlock/events');
      es.onmessage = (m) => {
        try {
          listener(JSON.parse(m.data) as AppEvent);
        } catch {
          /* ignore malformed */
        }
      };
      return () => es.close();
    },
  };
}

export const isDesktop = typeof window !== 'undefined' && !!window.airlock;

export const api: AppApi = createApiClient(isDesktop ? window.airlock! : webTransport());

/** Web mode: whether this browser holds a session. The desktop app is always signed in. */
export async function checkSession(): Promise<boolean> {
  if (isDesktop) return true;
  try {
    const r = await fetch('./_airlock/session', { credentials: 'same-origin' });
    return r.ok && (await r.json()).authenticated === true;
  } catch {
    return false;
  }
}
