import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CDPSession, Page } from 'playwright-core';
import { startAuthServer, type AuthServer } from '../../server/index.js';
import { launchChromium, type LaunchedChromium } from './support/chromium.js';
import { serveStatic, type StaticServer } from './support/server.js';

// Tabs of one app in one Chromium profile (one localStorage, real Web Locks, real BroadcastChannel), each with its
// own copy of dist/core.js, against the reference auth server on 127.0.0.1 with its latency and rotation switches.
// The counts are the ones the design guarantees, exactly.
const APP = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module">
  import { createSession, createHttpBackend } from '/dist/core.js';
  const auth = new URLSearchParams(location.search).get('auth');
  window.session = createSession({
    namespace: 'flight-e2e',
    backend: createHttpBackend({ baseUrl: auth, apiKey: 'e2e', retries: 0 }),
    requestTimeoutMs: 4000,
    autoRefresh: false,
  });
  window.outcome = (p) => p.then((t) => 'ok:' + t.tokenString, (e) => e.kind + ':' + e.code);
  await window.session.ready;
  document.body.dataset.ready = 'yes';
</script></head><body></body></html>`;

declare global {
  interface Window {
    session: import('../../src/core/types.js').Session;
    outcome: (p: Promise<import('../../src/core/types.js').Token>) => Promise<string>;
  }
}

const TABS = 5;
let chromium: LaunchedChromium;
let site: StaticServer;
let auth: AuthServer;
let pages: Page[] = [];

async function openTab(): Promise<Page> {
  const page = await chromium.context.newPage();
  await page.goto(`${site.url}/app.html?auth=${encodeURIComponent(auth.url)}`);
  await page.waitForSelector('body[data-ready="yes"]', { state: 'attached' });
  return page;
}

const storedToken = (page: Page): Promise<string | null> =>
  page.evaluate(() => (JSON.parse(localStorage.getItem('flight-e2e:state') ?? 'null') as { token: { tokenString: string } | null } | null)?.token?.tokenString ?? null);

beforeAll(async () => {
  auth = await startAuthServer({ tokenTtlSeconds: 30, rotation: true });
  site = await serveStatic('.', { '/app.html': APP });
  chromium = await launchChromium();
  // Started one after another: the first tab's anonymous login serves them all.
  for (let i = 0; i < TABS; i++) pages.push(await openTab());
});

afterAll(async () => {
  await chromium?.close();
  await site?.close();
  await auth?.close();
});

beforeEach(() => {
  auth.setFaults({ reset: true });
  auth.resetStats();
});

describe(`${TABS} tabs of one app, Web Locks, rotation on`, () => {
  it('start on one session after one anonymous login, and know how many they are', async () => {
    const uuids = await Promise.all(pages.map((p) => p.evaluate(() => window.session.getUUID())));
    expect(new Set(uuids).size).toBe(1);
    for (const p of pages) await p.waitForFunction((n) => window.session.snapshot().crossTab?.tabs === n, TABS);
    expect(await pages[0]!.evaluate(() => window.session.snapshot().crossTab?.lock)).toBe('web-locks');
  });

  it('all tabs refreshing at one moment (300 ms server latency): 1 request, every caller gets the new token, 0 superseded', async () => {
    auth.setFaults({ latencyMs: 300, routes: ['refresh'] });
    const results = await Promise.all(pages.map((p) => p.evaluate(() => window.outcome(window.session.refreshToken()))));
    expect(auth.stats().routes.refresh).toBe(1);
    expect(new Set(results).size, results.join('\n')).toBe(1);
    expect(results[0]).toBe(`ok:${await storedToken(pages[0]!)}`);
    // Every tab converges on the stored token without another call, and the others say who refreshed.
    for (const p of pages) await p.waitForFunction((t) => window.session.snapshot().token?.tokenString === t, results[0]!.slice(3));
    const logged = await pages[1]!.evaluate(() => window.session.log().some((e) => e.message.includes('in another tab')));
    // Who refreshed travels with the stored state: wait (on a condition) for every tab to have taken it in.
    const lastBy = () => Promise.all(pages.map((p) => p.evaluate(() => window.session.snapshot().crossTab?.lastTokenBy)));
    for (let deadline = Date.now() + 5_000; new Set(await lastBy()).size > 1 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const by = await lastBy();
    expect(new Set(by).size, 'one tab did it, and every tab knows which').toBe(1);
    expect(logged || by[1] === (await pages[1]!.evaluate(() => window.session.id))).toBe(true);
  });

  it('a destroy while every tab asks for its token: 1 anonymous login, every tab on the new identity', async () => {
    auth.setFaults({ latencyMs: 300, routes: ['anonymous'] });
    const destroying = pages[0]!.evaluate(() => window.session.destroySession().then(() => window.session.getUUID()));
    const asking = pages.slice(1).map((p) =>
      p.evaluate(async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        return window.outcome(window.session.retrieveToken());
      }),
    );
    const uuid = await destroying;
    const results = await Promise.all(asking);
    expect(auth.stats().routes.anonymous).toBe(1);
    const stored = await storedToken(pages[0]!);
    expect(results, 'no 9009, everyone holds the new token').toEqual(results.map(() => `ok:${stored}`));
    const uuids = await Promise.all(pages.map((p) => p.evaluate(() => window.session.getUUID())));
    expect(uuids).toEqual(pages.map(() => uuid));
  });

  it('a lock holder that is closed mid-request, or frozen, blocks nobody longer than the request timeout', async () => {
    // Tab 0 takes the lock and its refresh hangs; then the tab is closed.
    auth.setFaults({ hang: true, routes: ['refresh'], remaining: 1 });
    void pages[0]!.evaluate(() => window.outcome(window.session.refreshToken())).catch(() => 'closed');
    await expect.poll(() => auth.stats().routes.refresh).toBe(1);
    await pages[0]!.close();
    pages = pages.slice(1);
    const afterClose = await pages[0]!.evaluate(async () => {
      const started = performance.now();
      const result = await window.outcome(window.session.refreshToken());
      return { ok: result.startsWith('ok:'), ms: performance.now() - started };
    });
    expect(afterClose.ok).toBe(true);
    expect(afterClose.ms, 'the browser let go of a closed tab at once').toBeLessThan(4000);

    // Tab 0 (now another one) takes the lock, its refresh hangs, and the page is frozen (a discarded background tab).
    auth.setFaults({ hang: true, routes: ['refresh'], remaining: 1 });
    void pages[0]!.evaluate(() => window.outcome(window.session.refreshToken()));
    await expect.poll(() => auth.stats().routes.refresh).toBe(3);
    const cdp: CDPSession = await chromium.context.newCDPSession(pages[0]!);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    try {
      const behindFrozen = await pages[1]!.evaluate(async () => {
        const started = performance.now();
        const result = await window.outcome(window.session.refreshToken());
        return { result, ms: performance.now() - started };
      });
      expect(behindFrozen.result).toMatch(/^ok:/);
      expect(behindFrozen.ms, 'stepped over within the 4 s request timeout').toBeLessThan(4000);
    } finally {
      await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    }
  });

  it('sign-in and sign-out requests finish as the server answered (none "canceled" in the Network panel)', async () => {
    const page = pages[0]!;
    const cdp = await chromium.context.newCDPSession(page);
    const failed: string[] = [];
    const finished: string[] = [];
    const urls = new Map<string, string>();
    cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, `${e.request.method} ${new URL(e.request.url).pathname}`));
    cdp.on('Network.loadingFailed', (e) => failed.push(`${urls.get(e.requestId)} ${e.errorText}${e.canceled ? ' (canceled)' : ''}`));
    cdp.on('Network.loadingFinished', (e) => finished.push(urls.get(e.requestId) ?? '?'));
    await cdp.send('Network.enable');
    for (let i = 0; i < 3; i++) {
      await page.evaluate(() => window.session.signIn('ann', 'pw'));
      await page.evaluate(() => window.session.signOut());
    }
    await expect.poll(() => finished.length + failed.length).toBeGreaterThanOrEqual(6);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(failed).toEqual([]);
    expect(finished.filter((f) => f === 'POST /sauth/v3/my-account/logout')).toHaveLength(3);
    await cdp.detach();
  });
});
