// (g) Narrow layout (≤480 px): one pane at a time, with a back button.
import {
  currentUrl,
  expect,
  expectThread,
  gotoHydrated,
  listItem,
  listItems,
  test,
  threadPane,
  twoConversations,
} from './support';

test.use({ viewport: { width: 400, height: 800 } });

test('narrow layout: list, then thread alone, then back to the list', async ({ api, page }) => {
  const seeded = await api.seedInbox(twoConversations());
  const target = seeded.conversations[0];

  await gotoHydrated(page, seeded.base);
  await expect(listItem(page, target.id)).toBeVisible();

  await listItem(page, target.id).click();

  await expectThread(page, target);
  await expect(listItems(page).first()).toBeHidden();
  await expect(listItem(page, target.id)).toBeHidden();

  await page.locator('[data-testid=back-button]').click();

  await expect(listItem(page, target.id)).toBeVisible();
  await expect(threadPane(page)).toBeHidden();
  await expect.poll(() => currentUrl(page).pathname).toBe(seeded.base);
});
