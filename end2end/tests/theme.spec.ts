// (d, e) Theme: mode parameter > the user's saved choice > the token's theme (SPEC §3).
import { expect, gotoHydrated, test, twoConversations } from './support';

const html = 'html';

test.describe('theme', () => {
  test('the chosen theme survives a reload, and ?mode= overrides it', async ({ api, page }) => {
    const seeded = await api.seedInbox(twoConversations(), { theme: 'light' });

    await gotoHydrated(page, seeded.base);
    await expect(page.locator(html)).toHaveAttribute('data-theme', 'light');

    await page.locator('[data-testid=theme-select]').selectOption('dark');
    await expect(page.locator(html)).toHaveAttribute('data-theme', 'dark');

    await page.reload();
    await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
    await expect(page.locator(html)).toHaveAttribute('data-theme', 'dark');
    await expect(page.locator('[data-testid=theme-select]')).toHaveValue('dark');

    await gotoHydrated(page, `${seeded.base}?mode=light`);
    await expect(page.locator(html)).toHaveAttribute('data-theme', 'light');
  });

  test('the saved theme applies before the app loads (no flash of the wrong theme)', async ({ api, page }) => {
    const seeded = await api.seedInbox(twoConversations(), { theme: 'light' });

    await gotoHydrated(page, seeded.base);
    await page.locator('[data-testid=theme-select]').selectOption('dark');
    await expect(page.locator(html)).toHaveAttribute('data-theme', 'dark');

    // Without the wasm app, only the server's HTML and its inline script can set it.
    await page.route('**/*.wasm', (route) => route.abort());
    const res = await page.reload();
    expect(res?.status()).toBe(200);
    await expect(page.locator(html)).toHaveAttribute('data-theme', 'dark');
    await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
  });

  test("the token's theme and ?mode= are rendered by the server (JavaScript off)", async ({ api, browser }) => {
    const dark = await api.seedInbox(twoConversations(), { theme: 'dark' });
    const light = await api.seedInbox(twoConversations(), { theme: 'light' });

    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();

    await page.goto(dark.base);
    await expect(page.locator(html)).toHaveAttribute('data-theme', 'dark');

    await page.goto(light.base);
    await expect(page.locator(html)).toHaveAttribute('data-theme', 'light');

    await page.goto(`${dark.base}?mode=light`);
    await expect(page.locator(html)).toHaveAttribute('data-theme', 'light');

    await context.close();
  });
});
