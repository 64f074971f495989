// Screenshot of the Session tab in the real DevTools window on a page that does not use our library: an app signed
// in with oidc-client-ts against a local oidc-provider, after one refresh (the timeline zoomed to All: the last minute). Run after `npm run build`:
//   npx tsx docs/screenshots/take-discovered.ts
import { writeFileSync } from 'node:fs';
import { launchWithExtension } from '../../test/e2e/extension-support/browser.js';
import { until } from '../../test/e2e/extension-support/cdp.js';
import { browserCdp, openRealDevtoolsPanel, openTestTab } from '../../test/e2e/extension-support/panel.js';
import { CLIENT_ID, startOidcServer } from '../../test/e2e/discovery-support/oidc-server.js';
import { startDiscoverySite } from '../../test/e2e/discovery-support/site.js';

const site = await startDiscoverySite();
const op = await startOidcServer(site.origin);
site.setAuthority(op.issuer, CLIENT_ID);
const b = await launchWithExtension();
try {
  const cdp = await browserCdp(b);
  const { page } = await openTestTab(b, `${site.origin}/`);
  await page.evaluate(() => {
    void (window as unknown as { __oidc: { signinRedirect(): Promise<void> } }).__oidc.signinRedirect();
  });
  await page.waitForSelector('input[name=login]');
  await page.fill('input[name=login]', 'alice');
  await page.fill('input[name=password]', 'any');
  await page.click('button[type=submit]');
  await page.waitForSelector('body[data-signed-in=yes]');
  await page.bringToFront();
  const { panel, devtools } = await openRealDevtoolsPanel(b, page, cdp);
  await page.evaluate(() => (window as unknown as { __oidc: { signinSilent(): Promise<unknown> } }).__oidc.signinSilent());
  await until('the refreshed tokens in the panel', async () =>
    (await panel.target.evaluate<number>(`document.querySelector('session-panel').shadowRoot.querySelectorAll('[part~="discovered-token"]').length`)) >= 4 ? true : undefined, 20_000);
  // All (the last minute here): the sign-in and the refresh a moment ago, on the timeline's found-token rows.
  await panel.target.evaluate(`document.querySelector('session-panel').shadowRoot.querySelectorAll('.timeline .zoom button')[2].click()`);
  await devtools.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false });
  await new Promise((resolve) => setTimeout(resolve, 1500));
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
  const shot = await devtools.send<{ data: string }>('Page.captureScreenshot', { format: 'png', clip: { x: left, y: 0, width: 1280 - left, height: 900, scale: 1 } });
  writeFileSync('docs/screenshots/discovered.png', Buffer.from(shot.data, 'base64'));
  console.log('wrote docs/screenshots/discovered.png');
} finally {
  await b.close();
  await op.close();
  await site.close();
}
