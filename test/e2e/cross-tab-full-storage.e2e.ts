import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startAuthServer, type AuthServer } from '../../server/index.js';
import { launchChromium, type LaunchedChromium } from './support/chromium.js';
import { serveStatic, type StaticServer } from './support/server.js';

// Issue #14, storage nearly full when tabs start, in real Chromium. A page of the origin fills localStorage to its
// quota but for a little room; three tabs of the app start together against the reference server and share one
// identity. Then the page tops the storage up until only 40 characters are free: a sign-in in one tab (a longer
// state) cannot be written, and that tab must say it is out of step (`persistent: false`, a `storage` error) and not
// pull the others off the stored state; a destroy in another tab (a state no longer than the stored one) reaches
// every tab that shares the storage. At every step each tab holds the stored identity and token, or says it is
// degraded. (Chromium gives an origin 5 M characters and every tab's renderer loads them all: most of this test's
// time. With no room at all every tab degrades at once: test/core/defects-14.test.ts.)
const APP = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module">
  import { createSession, createHttpBackend } from '/dist/core.js';
  const auth = new URLSearchParams(location.search).get('auth');
  window.errors = [];
  window.session = createSession({
    namespace: 'full-e2e',
    backend: createHttpBackend({ baseUrl: auth, apiKey: 'e2e', retries: 0 }),
    requestTimeoutMs: 4000,
  });
  window.session.subscribe((e) => { if (e.type === 'error') window.errors.push(e.error.kind); });
  await window.session.ready;
  document.body.dataset.ready = 'yes';
</script></head><body></body></html>`;

const FILL = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body><script>
  // Fills the storage but for \`room\` characters: reserve them, fill the rest with ever smaller chunks until not one
  // more character fits, free them. Called again, it tops up what the tabs left free.
  window.fill = (room) => {
    if (room > 0) localStorage.setItem('room', 'r'.repeat(room - 4));
    let n = localStorage.length;
    for (let size = 1 << 22; size >= 1; size = Math.floor(size / 2)) {
      for (;;) {
        try { localStorage.setItem('filler-' + n++, 'x'.repeat(size)); } catch { break; }
      }
    }
    localStorage.removeItem('room');
  };
  localStorage.clear();
  window.fill(Number(new URLSearchParams(location.search).get('room')));
  document.body.dataset.filled = 'yes';
</script></body></html>`;

declare global {
  interface Window {
    session: import('../../src/core/types.js').Session;
    errors: string[];
    fill: (room: number) => void;
  }
}

const TABS = 3;
let chromium: LaunchedChromium;
let auth: AuthServer;
const sites: StaticServer[] = [];

beforeAll(async () => {
  auth = await startAuthServer({ tokenTtlSeconds: 600 });
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  for (const site of sites) await site.close();
  await auth?.close();
});

interface TabView {
  uuid: string;
  token: string | null;
  persistent: boolean;
  degraded: boolean;
  errors: string[];
}

const view = (page: Page): Promise<TabView> =>
  page.evaluate(() => {
    const s = window.session.snapshot();
    return { uuid: s.uuid, token: s.token?.tokenString ?? null, persistent: s.storage.persistent, degraded: s.storage.degraded, errors: [...window.errors] };
  });

async function startTabs(room: number): Promise<{ pages: Page[]; filler: Page; stored: () => Promise<Stored | null> }> {
  const site = await serveStatic('.', { '/app.html': APP, '/fill.html': FILL });
  sites.push(site);
  const filler = await chromium.context.newPage();
  await filler.goto(`${site.url}/fill.html?room=${room}`);
  await filler.waitForSelector('body[data-filled]', { state: 'attached' });
  // The tabs start together, as after a browser restart.
  const pages = await Promise.all(
    Array.from({ length: TABS }, async () => {
      const page = await chromium.context.newPage();
      await page.goto(`${site.url}/app.html?auth=${encodeURIComponent(auth.url)}`);
      await page.waitForSelector('body[data-ready="yes"]', { state: 'attached' });
      return page;
    }),
  );
  const stored = (): Promise<Stored | null> =>
    filler.evaluate(() => {
      const value = JSON.parse(localStorage.getItem('full-e2e:state') ?? 'null') as { uuid: string; token: { tokenString: string } | null } | null;
      return value && { uuid: value.uuid, token: value.token?.tokenString ?? null };
    });
  return { pages, filler, stored };
}

interface Stored {
  uuid: string;
  token: string | null;
}

/** Every tab holds the stored identity and token, or says it is out of step (not persistent, a storage error). */
function expectSharedOrDegraded(views: TabView[], stored: Stored | null): void {
  for (const [i, v] of views.entries()) {
    if (v.persistent && v.uuid === stored?.uuid && v.token === stored.token) continue;
    const where = `tab ${i} is on ${v.uuid}${v.token === stored?.token ? '' : ' with another token'}, the storage on ${stored?.uuid ?? 'nothing'}`;
    expect([v.persistent, v.degraded], `${where}: it must say it is degraded`).toEqual([false, true]);
    expect(v.errors, `tab ${i} reports the storage failure`).toContain('storage');
  }
}

describe(`${TABS} tabs starting on a localStorage filled to its quota`, () => {
  it('share one identity; a tab whose write no longer fits says so; a destroy reaches every tab sharing the storage', async () => {
    const { pages, filler, stored } = await startTabs(3000);
    const started = await Promise.all(pages.map(view));
    expectSharedOrDegraded(started, await stored());
    expect(new Set(started.map((v) => v.uuid)).size, 'one identity').toBe(1);

    await filler.evaluate(() => window.fill(40));
    await pages[0]!.evaluate(() => window.session.signIn('ann', 'pw'));
    const signedIn = await Promise.all(pages.map(view));
    expect([signedIn[0]!.persistent, signedIn[0]!.degraded, signedIn[0]!.errors], 'the tab whose write failed').toEqual([false, true, ['storage']]);
    expectSharedOrDegraded(signedIn, await stored());

    const uuid = await pages[1]!.evaluate(() => window.session.destroySession().then(() => window.session.getUUID()));
    expect((await stored())?.uuid, 'the destroy was stored').toBe(uuid);
    const sharing = signedIn.map((v, i) => (v.persistent ? i : -1)).filter((i) => i >= 0);
    expect(sharing).toEqual([1, 2]);
    for (const i of sharing) await pages[i]!.waitForFunction((u) => window.session.getUUID() === u, uuid);
    expectSharedOrDegraded(await Promise.all(pages.map(view)), await stored());
  });
});
