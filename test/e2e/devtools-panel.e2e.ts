import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CDPSession, Page } from 'playwright-core';
import { RELOAD_LINE } from '../../components/session-panel/binding-controller.js';
import { launchWithExtension, type ExtensionBrowser } from './extension-support/browser.js';
import { until, type ChildTarget } from './extension-support/cdp.js';
import { sizePanel } from './extension-support/devtools-window.js';
import { PANEL_PATH, RemotePanel, browserCdp, openRealDevtoolsPanel, openTestTab, pageUuid } from './extension-support/panel.js';
import { startTestSite, type TestSite } from './extension-support/server.js';

/**
 * The Session tab as a DevTools panel, in the real DevTools window of Debian's Chromium (issue #10): at 1200 × 770
 * the wide layout shows the timeline and the log without scrolling; Preserve log keeps the log across a real reload
 * of the inspected page, after one line saying so; a second panel on the tab (the panel page in a tab of its own)
 * starts with the same history, from chrome.storage.session.
 */

let site: TestSite;
let b: ExtensionBrowser;
let cdp: CDPSession;
let page: Page;
let tabId: number;
let panel: RemotePanel;
let devtools: ChildTarget;

const inPanel = <T>(body: string): Promise<T> =>
  panel.target.evaluate<T>(`(async () => { const el = document.querySelector('session-panel'); const root = el.shadowRoot; await el.updateComplete; ${body} })()`);

beforeAll(async () => {
  site = await startTestSite();
  b = await launchWithExtension();
  cdp = await browserCdp(b);
  ({ page, tabId } = await openTestTab(b, `${site.origin}/`));
  await page.bringToFront();
  ({ panel, devtools } = await openRealDevtoolsPanel(b, page, cdp));
  const uuid = await pageUuid(page);
  await until('the panel showing the page UUID', async () => ((await panel.uuid()) === uuid ? true : undefined), 20_000);
});
afterAll(async () => {
  await b?.close();
  await site?.close();
});

test('at 1200 × 770 the wide layout shows toolbar, timeline and log without scrolling, details beside them', async () => {
  const size = await sizePanel(devtools, panel.target, 1200, 770);
  expect(size, 'the panel viewport').toEqual({ width: 1200, height: 770 });
  await until('the wide layout', () => inPanel<boolean | undefined>(`return root.querySelector('.layout.wide') ? true : undefined;`));
  const boxes = await inPanel<Record<string, { top: number; bottom: number; left: number; right: number }>>(`
    const box = (sel) => { const r = root.querySelector(sel).getBoundingClientRect(); return { top: r.top, bottom: r.bottom, left: r.left, right: r.right }; };
    return { toolbar: box('[part~="toolbar"]'), timeline: box('[part~="timeline"]'), log: box('.log-view'), details: box('[part~="details"]'), doc: { top: 0, bottom: document.scrollingElement.scrollHeight, left: 0, right: 0 } };`);
  expect(boxes.timeline.bottom, 'the timeline ends inside the first screen').toBeLessThanOrEqual(770);
  expect(boxes.log.top, 'the log starts below the timeline').toBeGreaterThanOrEqual(boxes.timeline.bottom - 1);
  expect(boxes.log.bottom, 'the log ends inside the first screen').toBeLessThanOrEqual(770);
  expect(boxes.log.bottom - boxes.log.top, 'the log fills the height (over 20 rows)').toBeGreaterThan(400);
  expect(boxes.details.left, 'details beside the main pane').toBeGreaterThanOrEqual(boxes.log.right);
  expect(boxes.doc.bottom, 'the page itself does not scroll').toBeLessThanOrEqual(770);
  // The walkthrough's "include tokens" checkbox sat off its text and wrapped: now one line, centred on the text.
  const check = await inPanel<{ box: number; text: number; height: number; line: number }>(`
    const label = [...root.querySelectorAll('label.check')].find((l) => l.textContent.includes('include tokens'));
    const box = label.querySelector('input').getBoundingClientRect();
    const text = label.querySelector('span').getBoundingClientRect();
    return { box: box.top + box.height / 2, text: text.top + text.height / 2, height: label.getBoundingClientRect().height, line: text.height };`);
  expect(Math.abs(check.box - check.text), 'the checkbox centred on its text').toBeLessThanOrEqual(2);
  expect(check.height, 'on one line').toBeLessThan(check.line * 1.6);
  const bars = await inPanel<number>(`return root.querySelectorAll('[part~="timeline-token"]').length;`);
  expect(bars, 'the timeline draws the session\'s token').toBeGreaterThan(0);
});

