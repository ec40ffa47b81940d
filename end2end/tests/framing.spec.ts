// (§4, §8) The embed in a real cross-site iframe. A host page served by a tiny server in
// this file, opened as http://localhost:<port> (another site than the embed's 127.0.0.1),
// frames the embed URL. Chromium must render it for the token's allowed origins, refuse
// it (CSP frame-ancestors) for any other, and the embed must work with third-party
// cookies and storage blocked.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIRequestContext, Frame, Page } from '@playwright/test';
import config from '../playwright.config';
import { BASE_URL } from '../e2e-env';
import { expect, test, twoConversations, type SeededInbox } from './support';

const EMBED_ORIGIN = new URL(BASE_URL).origin;

let hostServer: http.Server;
let hostPort = 0;

test.beforeAll(async () => {
  hostServer = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host.invalid');
    const src = url.searchParams.get('src');
    if (url.pathname !== '/host' || !src) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      `<!doctype html><title>host</title>` +
        `<iframe id="inbox" src="${src.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}" style="width:900px;height:700px;border:0"></iframe>`,
    );
  });
  await new Promise<void>((resolve) => hostServer.listen(0, '127.0.0.1', resolve));
  hostPort = (hostServer.address() as AddressInfo).port;
});

test.afterAll(async () => {
  if (!hostServer) return;
  hostServer.closeAllConnections();
  await new Promise<void>((resolve) => hostServer.close(() => resolve()));
});

/** The host's origin; Chromium resolves localhost and *.localhost to loopback itself. */
const hostOrigin = (hostname: string) => `http://${hostname}:${hostPort}`;

const hostPage = (origin: string, seeded: SeededInbox) =>
  `${origin}/host?src=${encodeURIComponent(seeded.token.embed_url)}`;

const inbox = (page: Page) => page.frameLocator('#inbox');

function embedFrame(page: Page): Frame {
  const [frame] = page.mainFrame().childFrames();
  if (!frame) throw new Error('the host page has no iframe');
  return frame;
}

/** The embed's response names exactly these framers, and sends no X-Frame-Options. */
async function expectFrameAncestors(request: APIRequestContext, seeded: SeededInbox, origins: string[]) {
  const res = await request.get(seeded.base);
  expect(res.status()).toBe(200);
  const directives = (res.headers()['content-security-policy'] ?? '').split(';').map((d) => d.trim());
  expect(directives.filter((d) => d.startsWith('frame-ancestors'))).toEqual([`frame-ancestors ${origins.join(' ')}`]);
  expect(res.headers()['x-frame-options']).toBeUndefined();
}

