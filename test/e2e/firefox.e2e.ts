import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ElementHandle, Page } from 'puppeteer-core';
import { PANEL_PATH, PANEL_TITLE } from './extension-support/panel.js';
import { startTestSite, type TestSite } from './extension-support/server.js';
import { ADDON_ID, launchFirefoxWithAddon, openExtensionPage, until, type FirefoxWithAddon } from './firefox-support/firefox.js';

/**
 * dist/extension-firefox/ in Debian's Firefox ESR, headless (one launch for the file). The panel document inside the
 * toolbox is not a BiDi target, so the panel page is opened as a tab for the test page's tab (panel.html?tabId=N),
 * exactly as in the Chrome suite's tab layer; the toolbox is checked through the browser window (the DevTools page
 * ran and created the Session tab). Every assertion compares the panel with the page's own state, read in the page.
 */

let site: TestSite;
let ff: FirefoxWithAddon;

beforeAll(async () => {
  site = await startTestSite();
  ff = await launchFirefoxWithAddon();
  console.log(`firefox e2e: ${ff.version}`);
}, 120_000);
afterAll(async () => {
  await ff?.close();
  await site?.close();
});

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

const pageUuid = (page: Page): Promise<string> => page.evaluate(() => (window as unknown as { __session: { getUUID(): string } }).__session.getUUID());
const expectedSeeded = (page: Page, seed: string): Promise<string> =>
  page.evaluate((s) => {
    const w = window as unknown as { __uuidFromName(input: string): string; __session: { snapshot(): { deviceId: string } } };
    return w.__uuidFromName(w.__session.snapshot().deviceId + s);
  }, seed);

/** A part of the panel, searched through every shadow root. */
async function part(panel: Page, name: string): Promise<ElementHandle<Element>> {
  return until(`part ${name}`, async () => {
    const h = await panel.evaluateHandle((n) => {
      const find = (root: Document | ShadowRoot): Element | null => {
        const hit = root.querySelector(`[part~="${n}"]`);
        if (hit) return hit;
        for (const el of root.querySelectorAll('*')) if (el.shadowRoot) {
          const inner = find(el.shadowRoot);
          if (inner) return inner;
        }
        return null;
      };
      return find(document);
    }, name);
    const el = h.asElement() as ElementHandle<Element> | null;
    return el ?? undefined;
  });
}
const panelUuid = async (panel: Page): Promise<string | undefined> =>
  (await (await part(panel, 'uuid')).evaluate((el) => el.textContent ?? '')).match(UUID)?.[0];