test('Preserve log keeps the log across a real reload, after one line that says so; the kind column is not cut', async () => {
  await panel.click('preserve-log');
  await until('Preserve log ticked', () => inPanel<boolean | undefined>(`return root.querySelector('[part~="preserve-log"]').checked || undefined;`));
  await page.evaluate(() => (window as unknown as { __session: { refreshToken(): Promise<unknown> } }).__session.refreshToken());
  await until('the refresh in the log', () => inPanel<boolean | undefined>(`return [...root.querySelectorAll('[part~="log-entry"]')].some((r) => r.textContent.includes('refreshToken done')) || undefined;`));
  const old = await pageUuid(page);
  await page.reload();
  await page.waitForSelector('body[data-ready=yes]');
  const fresh = await pageUuid(page);
  expect(fresh).not.toBe(old);
  await until('the panel on the new page', async () => ((await panel.uuid()) === fresh ? true : undefined), 20_000);
  await until('the reattach line', () => inPanel<boolean | undefined>(`return [...root.querySelectorAll('[part~="log-entry"]')].some((r) => r.textContent.includes('Reattached')) || undefined;`));
  // Every row, whatever the window shows: read through the export (redacted), which lists the panel's log.
  const rows = await inPanel<{ at: number; kind: string; message: string }[]>(`return JSON.parse(el.exportLog()).entries;`);
  const messages = rows.map((r) => r.message);
  const refreshed = messages.indexOf(messages.find((m) => m.startsWith('refreshToken done'))!);
  const line = messages.indexOf(RELOAD_LINE);
  expect(refreshed, 'the earlier page\'s refresh is kept').toBeGreaterThanOrEqual(0);
  expect(line, 'after it, the line saying the page reloaded').toBeGreaterThan(refreshed);
  expect(messages.filter((m) => m === RELOAD_LINE), 'said once').toHaveLength(1);
  const dupes = messages.filter((m, i) => /reload|Reattached/i.test(m) && messages.indexOf(m) !== i);
  expect(dupes, 'no reload line twice').toEqual([]);
  const ats = rows.map((r) => r.at);
  expect([...ats].sort((x, y) => x - y), 'rows in time order').toEqual(ats);
  const cut = await inPanel<string[]>(`return [...root.querySelectorAll('.log-view .k')].filter((k) => k.scrollWidth > k.clientWidth).map((k) => k.textContent);`);
  expect(cut, 'no kind cut short ("connecti…")').toEqual([]);
});

test('a second panel on the tab starts with the same history (chrome.storage.session, not the worker)', async () => {
  await new Promise((r) => setTimeout(r, 1300)); // the history is written once a burst of rows settles (1 s)
  const second = await b.context.newPage();
  await second.setViewportSize({ width: 1200, height: 770 });
  await second.goto(`chrome-extension://${b.extensionId}/${PANEL_PATH}?tabId=${tabId}`);
  await second.locator('session-panel [part~="uuid"]').waitFor();
  const text = await second.evaluate(() => (document.querySelector('session-panel') as unknown as { exportLog(): string }).exportLog());
  const messages = (JSON.parse(text) as { entries: { message: string }[] }).entries.map((e) => e.message);
  expect(messages, 'the earlier page\'s rows').toContain(RELOAD_LINE);
  expect(messages.some((m) => m.startsWith('refreshToken done'))).toBe(true);
  expect(await second.locator('session-panel [part~="preserve-log"]').isChecked(), 'Preserve log remembered for the tab').toBe(true);
  await second.close();
});
