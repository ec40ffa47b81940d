// The client bench (bench/client.sh): the test config's server and project, one worker,
// the bench's own spec. Never part of the test run.
import { defineConfig } from '@playwright/test';
import config from './playwright.config';

export default defineConfig({
  ...config,
  testDir: './bench',
  testMatch: '*.bench.ts',
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'bench-results',
});
