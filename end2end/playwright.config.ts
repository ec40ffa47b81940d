import { defineConfig } from '@playwright/test';
import { BASE_URL, REPO_ROOT, SERVER_BIN, SERVER_ENV } from './e2e-env';

// Debian's Chromium: Playwright's own browser download is unreachable on these machines.
// Without the networking flags Chromium calls out at start, which this closed network refuses.
const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: [['list'], ['json', { outputFile: process.env.E2E_RESULTS ?? 'playwright-report/results.json' }]],
  outputDir: 'test-results',
  // Creates the e2e project (API key) with the CLI against the server's database.
  globalSetup: './global-setup.ts',
  globalTeardown: './global-teardown.ts',
  use: {
    baseURL: BASE_URL,
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  // The release binary on a fixed loopback port and a fresh database (SQLite, or
  // PostgreSQL with E2E_BACKEND=postgres).
  webServer: {
    command: SERVER_BIN,
    cwd: REPO_ROOT,
    url: `${BASE_URL}/healthz`,
    env: SERVER_ENV,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
