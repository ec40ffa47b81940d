// Fixtures and helpers for the end-to-end specs. Every test makes its own data through the
// REST API (a WhatsApp inbox of its own, its contacts, conversations and messages, and an
// embed token scoped to that inbox), so tests never see each other's conversations and
// never depend on ids fixed in advance.
import {
  test as base,
  expect,
  type APIRequestContext,
  type APIResponse,
  type Page,
} from '@playwright/test';

export { expect };

export type Theme = 'system' | 'light' | 'dark';

export interface MessageSpec {
  direction: 'incoming' | 'outgoing';
  content: string;
  /** created_at = now - minutesAgo (history import). */
  minutesAgo: number;
}

export interface ConversationSpec {
  contactName: string;
  messages: MessageSpec[];
  status?: 'active' | 'ended';
  handoff?: 'bot' | 'waiting' | 'human';
}

export interface SeededConversation {
  id: string;
  contactName: string;
  /** In chronological order. */
  messages: { id: string; content: string }[];
}

export interface EmbedToken {
  id: string;
  token: string;
  embed_url: string;
  iframe_html: string;
}

export interface TokenOptions {
  theme?: Theme;
  expires_at?: string;
  /** Origins that may frame the embed (`scheme://host[:port]`, optionally `*.` in front). */
  allowed_origins?: string[];
  /** Narrows the token to the conversations assigned to this user. */
  assigned_user_id?: string;
}

export interface SeededInbox {
  inboxId: string;
  conversations: SeededConversation[];
  token: EmbedToken;
  /** Path of the embed page, taken from the token's embed_url: /embed/<token>. */
  base: string;
}

type Json = Record<string, unknown>;

/** A message as the REST API returns it. */
export interface ApiMessage {
  id: string;
  conversation_id: string;
  direction: 'incoming' | 'outgoing';
  kind: string;
  content: string;
  sender: { type: 'contact' | 'agent' | 'bot'; name: string; external_id?: string };
  status: 'pending' | 'sent' | 'delivered' | 'read' | 'failed';
  client_id?: string;
  error?: string;
  created_at: string;
  [key: string]: unknown;
}

/** A conversation as the REST API returns it. */
export interface ApiConversation {
  id: string;
  inbox_id: string;
  contact_id: string;
  status: 'active' | 'ended';
  handoff: 'bot' | 'waiting' | 'human';
  unread_count: number;
  [key: string]: unknown;
}

/** A contact as the REST API returns it. */
export interface ApiContact {
  id: string;
  display_name: string;
  [key: string]: unknown;
}

/** A short random suffix that keeps names unique across tests and runs. */
export function uniq(): string {
  return Math.random().toString(36).slice(2, 8);
}

function randomPhone(): string {
  return '+1555' + String(Math.floor(Math.random() * 1e7)).padStart(7, '0');
}

function minutesAgo(minutes: number): string {
  return new Date(Date.now() - minutes * 60_000).toISOString();
}

async function failWith(res: APIResponse, what: string): Promise<never> {
  throw new Error(`${what}: HTTP ${res.status()} ${await res.text()}`);
}

/** The project REST API (/api/v1), authenticated with the run's project API key. */
export class Api {
  constructor(private readonly http: APIRequestContext) {}

  /** POST that must answer 201 with an object carrying its id. */
  async create<T extends { id: string } = { id: string } & Json>(path: string, body: Json): Promise<T> {
    const res = await this.http.post(path, { data: body });
    if (res.status() !== 201) await failWith(res, `POST ${path}`);
    const created = (await res.json()) as T;
    expect(typeof created.id, `POST ${path} returns the object with its id`).toBe('string');
    return created;
  }

  /** POST that returns the raw response, for callers that accept more than one status. */
  async post(path: string, body: Json): Promise<APIResponse> {
    return this.http.post(path, { data: body });
  }

  async patch(path: string, body: Json): Promise<Json> {
    const res = await this.http.patch(path, { data: body });
    if (!res.ok()) await failWith(res, `PATCH ${path}`);
    return (await res.json()) as Json;
  }

  /** GET that must answer 2xx; returns the JSON body. */
  async get<T = Json>(path: string): Promise<T> {
    const res = await this.http.get(path);
    if (!res.ok()) await failWith(res, `GET ${path}`);
    return (await res.json()) as T;
  }

  async getConversation(id: string): Promise<ApiConversation> {
    return this.get<ApiConversation>(`/api/v1/conversations/${id}`);
  }

