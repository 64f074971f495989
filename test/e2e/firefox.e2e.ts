import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ElementHandle, Page } from 'puppeteer-core';
import { PANEL_PATH, PANEL_TITLE } from './extension-support/panel.js';
import { startTestSite, type TestSite } from './extension-support/server.js';
import { ADDON_ID, launchFirefoxWithAddon, openExtensionPage, until, type FirefoxWithAddon } from './firefox-support/firefox.js';
import { HOSTILE_MARKER, HOSTILE_NAMESPACE, startTokenSite, type TokenSite } from './firefox-support/token-site.js';
import { sessionTool, type ToolboxPanel } from './firefox-support/toolbox.js';

/**
 * dist/extension-firefox/ in Debian's Firefox ESR, headless (one launch for the file). The panel document inside the
 * toolbox is not a BiDi target, so the panel page is opened as a tab for the test page's tab (panel.html?tabId=N),
 * exactly as in the Chrome suite's tab layer; the toolbox is checked through the browser window (the DevTools page
 * ran and created the Session tab). Every assertion compares the panel with the page's own state, read in the page.
 */

let site: TestSite;
let tokenSite: TokenSite;
let ff: FirefoxWithAddon;

beforeAll(async () => {
  site = await startTestSite();
  tokenSite = await startTokenSite();
  ff = await launchFirefoxWithAddon();
  console.log(`firefox e2e: ${ff.version}`);
}, 120_000);
afterAll(async () => {
  await ff?.close();
  await site?.close();
  await tokenSite?.close();
});

/** A tab opened by the extension (so its Firefox tab id is known), once its page says it is ready. */
async function openTab(url: string): Promise<{ page: Page; tabId: number }> {
  const opener = await openExtensionPage(ff.browser, PANEL_PATH);
  const tabId = await opener.evaluate(async (u) => (await (globalThis as unknown as { browser: { tabs: { create(o: { url: string }): Promise<{ id: number }> } } }).browser.tabs.create({ url: u })).id, url);
  const target = await ff.browser.waitForTarget((t) => t.url() === url);
  const page = (await target.page())!;
  await page.waitForSelector('body[data-ready=yes]');
  await opener.close();
  return { page, tabId };
}

/** Each `part="discovered-token"` of a panel page, as its text with whitespace folded. */
const foundTokens = (panel: Page): Promise<string[]> =>
  panel.evaluate(() =>
    [...(document.querySelector('session-panel')?.shadowRoot?.querySelectorAll('[part~="discovered-token"]') ?? [])].map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim()),
  );
const waitForToken = (what: string, read: () => Promise<string[]>, ...words: string[]): Promise<string> =>
  until(what, async () => (await read()).find((t) => words.every((w) => t.includes(w))), 30_000);

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

