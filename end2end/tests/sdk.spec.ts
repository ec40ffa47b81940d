// (§8) The host-page SDK (public/embed.js, served at /embed.js) and the embed's side of the
// postMessage protocol (channel "inbox-embed", version 1). A host page served by a tiny
// server in this file, opened as http://localhost:<port> (another site than the embed's
// 127.0.0.1), loads ${BASE_URL}/embed.js and mounts the embed. The tests with the embed:
//   (a) ready, then the unread total; a live incoming message raises it
//   (b) setTheme (queued before ready, and after), openConversation and setFilters
//   (c) commands from frames next to the embed are ignored
//   (d) a parent origin outside allowed_origins gets no ready
//
// What the embed (the iframe side) must do, and which test checks it:
// - After hydration it posts `hello` to window.parent (targetOrigin "*"), every 500 ms, at
//   most 20 times, until connected.                                             (a, d)
// - It accepts `connect` only when event.source is window.parent and event.origin is
//   allowed by the token's allowed_origins; it then remembers that origin and posts
//   `ready` {conversation_id, theme, language, agent} to it alone.                  (a)
//   A `connect` from the parent on a disallowed origin gets no `ready`, no event.    (d)
//   A `connect` from any other window (a sibling frame, even one on the parent's own
//   origin) is ignored and answered with nothing.                                    (c)
// - After `ready`: `unread.changed` {total}, the sum of unread_count over the token's
//   scope, then again whenever it changes; `message.received` {conversation_id,
//   message_id, kind} for a live incoming message. Every event from the embed's origin. (a)
// - Commands are obeyed only from window.parent at the remembered origin: `set_theme`
//   sets <html data-theme> at once; `open_conversation` opens the thread and sends
//   `conversation.opened` {conversation_id}; `set_filters` replaces the list filters and
//   the URL follows.                                                                 (b)
//   The same commands from sibling frames change nothing, and the host's channel still
//   works afterwards.                                                                (c)
// - Commands sent before `ready` (queued by the SDK) are obeyed after it.            (b)
// Not covered: `token.expired`, `resize`, `conversation.opened` after a click in the
// embed, `ready` re-sent on a later `connect`, open_conversation outside the scope, and
// JWT sessions (the project's jwt_allowed_origins).
//
// The SDK's own behaviour (argument checks, the frame URL it builds, queueing until ready,
// taking only well-formed messages from its own frame at the embed's origin, on(),
// destroy()) is checked against a scripted stand-in for the embed, in "the SDK alone":
// those tests need the server only for /embed.js.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Frame, Page } from '@playwright/test';
import { BASE_URL } from '../e2e-env';
import { expect, test, twoConversations, type SeededInbox } from './support';

const EMBED_ORIGIN = new URL(BASE_URL).origin;
const SDK_URL = `${BASE_URL}/embed.js`;
/** How long a refused or forged message gets to show an effect it must not have. */
const SETTLE_MS = 1_000;

interface Recorded {
  type: string;
  data: Record<string, unknown>;
}

/** A message as a listener saw it: who sent it, and whether from the expected window. */
interface Seen {
  origin: string;
  type: string;
  data?: Record<string, unknown>;
  /** Host page: from the SDK's iframe. Embed or stand-in: from window.parent. */
  trusted: boolean;
}

// ---- the host server: host page, foreign page, stand-in embed ----

// The host page records what the SDK hands to onEvent in window.__events, and every
// inbox-embed message that reaches the window, whoever sent it, in window.__seen.
const HOST_PAGE = `<!doctype html><meta charset="utf-8"><title>host</title>
<div id="inbox" style="width:900px;height:700px"></div>
<script src="${SDK_URL}"></script>
<script>
  window.__events = [];
  window.__seen = [];
  addEventListener('message', (e) => {
    const d = e.data;
    if (!d || d.channel !== 'inbox-embed') return;
    const inbox = window.__inbox && window.__inbox.iframe.contentWindow;
    __seen.push({ origin: e.origin, type: d.type, data: d.data, trusted: !!inbox && e.source === inbox });
  });
  window.mountInbox = (url, options) => {
    const onEvent = (type, data) => __events.push({ type, data });
    window.__inbox = InboxEmbed.mount(document.getElementById('inbox'), Object.assign({ url, onEvent }, options));
  };
</script>`;

