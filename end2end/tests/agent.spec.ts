// What an agent does in an open conversation: send text (optimistic, once), keep drafts per
// conversation, respect WhatsApp's 24-hour window, take over from the bot and give it back,
// rename the contact in place, and read a thread (its unread badge clears).
import type { Page } from '@playwright/test';
import {
  composer,
  composerBar,
  draftKey,
  expect,
  expectThread,
  gotoHydrated,
  listItem,
  messageById,
  messages,
  sendButton,
  test,
  threadOf,
  threadPath,
  twoConversations,
  uniq,
  type ApiMessage,
} from './support';

/** How long a duplicate bubble or a late save would take to show up, at most. */
const SETTLE_MS = 1_000;

const draftIn = (page: Page, conversationId: string) =>
  page.evaluate((key) => window.localStorage.getItem(key), draftKey(conversationId));

const withContent = (thread: ApiMessage[], content: string) => thread.filter((m) => m.content === content);

test('Enter sends a text once: pending at once, then the server copy; Shift+Enter breaks the line', async ({
  api,
  page,
}) => {
  const tag = uniq();
  const seeded = await api.seedInbox([
    {
      contactName: `Noor Haddad ${tag}`,
      messages: [{ direction: 'incoming', content: `Is parcel ${tag} on its way?`, minutesAgo: 10 }],
    },
  ]);
  const conversation = seeded.conversations[0];
  await gotoHydrated(page, threadPath(seeded, conversation.id));
  await expectThread(page, conversation);
  await expect(composerBar(page)).toHaveAttribute('data-window', 'open');
  const box = composer(page);
  await expect(box).toBeEnabled();

  // Hold the server's answer, so the optimistic bubble is seen on its own first.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/rpc/send_message', async (route) => {
    await held;
    await route.continue();
  });

  const text = `Yes, parcel ${tag} ships today`;
  await box.fill(text);
  const requested = page.waitForRequest('**/rpc/send_message');
  await box.press('Enter');
  await requested;

  const bubble = messages(page).filter({ hasText: text });
  await expect(bubble, 'the message shows at once').toHaveCount(1);
  await expect(bubble).toHaveAttribute('data-direction', 'outgoing');
  await expect(bubble.locator('.ticks'), 'shown as pending while the server has not answered').toHaveAttribute(
    'data-status',
    'pending',
  );
  await expect(box, 'the composer is emptied').toHaveValue('');
  await expect(messages(page)).toHaveCount(conversation.messages.length + 1);

  const answered = page.waitForResponse('**/rpc/send_message');
  release();
  const response = await answered;
  expect(response.ok(), `send_message answered ${response.status()}`).toBe(true);
  const stored = (await response.json()) as ApiMessage;
  expect(stored.content).toBe(text);
  await page.unroute('**/rpc/send_message');

  // The server's copy took the optimistic bubble's place: still one bubble, not two.
  await page.waitForTimeout(SETTLE_MS);
  await expect(bubble, 'the server copy does not double the bubble').toHaveCount(1);
  await expect(messages(page)).toHaveCount(conversation.messages.length + 1);
  await expect(bubble.locator('.ticks')).toHaveAttribute('data-status', 'pending');
  // The bubble is the server's copy: it carries the stored message id (the test hook of §3).
  await expect(
    messageById(page, stored.id),
    'the bubble carries the id the server stored the message under',
  ).toHaveCount(1);

  const thread = await api.threadMessages(conversation.id);
  const copies = withContent(thread, text);
  expect(copies, 'the API thread has the message once').toHaveLength(1);
  expect(copies[0]).toMatchObject({
    id: stored.id,
    direction: 'outgoing',
    kind: 'text',
    status: 'pending',
  });
  expect(copies[0].sender.type).toBe('agent');
  expect(typeof copies[0].client_id, 'an agent message carries its client_id').toBe('string');

  // The host's backend delivered it: after a reload the bubble shows the sent tick.
  await api.patch(`/api/v1/messages/${stored.id}`, { status: 'sent' });
  await gotoHydrated(page, threadPath(seeded, conversation.id));
  await expect(messageById(page, stored.id)).toContainText(text);
  await expect(messageById(page, stored.id).locator('.ticks')).toHaveAttribute('data-status', 'sent');
  await expect(messages(page).filter({ hasText: text })).toHaveCount(1);

  // Shift+Enter breaks the line instead of sending.
  const count = conversation.messages.length + 1;
  const first = `First line ${tag}`;
  const second = `Second line ${tag}`;
  await box.click();
  await box.pressSequentially(first);
  await box.press('Shift+Enter');
  await box.pressSequentially(second);
  await expect(box).toHaveValue(`${first}\n${second}`);
  await page.waitForTimeout(300);
  await expect(messages(page), 'Shift+Enter sends nothing').toHaveCount(count);

  await box.press('Enter');
  const twoLines = messages(page).filter({ hasText: second });
  await expect(twoLines).toHaveCount(1);
  await expect(box).toHaveValue('');
  await expect
    .poll(() => twoLines.locator('.text').evaluate((el) => (el as HTMLElement).innerText), {
      message: 'the bubble shows two lines',
    })
    .toBe(`${first}\n${second}`);
  await expect
    .poll(async () => withContent(await api.threadMessages(conversation.id), `${first}\n${second}`).length, {
      message: 'the server stored the two-line text once',
    })
    .toBe(1);
  await page.waitForTimeout(SETTLE_MS);
  await expect(twoLines).toHaveCount(1);

  // Enter while an IME is still composing does not send.
  const composing = `Composing ${tag}`;
  await box.fill(composing);
  await box.evaluate((el) =>
    el.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', isComposing: true, bubbles: true, cancelable: true }),
    ),
  );
  await page.waitForTimeout(300);
  await expect(box, 'an IME Enter keeps the text in the composer').toHaveValue(composing);
  await expect(messages(page)).toHaveCount(count + 1);
  expect(withContent(await api.threadMessages(conversation.id), composing)).toHaveLength(0);
});

