// The desktop shell's security settings, asserted without an Electron binary: the window options factory,
// the sender check every IPC handler runs (with a fake ipcMain), what the preload exposes (with a fake
// 'electron' module), the main process source, the packaging config, and the one-way dependency rules.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { registerHooks } from 'node:module';
import { APP_ENTRY, RENDERER_CSP, externalUrlAllowed, isTrustedSenderUrl, mainWindowOptions, resolveAppPath, secureWebPreferences } from './security.ts';
import { registerIpc, IPC_CALL, IPC_SUBSCRIBE } from './ipc.ts';
import { AppApiService } from '../core/api/service.ts';
import { Core } from '../core/core.ts';
import { tempDataDir } from '../core/testing/harness.ts';
import { linuxAutostartEntry } from './autostart.ts';
import { loadWindowState, saveWindowState } from './window-state.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const read = (p: string) => fs.readFileSync(path.join(root, p), 'utf8');

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.(ts|tsx)$/.test(e.name)) out.push(p);
  }
  return out;
}

test('windows: context isolation, sandbox, no Node, web security on', () => {
  const wp = secureWebPreferences('/app/preload/index.cjs');
  assert.equal(wp.contextIsolation, true);
  assert.equal(wp.sandbox, true);
  assert.equal(wp.nodeIntegration, false);
  assert.equal(wp.nodeIntegrationInWorker, false);
  assert.equal(wp.nodeIntegrationInSubFrames, false);
  assert.equal(wp.webSecurity, true);
  assert.equal(wp.allowRunningInsecureContent, false);
  assert.equal(wp.webviewTag, false);
  assert.equal(wp.experimentalFeatures, false);
  assert.equal(wp.preload, '/app/preload/index.cjs');
  const opts = mainWindowOptions('/p.cjs', { width: 900, height: 700 });
  assert.deepEqual(opts.webPreferences, secureWebPreferences('/p.cjs'));
  assert.equal(opts.show, false);
});

test('the renderer comes from app://airlock with a strict CSP; only https links leave, to the browser', () => {
  assert.equal(APP_ENTRY, 'app://airlock/index.html');
  assert.match(RENDERER_CSP, /script-src 'self'(;|$)/);
  assert.doesNotMatch(RENDERER_CSP, /unsafe-inline|unsafe-eval|\*/);
  assert.match(RENDERER_CSP, /object-src 'none'/);
  for (const u of ['app://airlock/index.html', 'app://airlock/assets/x.js']) assert.equal(isTrustedSenderUrl(u), true, u);
  for (const u of ['app://evil/index.html', 'file:///etc/passwd', 'https://airlock/', 'http://127.0.0.1:5173/', 'about:blank', '', undefined, 'not a url']) {
    assert.equal(isTrustedSenderUrl(u), false, String(u));
  }
  // The dev server is trusted only when the (unpackaged) shell passes its URL.
  assert.equal(isTrustedSenderUrl('http://localhost:5173/', 'http://localhost:5173'), true);
  assert.equal(isTrustedSenderUrl('http://localhost:5174/', 'http://localhost:5173'), false);
  assert.equal(externalUrlAllowed('https://platform.openai.com/api-keys'), true);
  for (const u of ['http://example.com', 'file:///etc/passwd', 'javascript:alert(1)', 'app://airlock/', 'https://user:pw@example.com/', 'smb://host/share']) {
    assert.equal(externalUrlAllowed(u), false, u);
  }
  const rootDir = '/opt/Airlock/out/renderer';
  assert.equal(resolveAppPath(rootDir, 'app://airlock/', path.join, '/'), '/opt/Airlock/out/renderer/index.html');
  assert.equal(resolveAppPath(rootDir, 'app://airlock/assets/a.js', path.join, '/'), '/opt/Airlock/out/renderer/assets/a.js');
  // The URL parser already collapses a literal '..': it stays inside the build directory.
  assert.equal(resolveAppPath(rootDir, 'app://airlock/../main/index.js', path.join, '/'), '/opt/Airlock/out/renderer/main/index.js');
  for (const u of ['app://airlock/assets/..%2f..%2fx', 'app://other/index.html', 'app://airlock/.env']) {
    assert.equal(resolveAppPath(rootDir, u, path.join, '/'), null, u);
  }
});

