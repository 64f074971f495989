import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from './support/chromium.js';
import { serveStatic, type StaticServer } from './support/server.js';

// Two real tabs of one app (one origin, one localStorage), each with its own copy of dist/core.js and its own
// session: what one tab does to the customer session must reach the other, as users expect of a signed-in site.
const APP = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module">
  import { createSession } from '/dist/core.js';
  window.session = createSession({ namespace: 'cross-tab-e2e' });
  window.seen = [];
  window.session.subscribe((e) => window.seen.push(e.type === 'signed-out' ? 'signed-out:' + e.reason : e.type));
  await window.session.ready;
  document.body.dataset.ready = 'yes';
</script></head><body></body></html>`;

declare global {
  interface Window {
    session: import('../../src/core/types.js').Session;
    seen: string[];
  }
}

let chromium: LaunchedChromium;
let server: StaticServer;
let a: Page;
let b: Page;

beforeAll(async () => {
  server = await serveStatic('.', { '/app.html': APP });
  chromium = await launchChromium();
  a = await chromium.context.newPage();
  await a.goto(`${server.url}/app.html`);
  await a.waitForSelector('body[data-ready="yes"]', { state: 'attached' });
  b = await chromium.context.newPage();
  await b.goto(`${server.url}/app.html`);
  await b.waitForSelector('body[data-ready="yes"]', { state: 'attached' });
});

afterAll(async () => {
  await chromium?.close();
  await server?.close();
});

describe('two tabs of one app', () => {
  it('start on the same stored session', async () => {
    expect(await b.evaluate(() => window.session.getUUID())).toBe(await a.evaluate(() => window.session.getUUID()));
  });

  it('a sign-in in tab A signs tab B in, and B can refresh that customer token', async () => {
    await a.evaluate(() => window.session.signIn('ann@example.com', 'pw'));
    await b.waitForFunction(() => window.session.isSignedIn());
    expect(await b.evaluate(() => window.session.snapshot().login)).toBe('ann@example.com');
    const refreshed = await b.evaluate(() => window.session.refreshToken().then((t) => t.rlm, (e: Error) => e.message));
    expect(refreshed, 'the dev backend signs with one key per browser profile').toBe('client');
    await a.waitForFunction(() => window.seen.includes('state'));
  });

  it('a sign-out in tab A reaches tab B with its reason, and B does not bring the customer back', async () => {
    await a.evaluate(() => window.session.signOut());
    await b.waitForFunction(() => !window.session.isSignedIn());
    expect(await b.evaluate(() => window.seen.filter((s) => s.startsWith('signed-out')))).toEqual(['signed-out:USER_SIGN_OUT']);
    await b.evaluate(() => window.session.retrieveToken());
    await b.reload();
    await b.waitForSelector('body[data-ready="yes"]', { state: 'attached' });
    expect(await b.evaluate(() => window.session.snapshot().login), 'after a reload the customer is still signed out').toBeNull();
  });

  it('a destroy in tab B gives tab A the new UUID', async () => {
    const before = await a.evaluate(() => window.session.getUUID());
    const fresh = await b.evaluate(() => window.session.destroySession().then(() => window.session.getUUID()));
    expect(fresh).not.toBe(before);
    await a.waitForFunction((uuid) => window.session.getUUID() === uuid, fresh);
  });
});
