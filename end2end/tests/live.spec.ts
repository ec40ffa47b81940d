// Live updates over /embed/{token}/ws: each embed sees its own scope's changes as they
// happen (list rows, the open thread, the composer's window), survives a server that is
// killed and started again (catching up from the last event it saw, without doubles), and
// stops for good when its token is revoked.
//
// Every page gets an init script that wraps window.WebSocket and records each socket the
// app opens (URL, open/close times, close code, frames), so the tests can tell what the
// server sent, when the page was connected, and which `since` it resumed from.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { APIRequestContext, Browser, BrowserContext, Page } from '@playwright/test';
import {
  BASE_URL,
  createPgDatabase,
  createProject,
  dropPgDatabase,
  ON_POSTGRES,
  REPO_ROOT,
  SERVER_BIN,
} from '../e2e-env';
import {
  Api,
  composer,
  composerBar,
  embedPath,
  expect,
  expectListExactly,
  expectThread,
  gotoHydrated,
  listItem,
  listItems,
  messageById,
  messages,
  sendButton,
  test,
  threadOf,
  threadPath,
  twoConversations,
  uniq,
  type ApiMessage,
  type SeededInbox,
} from './support';

/** How long a duplicate bubble from a late live echo would take to show up, at most. */
const SETTLE_MS = 1_000;

// ---- socket instrumentation ----

interface SocketEntry {
  url: string;
  createdAt: number;
  openedAt: number | null;
  closedAt: number | null;
  closeCode: number | null;
  frames: string[];
}

interface Frame {
  type: string;
  id?: number;
  conversation_id?: string;
  last_id?: number;
  data?: { message?: ApiMessage; conversation?: { id: string; [key: string]: unknown } };
}

/** Runs in the page before its scripts: every WebSocket the app opens is recorded. */
function recordWebSockets() {
  const w = window as unknown as { __liveLog?: unknown[]; WebSocket: typeof WebSocket };
  if (w.__liveLog) return;
  const log: unknown[] = [];
  w.__liveLog = log;
  const Native = w.WebSocket;
  class Recorded extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      const entry = {
        url: String(url),
        createdAt: Date.now(),
        openedAt: null as number | null,
        closedAt: null as number | null,
        closeCode: null as number | null,
        frames: [] as string[],
      };
      log.push(entry);
      this.addEventListener('open', () => {
        entry.openedAt = Date.now();
      });
      this.addEventListener('message', (e: MessageEvent) => {
        entry.frames.push(typeof e.data === 'string' ? e.data : '<binary>');
      });
      this.addEventListener('close', (e: CloseEvent) => {
        entry.closedAt = Date.now();
        entry.closeCode = e.code;
      });
    }
  }
  w.WebSocket = Recorded;
}

async function socketLog(page: Page): Promise<SocketEntry[]> {
  return page.evaluate(() => ((window as unknown as { __liveLog?: unknown[] }).__liveLog ?? []) as never);
}

const liveSockets = (log: SocketEntry[]) => log.filter((s) => new URL(s.url).pathname.endsWith('/ws'));

function framesOf(sockets: SocketEntry[]): Frame[] {
  return sockets.flatMap((s) => s.frames.filter((f) => f.startsWith('{')).map((f) => JSON.parse(f) as Frame));
}

async function allFrames(page: Page): Promise<Frame[]> {
  return framesOf(liveSockets(await socketLog(page)));
}

/** Event ids (not control frames) received more than once, across all of the page's sockets. */
function duplicateEventIds(frames: Frame[]): number[] {
  const seen = new Set<number>();
  const doubled: number[] = [];
  for (const f of frames) {
    if (typeof f.id !== 'number') continue;
    if (seen.has(f.id)) doubled.push(f.id);
    seen.add(f.id);
  }
  return doubled;
}

/** The newest event id a page has learnt of (events and ready/refetch positions). */
function lastSeenId(frames: Frame[]): number | undefined {
  const ids = frames.flatMap((f) => (typeof f.id === 'number' ? [f.id] : typeof f.last_id === 'number' ? [f.last_id] : []));
  return ids.length ? Math.max(...ids) : undefined;
}

// ---- page helpers ----

const liveStatus = (page: Page) => page.locator('[data-testid=connection-status]');

async function expectLive(page: Page, timeout = 10_000): Promise<void> {
  await expect(liveStatus(page)).toHaveAttribute('data-state', 'live', { timeout });
  await expect(liveStatus(page)).toHaveText('Live');
}

