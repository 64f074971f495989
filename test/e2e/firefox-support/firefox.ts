import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/**
 * Debian's Firefox ESR, headless, driven by puppeteer-core over WebDriver BiDi, with dist/extension-firefox/ installed
 * as a temporary add-on (BiDi webExtension.install). Its moz-extension UUID is fixed through the pref
 * `extensions.webextensions.uuids`, so the test knows the panel page's address. `-devtools` opens a toolbox for each
 * tab (the DevTools page runs there); `-remote-allow-system-access` lets BiDi open moz-extension:// tabs and
 * evaluate in the browser's own (chrome) window, where the toolbox lives.
 */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
export const ADDON_ID = 'session-panel@session-panel.extension';
export const ADDON_UUID = '5e55a0e1-0000-4000-8000-000000000013';
export const EXTENSION_ORIGIN = `moz-extension://${ADDON_UUID}`;

export interface FirefoxWithAddon {
  readonly browser: Browser;
  readonly version: string;
  /** Evaluates a script in the browser window itself (system privileges), returning its JSON-able value. */
  chrome<T>(expression: string): Promise<T>;
  close(): Promise<void>;
}

export async function launchFirefoxWithAddon(dir = 'dist/extension-firefox'): Promise<FirefoxWithAddon> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    args: ['-devtools', '-remote-allow-system-access'],
    extraPrefsFirefox: {
      'xpinstall.signatures.required': false,
      'extensions.webextensions.uuids': JSON.stringify({ [ADDON_ID]: ADDON_UUID }),
    },
  });
  await browser.installExtension(path.resolve(dir));
  // BiDi commands puppeteer has no method for (the chrome-scope tree and evaluate) go through its BiDi connection.
  const connection = (browser as unknown as { connection: { send(method: string, params: unknown): Promise<{ result: unknown }> } }).connection;
  const tree = (await connection.send('browsingContext.getTree', { 'moz:scope': 'chrome' })).result as { contexts: { context: string }[] };
  const chromeContext = tree.contexts[0]!.context;
  return {
    browser,
    version: await browser.version(),
    async chrome<T>(expression: string): Promise<T> {
      const r = (await connection.send('script.evaluate', {
        expression: `(async () => JSON.stringify(await (${expression})))()`,
        target: { context: chromeContext },
        awaitPromise: true,
        resultOwnership: 'none',
      })).result as { type: string; result?: { value?: string }; exceptionDetails?: { text?: string } };
      if (r.type !== 'success' || typeof r.result?.value !== 'string') throw new Error(`chrome evaluate failed: ${JSON.stringify(r)}`);
      return JSON.parse(r.result.value) as T;
    },
    close: () => browser.close(),
  };
}

/** Opens an extension page in a new tab. Extension pages send no navigation events: wait on the page, not a load. */
export async function openExtensionPage(browser: Browser, pagePath: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${EXTENSION_ORIGIN}/${pagePath}`, { waitUntil: [] as never }).catch(() => undefined);
  await until(`${pagePath} to load`, () => page.evaluate(() => document.readyState === 'complete' || undefined).catch(() => undefined));
  return page;
}

/** Polls `probe` until it returns something other than undefined (generous: the machine is shared). */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
