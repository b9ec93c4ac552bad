import assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';

/** Waits (up to `timeout` ms) until the locator's text matches; fails with what it last saw. */
export async function expectText(loc: Locator, re: RegExp | string, timeout = 10_000): Promise<string> {
  const deadline = Date.now() + timeout;
  let last = '';
  for (;;) {
    try {
      last = (await loc.innerText({ timeout: Math.max(100, deadline - Date.now()) })).trim();
      if (typeof re === 'string' ? last.includes(re) : re.test(last)) return last;
    } catch {
      /* not there yet */
    }
    if (Date.now() > deadline) assert.fail(`expected ${loc} to show ${re}, last saw: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function expectAttr(loc: Locator, name: string, value: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let last: string | null = null;
  for (;;) {
    last = await loc.getAttribute(name, { timeout: Math.max(100, deadline - Date.now()) }).catch(() => null);
    if (last === value) return;
    if (Date.now() > deadline) assert.fail(`expected ${loc} [${name}] to be ${value}, got ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
