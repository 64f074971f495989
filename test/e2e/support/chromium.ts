import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/** Debian's Chromium by default; CHROME_PATH overrides it on other systems. */
export const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';

/** Flags proven on our machines (../shared/toolchain.md): headless "new", as root, no network side traffic. */
export const CHROME_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchedChromium {
  readonly context: BrowserContext;
  readonly browser: Browser | null;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, removed on close. */
export async function launchChromium(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<LaunchedChromium> {
  // A missing browser is a failure with a clear message, never a reason to skip.
  if (!existsSync(CHROME_PATH)) throw new Error(`Chromium not found at ${CHROME_PATH}: install it or set CHROME_PATH`);
  const profile = mkdtempSync(path.join(tmpdir(), 'session-panel-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROME_PATH,
    headless: false, // --headless=new is in the flags; Playwright must not add its own
    args: CHROME_FLAGS,
    viewport: { width: 1280, height: 900 },
    ...(options.colorScheme ? { colorScheme: options.colorScheme } : {}),
  });
  return {
    context,
    browser: context.browser(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
