import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startAuthServer, type AuthServer } from '../../server/index.js';
import { launchChromium, type LaunchedChromium } from './support/chromium.js';
import { serveStatic, type StaticServer } from './support/server.js';

// Issue #14, tabs whose clocks differ, in real Chromium: three tabs of one app in one profile (one localStorage, Web
// Locks, BroadcastChannel) against the reference auth server, one tab's Date.now an hour ahead and one an hour behind
// (an init script, as a device clock that is off would be). Each tab asks for its token every 250 ms over two token
// lifetimes; every token handed out is judged on the real clock (performance.timeOrigin + performance.now(), which the
// init script does not touch). The panel in the tab ahead must show the time the server gives the token.
const APP = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module">
  import { createSession, createHttpBackend } from '/dist/core.js';
  const auth = new URLSearchParams(location.search).get('auth');
  window.session = createSession({
    namespace: 'skew-e2e',
    backend: createHttpBackend({ baseUrl: auth, apiKey: 'e2e', retries: 0 }),
    requestTimeoutMs: 4000,
  });
  window.realNow = () => performance.timeOrigin + performance.now();
  await window.session.ready;
  document.body.dataset.ready = 'yes';
</script>
<script type="module" src="/dist/session-panel.js"></script>
</head><body><session-panel></session-panel></body></html>`;

declare global {
  interface Window {
    session: import('../../src/core/types.js').Session;
    realNow: () => number;
  }
}

const HOUR = 3_600_000;
const TTL_S = 3;
let chromium: LaunchedChromium;
let site: StaticServer;
let auth: AuthServer;
const tabs: { page: Page; skew: number }[] = [];

async function openTab(skew: number): Promise<Page> {
  const page = await chromium.context.newPage();
  if (skew !== 0) {
    await page.addInitScript((ms) => {
      const real = Date.now.bind(Date);
      Date.now = () => real() + ms;
    }, skew);
  }
  await page.goto(`${site.url}/app.html?auth=${encodeURIComponent(auth.url)}`);
  await page.waitForSelector('body[data-ready="yes"]', { state: 'attached' });
  return page;
}

beforeAll(async () => {
  auth = await startAuthServer({ tokenTtlSeconds: TTL_S });
  site = await serveStatic('.', { '/app.html': APP });
  chromium = await launchChromium();
  // The tab on the right clock first (its anonymous login is the stored token), then the skewed ones join.
  for (const skew of [0, HOUR, -HOUR]) tabs.push({ page: await openTab(skew), skew });
});

afterAll(async () => {
  await chromium?.close();
  await site?.close();
  await auth?.close();
});

describe('tabs whose clocks differ by an hour, one storage, the reference server', () => {
  it('hand out no dead token, whichever tab wrote it (1.5 lifetimes, every tab asking every 250 ms)', async () => {
    const uuids = await Promise.all(tabs.map(({ page }) => page.evaluate(() => window.session.getUUID())));
    expect(new Set(uuids).size).toBe(1);
    // A fresh token from the tab on the right clock (the first one may be near its end by now: tabs took a while to
    // open), then the tab an hour ahead writes the next one on its clock.
    for (const tab of [tabs[0]!, tabs[1]!]) await tab.page.evaluate(() => window.session.retrieveToken().then(() => window.session.refreshToken()).then(() => undefined));
    const runs = await Promise.all(
      tabs.map(({ page }) =>
        page.evaluate(async (ms) => {
          const out: { exp: number; at: number; error?: string }[] = [];
          for (const end = window.realNow() + ms; window.realNow() < end; ) {
            try {
              const token = await window.session.retrieveToken();
              out.push({ exp: token.expirationDate.getTime(), at: window.realNow() });
            } catch (error) {
              out.push({ exp: 0, at: window.realNow(), error: String((error as { kind?: string }).kind) });
            }
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
          return out;
        }, 1.5 * TTL_S * 1000),
      ),
    );
    for (const [i, run] of runs.entries()) {
      expect(run.length, `tab ${i} asked`).toBeGreaterThan(8);
      expect(run.filter((r) => r.error), `tab ${i} errors`).toEqual([]);
      const dead = run.filter((r) => r.at >= r.exp);
      expect(dead.length, `dead tokens handed out by the tab ${tabs[i]!.skew / HOUR} h off`).toBe(0);
    }
  });

  it('the panels in the tabs an hour off count down the time the server gives a token another tab wrote', async () => {
    // The tab on the right clock writes; the tabs an hour ahead and behind show it.
    await tabs[0]!.page.evaluate(() => window.session.retrieveToken().then(() => window.session.refreshToken()).then(() => undefined));
    const token = await tabs[0]!.page.evaluate(() => window.session.snapshot().token!.tokenString);
    for (const { page, skew } of tabs.slice(1)) {
      const seen = await page.waitForFunction((want) => {
        const text = document.querySelector('session-panel')?.shadowRoot?.querySelector('[data-field="countdown"]')?.textContent ?? '';
        const match = /(expires in|expired) (?:(\d+):)?(\d+):(\d\d)/.exec(text) ?? /expired/.exec(text);
        const token = window.session.snapshot().token;
        if (!match || token?.tokenString !== want) return null;
        const shown = match[0].startsWith('expired') ? 0 : Number(match[2] ?? 0) * 3600 + Number(match[3]) * 60 + Number(match[4]);
        return { text, shown, server: (token.exp - window.realNow()) / 1000 };
      }, token);
      const { text, shown, server } = (await seen.jsonValue())!;
      expect(Math.abs(shown - server), `the panel ${skew / HOUR} h off says "${text}", the server gives ${server.toFixed(1)} s`).toBeLessThanOrEqual(1.5);
    }
  });
});
