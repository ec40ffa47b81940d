// Agents signed in by JWT: an HS256 JWT the test signs itself with the e2e project's
// jwt_secret (global-setup.ts hands it down as E2E_JWT_SECRET), scoped to one inbox.
import { createHmac } from 'node:crypto';
import { uniq } from './support';

export type Claims = Record<string, unknown>;

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** An HS256 JWT over `claims`, signed with `secret`. */
export function signJwt(claims: Claims, secret: string): string {
  const signingInput = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

function projectSecret(): string {
  const secret = process.env.E2E_JWT_SECRET;
  if (!secret) throw new Error('E2E_JWT_SECRET is not set: global-setup.ts did not run');
  return secret;
}

export interface Agent {
  /** The JWT's `id`: the agent's id in the host system. */
  id: string;
  name: string;
}

export function newAgent(first: string): Agent {
  const tag = uniq();
  return { id: `agent-${tag}`, name: `${first} ${tag}` };
}

export interface JwtOptions {
  /** Extra or overriding claims (language, email…). */
  claims?: Claims;
  /** Seconds from now; default -5 (a JWT minted a moment ago). */
  iat?: number;
  /** Seconds from now; default 3600. */
  exp?: number;
  secret?: string;
}

/** An agent JWT scoped to one WhatsApp inbox. */
export function agentJwt(agent: Agent, inboxId: string, options: JwtOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    {
      iss: 'e2e.example.com',
      iat: now + (options.iat ?? -5),
      exp: now + (options.exp ?? 3600),
      id: agent.id,
      name: agent.name,
      email: `${agent.id}@example.com`,
      whatsapp_config_id: inboxId,
      ...options.claims,
    },
    options.secret ?? projectSecret(),
  );
}
