// (f) Token errors are a themed 401 page saying which; out-of-scope conversations are 404
// (SPEC §3).
import { randomUUID } from 'node:crypto';
import { expect, test, twoConversations, uniq, type Api, type EmbedToken } from './support';

/**
 * A token that has expired. The API may refuse an expires_at already in the past (422);
 * then the token expires two seconds from now and the test waits it out.
 */
async function expiredToken(api: Api, inboxId: string): Promise<EmbedToken> {
  const res = await api.post('/api/v1/embed_tokens', {
    name: `e2e expired ${uniq()}`,
    scope: { type: 'whatsapp_config', id: inboxId },
    expires_at: new Date(Date.now() - 60_000).toISOString(),
  });
  if (res.status() === 201) return (await res.json()) as EmbedToken;
  expect(res.status(), `creating a token that expired already: ${await res.text()}`).toBe(422);

  const expiresAt = Date.now() + 2_000;
  const token = await api.inboxToken(inboxId, { expires_at: new Date(expiresAt).toISOString() });
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 1_000));
  return token;
}

test.describe('token and scope errors', () => {
  test('an unknown token is a 401 page that says it is invalid', async ({ page }) => {
    const res = await page.goto(`/embed/not-a-token-${uniq()}`);
    expect(res?.status()).toBe(401);
    expect(res?.headers()['content-type'] ?? '').toContain('text/html');
    await expect(page.locator('body')).toContainText(/invalid/i);
    await expect(page.locator('body')).not.toContainText(/expired/i);
  });

  test('an expired token is a 401 page that says it has expired', async ({ api, page }) => {
    const inboxId = await api.whatsappInbox();
    const token = await expiredToken(api, inboxId);

    const res = await page.goto(new URL(token.embed_url).pathname);
    expect(res?.status()).toBe(401);
    await expect(page.locator('body')).toContainText(/expired/i);
  });

  test('a conversation outside the token scope is a 404', async ({ api, page }) => {
    const mine = await api.seedInbox(twoConversations());
    const other = await api.seedInbox(twoConversations());
    const foreign = other.conversations[0];

    // Sanity: the conversation exists and its own token opens it.
    const own = await page.goto(`${other.base}/conversations/${foreign.id}`);
    expect(own?.status()).toBe(200);

    const res = await page.goto(`${mine.base}/conversations/${foreign.id}`);
    expect(res?.status()).toBe(404);
    await expect(page.locator('body')).not.toContainText(foreign.contactName);
    for (const m of foreign.messages) {
      await expect(page.locator('body')).not.toContainText(m.content);
    }

    const missing = await page.goto(`${mine.base}/conversations/${randomUUID()}`);
    expect(missing?.status()).toBe(404);
  });
});
