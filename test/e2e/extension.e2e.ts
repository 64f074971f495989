import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { until } from './extension-support/cdp.js';
import {
  PANEL_PATH,
  RemotePanel,
  expectedSeeded,
  openPanelPage,
  openRealDevtoolsPanel,
  openTestTab,
  pageUuid,
  stopServiceWorker,
} from './extension-support/panel.js';
import { useExtensionSuite } from './extension-support/suite.js';

/**
 * The built extension (dist/extension) in Debian's Chromium, headless. Two layers:
 *  1. the real DevTools window with the Session panel (Chromium internals: DevToolsAPI.showPanel), and
 *  2. the same panel page opened in an ordinary tab (panel.html?tabId=N), driven with Playwright locators.
 * Test pages create real sessions with the real core; every assertion compares the panel with the page’s own state.
 * In the DevTools layer clicks and typing are real input (CDP Input events into the panel iframe), not element.click().
 */

const env = useExtensionSuite();

test('the build has the load-unpacked folder: manifest at its root, the panel page included', () => {
  const manifest = JSON.parse(readFileSync('dist/extension/manifest.json', 'utf8')) as { manifest_version: number; devtools_page: string };
  expect(manifest.manifest_version).toBe(3);
  expect(existsSync(`dist/extension/${manifest.devtools_page}`)).toBe(true);
  expect(existsSync(`dist/extension/${PANEL_PATH}`), 'panel.html is only named from JS; it must still be built').toBe(true);
  const js = readdirSync('dist/extension', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
  for (const f of js) expect(readFileSync(`dist/extension/${f}`, 'utf8'), `${f}: no eval`).not.toMatch(/\beval\s*\(|new Function\s*\(/);
  const mainWorld = readFileSync('dist/extension/src/extension/page/page.iife.js', 'utf8');
  expect(mainWorld, 'the MAIN-world script uses no extension API and no polyfill').not.toMatch(/chrome\.|browser\.runtime|webextension/);
});

describe('real DevTools window, Session panel', () => {
  let page: Page;
  let panel: RemotePanel;

  beforeAll(async () => {
    ({ page } = await openTestTab(env.b, `${env.site.origin}/`));
    await page.bringToFront();
    ({ panel } = await openRealDevtoolsPanel(env.b, page, env.cdp));
  });

  test('the panel shows the inspected page’s UUID', async () => {
    const expected = await pageUuid(page);
    const shown = await until('the UUID in the panel', async () => ((await panel.uuid()) === expected ? expected : undefined));
    expect(shown, 'panel UUID = page UUID').toBe(expected);
    expect((await panel.link()).state, 'link state').toBe('connected');
    // DevTools' default theme is "default" → the element gets theme="light".
    const theme = await panel.target.evaluate<[string, string]>(
      `[chrome.devtools.panels.themeName, document.querySelector('session-panel').getAttribute('theme')]`,
    );
    expect(theme).toEqual(['default', 'light']);
  });

  test('Regenerate with a seed, clicked in the panel, runs in the page’s core', async () => {
    const seed = 'customer-42';
    const expected = await expectedSeeded(page, seed);
    await panel.fill('seed-input', seed);
    await panel.click('regenerate-button');
    const now = await until('the page UUID to change', async () => ((await pageUuid(page)) === expected ? expected : undefined));
    expect(now, 'page UUID is the seeded UUID').toBe(expected);
    await until('the panel to follow', async () => ((await panel.uuid()) === expected ? true : undefined));
  });

  test('Destroy session, confirmed in the panel, gives the page a new UUID', async () => {
    const before = await pageUuid(page);
    await panel.click('destroy-button');
    await panel.click('destroy-confirm');
    const after = await until('a new page UUID', async () => {
      const u = await pageUuid(page);
      return u !== before ? u : undefined;
    });
    expect(after).not.toBe(before);
    await until('the panel to show it', async () => ((await panel.uuid()) === after ? true : undefined));
  });

  test('stopping the service worker: the panel reconnects and a request sent meanwhile is not lost', async () => {
    const link = await panel.link();
    expect(link.connections, 'one worker so far').toBe(1);
    const before = await pageUuid(page);
    await stopServiceWorker(env.cdp, env.b.extensionId);
    // Clicked while the worker is gone or restarting: the transport keeps it and resends after reconnecting.
    await panel.fill('seed-input', '');
    await panel.click('regenerate-button');
    const after = await until('the page UUID to change', async () => {
      const u = await pageUuid(page);
      return u !== before ? u : undefined;
    });
    await until('the panel to show it', async () => ((await panel.uuid()) === after ? true : undefined));
    const relinked = await panel.link();
    expect(relinked.connections, 'welcomed by a fresh worker').toBe(2);
    expect(relinked.state).toBe('connected');
    expect(relinked.pending, 'nothing left unanswered').toBe(0);
    expect(await panel.logText('connection'), 'the log says so').toContain('Reconnected to the extension service worker');
  });

  test('reloading the page: the panel reattaches to the new page’s session and says so in the log', async () => {
    const old = await pageUuid(page);
    await page.reload();
    await page.waitForSelector('body[data-ready=yes]');
    const fresh = await pageUuid(page);
    expect(fresh, 'memory storage: a new session after reload').not.toBe(old);
    await until('the panel to show the new session', async () => ((await panel.uuid()) === fresh ? true : undefined));
    await until('the reattach line in the log', async () =>
      (await panel.logText('connection')).includes('Reattached to the page') ? true : undefined,
    );
  });
});

describe('panel page in an ordinary tab', () => {
  const part = (p: Page, name: string) => p.locator(`session-panel [part~="${name}"]`);
  const uuidOf = async (p: Page): Promise<string | undefined> =>
    (await part(p, 'uuid').textContent())?.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/)?.[0];

  const openPanelTab = (tabId: number): Promise<Page> => openPanelPage(env.b, tabId);

  test('shows the UUID, regenerates with a seed and destroys with confirmation, all in the page', async () => {
    const { page, tabId } = await openTestTab(env.b, `${env.site.origin}/?ns=tabbed`);
    const panel = await openPanelTab(tabId);
    await expect.poll(() => uuidOf(panel)).toBe(await pageUuid(page));

    const expected = await expectedSeeded(page, 'seed-in-a-tab');
    await part(panel, 'seed-input').fill('seed-in-a-tab');
    await part(panel, 'regenerate-button').click();
    await expect.poll(() => pageUuid(page)).toBe(expected);
    await expect.poll(() => uuidOf(panel)).toBe(expected);

    await part(panel, 'destroy-button').click();
    await part(panel, 'destroy-confirm').click();
    await expect.poll(async () => (await pageUuid(page)) !== expected).toBe(true);
    await expect.poll(() => uuidOf(panel)).toBe(await pageUuid(page));
    await panel.close();
    await page.close();
  });

  test('a page without a session: "looking for a session" with tips; a later session and a navigation are followed', async () => {
    const { page, tabId } = await openTestTab(env.b, `${env.site.origin}/?sessions=0`);
    const panel = await openPanelTab(tabId);
    await expect.poll(() => panel.getByText(/Looking for a session/).count()).toBe(1);
    expect(await panel.getByText('createSession()').first().isVisible(), 'setup tips are shown').toBe(true);

    // A session created later on the same page is found without any reload.
    const late = await page.evaluate(
      `import('/core.js').then((m) => { window.__late = m.createSession({ storage: 'memory', namespace: 'late' }); return window.__late.getUUID(); })`,
    );
    await expect.poll(() => uuidOf(panel)).toBe(late);

    // Navigating the tab to another page: the panel follows to the new document's session.
    await page.goto(`${env.site.origin}/?ns=navigated`);
    await page.waitForSelector('body[data-ready=yes]');
    await expect.poll(() => uuidOf(panel)).toBe(await pageUuid(page));
    expect(await panel.locator('session-panel').getByText('navigated').first().isVisible(), 'the new namespace is shown').toBe(true);
    await panel.close();
    await page.close();
  });

  test('several sessions and frames: a picker lists every one', async () => {
    const { page, tabId } = await openTestTab(env.b, `${env.site.origin}/frames?sessions=2&ns=top`);
    const panel = await openPanelTab(tabId);
    const picker = panel.locator('session-panel select[aria-label="Session"]');
    await expect.poll(async () => (await picker.locator('option').allTextContents()).map((t) => t.split(' ')[0]).sort()).toEqual([
      'framed',
      'top',
      'top-1',
    ]);
    // Pick the framed session and drive it: the command reaches the iframe's own core.
    const framedFrame = page.frames().find((f) => f.url().includes('ns=framed'))!;
    const framedUuid = await framedFrame.evaluate(() => (window as unknown as { __session: { getUUID(): string } }).__session.getUUID());
    const option = picker.locator('option', { hasText: 'framed' });
    await picker.selectOption((await option.getAttribute('value'))!);
    await expect.poll(() => uuidOf(panel)).toBe(framedUuid);
    await part(panel, 'destroy-button').click();
    await part(panel, 'destroy-confirm').click();
    await expect
      .poll(() => framedFrame.evaluate(() => (window as unknown as { __session: { getUUID(): string } }).__session.getUUID()))
      .not.toBe(framedUuid);
    expect(await pageUuid(page), 'the top page’s session is untouched').toBe(await pageUuid(page));
    await panel.close();
    await page.close();
  });

  test('the worker stopped twice in a row: the tab panel still answers', async () => {
    const { page, tabId } = await openTestTab(env.b, `${env.site.origin}/?ns=restart`);
    const panel = await openPanelTab(tabId);
    await expect.poll(() => uuidOf(panel)).toBe(await pageUuid(page));
    for (let i = 0; i < 2; i++) {
      const before = await pageUuid(page);
      await stopServiceWorker(env.cdp, env.b.extensionId).catch(() => undefined); // may already be restarting
      await part(panel, 'regenerate-button').click();
      await expect.poll(async () => (await pageUuid(page)) !== before).toBe(true);
      await expect.poll(() => uuidOf(panel)).toBe(await pageUuid(page));
    }
    await panel.close();
    await page.close();
  });
});
