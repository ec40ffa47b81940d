// (a) The first response already carries the list and the open thread: no blank shell
// waiting on JavaScript (SPEC §3).
import { BASE_URL } from '../e2e-env';
import { expect, expectListExactly, expectThread, test, twoConversations } from './support';

test.describe('server-side rendering', () => {
  test('token API returns an embed URL on PUBLIC_URL and an iframe snippet for it', async ({ api }) => {
    const { token } = await api.seedInbox([]);
    expect(token.embed_url).toBe(`${BASE_URL}/embed/${token.token}`);
    expect(token.iframe_html).toMatch(/^<iframe\b/);
    expect(token.iframe_html).toContain(`src="${token.embed_url}"`);
  });

  test('list and thread are in the HTML without JavaScript', async ({ api, browser }) => {
    const seeded = await api.seedInbox(twoConversations());
    const [first, second] = seeded.conversations;

    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();

    const list = await page.goto(seeded.base);
    expect(list?.status()).toBe(200);
    await expectListExactly(page, seeded.conversations);
    await expect(page.getByText(first.contactName)).toBeVisible();
    await expect(page.getByText(second.contactName)).toBeVisible();
    await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');

    const thread = await page.goto(`${seeded.base}/conversations/${second.id}`);
    expect(thread?.status()).toBe(200);
    await expectListExactly(page, seeded.conversations);
    await expectThread(page, second);

    await context.close();
  });
});
