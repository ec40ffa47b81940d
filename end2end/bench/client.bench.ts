// The client bench: what each page makes Chromium fetch on a cold cache (per asset, raw
// and gzip -9), what loads later on demand, and how long the inbox takes to answer a
// click on a list row (until the thread's messages are painted) and Enter in the composer (until the
// message shows, pending). Run by bench/client.sh, which writes the report; it asserts
// nothing (the budgets are held by tests/budget.spec.ts).
import * as fs from 'node:fs';
import type { Page } from '@playwright/test';
import { firstLoad, recordAssets, type Weight } from '../tests/weight';
import { test, type ConversationSpec } from '../tests/support';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);
const CONVERSATIONS = 30;
const MESSAGES = 20;

interface Timings {
  first: number;
  samples: number[];
  median: number;
}

interface Report {
  list: Weight;
  thread: Weight;
  openThreadFromList: Weight;
  openBuilder: Weight;
  clickToThread: Timings;
  enterToPending: Timings;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function conversations(): ConversationSpec[] {
  return Array.from({ length: CONVERSATIONS }, (_, c) => ({
    contactName: `Bench contact ${c + 1}`,
    messages: Array.from({ length: MESSAGES }, (_, m) => ({
      direction: m % 3 === 2 ? ('outgoing' as const) : ('incoming' as const),
      content: `Message ${m + 1} of conversation ${c + 1}: *some* text to read, with a link https://example.com/${c}/${m}`,
      // Within the last 24 hours: every composer is open.
      minutesAgo: (CONVERSATIONS - c) * 30 + (MESSAGES - m),
    })),
  }));
}

type Action = { click: string } | { enter: string };

/** From an action (a click on the row of a conversation, or Enter in the composer) until
 * what it shows is on screen: the thread's messages, or the message sent, pending (two
 * frames after it is in the page). */
async function timeUntilShown(page: Page, action: Action): Promise<number> {
  return page.evaluate(async (action) => {
    let act: () => void;
    let shown: () => boolean;
    if ('click' in action) {
      const id = action.click;
      const row = document.querySelector<HTMLElement>(`[data-testid=conversation-item][data-conversation-id="${id}"]`);
      if (!row) throw new Error(`no row ${id}`);
      act = () => row.click();
      shown = () =>
        !!document.querySelector(`[data-testid=thread][data-conversation-id="${id}"] [data-testid=message]`);
    } else {
      const text = action.enter;
      const box = document.querySelector<HTMLTextAreaElement>('textarea[data-testid=composer]');
      if (!box) throw new Error('no composer');
      act = () =>
        box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', bubbles: true, cancelable: true }));
      shown = () =>
        Array.from(document.querySelectorAll('[data-testid=message]')).some((m) => m.textContent?.includes(text));
    }
    const start = performance.now();
    act();
    await new Promise<void>((resolve, reject) => {
      if (shown()) return resolve();
      const timer = setTimeout(() => reject(new Error('not shown after 15 s')), 15_000);
      const observer = new MutationObserver(() => {
        if (shown()) {
          observer.disconnect();
          clearTimeout(timer);
          resolve();
        }
      });
      observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return performance.now() - start;
  }, action);
}

const clickToThread = (page: Page, id: string) => timeUntilShown(page, { click: id });

async function enterToPending(page: Page, text: string): Promise<number> {
  await page.locator('textarea[data-testid=composer]').fill(text, { timeout: 15_000 });
  return timeUntilShown(page, { enter: text });
}

test('client: first loads, what loads on demand, click and Enter', async ({ api, browser }) => {
  test.setTimeout(600_000);
  const seeded = await api.seedInbox(conversations());
  const ids = seeded.conversations.map((c) => c.id);
  const fresh = async () => (await browser.newContext()).newPage();

  console.log(`seeded ${ids.length} conversations`);
  const listPage = await fresh();
  const list = await firstLoad(listPage, seeded.base);
  const opening = recordAssets(listPage);
  const firstClick = await clickToThread(listPage, ids[0]);
  await listPage.waitForLoadState('networkidle');
  const openThreadFromList = await opening.done();
  const clicks: number[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    clicks.push(await clickToThread(listPage, ids[i % ids.length]));
  }

  console.log(`click to thread: median ${median(clicks).toFixed(1)} ms`);
  const threadPage = await fresh();
  const thread = await firstLoad(threadPage, `${seeded.base}/conversations/${ids[0]}`);
  const sending = recordAssets(threadPage);
  const firstEnter = await enterToPending(threadPage, `Bench reply 0 ${Date.now()}`);
  const enters: number[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    enters.push(await enterToPending(threadPage, `Bench reply ${i} ${Date.now()}`));
  }
  await sending.done();
  const building = recordAssets(threadPage);
  await threadPage.locator('[data-testid=interactive-toggle]').click();
  await threadPage.locator('[data-testid=interactive-builder]').waitFor();
  await threadPage.waitForLoadState('networkidle');
  const openBuilder = await building.done();

  const report: Report = {
    list,
    thread,
    openThreadFromList,
    openBuilder,
    clickToThread: { first: firstClick, samples: clicks, median: median(clicks) },
    enterToPending: { first: firstEnter, samples: enters, median: median(enters) },
  };
  const out = process.env.BENCH_OUT;
  if (out) fs.writeFileSync(out, JSON.stringify(report, null, 2));
  console.log(JSON.stringify({ click: report.clickToThread.median, enter: report.enterToPending.median }));
});
