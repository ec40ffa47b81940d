// (§7) Agents signed in by JWT at /embed/<jwt>: an HS256 JWT the test signs itself with the
// e2e project's jwt_secret (global-setup.ts hands it down as E2E_JWT_SECRET). Every JWT is
// scoped to a fresh WhatsApp inbox of its test (`whatsapp_config_id`), so its lists hold
// only that test's conversations, and every agent id is new, so its assignments and
// watched conversations are its own.
//   - the agent's name, the tabs all/mine/new/watched; taking over a waiting conversation
//     moves it from "new" to "mine"; what the agent sends carries its name and id
//   - the watch toggle and the watched tab, kept per agent across JWTs
//   - a JWT signed with another key, an expired one, one living too long: 401 pages
//   - `language: "es"` in the JWT, and `?lang=es`, speak Spanish
//   - an embed-token session has no tabs and no watch toggle
// Not covered: framing JWT embeds (the project's jwt_allowed_origins), the live socket
// closing when the JWT expires, project and customer scopes.
import type { Page } from '@playwright/test';
import {
  composer,
  composerBar,
  currentUrl,
  expect,
  expectListExactly,
  gotoHydrated,
  listItem,
  listItems,
  test,
  threadOf,
  twoConversations,
  uniq,
  type Api,
  type ConversationSpec,
  type SeededConversation,
} from './support';
import { agentJwt, newAgent } from './agents';

/** How long a change that must not happen gets to show up. */
const SETTLE_MS = 1_000;

const jwtBase = (jwt: string) => `/embed/${jwt}`;
const jwtThread = (jwt: string, conversationId: string) => `${jwtBase(jwt)}/conversations/${conversationId}`;

const agentName = (page: Page) => page.locator('[data-testid=agent-name]');
const agentTabs = (page: Page) => page.locator('[data-testid=agent-tabs]');
const agentTab = (page: Page, tab: string) => page.locator(`[data-testid=agent-tab][data-tab="${tab}"]`);
const watchToggle = (page: Page) => page.locator('[data-testid=watch-toggle]');
const handoffButton = (page: Page) => page.locator('[data-testid=handoff-button]');

/** Clicks a tab; it becomes the current one and the URL says so. */
async function openTab(page: Page, tab: 'all' | 'mine' | 'new' | 'watched'): Promise<void> {
  await agentTab(page, tab).click();
  await expect(agentTab(page, tab)).toHaveAttribute('aria-current', 'page');
  await expect.poll(() => currentUrl(page).searchParams.get('tab')).toBe(tab === 'all' ? null : tab);
}

/** A conversation whose contact wrote a few minutes ago (the 24-hour window is open). */
function recent(contactName: string, handoff?: ConversationSpec['handoff']): ConversationSpec {
  return {
    contactName,
    handoff,
    messages: [{ direction: 'incoming', content: `Hello from ${contactName}`, minutesAgo: 5 }],
  };
}

async function seedConversations(api: Api, specs: ConversationSpec[]) {
  const inboxId = await api.whatsappInbox();
  const conversations: SeededConversation[] = [];
  for (const spec of specs) conversations.push(await api.conversation(inboxId, spec));
  return { inboxId, conversations };
}