test('a draft stays with its conversation: across conversations and a reload', async ({ api, page }) => {
  const tag = uniq();
  const seeded = await api.seedInbox(twoConversations());
  const [a, b] = seeded.conversations;
  const draftA = `Checking *order ${tag}* for _you_ now`;
  const draftB = `New address for ${tag} noted`;
  const preview = page.locator('[data-testid=composer-preview]');

  await gotoHydrated(page, threadPath(seeded, a.id));
  await expectThread(page, a);
  await expect(composer(page)).toHaveValue('');
  await composer(page).fill(draftA);
  // The formatting is previewed as WhatsApp will show it.
  await expect(preview.locator('strong')).toHaveText(`order ${tag}`);
  await expect(preview.locator('em')).toHaveText('you');
  await expect.poll(() => draftIn(page, a.id), { message: 'the draft is saved' }).toBe(JSON.stringify(draftA));

  // Another conversation has its own (empty) composer.
  await listItem(page, b.id).click();
  await expect(threadOf(page, b.id)).toBeVisible();
  await expectThread(page, b);
  await expect(composer(page)).toHaveValue('');
  await expect(preview).toHaveCount(0);
  await composer(page).fill(draftB);
  await expect.poll(() => draftIn(page, b.id)).toBe(JSON.stringify(draftB));
  expect(await draftIn(page, a.id), "B's draft does not touch A's").toBe(JSON.stringify(draftA));

  // Back to A: its draft is there.
  await listItem(page, a.id).click();
  await expect(threadOf(page, a.id)).toBeVisible();
  await expectThread(page, a);
  await expect(composer(page)).toHaveValue(draftA);
  await expect(preview.locator('strong')).toHaveText(`order ${tag}`);

  // And after a reload (restored after hydration).
  await gotoHydrated(page, threadPath(seeded, a.id));
  await expect(composer(page)).toHaveValue(draftA);
  await expect(preview.locator('strong')).toHaveText(`order ${tag}`);
  await listItem(page, b.id).click();
  await expect(threadOf(page, b.id)).toBeVisible();
  await expect(composer(page)).toHaveValue(draftB);

  // Nothing was sent.
  expect(await api.threadMessages(a.id)).toHaveLength(a.messages.length);
  expect(await api.threadMessages(b.id)).toHaveLength(b.messages.length);
});

