// Every string of the hostile corpus (tests/fixtures/hostile.json) stays inert text wherever
// a contact, an agent or a host backend can put it (SPEC §4: markup in content is shown,
// never executed): contact names, texts, sender names, file names, templates, interactive
// titles. Checked on the server's HTML after hydration and on what the browser renders
// itself (older pages, a thread opened from the list).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from '@playwright/test';
import { REPO_ROOT } from '../e2e-env';
import {
  clipChars,
  currentUrl,
  expect,
  formattedLinks,
  gotoHydrated,
  listItem,
  messages,
  plainText,
  rustTrim,
  test,
  type Api,
} from './support';

const HOSTILE = (
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'tests', 'fixtures', 'hostile.json'), 'utf8')) as {
    strings: string[];
  }
).strings;

// The API's limits (src/server/api, src/model/types.rs); longer strings are clipped to them.
const NAME_MAX = 200; // contact display_name and sender.name
const TEMPLATE_NAME_MAX = 512;
const BUTTON_TITLE_MAX = 20;
const LIST_ROW_TITLE_MAX = 24;
const DOCUMENT_URL = 'https://cdn.example.com/f.pdf';

/** In the element `scope`, the elements matching `selector` have exactly these texts (or `attr` values). */
interface Check {
  scope: string;
  selector: string;
  attr?: string;
  values: string[];
}

interface HostileInbox {
  base: string;
  threadId: string;
  threadMessages: number;
  /** Names and previews of every row. */
  listChecks: Check[];
  /** The open thread's header and every message. */
  threadChecks: Check[];
}

const row = (id: string) => `[data-testid=conversation-item][data-conversation-id="${id}"]`;
const message = (id: string) => `[data-testid=message][data-message-id="${id}"]`;

/**
 * A text as FormattedText renders it (src/model/format.rs): WhatsApp markers paired around
 * a run are gone, everything else is literal, and links are made only where the app makes them.
 */