// A page on an origin that no token allows. In a frame of the host page it can post to
// its sibling frames (parent.frames) and to the host; it records whatever reaches it.
const FOREIGN_PAGE = `<!doctype html><meta charset="utf-8"><title>foreign</title>
<script>
  window.__got = [];
  addEventListener('message', (e) => {
    __got.push({ origin: e.origin, type: e.data && e.data.type, data: e.data && e.data.data, trusted: false });
  });
  const msg = (type, data) => ({ channel: 'inbox-embed', version: 1, type, data: data || {} });
  window.toSiblings = (type, data) => {
    for (let i = 0; i < parent.frames.length; i++) {
      if (parent.frames[i] !== window) parent.frames[i].postMessage(msg(type, data), '*');
    }
  };
  window.toParent = (type, data) => parent.postMessage(msg(type, data), '*');
  // As a stand-in's frame after it navigated here: the SDK must ignore this origin.
  if (new URLSearchParams(location.search).has('forge')) toParent('unread.changed', { total: 666 });
</script>`;

// A scripted stand-in for the embed: says hello, answers connect with ready after 300 ms,
// records every message from its parent, and sends what the test asks with emit().
const STAND_IN_PAGE = `<!doctype html><meta charset="utf-8"><title>stand-in</title>
<script>
  window.__got = [];
  let ready = false;
  const msg = (type, data) => ({ channel: 'inbox-embed', version: 1, type, data: data || {} });
  addEventListener('message', (e) => {
    const d = e.data || {};
    __got.push({ origin: e.origin, type: d.type, data: d.data, trusted: e.source === parent, beforeReady: !ready });
    if (e.source === parent && d.type === 'connect') {
      setTimeout(() => {
        ready = true;
        parent.postMessage(msg('ready', { conversation_id: null, theme: 'light', language: 'en', agent: null }), e.origin);
      }, 300);
    }
  });
  window.emit = (message) => parent.postMessage(message, '*');
  window.send = (type, data) => emit(msg(type, data));
  parent.postMessage(msg('hello'), '*');
</script>`;

let hostServer: http.Server;
let hostPort = 0;

test.beforeAll(async () => {
  hostServer = http.createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://host.invalid');
    const body = { '/host': HOST_PAGE, '/foreign': FOREIGN_PAGE, '/stand-in': STAND_IN_PAGE }[pathname];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body);
  });
  await new Promise<void>((resolve) => hostServer.listen(0, '127.0.0.1', resolve));
  hostPort = (hostServer.address() as AddressInfo).port;
});

test.afterAll(async () => {
  if (!hostServer) return;
  hostServer.closeAllConnections();
  await new Promise<void>((resolve) => hostServer.close(() => resolve()));
});

/** An origin of the host server; Chromium resolves localhost and *.localhost to loopback. */
const hostOrigin = (hostname: string) => `http://${hostname}:${hostPort}`;
/** The host page's origin, the one tokens allow. */
const HOST = () => hostOrigin('localhost');
/** An origin no token allows. */
const FOREIGN = () => hostOrigin('foreign.localhost');
/** The stand-in embed's origin (another origin than the host page's). */
const STAND_IN = () => hostOrigin('127.0.0.1');

// ---- helpers ----

type HostWindow = Window & {
  __events: Recorded[];
  __seen: Seen[];
  __inbox: {
    iframe: HTMLIFrameElement;
    openConversation(id: string): void;
    setTheme(mode: string): void;
    setFilters(filters: Record<string, unknown>): void;
    on(type: string, fn: (data: unknown, type: string) => void): () => void;
    destroy(): void;
  };
  mountInbox(url: string, options?: Record<string, unknown>): void;
  InboxEmbed: { mount(element: unknown, options?: unknown): HostWindow['__inbox'] };
};
type FrameWindow = Window & {
  __got: (Seen & { beforeReady?: boolean })[];
  toSiblings(type: string, data?: Record<string, unknown>): void;
  toParent(type: string, data?: Record<string, unknown>): void;
  emit(message: unknown): void;
  send(type: string, data?: Record<string, unknown>): void;
};