/** In the frame: the list, hydration, and a thread opened by a click (client-side). */
async function expectFramedInboxWorks(page: Page, seeded: SeededInbox): Promise<void> {
  const frame = inbox(page);
  const target = seeded.conversations[1];
  await expect(frame.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(frame.locator('[data-testid=conversation-item]')).toHaveCount(seeded.conversations.length);

  await frame.locator(`[data-testid=conversation-item][data-conversation-id="${target.id}"]`).click();
  await expect(frame.locator(`[data-testid=thread][data-conversation-id="${target.id}"]`)).toBeVisible();
  await expect(frame.locator('[data-testid=message]')).toHaveCount(target.messages.length);
  for (const m of target.messages) {
    await expect(frame.locator(`[data-testid=message][data-message-id="${m.id}"]`)).toContainText(m.content);
  }
  await expect
    .poll(() => new URL(embedFrame(page).url()).pathname)
    .toBe(`${seeded.base}/conversations/${target.id}`);
}

/**
 * Chromium refused to frame the embed: the frame holds its error page, not the embed, and
 * says why. (page.goto returned after the host's load event, which waits for the frame.)
 */
async function expectRefused(page: Page, consoleErrors: string[]): Promise<void> {
  await expect.poll(() => embedFrame(page).url()).toBe('chrome-error://chromewebdata/');
  await expect(inbox(page).locator('[data-testid=conversation-item]')).toHaveCount(0);
  await expect.poll(() => consoleErrors.some((text) => text.includes('frame-ancestors'))).toBe(true);
}

function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/**
 * An init script (runs in every frame before its scripts): in a third-party frame of the
 * embed, localStorage and sessionStorage throw SecurityError, as with third-party storage
 * blocked, and so does document.cookie when `cookies` is set.
 */
function blockThirdPartyStorage({ embedOrigin, cookies }: { embedOrigin: string; cookies: boolean }) {
  if (location.origin !== embedOrigin || window === window.top) return;
  const refuse = () => {
    throw new DOMException('third-party storage is blocked', 'SecurityError');
  };
  for (const name of ['localStorage', 'sessionStorage']) {
    Object.defineProperty(window, name, { configurable: true, get: refuse });
  }
  if (cookies) Object.defineProperty(document, 'cookie', { configurable: true, get: refuse, set: refuse });
}

/** What the frame's storage does when touched: 'usable' or the error's name. */
async function storageInFrame(page: Page): Promise<Record<string, string>> {
  return embedFrame(page).evaluate(() => {
    const probe = (touch: () => unknown) => {
      try {
        touch();
        return 'usable';
      } catch (e) {
        return (e as DOMException).name;
      }
    };
    return {
      localStorage: probe(() => window.localStorage.length),
      sessionStorage: probe(() => window.sessionStorage.length),
      cookie: probe(() => document.cookie),
    };
  });
}

/** The theme select still switches the theme; without storage the choice lasts the visit only. */
async function expectThemeSwitchesForTheVisit(page: Page): Promise<void> {
  const html = inbox(page).locator('html');
  await expect(html).toHaveAttribute('data-theme', 'light');
  await inbox(page).locator('[data-testid=theme-select]').selectOption('dark');
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(inbox(page).locator('[data-testid=theme-select]')).toHaveValue('dark');

  await page.reload();
  await expect(inbox(page).locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(html).toHaveAttribute('data-theme', 'light');
}

test.describe('framing', () => {
  test('an allowed origin frames the inbox: it renders, hydrates and opens a thread', async ({ api, page, request }) => {
    const host = hostOrigin('localhost');
    const seeded = await api.seedInbox(twoConversations(), { allowed_origins: [host] });
    await expectFrameAncestors(request, seeded, [host]);

    // Our own scripts and styles must pass our CSP (the nonce set-up): no violation at all.
    const errors = consoleErrors(page);
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __csp: string[] }).__csp = seen;
      document.addEventListener('securitypolicyviolation', (e) =>
        seen.push(`${e.effectiveDirective} blocked ${e.blockedURI}`),
      );
    });

    await page.goto(hostPage(host, seeded));
    await expectFramedInboxWorks(page, seeded);

    expect(errors.filter((text) => /Content Security Policy/i.test(text))).toEqual([]);
    expect(await embedFrame(page).evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  });

  test('an origin not on the list cannot frame it', async ({ api, page, request }) => {
    const seeded = await api.seedInbox(twoConversations(), { allowed_origins: ['https://app.example.com'] });
    await expectFrameAncestors(request, seeded, ['https://app.example.com']);

    const errors = consoleErrors(page);
    await page.goto(hostPage(hostOrigin('localhost'), seeded));
    await expectRefused(page, errors);
  });

  test('a wildcard origin frames it from a subdomain, not from the bare host', async ({ api, page, request }) => {
    const pattern = `http://*.localhost:${hostPort}`;
    const seeded = await api.seedInbox(twoConversations(), { allowed_origins: [pattern] });
    await expectFrameAncestors(request, seeded, [pattern]);

    await page.goto(hostPage(hostOrigin('app.localhost'), seeded));
    await expectFramedInboxWorks(page, seeded);

    const errors = consoleErrors(page);
    await page.goto(hostPage(hostOrigin('localhost'), seeded));
    await expectRefused(page, errors);
  });

  test('with third-party storage and cookies throwing, the framed inbox works and themes', async ({ api, browser }) => {
    const host = hostOrigin('localhost');
    const seeded = await api.seedInbox(twoConversations(), { theme: 'light', allowed_origins: [host] });

    const context = await browser.newContext();
    await context.addInitScript(blockThirdPartyStorage, { embedOrigin: EMBED_ORIGIN, cookies: true });
    const page = await context.newPage();
    const errors = pageErrors(page);

    await page.goto(hostPage(host, seeded));
    expect(await storageInFrame(page)).toEqual({
      localStorage: 'SecurityError',
      sessionStorage: 'SecurityError',
      cookie: 'SecurityError',
    });
    await expectFramedInboxWorks(page, seeded);
    await expectThemeSwitchesForTheVisit(page);

    expect(errors, 'uncaught errors in the page or its frame').toEqual([]);
    await context.close();
  });
});

// Chromium's own third-party cookie blocking, on top of the storage init script, in a
// browser of its own (a describe-level `test.use({ launchOptions })` would force a worker).
// The Debian Chromium of these machines (156) already refuses third-party cookies without
// the switch; with it, the blocking does not depend on the build's default. The test proves
// the blocking either way: the same probe cookie sticks in a first-party page.
test('framing in a Chromium that blocks third-party cookies: the inbox needs no cookies', async ({ api, playwright }) => {
  const host = hostOrigin('localhost');
  const seeded = await api.seedInbox(twoConversations(), { theme: 'light', allowed_origins: [host] });
  const launchOptions = config.use?.launchOptions ?? {};
  const browser = await playwright.chromium.launch({
    ...launchOptions,
    headless: true,
    args: [...(launchOptions.args ?? []), '--test-third-party-cookie-phaseout'],
  });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(blockThirdPartyStorage, { embedOrigin: EMBED_ORIGIN, cookies: false });
    const errors = pageErrors(page);
    const setProbeCookie = () => {
      document.cookie = 'e2e_probe=1; SameSite=None; Secure; Path=/';
      return document.cookie.split('; ').includes('e2e_probe=1');
    };

    await page.goto(hostPage(host, seeded));
    expect(await embedFrame(page).evaluate(setProbeCookie), 'a cookie set in the frame does not stick').toBe(false);
    await expectFramedInboxWorks(page, seeded);
    await expectThemeSwitchesForTheVisit(page);
    expect(errors, 'uncaught errors in the page or its frame').toEqual([]);

    // The same cookie set first-party sticks: the frame's refusal is third-party blocking.
    const firstParty = await context.newPage();
    expect((await firstParty.goto(seeded.token.embed_url))?.status()).toBe(200);
    expect(await firstParty.evaluate(setProbeCookie), 'a first-party cookie sticks').toBe(true);
  } finally {
    await browser.close();
  }
});
