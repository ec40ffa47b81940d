import * as fs from 'node:fs';
import { DATA_DIR, DATA_DIR_IS_TEMP } from './e2e-env';

/**
 * Removes the run's temporary data directory unless E2E_KEEP_DATA is set. (A PostgreSQL
 * run's database is dropped when the runner exits, after the server has stopped.)
 */
export default async function globalTeardown(): Promise<void> {
  if (!DATA_DIR_IS_TEMP) return;
  if (process.env.E2E_KEEP_DATA) {
    console.log(`e2e data kept in ${DATA_DIR}`);
    return;
  }
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
}