describe('Firefox: tokens on a page without our core (discovery through the background)', () => {
  let page: Page;
  let tabId: number;
  let url: string;

  beforeAll(async () => {
    url = `${tokenSite.origin}/tokens`;
    ({ page, tabId } = await openTab(url));
  }, 120_000);

  test('the panel page for the tab lists the localStorage JWT and the script-readable cookie, each with its source and key', async () => {
    const panel = await openExtensionPage(ff.browser, `${PANEL_PATH}?tabId=${tabId}`);
    const read = (): Promise<string[]> => foundTokens(panel);
    const stored = await waitForToken('the localStorage token', read, 'localStorage auth.token');
    expect(stored).toContain('sub storage-user');
    const cookie = await waitForToken('the cookie token', read, 'cookie ff_jwt');
    expect(cookie).toContain('sub cookie-user');
    expect(cookie).toContain('a cookie without HttpOnly');
    expect((await read()).some((t) => t.includes('ff_sid')), 'the HttpOnly cookie is not readable without the permission').toBe(false);
    await panel.close();
  });

  test('a cross-origin iframe’s localStorage JWT is listed with its frame, and deleted there, through the background, with the page’s and the frame’s addresses over 8 KB', async () => {
    // An OAuth callback's tokens in the fragment (the frame's address carries them too): past the discovery port's
    // 8 KB bound for an address, which the reading and the frame list must fit without them.
    const framed = await openTab(`${tokenSite.origin}/framed-tokens?code=c0de#access_token=${'t'.repeat(9000)}&token_type=bearer`);
    const panel = await openExtensionPage(ff.browser, `${PANEL_PATH}?tabId=${framed.tabId}`);
    const widget = await waitForToken('the iframe’s token', () => foundTokens(panel), 'widget.jwt', 'sub widget-user');
    expect(widget).toMatch(/localStorage widget\.jwt in frame http:\/\/localhost:\d+/);
    // Delete, confirmed: it goes to that frame (by frame id, through the background), and the entry is gone there.
    await (await part(panel, 'discovered-delete')).click();
    await (await part(panel, 'discovered-delete-confirm')).click();
    const frame = framed.page.frames().find((f) => f.url().includes('/widget'))!;
    await until('the entry gone from the iframe', async () => ((await frame.evaluate(() => localStorage.getItem('widget.jwt'))) === null ? true : undefined));
    await panel.close();
    await framed.page.close();
  });

  describe('in the real toolbox (the DevTools-only API set)', () => {
    let tool: ToolboxPanel;
    const toolTokens = (): Promise<string[]> =>
      tool.run<string[]>(`return [...(panel?.querySelectorAll('[part~="discovered-token"]') ?? [])].map((e) => e.textContent.replace(/\\s+/g, ' ').trim());`);

    beforeAll(async () => {
      tool = await sessionTool(ff, url, PANEL_TITLE);
    }, 90_000);

    test('the toolbox panel has no scripting, cookies or permissions API, yet lists the page’s tokens', async () => {
      const apis = await tool.run<Record<string, string>>(`const w = content.wrappedJSObject;
        return { scripting: typeof w.browser.scripting, cookies: typeof w.browser.cookies, permissions: typeof w.browser.permissions, network: typeof w.chrome.devtools.network, tabId: String(w.browser.devtools.inspectedWindow.tabId) };`);
      expect(apis).toEqual({ scripting: 'undefined', cookies: 'undefined', permissions: 'undefined', network: 'object', tabId: String(tabId) });
      expect(await waitForToken('the localStorage token in the toolbox', toolTokens, 'localStorage auth.token', 'sub storage-user')).toBeTruthy();
      expect(await waitForToken('the cookie in the toolbox', toolTokens, 'cookie ff_jwt', 'sub cookie-user')).toBeTruthy();
    });

    test('requests: a bearer sent and the token in a token endpoint’s JSON response, through DevTools’ network API', async () => {
      // MDN says Firefox fires devtools.network.onRequestFinished only once the Network panel was shown in the
      // toolbox; Firefox 153 ESR fires it without: this toolbox never showed the Network panel.
      await page.evaluate(() => (window as unknown as { __callApi(): Promise<unknown> }).__callApi());
      const response = await waitForToken('the token in the endpoint’s JSON response', toolTokens, 'sub response-user-1');
      expect(response).toContain('/oauth/token');
      const bearer = await waitForToken('the storage token, now also seen as a bearer', toolTokens, 'sub storage-user');
      expect(bearer).toContain('/oauth/token');
      expect(bearer).toContain('localStorage auth.token');
    });

    test('HttpOnly cookies: the toolbox cannot ask, so one click there opens the panel page in a tab, where one click grants it', async () => {
      await until('the permission button in the toolbox', async () =>
        (await tool.run<string>(`return panel?.querySelector('[part~="cookies-permission"]')?.textContent ?? ''`)) === 'Read HttpOnly cookies' ? true : undefined,
      );
      await tool.run(`panel.querySelector('[part~="cookies-permission"]').click(); return true;`);
      const grantUrl = `${PANEL_PATH}?tabId=${tabId}`;
      // Extension tabs report no navigation to BiDi: find the new tab by asking each page where it is.
      const grantTab = await until('the panel page opened in a tab to grant the permission', async () => {
        for (const p of await ff.browser.pages()) {
          const href = await p.evaluate(() => location.href).catch(() => '');
          if (href.endsWith(grantUrl)) return p;
        }
        return undefined;
      });
      await (await part(grantTab, 'cookies-permission')).click();
      const sid = await waitForToken('the HttpOnly cookie in the toolbox', toolTokens, 'cookie ff_sid', 'sub httponly-user');
      expect(sid).toContain('HttpOnly');
      expect(await tool.run<number>(`return panel.querySelectorAll('[part~="cookies-permission"]').length`), 'no button once granted').toBe(0);
      await grantTab.close();
    });
  });
});

