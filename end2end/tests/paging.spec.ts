// The list and the thread load by pages: more conversations as the list scrolls down,
// older messages as the thread scrolls up, keeping the reader's place.
import { expect, gotoHydrated, listItems, messages, test, uniq, type Api } from './support';

const LIST_PAGE = 40;
const THREAD_PAGE = 50;

async function inboxWithConversations(api: Api, count: number): Promise<{ base: string }> {
  const inboxId = await api.whatsappInbox();
  const tag = uniq();
  for (let i = 0; i < count; i++) {
    const contact = await api.create('/api/v1/contacts', { display_name: `Paging ${tag} ${i}` });
    const conversation = await api.create('/api/v1/conversations', { inbox_id: inboxId, contact_id: contact.id });
    await api.create(`/api/v1/conversations/${conversation.id}/messages`, {
      direction: 'incoming',
      content: `message ${i}`,
      created_at: new Date(Date.now() - (count - i) * 60_000).toISOString(),
    });
  }
  const token = await api.inboxToken(inboxId);
  return { base: new URL(token.embed_url).pathname };
}

test('the list loads the next page when scrolled to the end', async ({ api, page }) => {
  const total = LIST_PAGE + 5;
  const { base } = await inboxWithConversations(api, total);
  await gotoHydrated(page, base);
  await expect(listItems(page)).toHaveCount(LIST_PAGE);
  await page.locator('.conversation-scroll').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await expect(listItems(page)).toHaveCount(total);
  // No row twice.
  const ids = await listItems(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-conversation-id')));
  expect(new Set(ids).size).toBe(total);
});

test('the thread loads older messages when scrolled to the top and keeps the place', async ({ api, page }) => {
  const total = THREAD_PAGE + 12;
  const inboxId = await api.whatsappInbox();
  const contact = await api.create('/api/v1/contacts', { display_name: `Long thread ${uniq()}` });
  const conversation = await api.create('/api/v1/conversations', { inbox_id: inboxId, contact_id: contact.id });
  for (let i = 0; i < total; i++) {
    await api.create(`/api/v1/conversations/${conversation.id}/messages`, {
      direction: i % 2 ? 'outgoing' : 'incoming',
      content: `line ${i}`,
      created_at: new Date(Date.now() - (total - i) * 60_000).toISOString(),
    });
  }
  const token = await api.inboxToken(inboxId);
  await gotoHydrated(page, `${new URL(token.embed_url).pathname}/conversations/${conversation.id}`);
  await expect(messages(page)).toHaveCount(THREAD_PAGE);
  // The newest message is in view at the start.
  await expect(messages(page).last()).toContainText(`line ${total - 1}`);
  await expect(messages(page).last()).toBeInViewport();

  const oldestShown = messages(page).first();
  const oldestId = await oldestShown.getAttribute('data-message-id');
  await page.locator('.thread-scroll').evaluate((el) => el.scrollTo(0, 0));
  await expect(messages(page)).toHaveCount(total);
  await expect(messages(page).first()).toContainText('line 0');
  // The message that was at the top is still in view: the position was kept.
  await expect(page.locator(`[data-testid=message][data-message-id="${oldestId}"]`)).toBeInViewport();
});
