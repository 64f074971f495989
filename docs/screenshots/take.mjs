// Takes the README screenshots: the `npm start` demo in headless Chromium, light and dark, and at phone width.
//   node docs/screenshots/take.mjs        (CHROME_PATH overrides /usr/bin/chromium)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';

const out = path.dirname(new URL(import.meta.url).pathname);
const server = await createServer({ configFile: 'vite.config.ts', logLevel: 'warn', server: { host: '127.0.0.1', port: 0 } });
await server.listen();
const url = server.resolvedUrls.local[0];

for (const scheme of ['light', 'dark']) {
  const profile = mkdtempSync(path.join(tmpdir(), 'session-panel-shots-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    headless: false,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    viewport: { width: 1360, height: 1500 },
    deviceScaleFactor: 1,
    colorScheme: scheme,
  });
  const page = await context.newPage();
  await page.goto(url);
  const panel = page.locator('session-panel');
  await page.locator('session-panel [part="uuid"]').waitFor();
  // A few real actions so the panel shows a lived-in session.
  await page.locator('session-panel [part="refresh-button"]').click();
  await page.locator('session-panel [data-outcome="refresh"]').getByText('Refreshed').waitFor();
  await page.locator('session-panel [part="seed-input"]').fill('abc');
  await page.locator('session-panel [part="regenerate-button"]').click();
  await page.locator('session-panel [data-outcome="regenerate"]').getByText('New UUID').waitFor();
  await page.locator('session-panel input[aria-label="Login"]').fill('ada@example.com');
  await page.locator('session-panel input[aria-label="Password"]').fill('secret');
  await page.locator('session-panel [part="sign-in-button"]').click();
  await page.locator('session-panel [data-outcome="sign-in"]').getByText('Signed in').waitFor();
  await page.mouse.move(0, 0);
  await panel.screenshot({ path: path.join(out, `panel-${scheme}.png`) });
  await page.setViewportSize({ width: 1360, height: 900 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(out, `demo-${scheme}.png`) });
  if (scheme === 'light') {
    // Phone width: the panel stacks (narrow layout), scrolled to it.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('session-panel').scrollIntoViewIfNeeded();
    await page.evaluate(() => document.querySelector('session-panel').scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(out, 'phone.png') });
  }
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  console.log(`screenshots: ${scheme} done`);
}
await server.close();