test('every IPC handler checks its sender first; untrusted frames get nothing', async () => {
  const dataDir = tempDataDir();
  const core = new Core({ dataDir, secrets: null });
  const api = new AppApiService(core, { mode: 'desktop', version: '1', gateway: () => ({ state: 'running', port: 4789 }) });
  const handles = new Map<string, (...a: unknown[]) => unknown>();
  const ons = new Map<string, (...a: unknown[]) => unknown>();
  const fakeIpc = {
    handle: (ch: string, fn: (...a: unknown[]) => unknown) => handles.set(ch, fn),
    on: (ch: string, fn: (...a: unknown[]) => unknown) => ons.set(ch, fn),
    removeHandler: (ch: string) => handles.delete(ch),
    off: (ch: string) => ons.delete(ch),
  };
  const checked: (string | undefined)[] = [];
  const unregister = registerIpc(fakeIpc as never, api, (url) => {
    checked.push(url);
    return isTrustedSenderUrl(url);
  });
  try {
    assert.deepEqual([...handles.keys()], [IPC_CALL]);
    assert.deepEqual([...ons.keys()], [IPC_SUBSCRIBE]);
    const sent: unknown[] = [];
    const sender = (url: string) => ({ senderFrame: { url }, sender: { isDestroyed: () => false, send: (...a: unknown[]) => sent.push(a), once: () => {} } });
    const evil = await handles.get(IPC_CALL)!(sender('https://evil.example/'), 'tokens.create', { name: 'x' });
    assert.deepEqual(evil, { error: { code: 'forbidden', message: 'This window may not use the Airlock API.' } });
    assert.equal(core.clients.list().length, 0, 'nothing ran for an untrusted frame');
    const ok = (await handles.get(IPC_CALL)!(sender('app://airlock/index.html'), 'app.info', {})) as { mode: string };
    assert.equal(ok.mode, 'desktop');
    const invalid = (await handles.get(IPC_CALL)!(sender('app://airlock/index.html'), 'tokens.create', { name: '' })) as { error: { code: string } };
    assert.equal(invalid.error.code, 'invalid_input');
    ons.get(IPC_SUBSCRIBE)!(sender('https://evil.example/'));
    core.emit({ kind: 'budget', level: 'warn', title: 't', message: 'm' });
    assert.equal(sent.length, 0, 'untrusted frames get no events');
    ons.get(IPC_SUBSCRIBE)!(sender('app://airlock/index.html'));
    core.emit({ kind: 'budget', level: 'warn', title: 't', message: 'm' });
    assert.equal(sent.length, 1);
    assert.deepEqual(checked.slice(0, 2), ['https://evil.example/', 'app://airlock/index.html']);
  } finally {
    unregister();
    api.close();
    core.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the preload exposes only the typed API (call, subscribe), never ipcRenderer', async () => {
  const exposed: Record<string, unknown> = {};
  const invoked: unknown[][] = [];
  const fakeIpcRenderer = { invoke: (...a: unknown[]) => (invoked.push(a), Promise.resolve('ok')), on: () => {}, send: () => {}, removeListener: () => {} };
  (globalThis as Record<string, unknown>).__airlockFakeElectron = {
    contextBridge: { exposeInMainWorld: (k: string, v: unknown) => (exposed[k] = v) },
    ipcRenderer: fakeIpcRenderer,
  };
  const hooks = registerHooks({
    resolve(specifier, context, next) {
      if (specifier === 'electron') {
        return {
          url: 'data:text/javascript,const e=globalThis.__airlockFakeElectron;export const contextBridge=e.contextBridge;export const ipcRenderer=e.ipcRenderer;',
          shortCircuit: true,
        };
      }
      return next(specifier, context);
    },
  });
  try {
    await import('../preload/index.ts');
  } finally {
    hooks.deregister();
  }
  assert.deepEqual(Object.keys(exposed), ['airlock']);
  const bridge = exposed.airlock as Record<string, unknown>;
  assert.deepEqual(Object.keys(bridge).sort(), ['call', 'subscribe']);
  assert.ok(Object.isFrozen(bridge));
  for (const v of Object.values(bridge)) assert.notEqual(v, fakeIpcRenderer);
  assert.equal(await (bridge.call as (m: string, i: unknown) => Promise<unknown>)('app.info', {}), 'ok');
  assert.deepEqual(invoked, [['airlock:call', 'app.info', {}]]);
  const src = read('electron/preload/index.ts');
  assert.equal(src.match(/exposeInMainWorld\(/g)?.length, 1);
});

test('main process: guards on every window, app:// only, IPC registered in one place', () => {
  const main = read('electron/main/index.ts');
  assert.equal(main.match(/new BrowserWindow\(/g)?.length, 1, 'one window factory');
  assert.match(main, /new BrowserWindow\(mainWindowOptions\(/);
  assert.match(main, /setWindowOpenHandler\([\s\S]{0,200}action: 'deny'/);
  assert.match(main, /will-navigate[\s\S]{0,120}preventDefault\(\)/);
  assert.match(main, /will-attach-webview[\s\S]{0,60}preventDefault\(\)/);
  assert.match(main, /requestSingleInstanceLock\(\)/);
  assert.match(main, /protocol\.handle\(APP_SCHEME/);
  assert.match(main, /loadURL\(devServerUrl \?\? APP_ENTRY\)/);
  assert.match(main, /const devServerUrl = !app\.isPackaged \?/, 'a packaged app never loads a dev server');
  for (const f of walk('electron/main')) {
    if (f.endsWith('ipc.ts') || f.endsWith('.test.ts')) continue;
    assert.doesNotMatch(read(f), /ipcMain\.(handle|on|once)\(/, `${f}: IPC handlers live in ipc.ts, behind the sender check`);
  }
  const ipc = read('electron/main/ipc.ts');
  const handlers = ipc.match(/ipcMain\.(handle|on)\(/g)?.length ?? 0;
  const checks = ipc.match(/if \(!trusted\(frameUrl\(e\)\)\)/g)?.length ?? 0;
  assert.equal(checks, handlers, 'each IPC handler starts with the sender check');
});

test('packaging: fuses, asar integrity, native modules unpacked and external, all targets', () => {
  const yml = read('electron-builder.yml');
  for (const line of ['runAsNode: false', 'enableNodeOptionsEnvironmentVariable: false', 'enableNodeCliInspectArguments: false', 'enableEmbeddedAsarIntegrityValidation: true', 'onlyLoadAppFromAsar: true', 'asar: true']) {
    assert.ok(yml.includes(`\n  ${line}`) || yml.includes(`\n${line}`), line);
  }
  assert.match(yml, /asarUnpack:[\s\S]*node_modules\/better-sqlite3\/\*\*/);
  assert.match(yml, /asarUnpack:[\s\S]*node_modules\/@napi-rs\/\*\*/);
  for (const t of ['AppImage', 'deb', 'dmg', 'nsis']) assert.match(yml, new RegExp(`- ${t}\\b`), t);
  const vite = read('electron.vite.config.ts');
  assert.match(vite, /external: \[[^\]]*'better-sqlite3'[^\]]*'@napi-rs\/keyring'/);
  assert.match(vite, /formats: \['cjs'\]/, 'the sandboxed preload is one CommonJS file');
});

test('dependencies point one way: core never imports electron, the renderer never imports electron/', () => {
  for (const f of walk('electron/core')) {
    assert.doesNotMatch(read(f), /from ['"]electron['"]|require\(['"]electron['"]\)|from ['"][./]*\/main\//, `${f} must not import electron or the shell`);
  }
  for (const f of walk('renderer')) {
    assert.doesNotMatch(read(f), /from ['"][./]*\/electron\/|from ['"]electron['"]/, `${f} must not import from electron/`);
  }
  assert.doesNotMatch(read('electron/main/security.ts'), /^import (?!type)[^;]*from 'electron'/m, 'security.ts stays importable without Electron');
});

test('window state is remembered but never placed off-screen; login item entry', () => {
  const dir = tempDataDir();
  try {
    const screens = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    assert.deepEqual(loadWindowState(dir, screens), { width: 1120, height: 780, maximized: false });
    saveWindowState(dir, { x: 100, y: 80, width: 1000, height: 700, maximized: true });
    assert.deepEqual(loadWindowState(dir, screens), { x: 100, y: 80, width: 1000, height: 700, maximized: true });
    saveWindowState(dir, { x: 5000, y: 80, width: 1000, height: 700, maximized: false });
    assert.equal(loadWindowState(dir, screens).x, undefined, 'a window on a display that is gone is re-centred');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.match(linuxAutostartEntry('/opt/Airlock/airlock'), /^Exec=\/opt\/Airlock\/airlock --hidden$/m);
  assert.match(linuxAutostartEntry('/home/a b/Airlock.AppImage'), /^Exec="\/home\/a b\/Airlock\.AppImage" --hidden$/m);
});
