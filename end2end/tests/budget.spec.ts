// The byte budgets of a first load (a size, not a timing): what the list page and a
// thread page make Chromium fetch until they are interactive, gzip -9, stays under
// budget; what only later needs (the thread's code on the list page, the reply-buttons
// builder) is fetched when it is needed.
import { BUDGET_KIB, describe, firstLoad, kib, recordAssets } from './weight';
import { expect, listItem, test, threadOf, twoConversations } from './support';

test.describe('byte budgets', () => {
  test('the list page loads under its budget, and a thread opened from it brings its own code', async ({
    api,
    page,
  }, info) => {
    const seeded = await api.seedInbox(twoConversations());
    const list = await firstLoad(page, seeded.base);
    await info.attach('list page', { body: describe(list), contentType: 'text/plain' });
    expect(kib(list.gzip), `the list page's first load:\n${describe(list)}`).toBeLessThan(BUDGET_KIB.list);
    expect(list.assets.filter((a) => a.kind === 'wasm'), 'one wasm module: no thread code yet').toHaveLength(1);

    const opening = recordAssets(page);
    const conversation = seeded.conversations[0];
    await listItem(page, conversation.id).click();
    await expect(threadOf(page, conversation.id)).toBeVisible();
    await page.waitForLoadState('networkidle');
    const later = await opening.done();
    await info.attach('opening a thread', { body: describe(later), contentType: 'text/plain' });
    expect(later.assets.some((a) => a.kind === 'wasm'), 'the thread brings its code').toBe(true);
  });

  test('a thread page loads under its budget; the builder loads when it opens', async ({ api, page }, info) => {
    const seeded = await api.seedInbox(twoConversations());
    const conversation = seeded.conversations[0];
    const thread = await firstLoad(page, `${seeded.base}/conversations/${conversation.id}`);
    await info.attach('thread page', { body: describe(thread), contentType: 'text/plain' });
    expect(kib(thread.gzip), `a thread page's first load:\n${describe(thread)}`).toBeLessThan(BUDGET_KIB.thread);

    const opening = recordAssets(page);
    await page.locator('[data-testid=interactive-toggle]').click();
    await expect(page.locator('[data-testid=interactive-builder]')).toBeVisible();
    await page.waitForLoadState('networkidle');
    const builder = await opening.done();
    await info.attach('opening the builder', { body: describe(builder), contentType: 'text/plain' });
    expect(builder.assets.some((a) => a.kind === 'wasm'), 'the builder brings its code').toBe(true);
  });
});
