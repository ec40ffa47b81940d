// (b) The page hydrates: clicking a conversation opens it client-side, without a full load.
import {
  currentUrl,
  expect,
  expectThread,
  gotoHydrated,
  listItem,
  test,
  twoConversations,
} from './support';

test('clicking a conversation opens its thread without reloading the page', async ({ api, page }) => {
  const seeded = await api.seedInbox(twoConversations());
  const target = seeded.conversations[1];

  await gotoHydrated(page, seeded.base);
  await page.evaluate(() => {
    (window as unknown as { __marker: number }).__marker = 1;
  });

  await listItem(page, target.id).click();

  await expect
    .poll(() => currentUrl(page).pathname)
    .toBe(`${seeded.base}/conversations/${target.id}`);
  await expectThread(page, target);
  // A full page load would have dropped the marker.
  expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(1);
});