/** Opens the host page (SDK loaded, nothing mounted yet). */
async function openHost(page: Page): Promise<void> {
  const res = await page.goto(`${HOST()}/host`);
  expect(res?.status()).toBe(200);
  expect(await page.evaluate(() => typeof (window as unknown as HostWindow).InboxEmbed)).toBe('object');
}

async function mount(page: Page, url: string, options: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(([u, o]) => (window as unknown as HostWindow).mountInbox(u, o), [url, options] as const);
}

const hostEvents = (page: Page) => page.evaluate(() => (window as unknown as HostWindow).__events);
const eventsOf = async (page: Page, type: string) => (await hostEvents(page)).filter((e) => e.type === type);
const hostSeen = (page: Page) => page.evaluate(() => (window as unknown as HostWindow).__seen);

/** Waits for the SDK's `ready` and returns its data. */
async function waitForReady(page: Page): Promise<Record<string, unknown>> {
  await expect.poll(async () => (await eventsOf(page, 'ready')).length, { message: 'the host got ready' }).toBeGreaterThan(0);
  return (await eventsOf(page, 'ready'))[0].data;
}

/** The frame whose URL is on `origin` (the embed, the stand-in or the foreign page). */
function frameOn(page: Page, origin: string): Frame {
  const frame = page.frames().find((f) => f !== page.mainFrame() && f.url().startsWith(`${origin}/`));
  if (!frame) throw new Error(`the host page has no frame on ${origin}: ${page.frames().map((f) => f.url())}`);
  return frame;
}

/** Appends an iframe for `src` to the host page; resolves with its frame once loaded. */
async function addFrame(page: Page, src: string): Promise<Frame> {
  await page.evaluate((url) => {
    const frame = document.createElement('iframe');
    frame.src = url;
    document.body.append(frame);
  }, src);
  await expect.poll(() => page.frames().some((f) => f.url() === src), { message: `${src} is framed` }).toBe(true);
  const frame = page.frames().find((f) => f.url() === src) as Frame;
  await frame.waitForLoadState('load');
  return frame;
}

const embedFrame = (page: Page) => frameOn(page, EMBED_ORIGIN);
const inbox = (page: Page) => page.frameLocator('#inbox iframe');

const got = (frame: Frame) => frame.evaluate(() => (window as unknown as FrameWindow).__got ?? []);

/**
 * An init script (runs in every frame before its own scripts): in the embed's frame, every
 * message that reaches the window is recorded in window.__got. It runs before the embed's
 * own listener, in the same dispatch: once a message is in __got, the embed has handled it.
 */
function recordEmbedMessages(embedOrigin: string) {
  if (location.origin !== embedOrigin || window === window.top) return;
  const seen: unknown[] = [];
  (window as unknown as { __got: unknown[] }).__got = seen;
  addEventListener('message', (e) => {
    const d = e.data as { channel?: string; type?: string; data?: unknown } | null;
    if (d?.channel !== 'inbox-embed') return;
    seen.push({ origin: e.origin, type: d.type, data: d.data, trusted: e.source === window.parent });
  });
}

/** Mounts the embed for `seeded` on the host page and waits until the frame has hydrated. */
async function mountEmbed(page: Page, seeded: SeededInbox, options: Record<string, unknown> = {}): Promise<void> {
  await page.addInitScript(recordEmbedMessages, EMBED_ORIGIN);
  await openHost(page);
  await mount(page, seeded.token.embed_url, options);
  await expect(inbox(page).locator('body')).toHaveAttribute('data-hydrated', 'true');
}

const threadOf = (page: Page, id: string) => inbox(page).locator(`[data-testid=thread][data-conversation-id="${id}"]`);
const listItems = (page: Page) => inbox(page).locator('[data-testid=conversation-item]');

// ---- the embed and the SDK together ----

