import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATA_DIR, REPO_ROOT, SERVER_BIN, SERVER_ENV } from './e2e-env';

/**
 * Creates the run's project with `inbox-embed project create` on the server's database
 * (SQLite in WAL mode takes the second process) and hands its API key to the workers
 * through the environment (and DATA_DIR/project.json, for a person debugging a run).
 */
export default async function globalSetup(): Promise<void> {
  const stdout = execFileSync(SERVER_BIN, ['project', 'create', '--name', 'e2e'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...SERVER_ENV },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!line) throw new Error(`project create printed no JSON line:\n${stdout}`);
  const project = JSON.parse(line) as { id?: string; api_key?: string };
  if (!project.id || !project.api_key) {
    throw new Error(`project create printed no id/api_key: ${line}`);
  }
  process.env.E2E_PROJECT_ID = project.id;
  process.env.E2E_API_KEY = project.api_key;
  fs.writeFileSync(path.join(DATA_DIR, 'project.json'), line + '\n');
}