test('the 24-hour window: closed when the contact last wrote 25 h ago, open again once they write', async ({
  api,
  page,
}) => {
  const tag = uniq();
  const seeded = await api.seedInbox([
    {
      contactName: `Mei Tanaka ${tag}`,
      messages: [
        { direction: 'incoming', content: `Do you ship ${tag} to Osaka?`, minutesAgo: 25 * 60 },
        { direction: 'outgoing', content: `We do, ${tag} takes 3 days`, minutesAgo: 25 * 60 - 5 },
      ],
    },
  ]);
  const conversation = seeded.conversations[0];
  const url = threadPath(seeded, conversation.id);

  await gotoHydrated(page, url);
  await expectThread(page, conversation);
  const bar = composerBar(page);
  await expect(bar).toHaveAttribute('data-window', 'closed');
  await expect(composer(page), 'free text cannot be typed').toBeDisabled();
  await expect(sendButton(page)).toBeDisabled();
  await expect(bar.locator('.window-closed'), 'the composer says why').toContainText('24-hour window');

  // The server refuses free text too, whatever the page does.
  const refusedText = `Sneaking past the window ${tag}`;
  const refused = await page.evaluate(
    async ({ token, conversationId, text, clientId }) => {
      const res = await fetch('/rpc/send_message', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, conversation_id: conversationId, text, client_id: clientId }).toString(),
      });
      return { status: res.status, body: await res.text() };
    },
    { token: seeded.token.token, conversationId: conversation.id, text: refusedText, clientId: `e2e-${tag}` },
  );
  expect(refused.status, `send_message refused: ${refused.body}`).toBeGreaterThanOrEqual(400);
  expect(refused.status).toBeLessThan(500);
  expect(refused.body).toContain('window_closed');
  expect(withContent(await api.threadMessages(conversation.id), refusedText)).toHaveLength(0);

  // The contact writes again: after a reload the window is open.
  const again = `Hello again about ${tag}`;
  const incoming = await api.incoming(conversation.id, again);
  await gotoHydrated(page, url);
  await expect(messageById(page, incoming.id)).toContainText(again);
  await expect(bar).toHaveAttribute('data-window', 'open');
  await expect(bar.locator('.window-closed')).toHaveCount(0);
  await expect(composer(page)).toBeEnabled();

  const reply = `Welcome back, ${tag}`;
  await composer(page).fill(reply);
  await expect(sendButton(page)).toBeEnabled();
  await composer(page).press('Enter');
  await expect(messages(page).filter({ hasText: reply })).toHaveCount(1);
  await expect
    .poll(async () => withContent(await api.threadMessages(conversation.id), reply).length, {
      message: 'the reply is stored once',
    })
    .toBe(1);
  await expect(page.locator('[data-testid=send-failed]')).toHaveCount(0);
});