  async getContact(id: string): Promise<ApiContact> {
    return this.get<ApiContact>(`/api/v1/contacts/${id}`);
  }

  /** The newest page (up to 100) of a conversation's messages, oldest first. */
  async threadMessages(conversationId: string): Promise<ApiMessage[]> {
    const page = await this.get<{ data: ApiMessage[] }>(`/api/v1/conversations/${conversationId}/messages?limit=100`);
    return page.data;
  }

  /** The contact writes now (an incoming text, created_at = now unless minutesAgo is given). */
  async incoming(conversationId: string, content: string, minutesAgo?: number): Promise<ApiMessage> {
    const body: Json = { direction: 'incoming', kind: 'text', content };
    if (minutesAgo !== undefined) body.created_at = new Date(Date.now() - minutesAgo * 60_000).toISOString();
    return this.create<ApiMessage>(`/api/v1/conversations/${conversationId}/messages`, body);
  }

  async whatsappInbox(): Promise<string> {
    const inbox = await this.create('/api/v1/inboxes', {
      name: `E2E WhatsApp ${uniq()}`,
      channel_type: 'whatsapp',
      phone_number: randomPhone(),
    });
    return inbox.id;
  }

  async conversation(inboxId: string, spec: ConversationSpec): Promise<SeededConversation> {
    const contact = await this.create('/api/v1/contacts', {
      display_name: spec.contactName,
      phone_number: randomPhone(),
    });
    const conversation = await this.create('/api/v1/conversations', {
      inbox_id: inboxId,
      contact_id: contact.id,
    });
    const messages: SeededConversation['messages'] = [];
    const chronological = [...spec.messages].sort((a, b) => b.minutesAgo - a.minutesAgo);
    for (const m of chronological) {
      const message = await this.create(`/api/v1/conversations/${conversation.id}/messages`, {
        direction: m.direction,
        kind: 'text',
        content: m.content,
        created_at: minutesAgo(m.minutesAgo),
      });
      messages.push({ id: message.id, content: m.content });
    }
    const patch: Json = {};
    if (spec.status && spec.status !== 'active') patch.status = spec.status;
    if (spec.handoff) patch.handoff = spec.handoff;
    if (Object.keys(patch).length > 0) {
      await this.patch(`/api/v1/conversations/${conversation.id}`, patch);
    }
    return { id: conversation.id, contactName: spec.contactName, messages };
  }

  /** An embed token whose scope is one WhatsApp config (inbox). */
  async inboxToken(inboxId: string, options: TokenOptions = {}): Promise<EmbedToken> {
    return this.create<EmbedToken>('/api/v1/embed_tokens', {
      name: `e2e ${uniq()}`,
      scope: { type: 'whatsapp_config', id: inboxId },
      ...options,
    });
  }

  /** A new inbox with the given conversations and a token scoped to it. */
  async seedInbox(specs: ConversationSpec[], options: TokenOptions = {}): Promise<SeededInbox> {
    const inboxId = await this.whatsappInbox();
    const conversations: SeededConversation[] = [];
    for (const spec of specs) conversations.push(await this.conversation(inboxId, spec));
    const token = await this.inboxToken(inboxId, options);
    return { inboxId, conversations, token, base: embedPath(token) };
  }
}

/** /embed/<token>, as the server spells it in the token's embed_url. */
export function embedPath(token: EmbedToken): string {
  return new URL(token.embed_url).pathname;
}

/** Two conversations with a few messages each; enough for list and thread tests. */
export function twoConversations(): ConversationSpec[] {
  const tag = uniq();
  return [
    {
      contactName: `Amara Okafor ${tag}`,
      messages: [
        { direction: 'incoming', content: `Hi, my order ${tag}-1 has not arrived`, minutesAgo: 180 },
        { direction: 'outgoing', content: `Sorry to hear that, checking order ${tag}-1 now`, minutesAgo: 175 },
        { direction: 'incoming', content: `Thanks! Tracking says ${tag} left the depot`, minutesAgo: 170 },
      ],
    },
    {
      contactName: `Lukas Becker ${tag}`,
      messages: [
        { direction: 'incoming', content: `Can I change the delivery address for ${tag}?`, minutesAgo: 90 },
        { direction: 'outgoing', content: `Yes, send me the new address for ${tag}`, minutesAgo: 80 },
      ],
    },
  ];
}

