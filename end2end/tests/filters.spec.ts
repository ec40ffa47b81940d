// (c) Filters change the URL and the list (SPEC §3 query parameters).
import {
  currentUrl,
  expect,
  expectListExactly,
  gotoHydrated,
  test,
  uniq,
  type Api,
  type SeededInbox,
} from './support';

/**
 * Three conversations: unread (an incoming message), read (only outgoing messages) waiting
 * for a human, and ended.
 */
async function seedFilterInbox(api: Api): Promise<SeededInbox & { surname: string }> {
  const tag = uniq();
  const surname = `Tanaka${tag}`;
  const seeded = await api.seedInbox([
    {
      contactName: `Amara Okafor ${tag}`,
      messages: [{ direction: 'incoming', content: 'Is the store open on Sunday?', minutesAgo: 60 }],
    },
    {
      contactName: `Hiro ${surname}`,
      handoff: 'waiting',
      messages: [{ direction: 'outgoing', content: 'Your parcel ships tomorrow.', minutesAgo: 50 }],
    },
    {
      contactName: `Chen Wei ${tag}`,
      status: 'ended',
      messages: [
        { direction: 'incoming', content: 'Thanks, all sorted.', minutesAgo: 40 },
        { direction: 'outgoing', content: 'Glad to help!', minutesAgo: 39 },
      ],
    },
  ]);
  return { ...seeded, surname };
}

const statusButton = (value: string) => `[data-testid=filter-status] button[data-value=${value}]`;

test.describe('filters', () => {
  test('status: ended shows only ended conversations and sets status=ended', async ({ api, page }) => {
    const seeded = await seedFilterInbox(api);
    const [unread, read, ended] = seeded.conversations;

    await gotoHydrated(page, seeded.base);
    await expectListExactly(page, [unread, read]);
    await expect(page.locator(statusButton('active'))).toHaveAttribute('aria-pressed', 'true');

    await page.locator(statusButton('ended')).click();

    await expect.poll(() => currentUrl(page).searchParams.get('status')).toBe('ended');
    await expect(page.locator(statusButton('ended'))).toHaveAttribute('aria-pressed', 'true');
    await expect(page.locator(statusButton('active'))).toHaveAttribute('aria-pressed', 'false');
    await expectListExactly(page, [ended]);
  });

  test('search narrows the list and sets search=', async ({ api, page }) => {
    const seeded = await seedFilterInbox(api);
    const [unread, read] = seeded.conversations;

    await gotoHydrated(page, seeded.base);
    await expectListExactly(page, [unread, read]);

    // Lower case: the match is case-insensitive (SPEC §3).
    const query = seeded.surname.toLowerCase();
    await page.locator('[data-testid=filter-search]').pressSequentially(query, { delay: 20 });

    await expect.poll(() => currentUrl(page).searchParams.get('search')).toBe(query);
    await expectListExactly(page, [read]);
  });

  test('unread toggle shows only unread conversations and sets unread=1', async ({ api, page }) => {
    const seeded = await seedFilterInbox(api);
    const [unread, read] = seeded.conversations;

    await gotoHydrated(page, seeded.base);
    await expectListExactly(page, [unread, read]);
    const toggle = page.locator('[data-testid=filter-unread]');
    await expect(toggle).toHaveAttribute('aria-pressed', 'false');

    await toggle.click();

    await expect.poll(() => currentUrl(page).searchParams.get('unread')).toBe('1');
    await expect(toggle).toHaveAttribute('aria-pressed', 'true');
    await expectListExactly(page, [unread]);
  });

  test('handoff toggle shows only conversations waiting for a human and sets handoff=1', async ({ api, page }) => {
    const seeded = await seedFilterInbox(api);
    const [unread, waiting] = seeded.conversations;

    await gotoHydrated(page, seeded.base);
    await expectListExactly(page, [unread, waiting]);
    const toggle = page.locator('[data-testid=filter-handoff]');
    await expect(toggle).toHaveAttribute('aria-pressed', 'false');

    await toggle.click();

    await expect.poll(() => currentUrl(page).searchParams.get('handoff')).toBe('1');
    await expect(toggle).toHaveAttribute('aria-pressed', 'true');
    await expectListExactly(page, [waiting]);
  });

  test('a filter that matches nothing shows the empty state', async ({ api, page }) => {
    const seeded = await seedFilterInbox(api);

    await gotoHydrated(page, `${seeded.base}?search=nobody-${uniq()}`);

    await expectListExactly(page, []);
    await expect(page.locator('[data-testid=empty-list]')).toBeVisible();
  });
});
