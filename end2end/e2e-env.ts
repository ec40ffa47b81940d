// Where the end-to-end run finds the server and its database; shared by the config,
// global setup/teardown and the tests.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// The release binary runs from the repository root (Leptos.toml, target/site).
// E2E_REPO_ROOT points at another checkout's build (the bench compares two).
export const REPO_ROOT = process.env.E2E_REPO_ROOT ?? path.resolve(__dirname, '..');
export const SERVER_BIN = path.join(REPO_ROOT, 'target', 'release', 'inbox-embed');

export const PORT = Number(process.env.E2E_PORT ?? 3217);
export const BASE_URL = `http://127.0.0.1:${PORT}`;

// One fresh SQLite database per run. This module is evaluated again in every worker: the
// directory is made once, in the runner, and handed down through the environment.
// A directory given as E2E_DATA_DIR is the caller's and is never removed.
if (!process.env.E2E_DATA_DIR) {
  process.env.E2E_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'inbox-embed-e2e-'));
  process.env.E2E_DATA_DIR_IS_TEMP = '1';
}
export const DATA_DIR = process.env.E2E_DATA_DIR;
export const DATA_DIR_IS_TEMP = process.env.E2E_DATA_DIR_IS_TEMP === '1';

// E2E_BACKEND=postgres: the run's database is a new one on E2E_PG_URL's server (default
// postgres://postgres@127.0.0.1:5432, no database name), made once in the runner like
// the data directory and dropped when the runner exits, after the server has stopped
// (unless E2E_KEEP_DATA is set). Needs psql.
export const ON_POSTGRES = process.env.E2E_BACKEND === 'postgres';
const PG_SERVER = (process.env.E2E_PG_URL ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/+$/, '');

/** A new, empty PostgreSQL database named after `prefix`; returns its URL. */
export function createPgDatabase(prefix: string): string {
  const name = `${prefix}_${Date.now()}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  execFileSync('psql', [`${PG_SERVER}/test`, '-qAtX', '-c', `CREATE DATABASE ${name}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return `${PG_SERVER}/${name}`;
}

/** Drops the database `url` names (made by `createPgDatabase`), connections and all. */
export function dropPgDatabase(url: string): void {
  const name = url.slice(url.lastIndexOf('/') + 1);
  execFileSync('psql', [`${PG_SERVER}/test`, '-qAtX', '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

if (ON_POSTGRES && !process.env.E2E_PG_DATABASE_URL) {
  const url = createPgDatabase('ie_e2e');
  process.env.E2E_PG_DATABASE_URL = url;
  process.on('exit', () => {
    if (process.env.E2E_KEEP_DATA) console.log(`e2e database kept: ${url}`);
    else dropPgDatabase(url);
  });
}
export const DATABASE_URL = ON_POSTGRES
  ? (process.env.E2E_PG_DATABASE_URL as string)
  : `sqlite://${path.join(DATA_DIR, 'e2e.db')}`;

/** Environment for every inbox-embed process of the run (server and CLI). */
export const SERVER_ENV = {
  DATABASE_URL,
  LEPTOS_SITE_ADDR: `127.0.0.1:${PORT}`,
  PUBLIC_URL: BASE_URL,
  RUST_LOG: process.env.RUST_LOG ?? 'warn',
};

/** A project made with `inbox-embed project create` on the database `env` names. */
export function createProject(
  name: string,
  env: NodeJS.ProcessEnv,
): { id: string; api_key: string; jwt_secret: string; line: string } {
  const stdout = execFileSync(SERVER_BIN, ['project', 'create', '--name', name], {
    cwd: REPO_ROOT,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!line) throw new Error(`project create printed no JSON line:\n${stdout}`);
  const project = JSON.parse(line) as { id?: string; api_key?: string; jwt_secret?: string };
  if (!project.id || !project.api_key || !project.jwt_secret) {
    throw new Error(`project create printed no id/api_key/jwt_secret: ${line}`);
  }
  return { id: project.id, api_key: project.api_key, jwt_secret: project.jwt_secret, line };
}