export const test = base.extend<{ api: Api }>({
  api: async ({ playwright, baseURL }, use) => {
    const apiKey = process.env.E2E_API_KEY;
    if (!apiKey) throw new Error('E2E_API_KEY is not set: global-setup.ts did not run');
    const http = await playwright.request.newContext({
      baseURL,
      extraHTTPHeaders: { Authorization: `Bearer ${apiKey}` },
    });
    await use(new Api(http));
    await http.dispose();
  },
});

// ---- page helpers ----

export const listItems = (page: Page) => page.locator('[data-testid=conversation-item]');

export const listItem = (page: Page, conversationId: string) =>
  page.locator(`[data-testid=conversation-item][data-conversation-id="${conversationId}"]`);

export const threadPane = (page: Page) => page.locator('[data-testid=thread]');

export const messages = (page: Page) => page.locator('[data-testid=message]');

export const messageById = (page: Page, messageId: string) =>
  page.locator(`[data-testid=message][data-message-id="${messageId}"]`);

/** The thread pane showing this conversation. */
export const threadOf = (page: Page, conversationId: string) =>
  page.locator(`[data-testid=thread][data-conversation-id="${conversationId}"]`);

/** /embed/<token>/conversations/<id>. */
export const threadPath = (seeded: SeededInbox, conversationId: string) =>
  `${seeded.base}/conversations/${conversationId}`;

export const composerBar = (page: Page) => page.locator('[data-testid=composer-bar]');
export const composer = (page: Page) => page.locator('textarea[data-testid=composer]');
export const sendButton = (page: Page) => page.locator('button[data-testid=send-button]');

/** The localStorage key the composer keeps a conversation's draft under. */
export const draftKey = (conversationId: string) => `inbox-embed.draft.${conversationId}`;

/** Navigates and waits until the wasm app has hydrated (body[data-hydrated=true]). */
export async function gotoHydrated(page: Page, url: string): Promise<void> {
  const res = await page.goto(url);
  expect(res?.status(), `GET ${url}`).toBe(200);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

/** The list shows exactly these conversations (in any order). */
export async function expectListExactly(page: Page, conversations: SeededConversation[]): Promise<void> {
  await expect(listItems(page)).toHaveCount(conversations.length);
  for (const c of conversations) {
    await expect(listItem(page, c.id), `list shows ${c.contactName}`).toHaveCount(1);
  }
}

/** The open thread is this conversation and shows exactly its messages. */
export async function expectThread(page: Page, conversation: SeededConversation): Promise<void> {
  await expect(page.locator(`[data-testid=thread][data-conversation-id="${conversation.id}"]`)).toBeVisible();
  await expect(messages(page)).toHaveCount(conversation.messages.length);
  for (const m of conversation.messages) {
    await expect(page.locator(`[data-testid=message][data-message-id="${m.id}"]`)).toContainText(m.content);
  }
}

export function currentUrl(page: Page): URL {
  return new URL(page.url());
}

// ---- text as the app renders it ----

/** The first `max` characters (Unicode scalar values, as Rust's `chars()` counts them). */
export function clipChars(text: string, max: number): string {
  return Array.from(text).slice(0, max).join('');
}

/** Rust's `str::trim` (Unicode White_Space; unlike String.prototype.trim, U+FEFF stays). */
export function rustTrim(text: string): string {
  return text.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, '');
}

/** One run of WhatsApp-formatted text: what src/model/format.rs `Segment` holds. */
export interface Segment {
  text: string;
  bold: boolean;
  italic: boolean;
  strike: boolean;
  mono: boolean;
  /** http(s), mailto and tel links only. */
  href?: string;
}

type Style = Omit<Segment, 'text' | 'href'>;

// Rust's char::is_whitespace is Unicode White_Space (JavaScript's \s differs: it has U+FEFF).
const isWhitespace = (c: string | undefined): boolean => c !== undefined && /^\p{White_Space}$/u.test(c);
const isAsciiPunctuation = (c: string): boolean => /^[!-/:-@[-`{-~]$/.test(c);
const isBoundary = (c: string | undefined): boolean =>
  c === undefined || isWhitespace(c) || isAsciiPunctuation(c);
const isFence = (chars: string[], i: number): boolean =>
  chars[i] === '`' && chars[i + 1] === '`' && chars[i + 2] === '`';
const utf8Length = (c: string): number => Buffer.byteLength(c, 'utf8');
const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

const LINK_PREFIXES = ['https://', 'http://', 'mailto:', 'tel:'];
const LINK_TRAILERS = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '"', "'"]);