describe('Firefox: hostile pages and frames', () => {
  test('a page sending a malformed message and one over the byte cap: both dropped, the panel says so and still drives the session', async () => {
    const { page, tabId } = await openTab(`${tokenSite.origin}/hostile?core=${encodeURIComponent(site.origin)}`);
    const panel = await openExtensionPage(ff.browser, `${PANEL_PATH}?tabId=${tabId}`);
    const expected = await pageUuid(page);
    await until('the hostile page’s real session in the panel', async () => ((await panelUuid(panel)) === expected ? true : undefined));
    await until('the page to have sent its extra messages', async () => ((await page.evaluate(() => (window as unknown as { __hostile: { sent: number } }).__hostile.sent)) > 0 ? true : undefined));
    const text = (): Promise<string> => panel.evaluate(() => document.querySelector('session-panel')?.shadowRoot?.textContent ?? '');
    // The bridge drops the oversized batch and reports the count; the panel says it in its link line.
    expect(await until('the byte-cap drop to be reported', async () => (/Dropped \d+ updates? from this page/.test(await text()) ? true : undefined))).toBe(true);
    const shown = await text();
    expect(shown, 'the oversized log batch never reached the panel').not.toContain(HOSTILE_MARKER);
    expect(shown, 'the malformed session list never reached the panel').not.toContain(HOSTILE_NAMESPACE);
    const seeded = await expectedSeeded(page, 'hostile-seed');
    await (await part(panel, 'seed-input')).type('hostile-seed');
    await (await part(panel, 'regenerate-button')).click();
    expect(await until('the page to take the command', async () => ((await pageUuid(page)) === seeded ? seeded : undefined))).toBe(seeded);
    await panel.close();
    await page.close();
  });

  test('a same-origin iframe’s session is listed beside the top page’s, and can be driven', async () => {
    const { page, tabId } = await openTab(`${site.origin}/frames`);
    const panel = await openExtensionPage(ff.browser, `${PANEL_PATH}?tabId=${tabId}`);
    const options = (): Promise<string[]> =>
      panel.evaluate(() => [...(document.querySelector('session-panel')?.shadowRoot?.querySelectorAll('select[aria-label="Session"] option') ?? [])].map((o) => (o.textContent ?? '').trim().split(' ')[0]!).sort());
    expect(await until('both sessions in the picker', async () => {
      const names = await options();
      return names.includes('framed') && names.includes('e2e') ? names : undefined;
    })).toEqual(['e2e', 'framed']);
    const frame = page.frames().find((f) => f.url().includes('ns=framed'))!;
    const framedUuid = await frame.evaluate(() => (window as unknown as { __session: { getUUID(): string } }).__session.getUUID());
    await panel.evaluate(() => {
      const select = document.querySelector('session-panel')!.shadowRoot!.querySelector<HTMLSelectElement>('select[aria-label="Session"]')!;
      const option = [...select.options].find((o) => o.textContent!.trim().startsWith('framed'))!;
      select.value = option.value;
      select.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
    });
    await until('the framed session shown', async () => ((await panelUuid(panel)) === framedUuid ? true : undefined));
    await (await part(panel, 'destroy-button')).click();
    await (await part(panel, 'destroy-confirm')).click();
    await until('the iframe’s own session to change', async () =>
      (await frame.evaluate(() => (window as unknown as { __session: { getUUID(): string } }).__session.getUUID())) !== framedUuid ? true : undefined,
    );
    await panel.close();
    await page.close();
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
