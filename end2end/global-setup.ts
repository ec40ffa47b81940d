import * as fs from 'node:fs';
import * as path from 'node:path';
import { createProject, DATA_DIR, SERVER_ENV } from './e2e-env';

/**
 * Creates the run's project with `inbox-embed project create` on the server's database
 * (SQLite in WAL mode takes the second process) and hands its API key and jwt_secret (for
 * agent JWTs) to the workers through the environment (and DATA_DIR/project.json, for a
 * person debugging a run).
 */
export default async function globalSetup(): Promise<void> {
  const project = createProject('e2e', { ...process.env, ...SERVER_ENV });
  process.env.E2E_PROJECT_ID = project.id;
  process.env.E2E_API_KEY = project.api_key;
  process.env.E2E_JWT_SECRET = project.jwt_secret;
  fs.writeFileSync(path.join(DATA_DIR, 'project.json'), project.line + '\n');
}
