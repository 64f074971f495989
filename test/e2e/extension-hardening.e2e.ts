import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { chromium, type Page } from 'playwright-core';
import { CHROME_FLAGS, CHROME_PATH } from './support/chromium.js';
import { openPanelPage, openTestTab, stopServiceWorker, targets } from './extension-support/panel.js';
import { useExtensionSuite } from './extension-support/suite.js';

/**
 * Issue #9 in Debian's Chromium with the built extension: a page nobody inspects sees nothing of the extension (the
 * same page without the extension is the baseline) and does not wake its worker; a page whose session comes late, beside a cross-origin look-alike iframe, never
 * gets the iframe's session shown by itself, and the password goes to the page's own session only.
 */

const env = useExtensionSuite();

const part = (p: Page, name: string) => p.locator(`session-panel [part~="${name}"]`);
const uuidOf = async (p: Page): Promise<string | undefined> =>
  (await part(p, 'uuid').textContent().catch(() => null))?.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/)?.[0];

const openPanelTab = (tabId: number): Promise<Page> => openPanelPage(env.b, tabId);

interface Seen {
  messages: number;
  globals: string[];
  symbols: string[];
  nowGlobals: string[];
  nowSymbols: string[];
  hook: boolean;
}
const observe = (page: Page): Promise<Seen> =>
  page.evaluate(async () => {
    await new Promise((r) => setTimeout(r, 300)); // a late message would have arrived by now
    const w = window as unknown as { __seen: { messages: number; globals: string[]; symbols: string[] } } & Record<string, unknown>;
    return {
      ...w.__seen,
      nowGlobals: Object.getOwnPropertyNames(window).filter((n) => n !== '__seen'),
      nowSymbols: Object.getOwnPropertySymbols(window).map(String),
      hook: '__SESSION_PANEL__' in window,
    };
  });

describe('frames', () => {
  test('late session beside a cross-origin look-alike: never shown by itself; the password reaches the page only', async () => {
    const other = env.site.origin.replace('127.0.0.1', 'localhost');
    const { page, tabId } = await openTestTab(env.b, `${env.site.origin}/late?frame=${encodeURIComponent(other)}`);
    const frame = await expect
      .poll(() => page.frames().find((f) => f.url().startsWith(other)) ?? null)
      .not.toBeNull()
      .then(() => page.frames().find((f) => f.url().startsWith(other))!);
    await frame.waitForSelector('body[data-ready=yes]');
    const panel = await openPanelTab(tabId);
    const others = panel.locator('session-panel [data-field="other-frames"]');
    await expect.poll(() => others.textContent().catch(() => ''), { timeout: 10_000 }).toContain(`shop in ${other}`);
    expect(await part(panel, 'uuid').count(), 'the look-alike is not shown').toBe(0);
    expect(await panel.locator('session-panel input[type=password]').count(), 'no password field for it').toBe(0);

    const uuid = await page.evaluate(() => (window as unknown as { __makeSession(): Promise<string> }).__makeSession());
    await expect.poll(() => uuidOf(panel)).toBe(uuid);
    await panel.locator('session-panel input[aria-label="Login"]').fill('alice');
    await panel.locator('session-panel input[aria-label="Password"]').fill('for-the-page');
    await part(panel, 'sign-in-button').click();
    await expect.poll(() => page.evaluate(() => (window as unknown as { __session: { isSignedIn(): boolean } }).__session.isSignedIn())).toBe(true);
    const framed = await frame.evaluate(() => {
      const s = (window as unknown as { __session: { isSignedIn(): boolean; log(): { message: string }[] } }).__session;
      return { signedIn: s.isSignedIn(), signIns: s.log().filter((e) => /sign ?in/i.test(e.message)).length };
    });
    expect(framed, 'the iframe’s session never got a sign-in').toEqual({ signedIn: false, signIns: 0 });
    await panel.close();
    await page.close();
  });
});

// Last: it stops the service worker, which the other tests use to open tabs.
describe('a page nobody inspects', () => {
  test('sees the same globals, symbols and window messages as without the extension, and does not wake the worker', async () => {
    // Baseline: the same page in the same Chromium with no extension at all.
    const profile = mkdtempSync(path.join(tmpdir(), 'session-panel-plain-'));
    const plain = await chromium.launchPersistentContext(profile, { executablePath: CHROME_PATH, headless: false, args: CHROME_FLAGS });
    let baseline: Seen;
    try {
      const p = await plain.newPage();
      await p.goto(`${env.site.origin}/plain`);
      baseline = await observe(p);
    } finally {
      await plain.close();
      rmSync(profile, { recursive: true, force: true });
    }

    for (const p of env.b.context.pages()) await p.close(); // no panel open anywhere
    await stopServiceWorker(env.cdp, env.b.extensionId).catch(() => undefined); // already stopped (idle) is fine
    await expect.poll(async () => (await targets(env.cdp)).some((t) => t.type === 'service_worker' && t.url.includes(env.b.extensionId))).toBe(false);
    const page = await env.b.context.newPage();
    await page.goto(`${env.site.origin}/plain`);
    await page.reload(); // two loads
    const seen = await observe(page);
    expect(seen, 'no new global, symbol or window message').toEqual(baseline);
    expect(seen.messages).toBe(0);
    expect(seen.hook).toBe(false);
    const workers = (await targets(env.cdp)).filter((t) => t.type === 'service_worker' && t.url.includes(env.b.extensionId));
    expect(workers, 'page loads did not start the service worker').toEqual([]);
    await page.close();
  });
});
