import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from './support/chromium.js';
import { serveStatic, type StaticServer } from './support/server.js';

// The drop-in build in real Chromium: a plain HTML page that loads dist/core.js and dist/session-panel.js with two
// script tags (two separate bundles, so the panel finds the session through the page hook, not an import).

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>embed e2e</title><link rel="icon" href="data:,">
<script type="module">
  import { createSession, uuidFromName } from '/dist/core.js';
  const session = createSession({ storage: 'memory', namespace: 'e2e-shop' });
  window.e2e = { session, uuidFromName };
  session.ready.then(() => (window.e2eReady = true));
</script>
<script type="module" src="/dist/session-panel.js"></script>
</head><body><a href="#top" id="top">skip link</a><session-panel></session-panel></body></html>`;

const TWO_COPIES = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module" src="/dist/session-panel.js"></script>
<script type="module" src="/dist/session-panel.js?copy=2"></script>
</head><body><session-panel></session-panel></body></html>`;

let chrome: LaunchedChromium;
let server: StaticServer;

beforeAll(async () => {
  for (const file of ['dist/core.js', 'dist/session-panel.js']) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
  }
  server = await serveStatic('.', { '/embed.html': PAGE, '/two-copies.html': TWO_COPIES });
  chrome = await launchChromium();
});

afterAll(async () => {
  await chrome?.close();
  await server?.close();
});

async function openPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await chrome.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
  });
  await page.goto(`${server.url}/embed.html`);
  await page.waitForFunction(() => (window as unknown as { e2eReady?: boolean }).e2eReady === true);
  await page.locator('session-panel [part="uuid"]').waitFor();
  return { page, errors };
}

const pageUuid = (page: Page): Promise<string> =>
  page.evaluate(() => (window as unknown as { e2e: { session: { getUUID(): string } } }).e2e.session.getUUID());
const pageToken = (page: Page): Promise<string | undefined> =>
  page.evaluate(
    () => (window as unknown as { e2e: { session: { snapshot(): { token: { tokenString: string } | null } } } }).e2e.session.snapshot().token?.tokenString,
  );
const shownUuid = (page: Page): Promise<string> => page.locator('session-panel [part="uuid"]').innerText();

/** The focused element, looking through the panel's shadow root: its part, text and label. */
async function focused(page: Page): Promise<{ part: string; text: string; label: string; tag: string; outline: string }> {
  return page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return { part: '', text: '', label: '', tag: '', outline: '' };
    return {
      part: el.getAttribute('part') ?? '',
      text: (el.textContent ?? '').trim(),
      label: el.getAttribute('aria-label') ?? '',
      tag: el.tagName.toLowerCase(),
      outline: getComputedStyle(el).outlineStyle,
    };
  });
}

/** Presses Tab until `match` holds for the focused element (keyboard only, no clicks). */
async function tabTo(page: Page, match: (f: Awaited<ReturnType<typeof focused>>) => boolean, what: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (match(f)) {
      expect(f.outline, `${what} shows a visible focus ring`).not.toBe('none');
      return;
    }
  }
  throw new Error(`Tab never reached ${what}`);
}