describe('Firefox: the Session panel page for a tab', () => {
  let page: Page;
  let panel: Page;
  let tabId: number;

  beforeAll(async () => {
    const url = `${site.origin}/?ns=firefox`;
    // A tab opened by the extension, so its Firefox tab id is known.
    const opener = await openExtensionPage(ff.browser, PANEL_PATH);
    tabId = await opener.evaluate(async (u) => (await (globalThis as unknown as { browser: { tabs: { create(o: { url: string }): Promise<{ id: number }> } } }).browser.tabs.create({ url: u })).id, url);
    const target = await ff.browser.waitForTarget((t) => t.url() === url);
    page = (await target.page())!;
    await page.waitForSelector('body[data-ready=yes]');
    await opener.close();
    panel = await openExtensionPage(ff.browser, `${PANEL_PATH}?tabId=${tabId}`);
  }, 120_000);

  test('shows the page’s UUID (the temporary add-on holds its host permission, which scripting the page needs)', async () => {
    const granted = await panel.evaluate(() =>
      (globalThis as unknown as { browser: { permissions: { contains(p: { origins: string[] }): Promise<boolean> } } }).browser.permissions.contains({ origins: ['<all_urls>'] }),
    );
    expect(granted, 'host permission granted at temporary install').toBe(true);
    const expected = await pageUuid(page);
    expect(await until('the page UUID in the panel', async () => ((await panelUuid(panel)) === expected ? expected : undefined))).toBe(expected);
  });

  test('Regenerate with a seed, clicked in the panel, changes the page’s own session', async () => {
    const seed = 'firefox-seed';
    const expected = await expectedSeeded(page, seed);
    expect(await pageUuid(page)).not.toBe(expected);
    await (await part(panel, 'seed-input')).type(seed);
    await (await part(panel, 'regenerate-button')).click();
    expect(await until('the page UUID to be the seeded one', async () => ((await pageUuid(page)) === expected ? expected : undefined))).toBe(expected);
    await until('the panel to follow', async () => ((await panelUuid(panel)) === expected ? true : undefined));
  });

  test('Destroy, confirmed in the panel, gives the page a new session', async () => {
    const before = await pageUuid(page);
    await (await part(panel, 'destroy-button')).click();
    await (await part(panel, 'destroy-confirm')).click();
    const after = await until('a new page UUID', async () => {
      const now = await pageUuid(page);
      return now !== before ? now : undefined;
    });
    expect(after).toMatch(UUID);
    await until('the panel to show it', async () => ((await panelUuid(panel)) === after ? true : undefined));
  });

  test('the event page stopped by Firefox: the panel reconnects and its commands still reach the page', async () => {
    const connections = (): Promise<number> => panel.evaluate(() => (window as unknown as { __sessionPanelLink: { connections(): number } }).__sessionPanelLink.connections());
    const before = await connections();
    const stopped = await ff.chrome<string>(`(async () => {
      const { ExtensionParent } = ChromeUtils.importESModule("resource://gre/modules/ExtensionParent.sys.mjs");
      await ExtensionParent.DebugUtils.terminateBackgroundScript(${JSON.stringify(ADDON_ID)});
      return 'stopped';
    })()`);
    expect(stopped).toBe('stopped');
    const expected = await expectedSeeded(page, 'after-stop');
    const input = await part(panel, 'seed-input');
    await input.evaluate((el) => ((el as HTMLInputElement).value = ''));
    await input.type('after-stop');
    await until('the panel to open a new port to the restarted event page', async () => ((await connections()) > before ? true : undefined), 45_000);
    await (await part(panel, 'regenerate-button')).click();
    expect(await until('the page to take the command', async () => ((await pageUuid(page)) === expected ? expected : undefined), 45_000)).toBe(expected);
    await until('the panel to follow', async () => ((await panelUuid(panel)) === expected ? true : undefined));
  }, 90_000);

  test('a reload reattaches: the panel shows the reloaded page’s session and drives it', async () => {
    await page.reload();
    await page.waitForSelector('body[data-ready=yes]');
    const reloaded = await pageUuid(page);
    await until('the panel to show the reloaded page', async () => ((await panelUuid(panel)) === reloaded ? true : undefined));
    const expected = await expectedSeeded(page, 'after-reload');
    const input = await part(panel, 'seed-input');
    await input.evaluate((el) => ((el as HTMLInputElement).value = ''));
    await input.type('after-reload');
    await (await part(panel, 'regenerate-button')).click();
    expect(await until('the reloaded page to take the command', async () => ((await pageUuid(page)) === expected ? expected : undefined))).toBe(expected);
  });
});

test('with -devtools, the DevTools page loads and creates the Session panel in the toolbox', async () => {
  const tools = await until('the Session tool in a toolbox', async () => {
    const labels = await ff.chrome<string[][]>(`(async () => {
      const { require } = ChromeUtils.importESModule("resource://devtools/shared/loader/Loader.sys.mjs");
      const { gDevTools } = require("devtools/client/framework/devtools");
      return [...gDevTools.getToolboxes()].map((tb) => tb.getAdditionalTools().map((t) => t.label));
    })()`);
    return labels.some((l) => l.includes(PANEL_TITLE)) ? labels : undefined;
  }, 60_000);
  expect(tools.flat()).toContain(PANEL_TITLE);
  // The add-on is the one we built (the toolbox entry is ours, not another extension's).
  expect(await ff.chrome<boolean>(`WebExtensionPolicy.getByID(${JSON.stringify(ADDON_ID)}) !== null`)).toBe(true);
}, 90_000);
