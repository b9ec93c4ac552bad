// Page objects and setup for the governance spec: a real `airlock serve` child process (with the trust anchor in
// AIRLOCK_TRUST_ANCHOR, as a managed install has it), and what a person does on the Policy, Admin and Audit screens.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cli = path.join(root, 'electron', 'cli', 'main.ts');
const id = (page: Page, testId: string): Locator => page.getByTestId(testId);

export interface Serve {
  child: ChildProcess;
  port: number;
  origin: string;
  loginUrl: string;
  stop(): Promise<void>;
}

/** `airlock serve --port 0` in its own process; resolves once it printed its login link. */
export async function startServe(dataDir: string, env: NodeJS.ProcessEnv): Promise<Serve> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AIRLOCK_PORT: '', ...env } });
  let buf = '';
  let errBuf = '';
  child.stderr!.on('data', (c: Buffer) => (errBuf += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not start: ${buf}${errBuf}`)), 20_000);
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes('Data directory:') && /Airlock UI: http/.test(buf)) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`serve exited ${code}: ${buf}${errBuf}`));
    });
  });
  const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)\/v1/.exec(buf)![1]);
  const loginUrl = /Airlock UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(buf)![1]!;
  return {
    child,
    port,
    origin: `http://127.0.0.1:${port}`,
    loginUrl,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export const file = (name: string, text: string | Buffer) => ({ name, mimeType: 'application/json', buffer: Buffer.isBuffer(text) ? text : Buffer.from(text) });

export class PolicyPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  root = () => id(this.page, 'policy-screen');
  state = () => id(this.page, 'policy-state');
  bundleName = () => id(this.page, 'policy-bundle-name');
  sha = () => id(this.page, 'policy-sha');
  effective = (p: string) => id(this.page, `effective-${p}`);
  installResult = () => id(this.page, 'policy-install-result');
  refusals = () => id(this.page, 'policy-refusals');
  async install(name: string, text: string | Buffer) {
    await id(this.page, 'policy-install-file').setInputFiles(file(name, text));
    await id(this.page, 'policy-install-name').filter({ hasText: name }).waitFor();
    await id(this.page, 'policy-install-button').click();
  }
  async openUserSettings() {
    await id(this.page, 'policy-user-toggle').click();
  }
  userError = () => id(this.page, 'policy-user-error');
  userSaved = () => id(this.page, 'policy-user-saved');
  async saveUser() {
    await id(this.page, 'policy-user-save').click();
  }
}

export class AdminPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  root = () => id(this.page, 'admin-screen');
  tab = (s: string) => id(this.page, `admin-tab-${s}`);
  get = (testId: string) => id(this.page, testId);
  valid = () => id(this.page, 'admin-valid');
  invalid = () => id(this.page, 'admin-invalid');
  diffRow = (p: string) => id(this.page, `admin-diff-${p}`);
  signButton = () => id(this.page, 'admin-sign-button');
  signed = () => id(this.page, 'admin-signed');
  trustCheck = () => id(this.page, 'admin-trust-check');
  async chooseKeyFile(name: string, pem: string) {
    await id(this.page, 'admin-key-file-choice').check();
    await id(this.page, 'admin-key-file').setInputFiles({ name, mimeType: 'application/x-pem-file', buffer: Buffer.from(pem) });
    await id(this.page, 'admin-key-file-name').filter({ hasText: name }).waitFor();
  }
}

export class AuditPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  root = () => id(this.page, 'audit-screen');
  table = () => id(this.page, 'audit-table');
  rows = () => this.page.locator('[data-testid^="audit-row-"]');
  count = () => id(this.page, 'audit-count');
  verifyState = () => id(this.page, 'audit-verify-state');
  ok = () => id(this.page, 'audit-verify-ok');
  failed = () => id(this.page, 'audit-verify-failed');
  async verify() {
    await id(this.page, 'audit-verify-button').click();
  }
  async filterType(type: string) {
    await id(this.page, 'audit-filter-type').selectOption(type);
    await id(this.page, 'audit-filter-apply').click();
  }
  exportButton = () => id(this.page, 'audit-export');
}