function formatted(scope: string, text: string): Check[] {
  return [
    { scope, selector: 'p.text', values: [plainText(text)] },
    { scope, selector: 'p.text a[href]', attr: 'href', values: formattedLinks(text) },
  ];
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * One conversation per hostile string, named by it, whose newest message is the string; the
 * one named `</title>…` (a <title> breakout if the server's title were not escaped) also
 * holds every string in every other place a message can carry text.
 */
async function seedHostileInbox(api: Api): Promise<HostileInbox> {
  const inboxId = await api.whatsappInbox();
  const listChecks: Check[] = [];
  const conversations: { id: string; newestMessage: string }[] = [];
  for (const text of HOSTILE) {
    const name = clipChars(text, NAME_MAX);
    const contact = await api.create('/api/v1/contacts', { display_name: name });
    const conversation = await api.create('/api/v1/conversations', { inbox_id: inboxId, contact_id: contact.id });
    const newest = await api.create(`/api/v1/conversations/${conversation.id}/messages`, {
      direction: 'incoming',
      content: text,
    });
    conversations.push({ id: conversation.id, newestMessage: newest.id });
    listChecks.push(
      { scope: row(conversation.id), selector: '.item-name', values: [rustTrim(name)] },
      { scope: row(conversation.id), selector: '.item-preview', values: [plainText(rustTrim(text))] },
    );
  }

  const threadIndex = Math.max(0, HOSTILE.findIndex((s) => s.includes('</title>')));
  const thread = conversations[threadIndex];
  const threadChecks: Check[] = [
    {
      scope: '[data-testid=thread]',
      selector: '.thread-title h2',
      values: [rustTrim(clipChars(HOSTILE[threadIndex], NAME_MAX))],
    },
    ...formatted(message(thread.newestMessage), rustTrim(HOSTILE[threadIndex])),
  ];
  // Imported one second apart, all older than the message above: a fixed order.
  let at = Date.now() - 60 * 60_000;
  let threadMessages = 1;
  const post = async (body: Record<string, unknown>): Promise<string> => {
    at += 1000;
    threadMessages += 1;
    const created = await api.create(`/api/v1/conversations/${thread.id}/messages`, {
      ...body,
      created_at: new Date(at).toISOString(),
    });
    return message(created.id);
  };

  for (const [i, text] of HOSTILE.entries()) {
    threadChecks.push(...formatted(await post({ direction: 'incoming', content: text }), rustTrim(text)));

    // After an incoming message, so it starts a group and shows its sender.
    const sender = clipChars(text, NAME_MAX);
    const agent = await post({ direction: 'outgoing', content: text, sender: { type: 'agent', name: sender } });
    threadChecks.push(...formatted(agent, rustTrim(text)), { scope: agent, selector: '.sender', values: [rustTrim(sender)] });

    const file = await post({
      direction: 'incoming',
      kind: 'document',
      media: { url: DOCUMENT_URL, mime_type: 'application/pdf', filename: text },
    });
    threadChecks.push(
      { scope: file, selector: '.document-name', values: [text] },
      { scope: file, selector: 'a.document', attr: 'href', values: [DOCUMENT_URL] },
    );

    // Without content, a template's body is its parameters, formatted like any text.
    const templateName = clipChars(text, TEMPLATE_NAME_MAX);
    const template = await post({
      direction: 'outgoing',
      kind: 'template',
      template: { name: templateName, parameters: [text] },
    });
    threadChecks.push(
      { scope: template, selector: '.template-tag', values: [`Template · ${templateName}`] },
      ...formatted(template, text),
    );

    const reply = await post({
      direction: 'incoming',
      kind: 'interactive',
      interactive: { type: 'button_reply', id: `reply-${i}`, title: text },
    });
    threadChecks.push({ scope: reply, selector: '.choice > span', values: [text] });
  }

  for (const group of chunks(HOSTILE, 3)) {
    const titles = group.map((s) => clipChars(s, BUTTON_TITLE_MAX));
    const buttons = await post({
      direction: 'outgoing',
      kind: 'interactive',
      interactive: { type: 'button', buttons: titles.map((title, j) => ({ id: `button-${j}`, title })) },
    });
    threadChecks.push({ scope: buttons, selector: '.reply-button', values: titles });
  }
  for (const group of chunks(HOSTILE, 10)) {
    const titles = group.map((s) => clipChars(s, LIST_ROW_TITLE_MAX));
    const list = await post({
      direction: 'outgoing',
      kind: 'interactive',
      interactive: {
        type: 'list',
        button: 'Options',
        sections: [{ rows: group.map((s, j) => ({ id: `row-${j}`, title: titles[j], description: s })) }],
      },
    });
    threadChecks.push(
      { scope: list, selector: '.row-title', values: titles },
      { scope: list, selector: '.row-description', values: group },
    );
  }

  const token = await api.inboxToken(inboxId);
  return { base: new URL(token.embed_url).pathname, threadId: thread.id, threadMessages, listChecks, threadChecks };
}

/** Fails the test on any dialog (alert, confirm, prompt) and any uncaught page error. */
function watchForExecution(page: Page): () => void {
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return () => {
    expect(dialogs, 'no dialog opened').toEqual([]);
    expect(errors, 'no uncaught page error').toEqual([]);
  };
}

/** Every check holds: the strings are in the page as text, exactly. */
async function expectRendered(page: Page, checks: Check[]): Promise<void> {
  const wrong = await page.evaluate((checks) => {
    const failed: (typeof checks[number] & { got: (string | null)[] | 'no scope' })[] = [];
    for (const check of checks) {
      const scope = document.querySelector(check.scope);
      const got = scope
        ? Array.from(scope.querySelectorAll(check.selector), (el) =>
            check.attr ? el.getAttribute(check.attr) : el.textContent,
          )
        : 'no scope';
      if (JSON.stringify(got) !== JSON.stringify(check.values)) failed.push({ ...check, got });
    }
    return failed;
  }, checks);
  expect(wrong, 'texts that are not rendered exactly as given').toEqual([]);
}

/** Nothing in the page came from the hostile strings: no element, script, handler or script URL. */
async function expectInert(page: Page): Promise<void> {
  const found = await page.evaluate(() => {
    const links = Array.from(document.querySelectorAll<HTMLAnchorElement>('[data-testid=message] a[href]'));
    return {
      injected: Array.from(document.querySelectorAll('[data-injected]'), (el) => el.outerHTML.slice(0, 120)),
      // The app's scripts carry the response's nonce (or a src); anything else was written by content.
      foreignScripts: Array.from(document.querySelectorAll('script'))
        .filter((s) => !s.hasAttribute('src') && !s.nonce)
        .map((s) => s.outerHTML.slice(0, 120)),
      inlineHandlers: Array.from(document.querySelectorAll('*')).flatMap((el) =>
        Array.from(el.attributes)
          .filter((a) => a.name.toLowerCase().startsWith('on'))
          .map((a) => `<${el.localName} ${a.name}>`),
      ),
      scriptUrls: Array.from(document.querySelectorAll<HTMLAnchorElement>('a[href], area[href]'))
        .filter((a) => a.protocol === 'javascript:' || /^\s*javascript:/i.test(a.getAttribute('href') ?? ''))
        .map((a) => a.outerHTML.slice(0, 120)),
      badSchemes: links
        .filter((a) => !['http:', 'https:', 'mailto:', 'tel:'].includes(a.protocol))
        .map((a) => a.getAttribute('href')),
      unsafeExternal: links
        .filter((a) => a.protocol.startsWith('http') && a.origin !== location.origin)
        .filter((a) => !a.relList.contains('noopener') || !a.relList.contains('noreferrer') || a.target !== '_blank')
        .map((a) => `${a.getAttribute('href')} rel=${a.rel} target=${a.target}`),
    };
  });
  expect(found.injected, 'elements made by injected markup').toEqual([]);
  expect(found.foreignScripts, 'scripts without the nonce').toEqual([]);
  expect(found.inlineHandlers, 'inline event handler attributes').toEqual([]);
  expect(found.scriptUrls, 'javascript: links').toEqual([]);
  expect(found.badSchemes, 'message links with another scheme than http(s), mailto, tel').toEqual([]);
  expect(found.unsafeExternal, 'external links without rel="noopener noreferrer" target="_blank"').toEqual([]);
}

/** The 600-character word (and the long URL) wrap: the thread is no wider than its pane. */
async function expectThreadFits(page: Page): Promise<void> {
  const boxes = await page.evaluate(() =>
    [
      ['thread', document.querySelector('[data-testid=thread]')],
      ['thread scroller', document.querySelector('[data-testid=thread] .thread-scroll')],
      ['document', document.documentElement],
    ].map(([name, el]) => {
      const e = el as Element | null;
      return { name: name as string, scrollWidth: e?.scrollWidth ?? -1, clientWidth: e?.clientWidth ?? -1 };
    }),
  );
  for (const box of boxes) {
    expect(box.clientWidth, `${box.name} is there`).toBeGreaterThan(0);
    expect(box.scrollWidth, `${box.name}: scrollWidth ≤ clientWidth`).toBeLessThanOrEqual(box.clientWidth + 1);
  }
}

/** Scrolls to the top until every older page has loaded, then back to the newest message. */
async function scrollThroughThread(page: Page, total: number): Promise<void> {
  const scroller = page.locator('[data-testid=thread] .thread-scroll');
  await expect(async () => {
    await scroller.evaluate((el) => {
      el.scrollTop = 0;
      el.dispatchEvent(new Event('scroll'));
    });
    expect(await messages(page).count()).toBe(total);
  }).toPass({ timeout: 60_000, intervals: [250, 500, 1000] });
  await expect(scroller.locator('.older-hint')).toHaveText('Start of the conversation');
  await scroller.evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
}

test.describe('hostile content', () => {
  // Seeding takes a few hundred API calls, and the thread loads in five pages.
  test.describe.configure({ timeout: 120_000 });

  test('stays inert text in the list and in a thread the server rendered', async ({ api, page }) => {
    const done = watchForExecution(page);
    const inbox = await seedHostileInbox(api);

    await gotoHydrated(page, inbox.base);
    await expect(page.locator('[data-testid=conversation-item]')).toHaveCount(HOSTILE.length);
    await expectRendered(page, inbox.listChecks);
    await expectInert(page);

    await gotoHydrated(page, `${inbox.base}/conversations/${inbox.threadId}`);
    await scrollThroughThread(page, inbox.threadMessages);
    await expectRendered(page, [...inbox.listChecks, ...inbox.threadChecks]);
    await expectInert(page);
    await expectThreadFits(page);
    done();
  });

  test('stays inert text when the browser renders the thread (opened from the list)', async ({ api, page }) => {
    const done = watchForExecution(page);
    const inbox = await seedHostileInbox(api);

    await gotoHydrated(page, inbox.base);
    await expectRendered(page, inbox.listChecks);
    await page.evaluate(() => {
      (window as unknown as { __marker: number }).__marker = 1;
    });

    await listItem(page, inbox.threadId).click();
    await expect(page.locator(`[data-testid=thread][data-conversation-id="${inbox.threadId}"]`)).toBeVisible();
    await expect.poll(() => currentUrl(page).pathname).toBe(`${inbox.base}/conversations/${inbox.threadId}`);
    await scrollThroughThread(page, inbox.threadMessages);
    // Opened client-side: a full page load would have dropped the marker.
    expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(1);

    await expectRendered(page, [...inbox.listChecks, ...inbox.threadChecks]);
    await expectInert(page);
    await expectThreadFits(page);
    done();
  });
});
