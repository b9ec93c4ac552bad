// Secure window defaults and the checks the shell applies, in a module that does not import 'electron', so
// tests assert them under plain Node (electron/main/security.test.ts).
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';
import { UI_CSP } from '../core/server/app-api.ts';

/** The renderer is served from this custom protocol in production (never from a dev server). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'airlock';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** The same CSP as web mode: no inline script, no eval, same origin only. */
export const RENDERER_CSP = UI_CSP;

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools: true,
    safeDialogs: true,
  };
}

export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

export function mainWindowOptions(preloadPath: string, bounds: WindowBounds, icon?: unknown): BrowserWindowConstructorOptions {
  return {
    ...bounds,
    minWidth: 760,
    minHeight: 520,
    show: false,
    title: 'Airlock',
    backgroundColor: '#14161b',
    autoHideMenuBar: true,
    ...(icon ? { icon: icon as BrowserWindowConstructorOptions['icon'] } : {}),
    webPreferences: secureWebPreferences(preloadPath),
  };
}

/**
 * Whether an IPC message comes from our renderer: its frame must be the app's own origin (or, in an
 * unpackaged development run only, the electron-vite dev server it was started with).
 */
export function isTrustedSenderUrl(url: string | undefined | null, devServerUrl?: string | null): boolean {
  if (!url) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST) return true;
  if (devServerUrl) {
    try {
      return u.origin === new URL(devServerUrl).origin;
    } catch {
      return false;
    }
  }
  return false;
}

/** Links the renderer asks to open: https only, handed to the system browser; everything else is dropped. */
export function externalUrlAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && !u.username && !u.password;
  } catch {
    return false;
  }
}

/** Maps an app:// request path to a file inside the renderer build, or null when it would leave it. */
export function resolveAppPath(rootDir: string, requestUrl: string, join: (...p: string[]) => string, sep: string): string | null {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return null;
  }
  if (u.host !== APP_HOST) return null;
  let p: string;
  try {
    p = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (p === '/' || p === '') p = '/index.html';
  if (p.includes('\0') || p.split('/').some((seg) => seg === '..' || seg.startsWith('.'))) return null;
  const file = join(rootDir, p);
  return file.startsWith(rootDir + sep) ? file : null;
}