test.describe('agent JWT sessions', () => {
  test('the agent sees its name and tabs, takes over a new conversation and writes as itself', async ({
    api,
    page,
  }) => {
    const tag = uniq();
    const { inboxId, conversations } = await seedConversations(api, [
      recent(`Ines Duarte ${tag}`, 'waiting'),
      recent(`Omar Haddad ${tag}`, 'waiting'),
      recent(`Yuki Tanaka ${tag}`),
    ]);
    const [taken, stillNew, withBot] = conversations;
    const agent = newAgent('Marta Ruiz');
    const jwt = agentJwt(agent, inboxId);

    await gotoHydrated(page, jwtBase(jwt));
    await expect(agentName(page)).toHaveText(agent.name);
    await expect(agentTabs(page)).toBeVisible();
    await expect(agentTabs(page).locator('[data-testid=agent-tab]')).toHaveText(['All', 'Mine', 'New', 'Watched']);
    expect(
      await agentTabs(page)
        .locator('[data-testid=agent-tab]')
        .evaluateAll((tabs) => tabs.map((t) => t.getAttribute('data-tab'))),
    ).toEqual(['all', 'mine', 'new', 'watched']);
    await expect(agentTab(page, 'all')).toHaveAttribute('aria-current', 'page');
    await expect(page.locator('[data-testid=agent-tab][aria-current]')).toHaveCount(1);
    await expectListExactly(page, conversations);

    // New: waiting for a human and nobody's; the bot's conversation is not there.
    await openTab(page, 'new');
    await expectListExactly(page, [taken, stillNew]);
    await openTab(page, 'mine');
    await expect(listItems(page)).toHaveCount(0);

    // Take over from the new tab.
    await openTab(page, 'new');
    await listItem(page, taken.id).click();
    await expect(threadOf(page, taken.id)).toBeVisible();
    await expect(handoffButton(page)).toHaveAttribute('data-handoff', 'waiting');
    await handoffButton(page).click();
    await expect(handoffButton(page)).toHaveAttribute('data-handoff', 'human');
    await expect
      .poll(async () => {
        const c = await api.getConversation(taken.id);
        return { handoff: c.handoff, assigned: typeof c.assigned_user_id === 'string' };
      }, { message: 'the API shows the conversation taken over and assigned' })
      .toEqual({ handoff: 'human', assigned: true });

    await openTab(page, 'mine');
    await expectListExactly(page, [taken]);
    await expect(threadOf(page, taken.id), 'the thread stays open across tabs').toBeVisible();
    await openTab(page, 'new');
    await expectListExactly(page, [stillNew]);
    await openTab(page, 'all');
    await expectListExactly(page, [taken, stillNew, withBot]);

    // A reload reads the same from the server.
    await gotoHydrated(page, `${jwtThread(jwt, taken.id)}?tab=mine`);
    await expect(agentTab(page, 'mine')).toHaveAttribute('aria-current', 'page');
    await expectListExactly(page, [taken]);

    // What the agent sends carries its name and its id.
    await expect(composerBar(page)).toHaveAttribute('data-window', 'open');
    const text = `On it, ${tag}: your parcel ships today`;
    await composer(page).fill(text);
    await composer(page).press('Enter');
    await expect(threadOf(page, taken.id).locator('[data-testid=message]').filter({ hasText: text })).toHaveCount(1);
    await expect
      .poll(
        async () => (await api.threadMessages(taken.id)).filter((m) => m.content === text).map((m) => m.sender),
        { message: 'the server stored the message with the agent as sender' },
      )
      .toEqual([{ type: 'agent', name: agent.name, external_id: agent.id }]);
  });

  test('watching a conversation lists it under Watched, for this agent, across JWTs', async ({ api, page }) => {
    const tag = uniq();
    const { inboxId, conversations } = await seedConversations(api, [
      recent(`Priya Nair ${tag}`),
      recent(`Tomás Silva ${tag}`),
    ]);
    const [watched, other] = conversations;
    const agent = newAgent('Lena Vogel');

    await gotoHydrated(page, jwtThread(agentJwt(agent, inboxId), watched.id));
    await expect(threadOf(page, watched.id)).toBeVisible();
    await expect(watchToggle(page)).toHaveAttribute('aria-pressed', 'false');
    await expect(watchToggle(page)).toHaveText('Watch');
    await watchToggle(page).click();
    await expect(watchToggle(page)).toHaveAttribute('aria-pressed', 'true');
    await expect(watchToggle(page)).toHaveText('Watching');

    await openTab(page, 'watched');
    await expectListExactly(page, [watched]);

    // The other conversation's thread shows it unwatched.
    await gotoHydrated(page, jwtThread(agentJwt(agent, inboxId), other.id));
    await expect(threadOf(page, other.id)).toBeVisible();
    await expect(watchToggle(page)).toHaveAttribute('aria-pressed', 'false');

    // Another agent on the same inbox watches nothing.
    const stranger = newAgent('Kofi Mensah');
    await gotoHydrated(page, `${jwtThread(agentJwt(stranger, inboxId), watched.id)}?tab=watched`);
    await expect(agentName(page)).toHaveText(stranger.name);
    await expect(watchToggle(page)).toHaveAttribute('aria-pressed', 'false');
    await expect(listItems(page)).toHaveCount(0);

    // A new JWT for the same agent (minted later, another lifetime): still watched.
    const later = agentJwt(agent, inboxId, { iat: -1, exp: 1800 });
    await gotoHydrated(page, `${jwtThread(later, watched.id)}?tab=watched`);
    await expect(agentName(page)).toHaveText(agent.name);
    await expect(agentTab(page, 'watched')).toHaveAttribute('aria-current', 'page');
    await expectListExactly(page, [watched]);
    await expect(watchToggle(page)).toHaveAttribute('aria-pressed', 'true');

    // Unwatching takes it off the watched tab at once, and for good.
    await watchToggle(page).click();
    await expect(watchToggle(page)).toHaveAttribute('aria-pressed', 'false');
    await expect(listItems(page)).toHaveCount(0, { timeout: 2_000 });
    await expect(threadOf(page, watched.id), 'the thread stays open').toBeVisible();

    await gotoHydrated(page, `${jwtThread(later, watched.id)}?tab=watched`);
    await expect(watchToggle(page)).toHaveAttribute('aria-pressed', 'false');
    await page.waitForTimeout(SETTLE_MS);
    await expect(listItems(page)).toHaveCount(0);
  });

  test('a JWT signed with another key, an expired one and one living too long are refused', async ({
    api,
    page,
  }) => {
    const { inboxId, conversations } = await seedConversations(api, [recent(`Ana Costa ${uniq()}`)]);
    const agent = newAgent('Rui Sousa');

    // Sanity: the same claims signed with the project's secret open the inbox.
    await gotoHydrated(page, jwtBase(agentJwt(agent, inboxId)));
    await expectListExactly(page, conversations);

    const refused = async (jwt: string, error: string) => {
      const res = await page.goto(jwtBase(jwt));
      expect(res?.status(), `${error}: status`).toBe(401);
      expect(res?.headers()['content-type'] ?? '').toContain('text/html');
      await expect(page.locator('[data-testid=token-error]')).toHaveAttribute('data-error', error);
      await expect(listItems(page)).toHaveCount(0);
      await expect(page.locator('body')).not.toContainText(conversations[0].contactName);
      await expect(agentName(page)).toHaveCount(0);
    };

    await refused(agentJwt(agent, inboxId, { secret: `not-the-secret-${uniq()}` }), 'invalid');
    await refused(agentJwt(agent, inboxId, { iat: -7200, exp: -3600 }), 'expired');
    // exp - iat over JWT_MAX_LIFETIME_SECS (86400 by default).
    await refused(agentJwt(agent, inboxId, { iat: -5, exp: 86_400 }), 'invalid');
  });

  test('a JWT in Spanish, or ?lang=es, speaks Spanish', async ({ api, page }) => {
    const { inboxId, conversations } = await seedConversations(api, [recent(`Lucía Pérez ${uniq()}`)]);
    const [conversation] = conversations;
    const spanish = ['Todas', 'Mías', 'Nuevas', 'Seguidas'];

    const agent = newAgent('Carmen Vidal');
    await gotoHydrated(page, jwtThread(agentJwt(agent, inboxId, { claims: { language: 'es' } }), conversation.id));
    await expect(page.locator('html')).toHaveAttribute('lang', /^es\b/);
    await expect(agentTabs(page).locator('[data-testid=agent-tab]')).toHaveText(spanish);
    await expect(watchToggle(page)).toHaveText('Seguir');
    await watchToggle(page).click();
    await expect(watchToggle(page)).toHaveAttribute('aria-pressed', 'true');
    await expect(watchToggle(page)).toHaveText('Siguiendo');

    // An English JWT with ?lang=es.
    const english = newAgent('Jane Doe');
    await gotoHydrated(page, `${jwtBase(agentJwt(english, inboxId))}?lang=es`);
    await expect(page.locator('html')).toHaveAttribute('lang', /^es\b/);
    await expect(agentTabs(page).locator('[data-testid=agent-tab]')).toHaveText(spanish);
    await gotoHydrated(page, jwtBase(agentJwt(english, inboxId)));
    await expect(page.locator('html')).toHaveAttribute('lang', /^en\b/);
    await expect(agentTabs(page).locator('[data-testid=agent-tab]')).toHaveText(['All', 'Mine', 'New', 'Watched']);
  });

  test('an embed-token session has no agent, no tabs and no watch toggle', async ({ api, page }) => {
    const seeded = await api.seedInbox(twoConversations());
    const [first] = seeded.conversations;

    // A tab in the URL means nothing without an agent: the list is the whole scope.
    await gotoHydrated(page, `${seeded.base}/conversations/${first.id}?tab=watched`);
    await expect(threadOf(page, first.id)).toBeVisible();
    await expect(handoffButton(page), 'the thread header is there').toBeVisible();
    await expectListExactly(page, seeded.conversations);
    await expect(agentTabs(page)).toHaveCount(0);
    await expect(page.locator('[data-testid=agent-tab]')).toHaveCount(0);
    await expect(agentName(page)).toHaveCount(0);
    await expect(watchToggle(page)).toHaveCount(0);
  });
});