test.describe('host page SDK with the embed', () => {
  test('ready, then the unread total; a live incoming message raises it', async ({ api, page }) => {
    const seeded = await api.seedInbox(twoConversations(), { theme: 'light', allowed_origins: [HOST()] });
    const second = seeded.conversations[1];
    // Every incoming message raises unread: the first has two, the second one.
    const unread = await Promise.all(seeded.conversations.map(async (c) => (await api.getConversation(c.id)).unread_count));
    expect(unread).toEqual([2, 1]);

    await mountEmbed(page, seeded);
    expect(await waitForReady(page)).toEqual({ conversation_id: null, theme: 'light', language: 'en', agent: null });
    await expect.poll(async () => (await eventsOf(page, 'unread.changed')).map((e) => e.data.total)).toEqual([3]);
    const events = await hostEvents(page);
    expect(events[0].type, 'ready comes first').toBe('ready');

    const message = await api.incoming(second.id, 'Is my parcel on its way?');
    await expect
      .poll(async () => (await eventsOf(page, 'message.received')).map((e) => e.data))
      .toEqual([{ conversation_id: second.id, message_id: message.id, kind: 'text' }]);
    await expect.poll(async () => (await eventsOf(page, 'unread.changed')).map((e) => e.data.total)).toEqual([3, 4]);

    // Every event came from the SDK's own frame at the embed's origin.
    for (const seen of await hostSeen(page)) {
      expect(seen).toMatchObject({ origin: EMBED_ORIGIN, trusted: true });
    }
  });

  test('setTheme (queued before ready, and after), openConversation and setFilters drive the embed', async ({ api, page }) => {
    const seeded = await api.seedInbox(
      [
        ...twoConversations(),
        {
          contactName: 'Chen Wei',
          status: 'ended',
          messages: [{ direction: 'incoming', content: 'All sorted, thanks', minutesAgo: 30 }],
        },
      ],
      { theme: 'light', allowed_origins: [HOST()] },
    );
    const [, second, ended] = seeded.conversations;

    await page.addInitScript(recordEmbedMessages, EMBED_ORIGIN);
    await openHost(page);
    // Sent in the same task as mount, long before the frame can be ready: the SDK queues it.
    await page.evaluate((url) => {
      const w = window as unknown as HostWindow;
      w.mountInbox(url);
      w.__inbox.setTheme('dark');
    }, seeded.token.embed_url);
    await waitForReady(page);
    const html = inbox(page).locator('html');
    await expect(html).toHaveAttribute('data-theme', 'dark');
    await expect(listItems(page)).toHaveCount(2);

    await page.evaluate(() => (window as unknown as HostWindow).__inbox.setTheme('light'));
    await expect(html).toHaveAttribute('data-theme', 'light');
    await page.evaluate(() => (window as unknown as HostWindow).__inbox.setTheme('dark'));
    await expect(html).toHaveAttribute('data-theme', 'dark');

    await page.evaluate((id) => (window as unknown as HostWindow).__inbox.openConversation(id), second.id);
    await expect(threadOf(page, second.id)).toBeVisible();
    await expect
      .poll(async () => (await eventsOf(page, 'conversation.opened')).map((e) => e.data))
      .toEqual([{ conversation_id: second.id }]);

    await page.evaluate(() => (window as unknown as HostWindow).__inbox.setFilters({ status: 'ended' }));
    await expect(listItems(page)).toHaveCount(1);
    await expect(inbox(page).locator(`[data-testid=conversation-item][data-conversation-id="${ended.id}"]`)).toHaveCount(1);
    await expect.poll(() => new URL(embedFrame(page).url()).searchParams.get('status')).toBe('ended');

    // The commands reached the embed from its parent, at the host's origin.
    const commands = (await got(embedFrame(page))).filter((m) => m.type !== 'connect');
    expect(commands.map((m) => [m.type, m.origin, m.trusted])).toEqual([
      ['set_theme', HOST(), true],
      ['set_theme', HOST(), true],
      ['set_theme', HOST(), true],
      ['open_conversation', HOST(), true],
      ['set_filters', HOST(), true],
    ]);
  });

  // A foreign origin cannot frame the embed (CSP frame-ancestors, framing.spec.ts), so its
  // messages cannot come from the embed's parent. What a foreign page can do is be framed
  // by the (allowed) host next to the embed and post to it as a sibling: parent.frames[i]
  // reaches every frame of the host page. Two such siblings: one on a foreign origin, and
  // one on the host's own origin, which only the event.source check can tell from the
  // parent. Their messages are well formed and arrive (the embed's recorder sees them) but
  // do not come from window.parent: the embed must obey none of them, answer none, and keep
  // talking to the host. The foreign one also posts to the host, posing as the embed.
  test('commands from frames next to the embed are ignored', async ({ api, page }) => {
    const seeded = await api.seedInbox(twoConversations(), { theme: 'light', allowed_origins: [HOST()] });
    const [first, second] = seeded.conversations;
    await mountEmbed(page, seeded);
    await waitForReady(page);
    const eventsBefore = (await hostEvents(page)).length;

    const siblings = [await addFrame(page, `${FOREIGN()}/foreign`), await addFrame(page, `${HOST()}/foreign`)];
    for (const sibling of siblings) {
      await sibling.evaluate((id) => {
        const w = window as unknown as FrameWindow;
        w.toSiblings('connect');
        w.toSiblings('set_theme', { mode: 'dark' });
        w.toSiblings('open_conversation', { conversation_id: id });
        w.toSiblings('set_filters', { status: 'ended' });
      }, first.id);
    }
    await siblings[0].evaluate(() => (window as unknown as FrameWindow).toParent('unread.changed', { total: 999 }));

    // All of them reached the embed, from another window than its parent.
    const forged = ['connect', 'set_theme', 'open_conversation', 'set_filters'];
    await expect
      .poll(async () => (await got(embedFrame(page))).filter((m) => !m.trusted).map((m) => `${m.origin} ${m.type}`).sort())
      .toEqual([...forged.map((t) => `${FOREIGN()} ${t}`), ...forged.map((t) => `${HOST()} ${t}`)].sort());
    await expect.poll(async () => (await hostSeen(page)).some((m) => m.origin === FOREIGN())).toBe(true);
    await page.waitForTimeout(SETTLE_MS);

    await expect(inbox(page).locator('html')).toHaveAttribute('data-theme', 'light');
    await expect(inbox(page).locator('[data-testid=thread]')).toHaveCount(0);
    await expect(listItems(page)).toHaveCount(2);
    expect(new URL(embedFrame(page).url()).searchParams.get('status')).toBeNull();
    for (const sibling of siblings) {
      const fromEmbed = (await got(sibling)).filter((m) => m.origin === EMBED_ORIGIN);
      expect(fromEmbed, `nothing was sent to ${sibling.url()}`).toEqual([]);
    }
    const later = (await hostEvents(page)).slice(eventsBefore);
    expect(later.filter((e) => e.type !== 'resize'), 'no event from the forgeries').toEqual([]);

    // The host's own channel still works.
    await page.evaluate((id) => (window as unknown as HostWindow).__inbox.openConversation(id), second.id);
    await expect(threadOf(page, second.id)).toBeVisible();
    await expect
      .poll(async () => (await eventsOf(page, 'conversation.opened')).map((e) => e.data))
      .toEqual([{ conversation_id: second.id }]);
  });

  // A browser does not frame the embed for an origin outside allowed_origins (CSP
  // frame-ancestors; framing.spec.ts). The embed must not rely on that alone: here the
  // test's network layer widens the page's frame-ancestors to the host, as a browser that
  // ignores it would, so the frame loads and hydrates, and the host's SDK sends `connect`
  // from window.parent at a disallowed origin. The embed must refuse it: no `ready`, no event.
  test('a parent origin outside allowed_origins gets no ready', async ({ api, page }) => {
    const seeded = await api.seedInbox(twoConversations(), { allowed_origins: ['https://app.example.com'] });
    const policies: string[] = [];
    await page.route(
      (url) => url.origin === EMBED_ORIGIN && url.pathname === seeded.base,
      async (route) => {
        const response = await route.fetch();
        const headers = response.headers();
        const policy = headers['content-security-policy'] ?? '';
        policies.push(policy);
        headers['content-security-policy'] = policy.replace(/frame-ancestors[^;]*/, `frame-ancestors ${HOST()}`);
        await route.fulfill({ response, headers });
      },
    );

    await mountEmbed(page, seeded);
    expect(policies.length, 'the embed page went through the route').toBe(1);
    expect(policies[0]).toContain('frame-ancestors https://app.example.com');
    await expect(listItems(page)).toHaveCount(seeded.conversations.length);
    // The SDK answered the embed's hello: a connect from the parent, at the host's origin.
    await expect
      .poll(async () => (await got(embedFrame(page))).find((m) => m.type === 'connect'))
      .toMatchObject({ origin: HOST(), trusted: true });
    await page.waitForTimeout(3_000);

    expect(await hostEvents(page), 'no event reached the host').toEqual([]);
    const seen = await hostSeen(page);
    expect(seen.length, 'the embed said hello').toBeGreaterThan(0);
    expect(seen.map((m) => m.type).filter((t) => t !== 'hello'), 'the embed sent nothing but hello').toEqual([]);
    expect(seen.length, 'hello at most 20 times').toBeLessThanOrEqual(20);
  });
});

