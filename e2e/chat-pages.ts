// Page object of the chat workspace, in data-testid selectors.
import type { Locator, Page } from 'playwright-core';

export class ChatPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  private id = (t: string): Locator => this.page.getByTestId(t);
  root = () => this.id('chat-screen');
  composer = () => this.id('composer');
  title = () => this.id('chat-title');
  total = () => this.id('chat-total');
  modelPicker = () => this.id('model-picker');
  conversations = () => this.id('conversation');
  messages = () => this.page.locator('[data-testid="message"]');
  assistant = (n: number) => this.page.locator('[data-testid="message"][data-role="assistant"]').nth(n);
  lastAssistant = () => this.page.locator('[data-testid="message"][data-role="assistant"]').last();
  lastUser = () => this.page.locator('[data-testid="message"][data-role="user"]').last();
  user = (n: number) => this.page.locator('[data-testid="message"][data-role="user"]').nth(n);
  async go() {
    await this.page.getByTestId('nav-chat').click();
    await this.root().waitFor();
  }
  async newChat() {
    await this.id('new-chat').click();
  }
  /** Id of the newest answer on screen (ids never repeat), so settled() can wait for the next one. */
  private lastId: string | null = null;
  async mark() {
    this.lastId = (await this.lastAssistant().count()) ? await this.lastAssistant().getAttribute('data-id') : null;
  }
  async send(text: string) {
    await this.mark();
    await this.composer().fill(text);
    await this.composer().press('Enter');
  }
  /** Waits for a new answer (after mark()/send()) and until it is no longer streaming; returns its status. */
  async settled(timeout = 15_000): Promise<string> {
    const loc = this.lastAssistant();
    const deadline = Date.now() + timeout;
    for (;;) {
      const id = (await loc.count()) ? await loc.getAttribute('data-id') : null;
      const s = id && id !== this.lastId ? await loc.getAttribute('data-status') : null;
      if (s && s !== 'streaming') return s;
      if (Date.now() > deadline) throw new Error(`the last answer is still '${s}'`);
      await this.page.waitForTimeout(50);
    }
  }
  async pickModel(id: string) {
    await this.modelPicker().selectOption(id);
  }
  async search(q: string) {
    await this.page.keyboard.press('Control+k');
    await this.page.keyboard.type(q);
    await this.id('search-results').waitFor();
  }
  hits = () => this.id('search-hit');
}