describe('dist/session-panel.js in Chromium', () => {
  it('finds the page session made by dist/core.js (another copy of the library) and shows it', async () => {
    const { page, errors } = await openPage();
    expect(await shownUuid(page), 'UUID shown').toBe(await pageUuid(page));
    expect(await page.locator('session-panel [part="token-status"]').innerText(), 'token status').toMatch(/valid/i);
    expect(errors, 'no page errors or warnings').toEqual([]);
    await page.close();
  });

  it('Regenerate UUID with a seed shows the expected seeded UUID', async () => {
    const { page } = await openPage();
    await page.locator('session-panel [part="seed-input"]').fill('abc');
    await page.locator('session-panel [part="regenerate-button"]').click();
    const expected = await page.evaluate(() => {
      const { session, uuidFromName } = (window as unknown as {
        e2e: { session: { snapshot(): { deviceId: string } }; uuidFromName(s: string): string };
      }).e2e;
      return uuidFromName(session.snapshot().deviceId + 'abc');
    });
    await expect.poll(() => shownUuid(page), { message: 'seeded UUID shown' }).toBe(expected);
    expect(await pageUuid(page), 'the page session changed').toBe(expected);
    await page.close();
  });

  it('Destroy session with confirmation gives a new UUID and a new token', async () => {
    const { page } = await openPage();
    const before = { uuid: await pageUuid(page), token: await pageToken(page) };
    await page.locator('session-panel [part="destroy-button"]').click();
    expect(await pageUuid(page), 'nothing destroyed before confirming').toBe(before.uuid);
    await page.locator('session-panel [part="destroy-confirm"]').click();
    await expect.poll(() => pageToken(page), { message: 'new token' }).not.toBe(before.token);
    const after = await pageUuid(page);
    expect(after, 'new UUID').not.toBe(before.uuid);
    await expect.poll(() => shownUuid(page), { message: 'panel shows it' }).toBe(after);
    await page.close();
  });

  it('every action works from the keyboard alone, with a visible focus ring', async () => {
    const { page, errors } = await openPage();
    const outcome = (key: string) => page.locator(`session-panel [data-outcome="${key}"]`).innerText();

    await tabTo(page, (f) => f.part === 'refresh-button', 'Refresh token');
    await page.keyboard.press('Enter');
    await expect.poll(() => outcome('refresh'), { message: 'refresh outcome' }).toMatch(/^Refreshed: valid until/);
    expect((await focused(page)).part, 'focus stays on the button while and after it works').toBe('refresh-button');

    await tabTo(page, (f) => f.part === 'retrieve-button', 'Retrieve token');
    await page.keyboard.press('Space');
    await expect.poll(() => outcome('retrieve'), { message: 'retrieve outcome' }).toMatch(/^Retrieved: valid until/);

    await tabTo(page, (f) => f.part === 'seed-input', 'Seed');
    await page.keyboard.type('kbd');
    await tabTo(page, (f) => f.part === 'regenerate-button', 'Regenerate UUID');
    await page.keyboard.press('Enter');
    await expect.poll(() => outcome('regenerate'), { message: 'regenerate outcome' }).toMatch(/^New UUID /);

    const beforeDestroy = await pageUuid(page);
    await tabTo(page, (f) => f.part === 'destroy-button', 'Destroy session');
    await page.keyboard.press('Enter');
    expect((await focused(page)).text, 'focus moves to Cancel').toBe('Cancel');
    await page.keyboard.press('Tab');
    expect((await focused(page)).part, 'then to the confirm button').toBe('destroy-confirm');
    await page.keyboard.press('Enter');
    await expect.poll(() => pageUuid(page), { message: 'destroyed' }).not.toBe(beforeDestroy);
    expect((await focused(page)).part, 'focus back on Destroy session').toBe('destroy-button');

    await tabTo(page, (f) => f.label === 'Login', 'Login');
    await page.keyboard.type('ada@example.com');
    await page.keyboard.press('Tab');
    expect((await focused(page)).label).toBe('Password');
    await page.keyboard.type('secret');
    await page.keyboard.press('Enter');
    await expect.poll(() => outcome('sign-in'), { message: 'signed in' }).toBe('Signed in as ada@example.com');

    await tabTo(page, (f) => f.part === 'sign-out-button', 'Sign out');
    await page.keyboard.press('Enter');
    await expect.poll(() => outcome('sign-out'), { message: 'signed out' }).toBe('Signed out');

    await tabTo(page, (f) => f.label === 'Copy UUID', 'Copy UUID');
    await tabTo(page, (f) => f.text === 'Reveal', 'Reveal');
    await page.keyboard.press('Enter');
    expect(await page.locator('session-panel [part="token"]').innerText(), 'revealed by keyboard').toBe(await pageToken(page));
    expect(errors, 'no page errors or warnings').toEqual([]);
    await page.close();
  });

  it('a second copy of the build on the page does not throw', async () => {
    const page = await chrome.context.newPage();
    const errors: string[] = [];
    const infos: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => infos.push(m.text()));
    await page.goto(`${server.url}/two-copies.html`);
    await page.waitForFunction(() => customElements.get('session-panel') !== undefined);
    await page.waitForLoadState('load');
    expect(errors, 'no errors from the second define').toEqual([]);
    expect(await page.locator('session-panel .tips h3').textContent(), 'looking state rendered').toBe('Looking for a session…');
    expect(infos.some((t) => t.includes('already defined by another copy')), 'the second copy says it stood back').toBe(true);
    await page.close();
  });
});

describe('npm start demo', () => {
  it('serves a page whose panel shows the session behind window.Synerise.Client', async () => {
    const { createServer } = await import('vite');
    const vite = await createServer({ configFile: 'vite.config.ts', logLevel: 'silent', server: { host: '127.0.0.1', port: 0 } });
    await vite.listen();
    const page = await chrome.context.newPage();
    const errors: string[] = [];
    const warnings: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    try {
      await page.goto(vite.resolvedUrls!.local[0]!);
      await page.locator('session-panel [part="uuid"]').waitFor();
      const uuid = await page.evaluate(() => (window as unknown as { Synerise: { Client: { getUUID(): string } } }).Synerise.Client.getUUID());
      expect(await page.locator('session-panel [part="uuid"]').innerText(), 'panel and Client agree').toBe(uuid);
      await page.getByRole('button', { name: "Run Synerise.Client.regenerateUUIDWithClientIdentifier('abc')" }).click();
      await expect.poll(() => page.locator('#output').innerText(), { message: 'example output' }).toContain('UUID now');
      const seeded = await page.evaluate(() => (window as unknown as { Synerise: { Client: { getUUID(): string } } }).Synerise.Client.getUUID());
      await expect.poll(() => page.locator('session-panel [part="uuid"]').innerText(), { message: 'panel follows' }).toBe(seeded);
      expect(errors, 'no page errors').toEqual([]);
      // The walkthrough saw Lit's "dev mode" banner on every demo load (demo/quiet-lit.ts marks it issued).
      expect(warnings.filter((w) => w.includes('Lit is in dev mode')), 'no Lit dev-mode banner').toEqual([]);
    } finally {
      await page.close();
      await vite.close();
    }
  });
});
