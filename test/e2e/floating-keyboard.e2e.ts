import { existsSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium, type LaunchedChromium } from './support/chromium.js';
import { serveStatic, type StaticServer } from './support/server.js';

// The floating overlay from the keyboard alone, in real Chromium (dist/session-panel.js): open it from the corner
// button, close it with Escape right away (focus still on that button: the walkthrough's defect), and again from
// inside the overlay; focus comes back to the button each time.

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module">
  import { createSession } from '/dist/core.js';
  const session = createSession({ storage: 'memory', namespace: 'e2e-floating' });
  session.ready.then(() => (window.e2eReady = true));
</script>
<script type="module" src="/dist/session-panel.js"></script>
</head><body><button id="before">page button</button><session-panel floating></session-panel></body></html>`;

let chrome: LaunchedChromium;
let server: StaticServer;

beforeAll(async () => {
  if (!existsSync('dist/session-panel.js')) throw new Error('dist/session-panel.js is missing: run npm run build first');
  server = await serveStatic('.', { '/floating.html': PAGE });
  chrome = await launchChromium();
});
afterAll(async () => {
  await chrome?.close();
  await server?.close();
});

it('opens with Enter on the corner button, closes with Escape at once and from inside, focus back on the button', async () => {
  const page = await chrome.context.newPage();
  const warnings: string[] = [];
  page.on('console', (m) => (m.type() === 'warning' || m.type() === 'error') && warnings.push(m.text()));
  await page.goto(`${server.url}/floating.html`);
  await page.waitForFunction(() => (window as unknown as { e2eReady?: boolean }).e2eReady === true);
  const open = () => page.evaluate(() => document.querySelector('session-panel')!.open);
  const focused = () => page.evaluate(() => document.querySelector('session-panel')!.shadowRoot!.activeElement?.getAttribute('part') ?? null);

  await page.focus('#before');
  await page.keyboard.press('Tab');
  expect(await focused(), 'Tab reaches the corner button').toBe('fab');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('session-panel')!.open);
  expect(await focused(), 'focus is still on the corner button').toBe('fab');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('session-panel')!.open);
  expect(await focused(), 'focus stays on the button').toBe('fab');

  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('session-panel')!.open);
  await page.keyboard.press('Tab'); // into the overlay
  expect(await page.evaluate(() => !!document.querySelector('session-panel')!.shadowRoot!.activeElement?.closest('.overlay')), 'focus inside the overlay').toBe(true);
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('session-panel')!.open);
  expect(await focused(), 'focus back on the corner button').toBe('fab');
  expect(await open()).toBe(false);
  expect(warnings, 'no console warnings or errors').toEqual([]);
  await page.close();
});
