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
}

export interface SeededInbox {
  inboxId: string;
  conversations: SeededConversation[];
  token: EmbedToken;
  /** Path of the embed page, taken from the token's embed_url: /embed/<token>. */
  base: string;
}

type Json = Record<string, unknown>;

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