test('take over from the bot (or a waiting contact) and return to the bot', async ({ api, page }) => {
  const tag = uniq();
  const seeded = await api.seedInbox([
    {
      contactName: `Sofia Rossi ${tag}`,
      messages: [{ direction: 'incoming', content: `Where is my refund ${tag}?`, minutesAgo: 30 }],
    },
    {
      contactName: `Omar Farouk ${tag}`,
      messages: [{ direction: 'incoming', content: `I want to talk to a person ${tag}`, minutesAgo: 20 }],
      handoff: 'waiting',
    },
  ]);
  const [botted, waiting] = seeded.conversations;
  const button = page.locator('button[data-testid=handoff-button]');
  const handoffOf = async (id: string) => (await api.getConversation(id)).handoff;

  await gotoHydrated(page, threadPath(seeded, botted.id));
  await expectThread(page, botted);
  await expect(button).toHaveAttribute('data-handoff', 'bot');
  await expect(button).toHaveText('Take over');
  await expect(page.locator('[data-testid=handoff-hint]')).toBeVisible();

  await button.click();
  await expect(button).toHaveAttribute('data-handoff', 'human');
  await expect(button).toHaveText('Return to bot');
  await expect(button).toBeEnabled();
  await expect(page.locator('[data-testid=handoff-hint]')).toHaveCount(0);
  expect(await handoffOf(botted.id), 'the API shows the agent took over').toBe('human');
  await expect(listItem(page, botted.id), 'the list row follows after its refetch').toHaveAttribute(
    'data-handoff',
    'human',
  );

  await button.click();
  await expect(button).toHaveAttribute('data-handoff', 'bot');
  await expect(button).toHaveText('Take over');
  await expect(button).toBeEnabled();
  expect(await handoffOf(botted.id), 'the API shows the bot has it again').toBe('bot');

  // It stays as set across a reload.
  await gotoHydrated(page, threadPath(seeded, botted.id));
  await expect(button).toHaveAttribute('data-handoff', 'bot');

  // A contact waiting for an agent: Take over makes it human.
  await gotoHydrated(page, threadPath(seeded, waiting.id));
  await expectThread(page, waiting);
  await expect(button).toHaveAttribute('data-handoff', 'waiting');
  await expect(button).toHaveText('Take over');
  await button.click();
  await expect(button).toHaveAttribute('data-handoff', 'human');
  await expect(button).toHaveText('Return to bot');
  expect(await handoffOf(waiting.id)).toBe('human');
  expect(await handoffOf(botted.id), 'the other conversation is untouched').toBe('bot');
});

test("rename the contact in place: Enter saves, Escape cancels", async ({ api, page }) => {
  const tag = uniq();
  const seeded = await api.seedInbox(twoConversations());
  const [a, b] = seeded.conversations;
  const contactId = (await api.getConversation(a.id)).contact_id;
  const header = page.locator('h2[data-testid=contact-name]');
  const renameButton = page.locator('button[data-testid=rename-button]');
  const input = page.locator('input[data-testid=contact-name-input]');
  const rowName = (id: string) => listItem(page, id).locator('.item-name');

  await gotoHydrated(page, threadPath(seeded, a.id));
  await expectThread(page, a);
  await expect(header).toHaveText(a.contactName);
  await expect(rowName(a.id)).toHaveText(a.contactName);

  // Escape cancels: nothing changes, here or on the server.
  await renameButton.click();
  await expect(input).toBeVisible();
  await expect(input).toBeFocused();
  await expect(input).toHaveValue(a.contactName);
  await input.fill(`Discarded ${tag}`);
  await input.press('Escape');
  await expect(input).toHaveCount(0);
  await expect(header, 'Escape keeps the old name').toHaveText(a.contactName);
  await page.waitForTimeout(SETTLE_MS);
  await expect(header).toHaveText(a.contactName);
  expect((await api.getContact(contactId)).display_name, 'Escape saves nothing').toBe(a.contactName);

  // Enter saves.
  const renamed = `Amara Okafor-Nwosu ${tag}`;
  await renameButton.click();
  await expect(input).toBeFocused();
  await input.fill(renamed);
  const saved = page.waitForResponse('**/rpc/rename_contact');
  await input.press('Enter');
  await expect(input).toHaveCount(0);
  await expect(header).toHaveText(renamed);
  expect((await saved).ok()).toBe(true);
  await expect
    .poll(async () => (await api.getContact(contactId)).display_name, { message: 'the API shows the new name' })
    .toBe(renamed);
  await expect(rowName(a.id), 'the list row shows the new name after its refetch').toHaveText(renamed);
  await expect(rowName(b.id)).toHaveText(b.contactName);

  // A reload shows the stored name everywhere.
  await gotoHydrated(page, threadPath(seeded, a.id));
  await expect(header).toHaveText(renamed);
  await expect(rowName(a.id)).toHaveText(renamed);
});