// ---- the SDK alone, against the scripted stand-in ----

test.describe('the SDK alone', () => {
  test('mount checks its arguments and builds the frame URL from mode and filters', async ({ page }) => {
    await openHost(page);
    const errors = await page.evaluate((standInUrl) => {
      const w = window as unknown as HostWindow;
      const div = document.getElementById('inbox');
      const attempt = (f: () => unknown) => {
        try {
          f();
          return 'no error';
        } catch (e) {
          return String(e);
        }
      };
      return {
        noElement: attempt(() => w.InboxEmbed.mount(null, { url: standInUrl })),
        relative: attempt(() => w.InboxEmbed.mount(div, { url: '/embed/iet_x' })),
        noUrl: attempt(() => w.InboxEmbed.mount(div, {})),
        scheme: attempt(() => w.InboxEmbed.mount(div, { url: 'javascript:alert(1)' })),
        mode: attempt(() => w.InboxEmbed.mount(div, { url: standInUrl, mode: 'sepia' })),
        status: attempt(() => w.InboxEmbed.mount(div, { url: standInUrl, filters: { status: 'open' } })),
        unknown: attempt(() => w.InboxEmbed.mount(div, { url: standInUrl, filters: { colour: 'red' } })),
        onEvent: attempt(() => w.InboxEmbed.mount(div, { url: standInUrl, onEvent: 'log' })),
        framesLeft: div!.children.length,
      };
    }, `${STAND_IN()}/stand-in`);
    expect(errors).toEqual({
      noElement: expect.stringMatching(/TypeError: InboxEmbed: .*element/),
      relative: expect.stringMatching(/absolute http\(s\) URL/),
      noUrl: expect.stringMatching(/absolute http\(s\) URL/),
      scheme: expect.stringMatching(/http\(s\) URL/),
      mode: expect.stringMatching(/mode must be one of system, light, dark/),
      status: expect.stringMatching(/status must be one of active, ended, all/),
      unknown: expect.stringMatching(/unknown filter "colour"/),
      onEvent: expect.stringMatching(/onEvent must be a function/),
      framesLeft: 0,
    });

    await mount(page, `${STAND_IN()}/stand-in?keep=1&unread=1`, {
      mode: 'dark',
      filters: {
        status: 'ended',
        search: 'Ada Lovelace',
        whatsapp_config_id: 'wa-1',
        unread: false,
        handoff: true,
        tab: 'mine',
        lang: 'es',
      },
      title: 'Inbox',
      allow: 'clipboard-write',
    });
    const frame = await page.evaluate(() => {
      const iframe = (window as unknown as HostWindow).__inbox.iframe;
      const style = getComputedStyle(iframe);
      return {
        src: iframe.src,
        title: iframe.title,
        allow: iframe.getAttribute('allow'),
        inside: iframe.parentElement?.id,
        width: style.width,
        height: style.height,
        border: style.borderTopWidth,
      };
    });
    const src = new URL(frame.src);
    expect(src.origin + src.pathname).toBe(`${STAND_IN()}/stand-in`);
    expect(Object.fromEntries(src.searchParams)).toEqual({
      keep: '1',
      mode: 'dark',
      status: 'ended',
      search: 'Ada Lovelace',
      whatsapp_config_id: 'wa-1',
      handoff: '1',
      tab: 'mine',
      lang: 'es',
    });
    // It fills the element it is mounted in (900 × 700 on the host page), without a border.
    expect(frame).toMatchObject({
      title: 'Inbox',
      allow: 'clipboard-write',
      inside: 'inbox',
      width: '900px',
      height: '700px',
      border: '0px',
    });

    const commandErrors = await page.evaluate(() => {
      const inbox = (window as unknown as HostWindow).__inbox;
      const attempt = (f: () => unknown) => {
        try {
          f();
          return 'no error';
        } catch (e) {
          return String(e);
        }
      };
      return [
        attempt(() => inbox.setTheme('sepia')),
        attempt(() => inbox.openConversation('')),
        attempt(() => inbox.setFilters({ lang: 'es' })),
        attempt(() => inbox.setFilters({ tab: 'everything' })),
        attempt(() => inbox.setFilters({ unread: 'maybe' })),
      ];
    });
    expect(commandErrors).toEqual([
      expect.stringMatching(/mode must be one of/),
      expect.stringMatching(/openConversation/),
      expect.stringMatching(/unknown filter "lang"/),
      expect.stringMatching(/tab must be one of all, mine, new, watched/),
      expect.stringMatching(/unread must be a boolean/),
    ]);
  });

  test('commands wait for ready and go, in order, to the frame at the embed origin', async ({ page }) => {
    await openHost(page);
    await page.evaluate((url) => {
      const w = window as unknown as HostWindow;
      w.mountInbox(url);
      w.__inbox.setTheme('dark');
      w.__inbox.openConversation('c-1');
      w.__inbox.setFilters({ status: 'all', unread: true, handoff: false, search: 'parcel' });
    }, `${STAND_IN()}/stand-in`);
    await waitForReady(page);
    await page.evaluate(() => (window as unknown as HostWindow).__inbox.setTheme('light'));

    const frame = frameOn(page, STAND_IN());
    await expect.poll(async () => (await got(frame)).length).toBe(5);
    expect(await got(frame)).toEqual([
      { origin: HOST(), type: 'connect', data: {}, trusted: true, beforeReady: true },
      { origin: HOST(), type: 'set_theme', data: { mode: 'dark' }, trusted: true, beforeReady: false },
      { origin: HOST(), type: 'open_conversation', data: { conversation_id: 'c-1' }, trusted: true, beforeReady: false },
      {
        origin: HOST(),
        type: 'set_filters',
        data: { status: 'all', unread: true, handoff: false, search: 'parcel' },
        trusted: true,
        beforeReady: false,
      },
      { origin: HOST(), type: 'set_theme', data: { mode: 'light' }, trusted: true, beforeReady: false },
    ]);

    await frame.evaluate(() => (window as unknown as FrameWindow).send('unread.changed', { total: 7 }));
    await expect
      .poll(() => hostEvents(page))
      .toEqual([
        { type: 'ready', data: { conversation_id: null, theme: 'light', language: 'en', agent: null } },
        { type: 'unread.changed', data: { total: 7 } },
      ]);
  });

  test('the SDK hands on only well-formed messages from its own frame at the embed origin', async ({ page }) => {
    await openHost(page);
    await mount(page, `${STAND_IN()}/stand-in`);
    await waitForReady(page);
    const frame = frameOn(page, STAND_IN());

    // From its frame, not well formed: ignored. Then a good one, after them in order.
    await frame.evaluate(() => {
      const w = window as unknown as FrameWindow;
      w.emit('unread.changed');
      w.emit({ channel: 'other', version: 1, type: 'unread.changed', data: { total: 1 } });
      w.emit({ channel: 'inbox-embed', version: 2, type: 'unread.changed', data: { total: 2 } });
      w.emit({ channel: 'inbox-embed', version: 1, type: 'resize' });
      w.send('unread.changed', { total: 3 });
    });
    await expect.poll(async () => (await eventsOf(page, 'unread.changed')).map((e) => e.data)).toEqual([{ total: 3 }]);
    // A well-formed message without data is handed on with {}.
    expect(await hostEvents(page)).toEqual([
      { type: 'ready', data: { conversation_id: null, theme: 'light', language: 'en', agent: null } },
      { type: 'resize', data: {} },
      { type: 'unread.changed', data: { total: 3 } },
    ]);

    // Another frame at the embed's origin (a second embed on the page, say) and a frame on a
    // foreign origin post well-formed events to the host: neither is the SDK's frame.
    const other = await addFrame(page, `${STAND_IN()}/stand-in?other=1`);
    await other.evaluate(() => (window as unknown as FrameWindow).send('unread.changed', { total: 50 }));
    const foreign = await addFrame(page, `${FOREIGN()}/foreign`);
    await foreign.evaluate(() => (window as unknown as FrameWindow).toParent('unread.changed', { total: 99 }));
    await expect
      .poll(async () =>
        (await hostSeen(page))
          .filter((m) => !m.trusted && m.type === 'unread.changed')
          .map((m) => m.data?.total as number)
          .sort((x, y) => x - y),
      )
      .toEqual([50, 99]);

    // Its own frame, navigated to another origin, posts a well-formed event: ignored, as
    // the window is the SDK's frame but the origin is not the embed's.
    await frame.evaluate((url) => {
      location.href = url;
    }, `${FOREIGN()}/foreign?forge=1`);
    await expect
      .poll(async () => (await hostSeen(page)).filter((m) => m.origin === FOREIGN() && m.trusted).map((m) => m.data))
      .toEqual([{ total: 666 }]);

    expect(await eventsOf(page, 'unread.changed')).toEqual([{ type: 'unread.changed', data: { total: 3 } }]);
  });

  test('on() and its unsubscribe, a throwing listener, destroy()', async ({ page }) => {
    await openHost(page);
    await mount(page, `${STAND_IN()}/stand-in`);
    await waitForReady(page);
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));

    await page.evaluate(() => {
      const w = window as unknown as HostWindow & { __on: unknown[]; __off: () => void };
      w.__on = [];
      w.__inbox.on('unread.changed', () => {
        throw new Error('a broken listener');
      });
      w.__off = w.__inbox.on('unread.changed', (data, type) => w.__on.push([type, data]));
    });
    const frame = frameOn(page, STAND_IN());
    await frame.evaluate(() => (window as unknown as FrameWindow).send('unread.changed', { total: 1 }));
    const onCalls = () => page.evaluate(() => (window as unknown as { __on: unknown[] }).__on);
    await expect.poll(onCalls).toEqual([['unread.changed', { total: 1 }]]);
    await expect.poll(() => pageErrors).toEqual(['a broken listener']);

    await page.evaluate(() => (window as unknown as { __off: () => void }).__off());
    await frame.evaluate(() => (window as unknown as FrameWindow).send('unread.changed', { total: 2 }));
    await expect.poll(async () => (await eventsOf(page, 'unread.changed')).length).toBe(2);
    expect(await onCalls()).toEqual([['unread.changed', { total: 1 }]]);

    const after = await page.evaluate(() => {
      const inbox = (window as unknown as HostWindow).__inbox;
      inbox.destroy();
      inbox.destroy();
      let error = 'no error';
      try {
        inbox.setTheme('dark');
      } catch (e) {
        error = String(e);
      }
      return { frames: document.querySelectorAll('#inbox iframe').length, error };
    });
    expect(after).toEqual({ frames: 0, error: expect.stringMatching(/destroyed/) });
  });
});
