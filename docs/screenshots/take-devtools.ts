// Screenshots of the real DevTools window showing the Session tab on a test page (headless Chromium, the built
// extension): the tab at 1200 × 770 in DevTools' light and dark themes, and its timeline up close.
// Run after `npm run build`:  npx tsx docs/screenshots/take-devtools.ts
import { writeFileSync } from 'node:fs';
import { launchWithExtension } from '../../test/e2e/extension-support/browser.js';
import { until, type ChildTarget } from '../../test/e2e/extension-support/cdp.js';
import { sizePanel } from '../../test/e2e/extension-support/devtools-window.js';
import { browserCdp, openRealDevtoolsPanel, openTestTab, pageUuid } from '../../test/e2e/extension-support/panel.js';
import { startTestSite } from '../../test/e2e/extension-support/server.js';

type Rect = { x: number; y: number; width: number; height: number };

const site = await startTestSite();
const b = await launchWithExtension();
try {
  const cdp = await browserCdp(b);
  const { page } = await openTestTab(b, `${site.origin}/`);
  await page.bringToFront();
  const { panel, devtools } = await openRealDevtoolsPanel(b, page, cdp);
  const uuid = await pageUuid(page);
  await until('the panel showing the page UUID', async () => ((await panel.uuid()) === uuid ? true : undefined), 20_000);
  // A lived-in session, made by the page's own core: refreshes, a failure, a sign-in, a clock moved ahead.
  // (A string, not a function: tsx's helpers do not exist in the page.)
  await page.evaluate(`(async () => {
    const s = window.__session;
    const wait = (ms) => new Promise((r) => setTimeout(r, ms));
    await s.refreshToken();
    await wait(300);
    s.debug.shiftClock(6 * 60000);
    await s.refreshToken();
    s.debug.faults.failNext('refresh', { kind: 'network', message: 'Injected network failure' });
    await s.refreshToken().catch(() => undefined);
    s.debug.shiftClock(4 * 60000);
    await s.signIn('ada@example.com', 'secret');
    s.debug.shiftClock(5 * 60000);
    await s.refreshToken();
    s.debug.shiftClock(3 * 60000);
    await s.signOut();
    s.debug.shiftClock(2 * 60000);
    await s.regenerateUUIDWithClientIdentifier('abc');
  })()`);
  const size = await sizePanel(devtools, panel.target, 1200, 770);
  console.log(`panel viewport ${size.width} × ${size.height}`);
  await panel.target.evaluate(`(async () => {
    const el = document.querySelector('session-panel');
    await el.updateComplete;
    [...el.shadowRoot.querySelectorAll('.zoom button')].find((b) => b.textContent === 'Last 1 h').click();
    const row = [...el.shadowRoot.querySelectorAll('.log-view .m')].find((m) => m.textContent.startsWith('signed in as'));
    row?.click();
    await el.updateComplete;
  })()`);
  await new Promise((r) => setTimeout(r, 400));

  const frame = await iframeRect(devtools);
  const window = await devtools.evaluate<{ width: number; height: number }>(`({ width: innerWidth, height: innerHeight })`);
  const shoot = async (file: string, clip: Rect): Promise<void> => {
    const shot = await devtools.send<{ data: string }>('Page.captureScreenshot', { format: 'png', clip: { ...clip, scale: 1 } });
    writeFileSync(file, Buffer.from(shot.data, 'base64'));
    console.log(`wrote ${file}`);
  };
  await shoot('docs/screenshots/devtools-panel.png', { x: 0, y: 0, width: window.width, height: window.height });
  const timeline = await panel.target.evaluate<Rect>(`(() => { const r = document.querySelector('session-panel').shadowRoot.querySelector('[part~="timeline"]').getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; })()`);
  await shoot('docs/screenshots/timeline.png', { x: frame.x + timeline.x, y: frame.y + timeline.y, width: timeline.width, height: timeline.height });

  // DevTools' dark theme as the panel applies it (panel.ts maps themeName "dark" to theme="dark").
  await panel.target.evaluate(`(async () => {
    const el = document.querySelector('session-panel');
    el.theme = 'dark';
    document.body.dataset.theme = 'dark';
    await el.updateComplete;
  })()`);
  await new Promise((r) => setTimeout(r, 400));
  // Only the panel: DevTools' own chrome stays in its light theme when headless.
  const darkFrame = await iframeRect(devtools);
  await shoot('docs/screenshots/devtools-panel-dark.png', darkFrame);
} finally {
  await b.close();
  await site.close();
}

/** Where the Session panel's iframe sits in the DevTools window (inside DevTools' shadow roots). */
async function iframeRect(devtools: ChildTarget): Promise<Rect> {
  return devtools.evaluate<Rect>(`(() => {
    const find = (root) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.tagName === 'IFRAME' && String(el.src).startsWith('chrome-extension://')) return el;
        if (el.shadowRoot) { const hit = find(el.shadowRoot); if (hit) return hit; }
      }
      return null;
    };
    const r = find(document).getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  })()`);
}