test('opening a conversation with unread messages clears its unread badge', async ({ api, page }) => {
  const seeded = await api.seedInbox(twoConversations());
  const [a, b] = seeded.conversations;
  const unreadOf = async (id: string) => (await api.getConversation(id)).unread_count;
  const badge = (id: string) => listItem(page, id).locator('.badge-unread');
  // twoConversations: A has two incoming messages, B one.
  expect(await unreadOf(a.id)).toBe(2);
  expect(await unreadOf(b.id)).toBe(1);

  await gotoHydrated(page, seeded.base);
  await expect(listItem(page, a.id)).toHaveAttribute('data-unread', '2');
  await expect(badge(a.id)).toHaveText('2');
  await expect(badge(b.id)).toHaveText('1');

  await listItem(page, a.id).click();
  await expectThread(page, a);
  await expect
    .poll(() => unreadOf(a.id), { message: 'the server marked the conversation read' })
    .toBe(0);
  await expect(badge(a.id), "the list row's badge clears after the list refetch").toHaveCount(0);
  await expect(listItem(page, a.id)).toHaveAttribute('data-unread', '0');
  // The other conversation is still unread.
  await expect(badge(b.id)).toHaveText('1');
  expect(await unreadOf(b.id)).toBe(1);

  // And it stays read.
  await gotoHydrated(page, seeded.base);
  await expect(badge(a.id)).toHaveCount(0);
  await expect(badge(b.id)).toHaveText('1');
});

test('a picked image goes out with the draft as its caption and shows through the token', async ({ api, page }) => {
  const tag = uniq();
  const seeded = await api.seedInbox([
    { contactName: `Lena Fischer ${tag}`, messages: [{ direction: 'incoming', content: 'A photo please', minutesAgo: 3 }] },
  ]);
  const conversation = seeded.conversations[0];
  await gotoHydrated(page, threadPath(seeded, conversation.id));
  await composer(page).fill(`Parcel ${tag}`);
  await page.locator('[data-testid=attach-input]').setInputFiles('../public/demo/parcel.png');

  const image = page.locator('[data-testid=message] img');
  await expect(image).toHaveCount(1);
  await expect(image).toHaveAttribute('src', new RegExp(`^${seeded.base}/media/[0-9a-f-]{36}$`));
  // It loaded (same origin, allowed by the page's policy), and the caption went with it.
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await expect(messages(page).last()).toContainText(`Parcel ${tag}`);
  await expect(composer(page)).toHaveValue('');
  await expect(page.locator('[data-testid=upload]')).toHaveCount(0);
  const images = async () => (await api.threadMessages(conversation.id)).filter((m) => m.kind === 'image');
  await expect.poll(async () => (await images()).length).toBe(1);
  const sent = await images();
  expect(sent[0]).toMatchObject({ content: `Parcel ${tag}`, direction: 'outgoing', status: 'pending' });

  // A type WhatsApp refuses stays here, with the reason and a retry.
  await page.locator('[data-testid=attach-input]').setInputFiles({
    name: 'page.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('<!doctype html><script>alert(1)</script>'),
  });
  const failed = page.locator('[data-testid=upload][data-state=failed]');
  await expect(failed).toContainText('page.txt');
  await expect(failed.locator('[data-testid=retry-upload]')).toBeVisible();
  expect((await api.threadMessages(conversation.id)).filter((m) => m.direction === 'outgoing')).toHaveLength(1);
});

