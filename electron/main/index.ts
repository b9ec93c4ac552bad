// The Electron shell: app lifecycle, the window, the tray, login item, notifications and IPC wiring.
// Thin on purpose: the engine is electron/core (the same code `airlock serve` runs), started here in the
// main process with the OS keychain as its SecretStore.
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, protocol, screen, shell, Tray, type MenuItemConstructorOptions } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Core } from '../core/core.ts';
import { defaultDataDir } from '../core/paths.ts';
import { createSecretStore } from '../core/secrets/create.ts';
import { acquireGatewayLock, type GatewayLock } from '../core/store/lock.ts';
import { startGateway, type Gateway } from '../core/server/gateway.ts';
import { closeAgents } from '../core/providers/http.ts';
import { AppApiService } from '../core/api/service.ts';
import { readAppSettings, startRetention } from '../core/api/settings.ts';
import { APP_ENTRY, APP_SCHEME, RENDERER_CSP, externalUrlAllowed, isTrustedSenderUrl, mainWindowOptions, resolveAppPath } from './security.ts';
import { loadWindowState, saveWindowState, type WindowState } from './window-state.ts';
import { setLinuxAutostart } from './autostart.ts';
import { registerIpc } from './ipc.ts';
import { ICON_PNG_DATA_URL } from './icon.ts';
import { workerPaths } from './workers.ts';
import { TrayController, todayTotals, wireNotifications, type GatewayView } from './tray.ts';

const here = path.dirname(new URL(import.meta.url).pathname);
const rendererDir = path.resolve(here, '../renderer');
const preloadPath = path.resolve(here, '../preload/index.cjs');
// electron-vite sets this for `npm run dev`; a packaged app never loads a dev server.
const devServerUrl = !app.isPackaged ? (process.env.ELECTRON_RENDERER_URL ?? null) : null;
const startHidden = process.argv.includes('--hidden');

const dataDir = defaultDataDir();
app.setPath('userData', dataDir);

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  app.whenReady().then(start, (err) => fatal(err));
}

let core: Core | null = null;
let api: AppApiService | null = null;
let gateway: Gateway | null = null;
let lock: GatewayLock | null = null;
let port = 0;
let paused = false;
let win: BrowserWindow | null = null;
let tray: Tray | null = null;
let trayCtl: TrayController | null = null;
let quitting = false;
let stopRetention = () => {};
let unregisterIpc = () => {};

function fatal(err: unknown): void {
  dialog.showErrorBox('Airlock could not start', (err as Error)?.message ?? String(err));
  app.exit(1);
}

async function start(): Promise<void> {
  try {
    lock = acquireGatewayLock(dataDir);
  } catch (err) {
    return fatal(err);
  }
  // Dashboard queries and audit verification run on worker threads: their scripts are entries of the bundle.
  core = new Core({ dataDir, secrets: createSecretStore(), ...workerPaths(here) });
  const settings = readAppSettings(core);
  port = process.env.AIRLOCK_PORT ? Number(process.env.AIRLOCK_PORT) : settings.port;
  api = new AppApiService(core, {
    mode: 'desktop',
    version: app.getVersion(),
    gateway: gatewayView,
    setPaused,
    loginItem: { set: setLoginItem },
  });
  try {
    await startGatewayNow();
  } catch (err) {
    // The app still opens (settings can change the port); the tray and header say the gateway is stopped.
    dialog.showErrorBox('Airlock gateway did not start', (err as Error).message);
  }
  stopRetention = startRetention(core);
  try {
    // Keeps the dashboard rollup current from now on (worker thread, out/main/analytics-worker.js).
    core.startAnalytics();
  } catch (err) {
    console.error(`airlock: analytics worker did not start: ${(err as Error).message}`);
  }

  protocol.handle(APP_SCHEME, async (req) => {
    const file = resolveAppPath(rendererDir, req.url, path.join, path.sep);
    if (!file) return new Response('Not found', { status: 404 });
    try {
      const res = await fetch(pathToFileURL(file).toString());
      const headers = new Headers(res.headers);
      headers.set('content-security-policy', RENDERER_CSP);
      headers.set('x-content-type-options', 'nosniff');
      return new Response(res.body, { status: res.status, headers });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });

  unregisterIpc = registerIpc(ipcMain, api, (url) => isTrustedSenderUrl(url, devServerUrl));
  wireNotifications(core.events, {
    isSupported: () => Notification.isSupported(),
    show: (n, onClick) => {
      const note = new Notification({ title: n.title, body: n.body, urgency: n.urgency });
      note.on('click', onClick);
      note.show();
    },
  }, showWindow);
  // Live spend in the tray: every committed request-log batch (tools and Chat alike).
  api.subscribe((e) => {
    if (e.type === 'core' && e.event.kind === 'request') updateTray();
  });

  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenu()));
  createTray();
  if (!startHidden) showWindow();
}

function gatewayView(): GatewayView {
  return { state: gateway ? 'running' : paused ? 'paused' : 'stopped', port: gateway?.port ?? port };
}

