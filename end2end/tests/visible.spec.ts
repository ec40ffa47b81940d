// What a person must use can be seen and reached: at a CRM sidebar's width (380 px) and a
// desktop's (1280 px), light and dark, on an agent's list long enough to scroll, the centre
// of each agent tab, each filter and the composer's controls (and of a button's or link's
// label) hits the control itself (`document.elementFromPoint`), not something drawn over
// it or what lies beyond a container that clips it. Playwright's clicks do not see that:
// they click clipped controls too. axe-core (the checker behind Lighthouse's
// accessibility score) finds nothing on either page. A screenshot of each page goes with
// the test report.
import AxeBuilder from '@axe-core/playwright';
import type { Page, TestInfo } from '@playwright/test';
import { agentJwt, newAgent } from './agents';
import { expect, gotoHydrated, test, type ConversationSpec } from './support';

/** Enough rows that the list scrolls at both widths. */
const CONVERSATIONS = 30;

const SIDEBAR_CONTROLS = [
  '[data-testid=agent-tab]',
  '[data-testid=filter-search]',
  '[data-testid=filter-status] button',
  '[data-testid=filter-unread]',
  '[data-testid=filter-handoff]',
  'select[data-testid=theme-select]',
];

const COMPOSER_CONTROLS = [
  'textarea[data-testid=composer]',
  '[data-testid=send-button]',
  '[data-testid=attach-button]',
  '[data-testid=interactive-toggle]',
];

interface Miss {
  control: string;
  why: string;
}

/** Each element of each selector: its centre must hit it (or what it holds). */
async function unreachable(page: Page, selectors: string[]): Promise<Miss[]> {
  return page.evaluate((selectors) => {
    const misses: { control: string; why: string }[] = [];
    const describe = (el: Element | null) =>
      el
        ? `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).trim().split(/\s+/).join('.')}` : ''}`
        : 'nothing';
    for (const selector of selectors) {
      const found = Array.from(document.querySelectorAll(selector));
      if (found.length === 0) misses.push({ control: selector, why: 'not in the page' });
      found.forEach((el, i) => {
        const control = `${selector} #${i + 1} "${(el.textContent ?? '').trim() || el.getAttribute('aria-label') || ''}"`;
        const box = el.getBoundingClientRect();
        if (box.width < 1 || box.height < 1) {
          misses.push({ control, why: `has no area (${box.width}×${box.height})` });
          return;
        }
        // The box's centre, and for a button or link its label's: a box squeezed by its
        // container still has a centre, while its label spills out and is clipped.
        const points: [string, DOMRect][] = [['centre', box]];
        const label = (el.textContent ?? '').trim();
        if ((el instanceof HTMLButtonElement || el instanceof HTMLAnchorElement) && label) {
          const range = document.createRange();
          range.selectNodeContents(el);
          points.push(['label', range.getBoundingClientRect()]);
        }
        for (const [what, rect] of points) {
          const [x, y] = [rect.left + rect.width / 2, rect.top + rect.height / 2];
          if (x < 0 || y < 0 || x >= window.innerWidth || y >= window.innerHeight) {
            misses.push({ control, why: `its ${what} (${x}, ${y}) is off screen` });
            continue;
          }
          const hit = document.elementFromPoint(x, y);
          if (!hit || !(hit === el || el.contains(hit))) {
            misses.push({ control, why: `its ${what} (${x}, ${y}) hits ${describe(hit)}` });
          }
        }
      });
    }
    return misses;
  }, selectors);
}

/** axe-core's violations on the page as it is, one line each. */
async function axeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

async function keepScreenshot(page: Page, info: TestInfo, name: string): Promise<void> {
  await info.attach(name, { body: await page.screenshot(), contentType: 'image/png' });
}

function manyConversations(): ConversationSpec[] {
  return Array.from({ length: CONVERSATIONS }, (_, i) => ({
    contactName: `Visible contact ${i + 1}`,
    messages: [{ direction: 'incoming' as const, content: `Question ${i + 1}`, minutesAgo: 5 + i }],
  }));
}

const LAYOUTS = [
  { name: 'CRM sidebar', viewport: { width: 380, height: 720 }, narrow: true },
  { name: 'desktop', viewport: { width: 1280, height: 800 }, narrow: false },
];

for (const layout of LAYOUTS) {
  for (const mode of ['light', 'dark'] as const) {
    test(`${layout.name} (${layout.viewport.width} px), ${mode}: the tabs, filters and composer can be seen and hit; axe finds nothing`, async ({
      api,
      page,
    }, info) => {
      await page.setViewportSize(layout.viewport);
      const inboxId = await api.whatsappInbox();
      const conversations = [];
      for (const spec of manyConversations()) conversations.push(await api.conversation(inboxId, spec));
      const jwt = agentJwt(newAgent('Ada Visible'), inboxId);

      await gotoHydrated(page, `/embed/${jwt}?mode=${mode}`);
      await expect(page.locator('[data-testid=conversation-item]')).toHaveCount(CONVERSATIONS);
      const listScrolls = await page
        .locator('.conversation-scroll')
        .evaluate((el) => el.scrollHeight > el.clientHeight);
      expect(listScrolls, 'the list is long enough to scroll').toBe(true);
      await keepScreenshot(page, info, `list, ${layout.name}, ${mode}`);
      expect(await unreachable(page, SIDEBAR_CONTROLS), 'the list page').toEqual([]);
      expect(await axeViolations(page), 'axe on the list page').toEqual([]);

      await gotoHydrated(page, `/embed/${jwt}/conversations/${conversations[0].id}?mode=${mode}`);
      await expect(page.locator('textarea[data-testid=composer]')).toBeEnabled();
      await keepScreenshot(page, info, `thread, ${layout.name}, ${mode}`);
      const controls = layout.narrow ? COMPOSER_CONTROLS : [...SIDEBAR_CONTROLS, ...COMPOSER_CONTROLS];
      expect(await unreachable(page, controls), 'the thread page').toEqual([]);
      expect(await axeViolations(page), 'axe on the thread page').toEqual([]);
    });
  }
}