/**
 * A line-by-line port of `parse_formatting` in src/model/format.rs: `*bold*`, `_italic_`,
 * `~strike~`, ```` ```mono``` ```` (markers pair on one line, at word boundaries, around
 * non-blank text) and bare http(s)/mailto/tel links. The app renders each segment as a text
 * node (links as <a href>), so a message's textContent is `plainText(content)`.
 */
export function parseFormatting(text: string): Segment[] {
  const out: Segment[] = [];
  parseInto(Array.from(text), { bold: false, italic: false, strike: false, mono: false }, out);
  return out;
}

/** The text a reader sees once the formatting markers are gone (format.rs `plain_text`). */
export function plainText(text: string): string {
  return parseFormatting(text)
    .map((s) => s.text)
    .join('');
}

/** The hrefs of the links the app makes in this text, in order. */
export function formattedLinks(text: string): string[] {
  return parseFormatting(text).flatMap((s) => (s.href === undefined ? [] : [s.href]));
}

function parseInto(chars: string[], style: Style, out: Segment[]): void {
  let plain = '';
  let i = 0;
  while (i < chars.length) {
    if (isFence(chars, i)) {
      const end = findFence(chars, i + 3);
      if (end !== undefined) {
        flushPlain(plain, style, out);
        plain = '';
        out.push({ text: chars.slice(i + 3, end).join(''), ...style, mono: true });
        i = end + 3;
        continue;
      }
    }
    const marker = chars[i];
    if ((marker === '*' || marker === '_' || marker === '~') && opensAt(chars, i)) {
      const end = findClosing(chars, i, marker);
      if (end !== undefined) {
        flushPlain(plain, style, out);
        plain = '';
        const inner =
          marker === '*' ? { ...style, bold: true } : marker === '_' ? { ...style, italic: true } : { ...style, strike: true };
        parseInto(chars.slice(i + 1, end), inner, out);
        i = end + 1;
        continue;
      }
    }
    plain += chars[i];
    i += 1;
  }
  flushPlain(plain, style, out);
}

function opensAt(chars: string[], i: number): boolean {
  const before = i === 0 ? undefined : chars[i - 1];
  return isBoundary(before) && chars[i + 1] !== undefined && !isWhitespace(chars[i + 1]);
}

function findClosing(chars: string[], open: number, marker: string): number | undefined {
  for (let j = open + 2; j < chars.length; j++) {
    if (chars[j] === '\n') return undefined;
    if (chars[j] === marker && !isWhitespace(chars[j - 1]) && isBoundary(chars[j + 1])) return j;
  }
  return undefined;
}

function findFence(chars: string[], from: number): number | undefined {
  for (let j = from + 1; j < Math.max(chars.length - 2, 0); j++) {
    if (isFence(chars, j)) return j;
  }
  return undefined;
}

/** `rest.get(..8.min(rest.len()))`: the first 8 bytes, or "" when they split a character. */
function firstEightBytes(rest: string[]): string {
  const total = rest.reduce((n, c) => n + utf8Length(c), 0);
  const want = Math.min(8, total);
  let bytes = 0;
  let taken = '';
  for (const c of rest) {
    if (bytes >= want) break;
    bytes += utf8Length(c);
    taken += c;
  }
  return bytes === want ? taken : '';
}

function flushPlain(plain: string, style: Style, out: Segment[]): void {
  if (plain === '') return;
  let rest = Array.from(plain);
  let pending = '';
  while (rest.length > 0) {
    const last = pending === '' ? undefined : Array.from(pending).pop();
    const atWordStart = last === undefined || isWhitespace(last) || '([<"\''.includes(last);
    const lower = asciiLower(firstEightBytes(rest));
    const prefix = LINK_PREFIXES.find((p) => lower.startsWith(p));
    if (atWordStart && prefix !== undefined) {
      const space = rest.findIndex((c) => isWhitespace(c));
      const word = rest.slice(0, space === -1 ? rest.length : space);
      while (word.length > 0 && LINK_TRAILERS.has(word[word.length - 1])) word.pop();
      // The prefix is ASCII, so counting characters here is counting bytes there.
      if (word.length > prefix.length) {
        if (pending !== '') out.push({ text: pending, ...style });
        pending = '';
        const link = word.join('');
        out.push({ text: link, ...style, href: link });
        rest = rest.slice(word.length);
        continue;
      }
    }
    pending += rest[0];
    rest = rest.slice(1);
  }
  if (pending !== '') out.push({ text: pending, ...style });
}
