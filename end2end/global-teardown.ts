import * as fs from 'node:fs';
import { DATA_DIR, DATA_DIR_IS_TEMP } from './e2e-env';

/** Removes the run's temporary database directory unless E2E_KEEP_DATA is set. */
export default async function globalTeardown(): Promise<void> {
  if (!DATA_DIR_IS_TEMP) return;
  if (process.env.E2E_KEEP_DATA) {
    console.log(`e2e database kept in ${DATA_DIR}`);
    return;
  }
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
}
