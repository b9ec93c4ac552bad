// The preload: exposes the typed app API on window.airlock and nothing else (never ipcRenderer itself).
// Runs sandboxed with context isolation; bundled to CommonJS by electron-vite.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { AirlockBridge } from '../../shared/api/client.ts';
import type { AppEvent } from '../../shared/api/contract.ts';

// Channel names are repeated here (not imported from electron/main/ipc.ts) so the preload bundle stays tiny.
const IPC_CALL = 'airlock:call';
const IPC_SUBSCRIBE = 'airlock:subscribe';
const IPC_EVENT = 'airlock:event';

const listeners = new Set<(e: AppEvent) => void>();
let subscribed = false;

const bridge: AirlockBridge = {
  call: (method: string, input: unknown) => ipcRenderer.invoke(IPC_CALL, String(method), input),
  subscribe(listener) {
    listeners.add(listener);
    if (!subscribed) {
      subscribed = true;
      ipcRenderer.on(IPC_EVENT, (_e: IpcRendererEvent, ev: AppEvent) => {
        for (const l of listeners) l(ev);
      });
      ipcRenderer.send(IPC_SUBSCRIBE);
    }
    return () => {
      listeners.delete(listener);
    };
  },
};

contextBridge.exposeInMainWorld('airlock', Object.freeze(bridge));
