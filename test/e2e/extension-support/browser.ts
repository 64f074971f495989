import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium, type BrowserContext, type Worker } from 'playwright-core';
import { CHROME_FLAGS, CHROME_PATH } from '../support/chromium.js';

export { CHROME_PATH };
export const EXTENSION_DIR = path.resolve('dist/extension');
const FLAGS = CHROME_FLAGS;

/** Builds dist/extension when it is missing (npm test builds it first; this keeps a single-file run working). */
export function ensureExtensionBuilt(): void {
  if (existsSync(path.join(EXTENSION_DIR, 'manifest.json'))) return;
  const run = spawnSync(process.execPath, ['scripts/build.mjs', 'extension'], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error('extension build failed');
}

export interface ExtensionBrowser {
  readonly context: BrowserContext;
  readonly extensionId: string;
  serviceWorker(): Promise<Worker>;
  close(): Promise<void>;
}

/** Chromium with the built extension loaded (headless, fresh profile). */
export async function launchWithExtension(extensionDir = EXTENSION_DIR): Promise<ExtensionBrowser> {
  ensureExtensionBuilt();
  const profile = mkdtempSync(path.join(tmpdir(), 'session-panel-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROME_PATH,
    headless: false, // --headless=new is in FLAGS; Playwright must not add its own
    args: [...FLAGS, `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`],
  });
  const serviceWorker = async (): Promise<Worker> => {
    const ours = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'));
    return ours ?? (await context.waitForEvent('serviceworker', { timeout: 10_000 }));
  };
  const worker = await serviceWorker();
  const extensionId = new URL(worker.url()).host;
  return {
    context,
    extensionId,
    serviceWorker,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
