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

// A tab of another app whose session starts when asked, `ahead` ms ahead of the system clock, with 1 s tokens.
const LATE_APP = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module">
  import { createSession, createDevBackend } from '/dist/core.js';
  window.said = [];
  window.start = async (ahead) => {
    const now = () => Date.now() + ahead;
    window.session = createSession({ namespace: 'late-tab-e2e', now, backend: createDevBackend({ now, tokenTtlSeconds: 1 }) });
    window.session.subscribe((e) => e.type === 'state' && window.said.push(e.what));
    await window.session.ready;
  };
</script></head><body></body></html>`;

declare global {
  interface Window {
    session: import('../../src/core/types.js').Session;
    seen: string[];
    said: string[];
    start(aheadMs: number): Promise<void>;
  }
}

let chromium: LaunchedChromium;
let server: StaticServer;
let a: Page;
let b: Page;

beforeAll(async () => {
  server = await serveStatic('.', { '/app.html': APP, '/late.html': LATE_APP });
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

describe('a tab that finds a stored token dead on its clock', () => {
  const PEER_WAIT = /waiting up to \d+ ms for another tab's clock/;
  /** Until the browser has let go of closed tabs' presence locks (Web Locks), so the count is this test's own tabs. */
  const noOtherTabs = (page: Page): Promise<unknown> =>
    page.waitForFunction(async () => !(await navigator.locks.query()).held?.some((l) => l.name?.startsWith('session-panel:late-tab-e2e:')));

  it('judges it at once when no other tab holds the session (no wait for a peer clock), and waits when one does', async () => {
    const writer = await chromium.context.newPage();
    await writer.goto(`${server.url}/late.html`);
    await writer.evaluate(() => window.start(0));
    await writer.close();
    // A returning visit, alone: the stored 1 s token is dead on the issuer's clock and on this tab's.
    const alone = await chromium.context.newPage();
    await alone.goto(`${server.url}/late.html`);
    await noOtherTabs(alone);
    await alone.evaluate(() => new Promise((resolve) => setTimeout(resolve, 1100)));
    await alone.evaluate(() => window.start(0));
    expect(await alone.evaluate(() => window.session.snapshot().token?.tokenString !== undefined)).toBe(true);
    expect((await alone.evaluate(() => window.said)).filter((s) => PEER_WAIT.test(s)), 'said by the tab alone').toEqual([]);
    // The control: a tab an hour ahead joins while that one holds a live token: it sees the token dead and waits
    // for the peer's estimate (which tells it the token is live).
    const ahead = await chromium.context.newPage();
    await ahead.goto(`${server.url}/late.html`);
    await ahead.evaluate(() => window.start(3600_000));
    expect((await ahead.evaluate(() => window.said)).filter((s) => PEER_WAIT.test(s))).toHaveLength(1);
    await ahead.close();
    await alone.close();
  });
});
