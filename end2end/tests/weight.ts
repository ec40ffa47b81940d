// What a page makes the browser fetch: every script, style sheet and wasm module, with its
// size as sent over the wire before compression (raw) and as `gzip -9` would send it.
// Shared by the byte budgets (budget.spec.ts) and the client bench (bench/client.bench.ts).
import * as zlib from 'node:zlib';
import type { Page, Response } from '@playwright/test';

export interface Asset {
  /** The file's name (the path's last segment). */
  name: string;
  kind: 'js' | 'css' | 'wasm';
  raw: number;
  gzip: number;
}

export interface Weight {
  assets: Asset[];
  raw: number;
  gzip: number;
}

/** The byte budgets of a first load, gzip -9 (KiB). */
export const BUDGET_KIB = {
  /** The lightest peer measured: Kapso's inbox, 173.4 KiB of JS and CSS for its list. */
  list: 173.4,
  thread: 256,
};

export const kib = (bytes: number) => bytes / 1024;

function kindOf(response: Response): Asset['kind'] | null {
  const path = new URL(response.url()).pathname;
  if (path.endsWith('.wasm')) return 'wasm';
  if (path.endsWith('.js')) return 'js';
  if (path.endsWith('.css')) return 'css';
  return null;
}

/** Records the assets `page` fetches from now on; `done()` stops and sums them. */
export function recordAssets(page: Page): { done: () => Promise<Weight> } {
  const pending: Promise<Asset | null>[] = [];
  const onResponse = (response: Response) => {
    const kind = kindOf(response);
    if (!kind) return;
    pending.push(
      response.body().then(
        (body) => ({
          name: new URL(response.url()).pathname.split('/').pop() ?? '',
          kind,
          raw: body.length,
          gzip: zlib.gzipSync(body, { level: 9 }).length,
        }),
        () => null,
      ),
    );
  };
  page.on('response', onResponse);
  return {
    done: async () => {
      page.off('response', onResponse);
      const assets = (await Promise.all(pending)).filter((a): a is Asset => a !== null);
      return {
        assets,
        raw: assets.reduce((n, a) => n + a.raw, 0),
        gzip: assets.reduce((n, a) => n + a.gzip, 0),
      };
    },
  };
}

/** A page's first load on a cold cache: what it fetches until it is interactive
 * (`body[data-hydrated]`) and the network is idle. */
export async function firstLoad(page: Page, url: string): Promise<Weight> {
  const recording = recordAssets(page);
  await page.goto(url);
  await page.locator('body[data-hydrated=true]').waitFor({ timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  return recording.done();
}

/** One line per asset and the total, for a report. */
export function describe(weight: Weight): string {
  const lines = weight.assets.map(
    (a) => `  ${a.kind.padEnd(4)} ${a.name}  ${kib(a.raw).toFixed(1)} KiB raw, ${kib(a.gzip).toFixed(1)} KiB gzip`,
  );
  lines.push(`  total ${kib(weight.raw).toFixed(1)} KiB raw, ${kib(weight.gzip).toFixed(1)} KiB gzip`);
  return lines.join('\n');
}
