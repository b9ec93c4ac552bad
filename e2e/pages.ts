// Page objects: what a person does on each screen, in data-testid selectors.
import type { Locator, Page } from 'playwright-core';

const id = (page: Page, testId: string): Locator => page.getByTestId(testId);

export class Shell {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  gatewayStatus = () => id(this.page, 'gateway-status');
  todaySpend = () => id(this.page, 'today-spend');
  async go(route: 'welcome' | 'providers' | 'connect' | 'settings') {
    await id(this.page, `nav-${route}`).click();
  }
}

export class FirstRunPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  root = () => id(this.page, 'first-run');
  async addCustomProvider(opts: { id: string; baseUrl: string; key: string }) {
    await id(this.page, 'preset-custom').click();
    await id(this.page, 'provider-id').fill(opts.id);
    await id(this.page, 'provider-base-url').fill(opts.baseUrl);
    await id(this.page, 'provider-key').fill(opts.key);
    await id(this.page, 'provider-save').click();
  }
  addedKeyStatus = () => id(this.page, 'first-run-key-status');
  async testKey() {
    await id(this.page, 'key-test').click();
    return id(this.page, 'key-test-result');
  }
  endpoint = () => id(this.page, 'endpoint-url');
  async continueToConnect() {
    await id(this.page, 'goto-connect').click();
  }
}

export class ProvidersPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  root = () => id(this.page, 'providers-screen');
  row = (providerId: string) => id(this.page, `provider-row-${providerId}`);
  keyStatus = (providerId: string) => id(this.page, `key-status-${providerId}`);
  async test(providerId: string) {
    await id(this.page, `key-test-${providerId}`).click();
    return id(this.page, `key-test-result-${providerId}`);
  }
  async rotate(providerId: string, key: string) {
    await id(this.page, `key-rotate-${providerId}`).click();
    await id(this.page, `rotate-input-${providerId}`).fill(key);
    await id(this.page, `rotate-save-${providerId}`).click();
  }
  async remove(providerId: string) {
    await id(this.page, `provider-remove-${providerId}`).click();
    await id(this.page, `provider-remove-confirm-${providerId}`).click();
  }
  local = (preset: string) => id(this.page, `local-${preset}`);
  addLocal = (preset: string) => id(this.page, `local-add-${preset}`);
}

export class ConnectPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  root = () => id(this.page, 'connect-screen');
  async selectTool(tool: string) {
    await id(this.page, `snippet-tab-${tool}`).click();
  }
  async createToken(name?: string) {
    if (name) await id(this.page, 'token-name').fill(name);
    await id(this.page, 'token-create').click();
    return id(this.page, 'new-token');
  }
  snippet = (tool: string) => id(this.page, `snippet-${tool}`);
  tokenRow = (name: string) => id(this.page, `token-row-${name}`);
  tokenLast = (name: string) => id(this.page, `token-last-${name}`);
  async revoke(name: string) {
    await id(this.page, `token-revoke-${name}`).click();
    await id(this.page, `token-revoke-confirm-${name}`).click();
  }
}

export class SettingsPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  root = () => id(this.page, 'settings-screen');
  port = () => id(this.page, 'settings-port');
  storePrompts = () => id(this.page, 'settings-store-prompts');
  startAtLogin = () => id(this.page, 'settings-start-at-login');
  retention = () => id(this.page, 'settings-retention');
  saved = () => id(this.page, 'settings-saved');
  error = () => id(this.page, 'settings-error');
}
