// Chat workspace benchmark (issue 10). Prints figures; asserts nothing.
// 1. Full-text search at 10,000 conversations (60,000 messages): FTS5 query time vs a LIKE scan (the baseline).
// 2. In Chromium against web mode: opening a 5,000-message conversation vs a 10-message one (click → last
//    message painted), and typing into the composer of a 1,000-message conversation vs an empty one
//    (keydown → next frame, per keystroke, from performance.now() in the page).
import { ChatStore } from '../electron/core/chat/store.ts';
import { browserSkipReason, launchBrowser, signedInPage, startWebServer } from '../e2e/support.ts';

const CONVERSATIONS = Number(process.env.BENCH_CHAT_CONVERSATIONS ?? 10_000);
const WORDS = 'gateway budget policy routing cache provider token latency invoice refund customer ticket deploy cluster kubernetes terraform postgres index query schema migration python rust golang react widget report quarterly forecast revenue churn onboarding'.split(' ');

function sentence(r: () => number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(WORDS[Math.floor(r() * WORDS.length)]!);
  return out.join(' ');
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

function seed(store: ChatStore): { big: string; mid: string; small: string; empty: string } {
  const r = rng(42);
  const t0 = performance.now();
  store.db.transaction(() => {
    for (let c = 0; c < CONVERSATIONS; c++) {
      const conv = store.create({ model: 'mock/gpt-4o-mini' });
      store.update(conv.id, { title: sentence(r, 4) });
      store.append(
        conv.id,
        Array.from({ length: 6 }, (_, i) => ({ role: (i % 2 ? 'assistant' : 'user') as 'user' | 'assistant', content: sentence(r, 12 + Math.floor(r() * 40)) + (c === 7777 && i === 3 ? ' zanzibar' : '') })),
      );
    }
  })();
  const long = (n: number, title: string) => {
    const conv = store.create({ model: 'mock/gpt-4o-mini' });
    store.update(conv.id, { title });
    store.db.transaction(() => {
      for (let i = 0; i < n; i += 500) {
        store.append(
          conv.id,
          Array.from({ length: Math.min(500, n - i) }, (_, k) => ({
            role: ((i + k) % 2 ? 'assistant' : 'user') as 'user' | 'assistant',
            content: (i + k) % 2 ? `Answer ${i + k}: ${sentence(r, 30)}\n\n- point one\n- point two\n\n\`\`\`py\nprint(${i + k})\n\`\`\`` : `Question ${i + k}: ${sentence(r, 15)}`,
          })),
        );
      }
    })();
    return conv.id;
  };
  const ids = { big: long(5000, 'Five thousand messages'), mid: long(1000, 'One thousand messages'), small: long(10, 'Ten messages'), empty: store.create().id };
  console.log(`seeded ${CONVERSATIONS.toLocaleString()} conversations (+ 5,000-, 1,000- and 10-message ones) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return ids;
}

function searchBench(store: ChatStore): void {
  const queries = ['zanzibar', 'kubernetes terraform', 'refu', 'quarterly forecast revenue', 'gateway'];
  const like = store.db.prepare(
    // The baseline: what search costs without an index (a LIKE scan of every message).
    `SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id AND c.deleted_at IS NULL WHERE m.content LIKE ?`,
  );
  console.log(`\nsearch over ${CONVERSATIONS.toLocaleString()} conversations (${(store.db.prepare('SELECT COUNT(*) FROM messages').pluck().get() as number).toLocaleString()} messages), median of 15 runs`);
  console.log(`${'query'.padEnd(30)} ${'FTS5 (ms)'.padStart(10)} ${'LIKE scan (ms)'.padStart(15)} ${'ratio'.padStart(8)}  hits`);
  for (const q of queries) {
    const fts: number[] = [];
    const scan: number[] = [];
    let hits = 0;
    for (let i = 0; i < 15; i++) {
      let t = performance.now();
      hits = store.search(q, 50).length;
      fts.push(performance.now() - t);
      t = performance.now();
      like.all(`%${q.split(' ')[0]}%`);
      scan.push(performance.now() - t);
    }
    console.log(`${JSON.stringify(q).padEnd(30)} ${median(fts).toFixed(2).padStart(10)} ${median(scan).toFixed(2).padStart(15)} ${(median(scan) / median(fts)).toFixed(1).padStart(7)}x  ${hits}`);
  }
}

async function browserBench(serverInfo: Awaited<ReturnType<typeof startWebServer>>, ids: ReturnType<typeof seed>): Promise<void> {
  const browser = await launchBrowser();
  try {
    const { page } = await signedInPage(browser, serverInfo);
    await page.getByTestId('nav-chat').click();
    await page.getByTestId('chat-screen').waitFor();
    await page.getByTestId('conversation').first().waitFor();

    const open = async (id: string, lastSeq: number): Promise<number> => {
      // Go elsewhere first so each open is a fresh mount of the conversation.
      await page.getByTestId('conversation').filter({ hasText: 'Ten messages' }).first().click();
      await page.locator('[data-testid="message"][data-seq="10"]').waitFor();
      if (id === ids.small) {
        await page.getByTestId('conversation').filter({ hasText: 'One thousand messages' }).first().click();
        await page.locator('[data-testid="message"][data-seq="1000"]').waitFor();
      }
      const t0 = await page.evaluate(() => performance.now());
      await page.locator(`[data-testid="conversation"][data-id="${id}"]`).click();
      await page.locator(`[data-testid="message"][data-seq="${lastSeq}"]`).waitFor();
      return page.evaluate((s) => new Promise<number>((r) => requestAnimationFrame(() => r(performance.now() - s))), t0);
    };
    const bigRuns: number[] = [];
    const smallRuns: number[] = [];
    for (let i = 0; i < 5; i++) {
      bigRuns.push(await open(ids.big, 5000));
      smallRuns.push(await open(ids.small, 10));
    }
    await open(ids.big, 5000);
    const rendered = await page.locator('[data-testid="message"]').count();
    console.log('\nopening a conversation (click → last message painted), median of 5');
    console.log(`  10 messages (baseline)   ${median(smallRuns).toFixed(1)} ms`);
    console.log(`  5,000 messages           ${median(bigRuns).toFixed(1)} ms   (${(median(bigRuns) / median(smallRuns)).toFixed(2)}x the baseline; ${rendered} message elements in the DOM)`);

    const typing = async (id: string, lastSeq: number): Promise<number[]> => {
      await page.locator(`[data-testid="conversation"][data-id="${id}"]`).click();
      if (lastSeq) await page.locator(`[data-testid="message"][data-seq="${lastSeq}"]`).waitFor();
      else await page.getByTestId('chat-empty').waitFor();
      await page.getByTestId('composer').fill('');
      await page.getByTestId('composer').focus();
      await page.evaluate(() => {
        const w = window as unknown as { __lat: number[]; __t: number };
        w.__lat = [];
        const ta = document.getElementById('chat-composer')!;
        ta.addEventListener('keydown', () => (w.__t = performance.now()));
        ta.addEventListener('input', () => {
          const t = w.__t;
          requestAnimationFrame(() => setTimeout(() => w.__lat.push(performance.now() - t), 0));
        });
      });
      await page.keyboard.type('The quick brown fox jumps over the lazy dog while the gateway routes it. '.repeat(3), { delay: 5 });
      await page.waitForTimeout(100);
      return page.evaluate(() => (window as unknown as { __lat: number[] }).__lat);
    };
    const base = await typing(ids.empty, 0);
    const mid = await typing(ids.mid, 1000);
    console.log('\ntyping into the composer (keydown → next frame), per keystroke');
    console.log(`  empty conversation (baseline)   p50 ${median(base).toFixed(2)} ms   p95 ${pct(base, 95).toFixed(2)} ms   (${base.length} keys)`);
    console.log(`  1,000-message conversation      p50 ${median(mid).toFixed(2)} ms   p95 ${pct(mid, 95).toFixed(2)} ms   (${(median(mid) / median(base)).toFixed(2)}x the baseline at p50)`);
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const server = await startWebServer();
  try {
    const store = new ChatStore(server.core.db);
    const ids = seed(store);
    searchBench(store);
    const skip = browserSkipReason();
    if (skip) console.log(`\nbrowser part skipped: ${skip}`);
    else await browserBench(server, ids);
  } finally {
    await server.close();
  }
}

await main();