test('reply buttons built in the composer go out as one interactive message', async ({ api, page }) => {
  const tag = uniq();
  const seeded = await api.seedInbox([
    { contactName: `Omar Said ${tag}`, messages: [{ direction: 'incoming', content: 'Can I change my order?', minutesAgo: 4 }] },
  ]);
  const conversation = seeded.conversations[0];
  await gotoHydrated(page, threadPath(seeded, conversation.id));
  await page.locator('[data-testid=interactive-toggle]').click();
  const builder = page.locator('[data-testid=interactive-builder]');
  await expect(builder.locator('[data-testid=interactive-send]')).toBeDisabled();
  await builder.locator('[data-testid=interactive-body]').fill(`What should we do with order ${tag}?`);
  await builder.locator('[data-testid=button-title]').first().fill('Change it');
  await builder.locator('[data-testid=add-button]').click();
  await builder.locator('[data-testid=button-title]').nth(1).fill('Cancel it');
  await builder.locator('[data-testid=add-button]').click();
  await builder.locator('[data-testid=button-title]').nth(2).fill('Talk to someone now please');
  await expect(builder.locator('[data-testid=add-button]')).toBeDisabled();
  await builder.locator('[data-testid=interactive-send]').click();

  await expect(builder).toHaveCount(0);
  const bubble = messages(page).last();
  await expect(bubble).toContainText(`What should we do with order ${tag}?`);
  await expect(bubble.locator('.reply-button')).toHaveText(['Change it', 'Cancel it', 'Talk to someone now']);
  // The bubble shows before the server has stored the message: wait for the store.
  const interactive = async () =>
    (await api.threadMessages(conversation.id)).filter((m) => m.kind === 'interactive');
  await expect.poll(async () => (await interactive()).length).toBe(1);
  const sent = await interactive();
  expect((sent[0].interactive as { buttons: { title: string }[] }).buttons.map((b) => b.title)).toEqual([
    'Change it',
    'Cancel it',
    'Talk to someone now',
  ]);
});

test('outside the 24-hour window the composer sends an approved template with its parameters', async ({
  api,
  page,
}) => {
  const tag = uniq();
  const seeded = await api.seedInbox([
    { contactName: `Ines Duarte ${tag}`, messages: [{ direction: 'incoming', content: 'Thanks!', minutesAgo: 26 * 60 }] },
  ]);
  const name = `order_update_${tag.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
  await api.create(`/api/v1/inboxes/${seeded.inboxId}/templates`, {
    name,
    language: 'en',
    category: 'utility',
    status: 'approved',
    body: 'Hi {{1}}, your order {{2}} is on its way.',
  });
  const conversation = seeded.conversations[0];
  await gotoHydrated(page, threadPath(seeded, conversation.id));
  await expect(composerBar(page)).toHaveAttribute('data-window', 'closed');
  await expect(composer(page)).toBeDisabled();

  const picker = page.locator('[data-testid=template-picker]');
  await picker.locator('[data-testid=template-select]').selectOption({ label: `${name} (en)` });
  const params = picker.locator('[data-testid=template-param]');
  await expect(params).toHaveCount(2);
  await expect(picker.locator('[data-testid=template-send]')).toBeDisabled();
  await params.nth(0).fill('Ines');
  await params.nth(1).fill(`#${tag}`);
  await expect(picker.locator('[data-testid=template-preview]')).toHaveText(`Hi Ines, your order #${tag} is on its way.`);
  await picker.locator('[data-testid=template-send]').click();

  const bubble = messages(page).last();
  await expect(bubble).toContainText(`Template · ${name}`);
  await expect(bubble).toContainText(`Hi Ines, your order #${tag} is on its way.`);
  // The bubble shows before the server has stored the message: wait for the store.
  const templates = async () =>
    (await api.threadMessages(conversation.id)).filter((m) => m.kind === 'template');
  await expect.poll(async () => (await templates()).length).toBe(1);
  expect((await templates())[0].content).toBe(`Hi Ines, your order #${tag} is on its way.`);
});
