// Screenshot of the real DevTools window showing the Session tab on a test page (headless Chromium, the built
// extension). Run after `npm run build`:  npx tsx docs/screenshots/take-devtools.ts
import { writeFileSync } from 'node:fs';
import { launchWithExtension } from '../../test/e2e/extension-support/browser.js';
import { until } from '../../test/e2e/extension-support/cdp.js';
import { browserCdp, openRealDevtoolsPanel, openTestTab, pageUuid } from '../../test/e2e/extension-support/panel.js';
import { startTestSite } from '../../test/e2e/extension-support/server.js';

const site = await startTestSite();
const b = await launchWithExtension();
try {
  const cdp = await browserCdp(b);
  const { page } = await openTestTab(b, `${site.origin}/`);
  await page.bringToFront();
  const { panel, devtools } = await openRealDevtoolsPanel(b, page, cdp);
  const uuid = await pageUuid(page);
  await until('the panel showing the page UUID', async () => ((await panel.uuid()) === uuid ? true : undefined), 20_000);
  await devtools.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 860, deviceScaleFactor: 1, mobile: false });
  await new Promise((resolve) => setTimeout(resolve, 500)); // let DevTools lay out at the new size
  // DevTools opens docked to the right of an empty page area: keep only its own part of the window, found from the
  // Session panel's iframe (inside DevTools' shadow roots).
  const left = await devtools.evaluate<number>(`(() => {
    const find = (root) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.tagName === 'IFRAME' && String(el.src).startsWith('chrome-extension://')) return el;
        if (el.shadowRoot) { const hit = find(el.shadowRoot); if (hit) return hit; }
      }
      return null;
    };
    const frame = find(document);
    return frame ? Math.max(0, Math.floor(frame.getBoundingClientRect().left) - 1) : 0;
  })()`);
  const clip = { x: left, y: 0, width: 1280 - left, height: 860, scale: 1 };
  const shot = await devtools.send<{ data: string }>('Page.captureScreenshot', { format: 'png', clip });
  writeFileSync('docs/screenshots/devtools-panel.png', Buffer.from(shot.data, 'base64'));
  console.log('wrote docs/screenshots/devtools-panel.png');
} finally {
  await b.close();
  await site.close();
}
