// Shared setup for the Playwright specs: a real Airlock web-mode server (core, gateway, app API, built
// renderer) on loopback, a mock upstream replaying real provider transcripts, and Debian's Chromium.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Core } from '../electron/core/core.ts';
import { startGateway, type Gateway } from '../electron/core/server/gateway.ts';
import { AppApiService } from '../electron/core/api/service.ts';
import { createWebUi, defaultStaticDir, type WebUi } from '../electron/core/server/app-api.ts';
import { createSecretStore } from '../electron/core/secrets/create.ts';
import { startMockUpstream, type MockUpstream } from '../electron/core/testing/mock-upstream.ts';
import { tempDataDir } from '../electron/core/testing/harness.ts';
import type { ShellHooks } from '../electron/core/api/handlers.ts';

export const CHROMIUM = process.env.AIRLOCK_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(path.dirname(new URL(import.meta.url).pathname), 'screenshots');

/** Why browser specs cannot run here, or null. */
export function browserSkipReason(): string | null {
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt install chromium, see scripts/setup-test-machine.sh)`;
  if (!fs.existsSync(path.join(defaultStaticDir(), 'index.html'))) return 'the renderer is not built: run `node scripts/build-renderer.ts` (npm test does)';
  return null;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/** A fake local model server (answers GET /v1/models like Ollama's OpenAI-compatible API). */
export async function startFakeOllama(models: string[]): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/v1/models') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model' })) }));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, close: () => new Promise((r) => server.close(() => r())) };
}

export interface WebServer {
  core: Core;
  api: AppApiService;
  ui: WebUi;
  gateway: Gateway;
  mock: MockUpstream;
  origin: string;
  dataDir: string;
  /** A fresh single-use login link. */
  loginUrl(): string;
  close(): Promise<void>;
}

/** The same wiring `airlock serve` does, in-process, so specs can steer hooks (local server probes). */
export async function startWebServer(hooks: Partial<ShellHooks> = {}): Promise<WebServer> {
  const dataDir = tempDataDir('airlock-e2e-');
  const mock = await startMockUpstream();
  const core = new Core({ dataDir, secrets: createSecretStore() });
  let port = 0;
  const api = new AppApiService(core, { mode: 'web', version: 'e2e', gateway: () => ({ state: 'running', port }), ...hooks });
  const ui = createWebUi(core, api);
  const gateway = await startGateway(core, { port: 0, extra: ui.handler });
  port = gateway.port;
  return {
    core,
    api,
    ui,
    gateway,
    mock,
    dataDir,
    origin: `http://127.0.0.1:${port}`,
    loginUrl: () => ui.loginUrl(port),
    async close() {
      ui.close();
      api.close();
      await gateway.close();
      await mock.close();
      // Keys the spec stored go from the (private, test) keychain too.
      for (const p of core.providers.list()) await core.keys.remove(p.id).catch(() => false);
      core.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A signed-in page in the given color scheme. */
export async function signedInPage(browser: Browser, server: WebServer, colorScheme: 'light' | 'dark' = 'light'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ colorScheme, viewport: { width: 1200, height: 860 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  (page as Page & { airlockErrors?: string[] }).airlockErrors = errors;
  await page.goto(server.loginUrl());
  return { context, page };
}

/** Console errors and uncaught exceptions the page produced (CSP violations show up here). */
export function pageErrors(page: Page): string[] {
  return (page as Page & { airlockErrors?: string[] }).airlockErrors ?? [];
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
