// The renderer's typed view of the app API. It imports types only, so the UI bundle carries no schemas:
// validation happens where it protects something, at the boundary in electron/core/api.
import type { AppEvent, Input, Method, Output } from './contract.ts';
import { ApiError, isApiErrorBody } from './errors.ts';

/** What a transport (Electron preload, or HTTP+SSE in web mode) provides. */
export interface ApiTransport {
  call(method: string, input: unknown): Promise<unknown>;
  /** Returns an unsubscribe function. */
  subscribe(listener: (event: AppEvent) => void): () => void;
}

export interface AppApi {
  call<M extends Method>(method: M, ...input: {} extends Input<M> ? [input?: Input<M>] : [input: Input<M>]): Promise<Output<M>>;
  subscribe(listener: (event: AppEvent) => void): () => void;
}

export function createApiClient(transport: ApiTransport): AppApi {
  return {
    async call(method, ...rest) {
      const r = await transport.call(method, rest[0] ?? {});
      // IPC answers errors as a value (Electron flattens thrown errors into strings).
      if (isApiErrorBody(r)) throw new ApiError(r.error.code, r.error.message);
      return r as never;
    },
    subscribe: (listener) => transport.subscribe(listener),
  };
}

/** The bridge the Electron preload puts on window.airlock. */
export interface AirlockBridge {
  call(method: string, input: unknown): Promise<unknown>;
  subscribe(listener: (event: AppEvent) => void): () => void;
}