async function startGatewayNow(): Promise<void> {
  gateway = await startGateway(core!, { port });
  paused = false;
  lock!.update({ port: gateway.port, desktop: true, startedAt: new Date().toISOString() });
}

async function setPaused(p: boolean): Promise<void> {
  if (p && gateway) {
    const g = gateway;
    gateway = null;
    paused = true;
    await g.close();
  } else if (!p && !gateway) {
    await startGatewayNow();
  }
  updateTray();
  await api?.gatewayChanged();
}

async function setLoginItem(enabled: boolean): Promise<void> {
  if (process.platform === 'linux') setLinuxAutostart(enabled, process.env.APPIMAGE ?? process.execPath);
  else app.setLoginItemSettings({ openAtLogin: enabled, args: ['--hidden'] });
}

function guardWebContents(w: BrowserWindow): void {
  const wc = w.webContents;
  // No new windows: https links go to the system browser, everything else is dropped.
  wc.setWindowOpenHandler(({ url }) => {
    if (externalUrlAllowed(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  // No navigation away from the app.
  wc.on('will-navigate', (event, url) => {
    if (!isTrustedSenderUrl(url, devServerUrl)) {
      event.preventDefault();
      if (externalUrlAllowed(url)) void shell.openExternal(url);
    }
  });
  wc.on('will-attach-webview', (event) => event.preventDefault());
  wc.session.setPermissionRequestHandler((_wc, permission, callback) => callback(permission === 'clipboard-sanitized-write'));
}

function showWindow(): void {
  if (win && !win.isDestroyed()) {
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
    return;
  }
  const displays = screen.getAllDisplays().map((d) => d.workArea);
  const state: WindowState = loadWindowState(dataDir, displays);
  const icon = nativeImage.createFromDataURL(ICON_PNG_DATA_URL);
  win = new BrowserWindow(mainWindowOptions(preloadPath, { x: state.x, y: state.y, width: state.width, height: state.height }, icon));
  if (state.maximized) win.maximize();
  guardWebContents(win);
  const save = () => {
    if (!win || win.isDestroyed()) return;
    const b = win.getNormalBounds();
    saveWindowState(dataDir, { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() });
  };
  let t: ReturnType<typeof setTimeout> | null = null;
  const later = () => {
    if (t) clearTimeout(t);
    t = setTimeout(save, 500);
  };
  win.on('resize', later);
  win.on('move', later);
  win.on('close', (e) => {
    save();
    // Closing the window keeps the gateway running in the tray; Quit (tray or menu) ends it.
    if (!quitting && tray) {
      e.preventDefault();
      win?.hide();
    }
  });
  win.once('ready-to-show', () => win?.show());
  void win.loadURL(devServerUrl ?? APP_ENTRY);
}

function createTray(): void {
  try {
    tray = new Tray(nativeImage.createFromDataURL(ICON_PNG_DATA_URL).resize({ width: 16, height: 16 }));
  } catch {
    tray = null; // Some Linux desktops have no tray; closing the window then quits.
    return;
  }
  tray.on('click', () => showWindow());
  trayCtl = new TrayController(tray, {
    buildMenu: (t) => Menu.buildFromTemplate(t),
    gateway: gatewayView,
    today: () => (core ? todayTotals(core.db) : { requests: 0, costUsd: 0, costUnknownRequests: 0 }),
    actions: {
      open: () => showWindow(),
      setPaused: (p) => void setPaused(p).catch((err) => dialog.showErrorBox('Airlock', (err as Error).message)),
      quit: () => quit(),
    },
  });
  trayCtl.start();
}

function updateTray(): void {
  trayCtl?.update();
}

function appMenu(): MenuItemConstructorOptions[] {
  return [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { label: 'File', submenu: [{ label: 'Close Window', role: 'close' }, { label: 'Quit Airlock', accelerator: 'CmdOrCtrl+Q', click: () => quit() }] },
    { role: 'editMenu' },
    { label: 'View', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }] },
  ];
}

function quit(): void {
  quitting = true;
  app.quit();
}

app.on('before-quit', () => {
  quitting = true;
});

app.on('window-all-closed', () => {
  if (!tray) quit();
});

app.on('activate', () => showWindow());

app.on('will-quit', (e) => {
  if (!core) return;
  e.preventDefault();
  const c = core;
  core = null;
  void (async () => {
    unregisterIpc();
    stopRetention();
    trayCtl?.stop();
    api?.close();
    await gateway?.close();
    await closeAgents();
    c.close();
    lock?.release();
    app.exit(0);
  })();
});

// A renderer that crashes or hangs is reloaded rather than left blank.
app.on('render-process-gone', (_e, wc) => {
  if (!wc.isDestroyed()) wc.reload();
});

// Anything else that would create web contents (devtools extensions, etc.) gets the same guards.
app.on('web-contents-created', (_e, wc) => {
  wc.setWindowOpenHandler(({ url }) => {
    if (externalUrlAllowed(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
});
