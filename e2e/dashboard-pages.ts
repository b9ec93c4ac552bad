// Page objects for the dashboard spec: Spend dashboard, Request log, Budgets and the DLP view (data-testid selectors).
import type { Locator, Page } from 'playwright-core';

const id = (page: Page, testId: string): Locator => page.getByTestId(testId);

export class Nav {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  async go(route: 'dashboard' | 'requests' | 'budgets' | 'dlp') {
    await id(this.page, `nav-${route}`).click();
    await id(this.page, route === 'dashboard' ? 'dashboard-screen' : `${route}-screen`).waitFor();
  }
}

export class DashboardPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  root = () => id(this.page, 'dashboard-screen');
  total = (which: 'today' | 'week' | 'month' | 'projection') => id(this.page, `total-${which}`);
  async usd(which: 'today' | 'week' | 'month' | 'projection'): Promise<number> {
    return Number(await this.total(which).getAttribute('data-usd'));
  }
  async range(): Promise<{ from: number; to: number }> {
    return { from: Number(await this.root().getAttribute('data-from')), to: Number(await this.root().getAttribute('data-to')) };
  }
  chart = () => id(this.page, 'spend-chart');
  /** Bar series drawn in the chart's SVG. */
  chartBars = () => this.chart().locator('svg g.recharts-bar');
  legendItems = () => id(this.page, 'spend-chart-legend-item');
  async stackBy(value: string) {
    await id(this.page, 'stack-by').selectOption(value);
  }
  async unit(u: 'day' | 'week' | 'month') {
    await id(this.page, `unit-${u}`).click();
  }
  async tab(t: 'client' | 'model' | 'provider') {
    await id(this.page, `tab-${t}`).click();
  }
  tableRows = (t: 'client' | 'model' | 'provider') => id(this.page, `table-${t}-row`);
  async openRow(t: 'client' | 'model' | 'provider', key: string) {
    await this.tableRows(t).and(this.page.locator(`[data-key="${key}"]`)).getByRole('button').click();
  }
}

export class RequestsPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  root = () => id(this.page, 'requests-screen');
  rows = () => id(this.page, 'req-row');
  count = () => id(this.page, 'req-count');
  async ids(): Promise<number[]> {
    return (await this.rows().evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id')))));
  }
  async attr(name: string): Promise<string[]> {
    return this.rows().evaluateAll((els, n) => els.map((e) => e.getAttribute(n) ?? ''), name);
  }
  async filter(f: { client?: string; blocked?: boolean; status?: '' | 'ok' | 'error'; tag?: string }) {
    if (f.client !== undefined) await id(this.page, 'req-filter-client').fill(f.client);
    if (f.blocked !== undefined) await id(this.page, 'req-filter-blocked').setChecked(f.blocked);
    if (f.status !== undefined) await id(this.page, 'req-filter-status').selectOption(f.status);
    if (f.tag !== undefined) await id(this.page, 'req-filter-tag').fill(f.tag);
    await id(this.page, 'req-filter-apply').click();
  }
  async reset() {
    await id(this.page, 'req-filter-reset').click();
  }
  exportButton = () => id(this.page, 'req-export');
  older = () => id(this.page, 'req-older');
  newer = () => id(this.page, 'req-newer');
}

export class BudgetsPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  budget = (scope: string) => id(this.page, 'budget').and(this.page.locator(`[data-scope="${scope}"]`));
  state = (scope: string) => this.budget(scope).getByTestId('budget-state');
}

export class DlpPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  findings = () => id(this.page, 'dlp-total-findings');
  blocked = () => id(this.page, 'dlp-total-blocked');
  chartBars = () => id(this.page, 'dlp-chart').locator('svg g.recharts-bar');
  typeRows = () => id(this.page, 'dlp-type-row');
  async openBlocked() {
    await id(this.page, 'dlp-open-blocked').click();
  }
}
