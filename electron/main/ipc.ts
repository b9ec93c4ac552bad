import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import type { AppApiService } from '../core/api/service.ts';
import { errorBody } from '../core/api/service.ts';
import { ApiError } from '../../shared/api/errors.ts';

export const IPC_CALL = 'airlock:call';
export const IPC_SUBSCRIBE = 'airlock:subscribe';
export const IPC_EVENT = 'airlock:event';

type SenderCheck = (frameUrl: string | undefined) => boolean;

function frameUrl(e: IpcMainEvent | IpcMainInvokeEvent): string | undefined {
  try {
    return e.senderFrame?.url;
  } catch {
    return undefined;
  }
}

/**
 * The app API over IPC: one invoke channel for calls, one channel to start the event stream. Every handler
 * checks the sending frame's URL first; the API validates input and output at the boundary.
 */
export function registerIpc(ipcMain: IpcMain, api: AppApiService, trusted: SenderCheck): () => void {
  const streams = new Map<WebContents, () => void>();

  ipcMain.handle(IPC_CALL, async (e, method: unknown, input: unknown) => {
    if (!trusted(frameUrl(e))) return errorBody(new ApiError('forbidden', 'This window may not use the Airlock API.'));
    return api.callSafe(String(method), input);
  });

  const onSubscribe = (e: IpcMainEvent) => {
    if (!trusted(frameUrl(e))) return;
    const wc = e.sender;
    if (streams.has(wc)) return;
    const off = api.subscribe((ev) => {
      if (!wc.isDestroyed()) wc.send(IPC_EVENT, ev);
    });
    streams.set(wc, off);
    wc.once('destroyed', () => {
      off();
      streams.delete(wc);
    });
  };
  ipcMain.on(IPC_SUBSCRIBE, onSubscribe);

  return () => {
    ipcMain.removeHandler(IPC_CALL);
    ipcMain.off(IPC_SUBSCRIBE, onSubscribe);
    for (const off of streams.values()) off();
    streams.clear();
  };
}