/** Console errors/warnings and uncaught page errors, attached to the test's report. */
function watch(page: Page, label: string) {
  const console: string[] = [];
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.push(`[${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    errors,
    async attach() {
      await test.info().attach(`${label} console`, {
        body: [...console, ...errors.map((e) => `[pageerror] ${e}`)].join('\n') || '(nothing)',
        contentType: 'text/plain',
      });
    },
  };
}

/** What a list row shows, for comparing a list before and after. */
async function listSnapshot(page: Page) {
  return listItems(page).evaluateAll((rows) =>
    rows.map((r) => ({
      id: r.getAttribute('data-conversation-id'),
      unread: r.getAttribute('data-unread'),
      handoff: r.getAttribute('data-handoff'),
      status: r.getAttribute('data-status'),
      name: r.querySelector('.item-name')?.textContent ?? null,
      preview: r.querySelector('.item-preview')?.textContent ?? null,
    })),
  );
}

const rowPreview = (page: Page, id: string) => listItem(page, id).locator('.item-preview');
const rowBadge = (page: Page, id: string) => listItem(page, id).locator('.badge-unread');

async function newPage(browser: Browser, baseURL: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await page.addInitScript(recordWebSockets);
  return { context, page };
}

// ---- 1. scope ----

test('two embeds of different inboxes: each list updates live with its own inbox only', async ({
  api,
  page,
  browser,
}) => {
  test.setTimeout(60_000);
  const seededA = await api.seedInbox(twoConversations());
  const seededB = await api.seedInbox(twoConversations());
  const [a1, a2] = seededA.conversations;
  const [b1] = seededB.conversations;
  const extraA: string[] = [];
  const aIds = () => [a1.id, a2.id, ...extraA];

  await page.addInitScript(recordWebSockets);
  const watchA = watch(page, 'page A');
  const { context: contextB, page: pageB } = await newPage(browser, BASE_URL);
  const watchB = watch(pageB, 'page B');
  try {
    await gotoHydrated(page, seededA.base);
    await gotoHydrated(pageB, seededB.base);
    await expectLive(page);
    await expectLive(pageB);
    await expectListExactly(page, seededA.conversations);
    await expectListExactly(pageB, seededB.conversations);
    // twoConversations: the second one wrote last, so it is on top; the first has 2 unread.
    await expect(listItems(page).first()).toHaveAttribute('data-conversation-id', a2.id);
    await expect(listItem(page, a1.id)).toHaveAttribute('data-unread', '2');
    const bBefore = await listSnapshot(pageB);

    // The contact of A's older conversation writes.
    const textA = `Live to A ${uniq()}`;
    const incomingA = await api.incoming(a1.id, textA);
    await expect(listItems(page).first(), 'the conversation moves to the top').toHaveAttribute(
      'data-conversation-id',
      a1.id,
    );
    await expect(rowPreview(page, a1.id)).toHaveText(textA);
    await expect(listItem(page, a1.id)).toHaveAttribute('data-unread', '3');
    await expect(rowBadge(page, a1.id)).toHaveText('3');
    await expect(listItems(page)).toHaveCount(2);
    expect(
      (await allFrames(page)).some((f) => f.type === 'message.created' && f.data?.message?.id === incomingA.id),
      "A's socket carried the message",
    ).toBe(true);

    // B saw none of it: same rows, same order, same previews; its socket carried nothing of A's.
    expect(await listSnapshot(pageB), "B's list is unchanged").toEqual(bBefore);
    await expect(pageB.getByText(textA)).toHaveCount(0);
    await expect(liveStatus(pageB)).toHaveAttribute('data-state', 'live');

    // A conversation that starts in inbox A appears in A's list.
    const tag = uniq();
    const started = await api.conversation(seededA.inboxId, { contactName: `Zanele Dube ${tag}`, messages: [] });
    extraA.push(started.id);
    await expect(listItem(page, started.id), 'the new conversation appears').toHaveCount(1);
    await expect(listItem(page, started.id).locator('.item-name')).toHaveText(started.contactName);
    await expect(listItem(page, started.id)).toHaveAttribute('data-unread', '0');
    await expect(listItems(page)).toHaveCount(3);
    // Its first message brings it to the top with a badge.
    const firstWords = `First words ${tag}`;
    await api.incoming(started.id, firstWords);
    await expect(listItems(page).first()).toHaveAttribute('data-conversation-id', started.id);
    await expect(rowPreview(page, started.id)).toHaveText(firstWords);
    await expect(listItem(page, started.id)).toHaveAttribute('data-unread', '1');
    await expect(listItems(page)).toHaveCount(3);

    expect(await listSnapshot(pageB), "B's list is still unchanged").toEqual(bBefore);
    await expect(listItem(pageB, started.id)).toHaveCount(0);

    // B is live too: its own inbox's message shows there, and not in A.
    const aBefore = await listSnapshot(page);
    const textB = `Live to B ${uniq()}`;
    await api.incoming(b1.id, textB);
    await expect(listItems(pageB).first()).toHaveAttribute('data-conversation-id', b1.id);
    await expect(rowPreview(pageB, b1.id)).toHaveText(textB);
    await expect(listItem(pageB, b1.id)).toHaveAttribute('data-unread', '3');
    expect(await listSnapshot(page), "A's list is unchanged by B's message").toEqual(aBefore);

    // What each socket carried stayed in its own scope.
    const framesB = await allFrames(pageB);
    const leaked = framesB.filter((f) => f.conversation_id && aIds().includes(f.conversation_id));
    expect(leaked, "B's socket carried no event of inbox A").toEqual([]);
    const framesA = await allFrames(page);
    expect(
      framesA.filter((f) => f.conversation_id && seededB.conversations.some((c) => c.id === f.conversation_id)),
      "A's socket carried no event of inbox B",
    ).toEqual([]);
    expect(duplicateEventIds(framesA)).toEqual([]);
    expect(duplicateEventIds(framesB)).toEqual([]);
    expect(watchA.errors, 'no uncaught errors in A').toEqual([]);
    expect(watchB.errors, 'no uncaught errors in B').toEqual([]);
  } finally {
    await watchA.attach();
    await watchB.attach();
    await contextB.close();
  }
});

// ---- 2. the open thread ----

test('an open thread follows the conversation live: messages, ticks, handoff, window, name, end', async ({
  api,
  page,
}) => {
  test.setTimeout(60_000);
  const tag = uniq();
  const seeded = await api.seedInbox([
    {
      contactName: `Mei Tanaka ${tag}`,
      messages: [
        { direction: 'incoming', content: `Do you ship ${tag} to Osaka?`, minutesAgo: 25 * 60 },
        { direction: 'outgoing', content: `We do, ${tag} takes 3 days`, minutesAgo: 25 * 60 - 5 },
      ],
    },
    {
      contactName: `Tomas Novak ${tag}`,
      messages: [{ direction: 'incoming', content: `Is ${tag} in stock?`, minutesAgo: 60 }],
    },
  ]);
  const [open, other] = seeded.conversations;
  const [, outgoing] = open.messages;
  const watched = watch(page, 'page');
  await page.addInitScript(recordWebSockets);
  try {
    await gotoHydrated(page, threadPath(seeded, open.id));
    await expectThread(page, open);
    await expectLive(page);
    // A marker that a reload would lose: every change below must come without one.
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    const bar = composerBar(page);
    await expect(bar, 'the contact last wrote 25 h ago').toHaveAttribute('data-window', 'closed');
    await expect(composer(page)).toBeDisabled();
    const ticks = messageById(page, outgoing.id).locator('.ticks');
    await expect(ticks).toHaveAttribute('data-status', 'sent');
    await expect(rowPreview(page, open.id).locator('.ticks')).toHaveAttribute('data-status', 'sent');

    // A read receipt moves the ticks, in the bubble and in the list's preview.
    await api.patch(`/api/v1/messages/${outgoing.id}`, { status: 'read' });
    await expect(ticks, 'the bubble shows the read ticks').toHaveAttribute('data-status', 'read');
    await expect(rowPreview(page, open.id).locator('.ticks')).toHaveAttribute('data-status', 'read');
    await expect(messages(page)).toHaveCount(open.messages.length);

    // The bot hands over: the header's button and the row follow.
    const button = page.locator('button[data-testid=handoff-button]');
    await expect(button).toHaveAttribute('data-handoff', 'bot');
    await api.patch(`/api/v1/conversations/${open.id}`, { handoff: 'waiting' });
    await expect(button).toHaveAttribute('data-handoff', 'waiting');
    await expect(button).toHaveText('Take over');
    await expect(listItem(page, open.id)).toHaveAttribute('data-handoff', 'waiting');

    // The contact writes: the bubble is appended, the window opens, and it is read at once.
    const again = `Hello again about ${tag}`;
    const incoming = await api.incoming(open.id, again);
    await expect(messageById(page, incoming.id), 'the incoming message appears in the thread').toContainText(again);
    await expect(messages(page)).toHaveCount(open.messages.length + 1);
    await expect(messages(page).last()).toHaveAttribute('data-message-id', incoming.id);
    await expect(bar, 'the 24-hour window opened').toHaveAttribute('data-window', 'open');
    await expect(bar.locator('.window-closed')).toHaveCount(0);
    await expect(composer(page)).toBeEnabled();
    await expect(listItems(page).first()).toHaveAttribute('data-conversation-id', open.id);
    await expect(rowPreview(page, open.id)).toHaveText(again);
    await expect
      .poll(async () => (await api.getConversation(open.id)).unread_count, {
        message: 'a message that arrives in the open thread is read',
      })
      .toBe(0);
    await expect(listItem(page, open.id), 'the open conversation keeps no badge').toHaveAttribute('data-unread', '0');
    await expect(rowBadge(page, open.id)).toHaveCount(0);

    // A message to another conversation is not read by this one being open.
    const elsewhere = `Still there? ${tag}`;
    await api.incoming(other.id, elsewhere);
    await expect(rowPreview(page, other.id)).toHaveText(elsewhere);
    await expect(listItem(page, other.id)).toHaveAttribute('data-unread', '2');
    await expect(listItems(page).first()).toHaveAttribute('data-conversation-id', other.id);
    await expect(threadOf(page, open.id)).toBeVisible();
    await expect(threadOf(page, open.id).getByText(elsewhere), 'not in the open thread').toHaveCount(0);
    expect((await api.getConversation(other.id)).unread_count).toBe(2);
    await expect(listItem(page, open.id)).toHaveAttribute('data-unread', '0');

    // Sending from the composer: one bubble, even once the live echo of it has come.
    const reply = `Welcome back, ${tag}`;
    await composer(page).fill(reply);
    await expect(sendButton(page)).toBeEnabled();
    const answered = page.waitForResponse('**/rpc/send_message');
    await composer(page).press('Enter');
    const response = await answered;
    expect(response.ok(), `send_message answered ${response.status()}`).toBe(true);
    const stored = (await response.json()) as ApiMessage;
    await expect
      .poll(
        async () =>
          (await allFrames(page)).filter((f) => f.type === 'message.created' && f.data?.message?.id === stored.id)
            .length,
        { message: 'the live echo of the sent message reached the page' },
      )
      .toBe(1);
    const sentBubble = messages(page).filter({ hasText: reply });
    await expect(sentBubble).toHaveCount(1);
    await page.waitForTimeout(SETTLE_MS);
    await expect(sentBubble, 'the echo does not double the bubble').toHaveCount(1);
    await expect(messageById(page, stored.id)).toHaveCount(1);
    await expect(messages(page)).toHaveCount(open.messages.length + 2);
    expect((await api.threadMessages(open.id)).filter((m) => m.content === reply)).toHaveLength(1);

    // Its receipts come live too, on the same bubble.
    await api.patch(`/api/v1/messages/${stored.id}`, { status: 'delivered' });
    await expect(messageById(page, stored.id).locator('.ticks')).toHaveAttribute('data-status', 'delivered');
    await expect(sentBubble).toHaveCount(1);
    await expect(messages(page)).toHaveCount(open.messages.length + 2);

    // The contact is renamed elsewhere: the header and the row follow.
    const contactId = (await api.getConversation(open.id)).contact_id;
    const renamed = `Mei Tanaka-Sato ${tag}`;
    await api.patch(`/api/v1/contacts/${contactId}`, { display_name: renamed });
    await expect(page.locator('h2[data-testid=contact-name]')).toHaveText(renamed);
    await expect(listItem(page, open.id).locator('.item-name')).toHaveText(renamed);

    // The conversation is ended elsewhere: the badge shows, and it leaves the "active" list.
    await expect(page.locator('[data-testid=ended-badge]')).toHaveCount(0);
    await api.patch(`/api/v1/conversations/${open.id}`, { status: 'ended' });
    await expect(page.locator('[data-testid=ended-badge]')).toBeVisible();
    await expect(listItem(page, open.id), 'an ended conversation leaves the active list').toHaveCount(0);
    await expect(listItem(page, other.id)).toHaveCount(1);

    expect(
      await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload),
      'nothing above reloaded the page',
    ).toBe(true);
    await expectLive(page);
    expect(duplicateEventIds(await allFrames(page))).toEqual([]);
    expect(watched.errors, 'no uncaught errors').toEqual([]);
  } finally {
    await watched.attach();
  }
});

// ---- 3. a server killed and started again ----

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A server of this spec's own (never the run's shared one), on its own port and database. */
class OwnServer {
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  output = '';
  /** Its own database: a file in `dir`, or a new PostgreSQL database in a PostgreSQL run. */
  readonly databaseUrl: string;

  constructor(
    readonly port: number,
    readonly dir: string,
  ) {
    this.databaseUrl = ON_POSTGRES ? createPgDatabase('ie_e2e_live') : `sqlite://${path.join(dir, 'live.db')}`;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      DATABASE_URL: this.databaseUrl,
      LEPTOS_SITE_ADDR: `127.0.0.1:${this.port}`,
      PUBLIC_URL: this.url,
      MEDIA_DIR: path.join(this.dir, 'media'),
      RUST_LOG: process.env.RUST_LOG ?? 'warn',
    };
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Starts the binary and waits for /healthz; returns how long that took (ms). */
  async start(): Promise<number> {
    const began = Date.now();
    const proc = spawn(SERVER_BIN, [], { cwd: REPO_ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    this.exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    while (Date.now() - began < 30_000) {
      if (!this.running) throw new Error(`the server exited at start (${proc.exitCode ?? proc.signalCode}):\n${this.output}`);
      try {
        const res = await fetch(`${this.url}/healthz`);
        if (res.ok) return Date.now() - began;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`the server did not answer /healthz within 30 s:\n${this.output}`);
  }

  async kill(): Promise<void> {
    if (this.proc && this.running) {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
  }

  createProject(name: string): string {
    return createProject(name, this.env).api_key;
  }
}

test('an agent\'s embed: a thread reassigned to someone else gives way to a notice, and comes back', async ({
  api,
  page,
}) => {
  const tag = uniq();
  const me = await api.create('/api/v1/users', { name: `Agent ${tag}`, email: `agent-${tag}@example.com` });
  const other = await api.create('/api/v1/users', { name: `Other ${tag}`, email: `other-${tag}@example.com` });
  const inboxId = await api.whatsappInbox();
  const conversation = await api.conversation(inboxId, {
    contactName: `Lena Berg ${tag}`,
    messages: [{ direction: 'incoming', content: `Where is parcel ${tag}?`, minutesAgo: 3 }],
  });
  await api.patch(`/api/v1/conversations/${conversation.id}`, { assigned_user_id: me.id, handoff: 'human' });
  const token = await api.inboxToken(inboxId, { assigned_user_id: me.id });
  await gotoHydrated(page, `${embedPath(token)}/conversations/${conversation.id}`);
  await expectThread(page, conversation);
  await expectLive(page);
  const notice = page.locator('[data-testid=reassigned]');
  await expect(notice).toHaveCount(0);
  await expect(composer(page)).toBeEnabled();

  await api.patch(`/api/v1/conversations/${conversation.id}`, { assigned_user_id: other.id });
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('assigned to someone else');
  await expect(composerBar(page), 'no composer for a conversation that is not yours').toBeHidden();
  await expect(listItem(page, conversation.id)).toHaveCount(0);

  // Assigned back: the composer returns.
  await api.patch(`/api/v1/conversations/${conversation.id}`, { assigned_user_id: me.id });
  await expect(notice).toBeHidden();
  await expect(composer(page)).toBeEnabled();
});

test.describe('a server that is killed and started again', () => {
  // Every server this worker started (a repeated test starts another): all stopped and
  // removed at the end, even when a test failed half-way.
  const servers: OwnServer[] = [];
  const contexts: APIRequestContext[] = [];

  test.afterAll(async () => {
    for (const http of contexts) await http.dispose();
    for (const server of servers) {
      await server.kill();
      if (!process.env.E2E_KEEP_DATA) {
        fs.rmSync(server.dir, { recursive: true, force: true });
        if (ON_POSTGRES) dropPgDatabase(server.databaseUrl);
      }
    }
  });

  test('the page reconnects, catches up from its last event and shows everything once', async ({
    page,
    playwright,
  }) => {
    test.setTimeout(120_000);
    const own = new OwnServer(await freePort(), fs.mkdtempSync(path.join(os.tmpdir(), 'inbox-embed-live-')));
    servers.push(own);
    const firstStart = await own.start();
    const apiKey = own.createProject(`live-restart-${uniq()}`);
    const http = await playwright.request.newContext({
      baseURL: own.url,
      extraHTTPHeaders: { Authorization: `Bearer ${apiKey}` },
    });
    contexts.push(http);
    const api = new Api(http);
    const seeded: SeededInbox = await api.seedInbox(twoConversations());
    const [a, b] = seeded.conversations;
    const watched = watch(page, 'page');
    await page.addInitScript(recordWebSockets);
    try {
      await gotoHydrated(page, `${own.url}${threadPath(seeded, a.id)}`);
      await expectThread(page, a);
      await expectLive(page);
      await expectListExactly(page, seeded.conversations);

      // Live before the kill.
      const before = `Before the restart ${uniq()}`;
      const m0 = await api.incoming(a.id, before);
      await expect(messageById(page, m0.id)).toContainText(before);
      await expect(messages(page)).toHaveCount(a.messages.length + 1);
      await expect
        .poll(async () => (await api.getConversation(a.id)).unread_count, { message: 'read while open' })
        .toBe(0);
      // Let the mark-read event reach the page too, so it is part of what it has seen.
      await expect(listItem(page, a.id)).toHaveAttribute('data-unread', '0');
      const resumeFrom = lastSeenId(await allFrames(page));
      expect(resumeFrom, 'the page learnt an event position').toBeDefined();

      // SIGKILL: no goodbye to the socket.
      const killedAt = Date.now();
      await own.kill();
      await expect(liveStatus(page), 'the page notices the drop').toHaveAttribute('data-state', 'reconnecting', {
        timeout: 5_000,
      });
      await expect(liveStatus(page)).toHaveText('Reconnecting…');
      // The page retries with growing delays while the server is down; after three failed
      // attempts the next one is 2-4 s away, time enough to write while it is away.
      const failedAttempts = async () =>
        liveSockets(await socketLog(page)).filter((s) => s.createdAt >= killedAt && s.openedAt === null && s.closedAt !== null);
      await expect
        .poll(async () => (await failedAttempts()).length, { message: 'the page keeps retrying', timeout: 20_000 })
        .toBeGreaterThanOrEqual(3);
      const attempts = await failedAttempts();
      const dropped = liveSockets(await socketLog(page)).find((s) => s.openedAt !== null && s.closedAt !== null);
      expect(dropped, 'the live socket was closed').toBeDefined();
      // Backoff with jitter: each delay is between half and all of 500 ms, 1 s, 2 s (the
      // slack above covers a refused connection's and the token check's round trips).
      const gaps = [attempts[0].createdAt - dropped!.closedAt!, ...attempts.slice(1, 3).map((s, i) => s.createdAt - attempts[i].closedAt!)];
      const windows: [number, number][] = [
        [250, 500],
        [500, 1000],
        [1000, 2000],
      ];
      gaps.forEach((gap, i) => {
        expect(gap, `retry ${i + 1} waits ${windows[i][0]}-${windows[i][1]} ms`).toBeGreaterThanOrEqual(windows[i][0] - 10);
        expect(gap, `retry ${i + 1} waits ${windows[i][0]}-${windows[i][1]} ms`).toBeLessThanOrEqual(windows[i][1] + 500);
      });
      await expect(liveStatus(page)).toHaveAttribute('data-state', 'reconnecting');

      // Start the same binary on the same port and database, and write at once.
      const restart = await own.start();
      const duringAway = `Written while the page was away ${uniq()}`;
      const m1 = await api.incoming(a.id, duringAway);
      const toOther = `Also while away ${uniq()}`;
      const m2 = await api.incoming(b.id, toOther);
      const writtenAt = Date.now();

      await expectLive(page, 30_000);
      const reconnected = liveSockets(await socketLog(page)).filter((s) => s.createdAt >= killedAt && s.openedAt !== null);
      expect(reconnected.length, 'one socket opened after the restart').toBeGreaterThanOrEqual(1);
      const first = reconnected[0];
      test.info().annotations.push({
        type: 'timing',
        description: `first start ${firstStart} ms, restart ${restart} ms, retry gaps ${gaps.join('/')} ms, reopened ${
          (first.openedAt ?? 0) - writtenAt
        } ms after the writes`,
      });
      expect(
        first.openedAt!,
        'the writes happened while the page was disconnected (catch-up, not live delivery)',
      ).toBeGreaterThan(writtenAt);
      expect(new URL(first.url).searchParams.get('since'), 'it resumed from the last event it saw').toBe(
        String(resumeFrom),
      );
      for (const s of attempts) {
        expect(new URL(s.url).searchParams.get('since'), 'every retry resumes from the same event').toBe(
          String(resumeFrom),
        );
      }

      // What was written while away is there, once.
      await expect(messageById(page, m1.id)).toContainText(duringAway);
      await expect(messages(page).filter({ hasText: duringAway })).toHaveCount(1);
      await expect(messages(page)).toHaveCount(a.messages.length + 2);
      await expect(rowPreview(page, b.id)).toHaveText(toOther);
      await expect(listItems(page).first()).toHaveAttribute('data-conversation-id', b.id);
      await expect(listItem(page, b.id)).toHaveAttribute('data-unread', '2');
      await expectListExactly(page, seeded.conversations);

      // And live again after the restart.
      const after = `After the restart ${uniq()}`;
      const m3 = await api.incoming(a.id, after);
      await expect(messageById(page, m3.id)).toContainText(after);
      await expect(listItems(page).first()).toHaveAttribute('data-conversation-id', a.id);
      await expect(rowPreview(page, a.id)).toHaveText(after);
      await page.waitForTimeout(SETTLE_MS);
      await expect(messages(page)).toHaveCount(a.messages.length + 3);
      for (const m of [m0, m1, m3]) await expect(messageById(page, m.id)).toHaveCount(1);
      await expectListExactly(page, seeded.conversations);

      const frames = await allFrames(page);
      expect(duplicateEventIds(frames), 'no event reached the page twice').toEqual([]);
      expect(frames.filter((f) => f.type === 'refetch'), 'the log still held the gap: no refetch').toEqual([]);
      for (const m of [m1, m2, m3]) {
        expect(
          frames.filter((f) => f.type === 'message.created' && f.data?.message?.id === m.id),
          `message.created of ${m.content} came once`,
        ).toHaveLength(1);
      }
      expect(watched.errors, 'no uncaught errors').toEqual([]);
    } finally {
      await watched.attach();
      await test.info().attach('own server output', { body: own.output || '(nothing)', contentType: 'text/plain' });
      await own.kill();
    }
  });
});

// ---- 4. revocation ----

test('revoking the token ends the live connection: Disconnected, and no more retries', async ({
  api,
  page,
  request,
}) => {
  const seeded = await api.seedInbox(twoConversations());
  const watched = watch(page, 'page');
  await page.addInitScript(recordWebSockets);
  try {
    await gotoHydrated(page, seeded.base);
    await expectLive(page);

    const res = await request.delete(`/api/v1/embed_tokens/${seeded.token.id}`, {
      headers: { Authorization: `Bearer ${process.env.E2E_API_KEY}` },
    });
    expect(res.ok(), `DELETE embed token: ${res.status()} ${await res.text()}`).toBe(true);

    await expect(liveStatus(page), 'the page learns the link is gone').toHaveAttribute('data-phase', 'ended', {
      timeout: 5_000,
    });
    await expect(liveStatus(page)).toHaveText('Disconnected');
    const sockets = liveSockets(await socketLog(page));
    expect(
      sockets.map((s) => s.closeCode),
      'the server closed the socket with 4401',
    ).toContain(4401);

    // It stops: no new socket over the first two retry delays (0.25-0.5 s and 0.5-1 s).
    await page.waitForTimeout(1_500);
    expect(liveSockets(await socketLog(page)), 'no reconnect after 4401').toHaveLength(sockets.length);
    await expect(liveStatus(page)).toHaveAttribute('data-phase', 'ended');
    await expect(liveStatus(page)).toHaveAttribute('data-state', 'offline');

    // A message written now does not reach it.
    const late = `After revocation ${uniq()}`;
    await api.incoming(seeded.conversations[0].id, late);
    await page.waitForTimeout(SETTLE_MS);
    await expect(page.getByText(late)).toHaveCount(0);
    expect(watched.errors, 'no uncaught errors').toEqual([]);
  } finally {
    await watched.attach();
  }
});
