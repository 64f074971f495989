import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CDPSession, Page } from 'playwright-core';
import { EXTENSION_DIR, launchWithExtension, type ExtensionBrowser } from './extension-support/browser.js';
import { until } from './extension-support/cdp.js';
import { PANEL_PATH, browserCdp, openRealDevtoolsPanel, openTestTab, type RemotePanel } from './extension-support/panel.js';
import { CLIENT_ID, startOidcServer, type OidcServer } from './discovery-support/oidc-server.js';
import { SNRS_UUID, startDiscoverySite, type DiscoverySite } from './discovery-support/site.js';

/**
 * Sessions on any page (spec §9), in the real DevTools window of Debian's Chromium with the built extension:
 * a page signed in with the real oidc-client-ts against a real oidc-provider on 127.0.0.1, then fixture pages in the
 * shapes Supabase, Auth0, Clerk, Firebase and the Synerise Web SDK store their sessions in. Assertions read the
 * panel's rendered text (what a user reads), never its internals.
 */

let site: DiscoverySite;
let op: OidcServer;
let b: ExtensionBrowser;
let cdp: CDPSession;

beforeAll(async () => {
  site = await startDiscoverySite();
  op = await startOidcServer(site.origin);
  site.setAuthority(op.issuer, CLIENT_ID);
  b = await launchWithExtension();
  cdp = await browserCdp(b);
});
afterAll(async () => {
  await b?.close();
  await op?.close();
  await site?.close();
});

/** The text of every discovered-token in the panel, whitespace collapsed. */
function foundTokens(panel: RemotePanel): Promise<string[]> {
  return panel.target.evaluate<string[]>(
    `[...(document.querySelector('session-panel')?.shadowRoot?.querySelectorAll('[part~="discovered-token"]') ?? [])].map((e) => e.textContent.replace(/\\s+/g, ' ').trim())`,
  );
}

async function waitForToken(panel: RemotePanel, what: string, ...words: string[]): Promise<string> {
  return until(what, async () => (await foundTokens(panel)).find((t) => words.every((w) => t.includes(w))), 20_000);
}

interface OidcUser {
  id_token: string;
  access_token: string;
  refresh_token?: string;
}

describe('one tab in the real DevTools window: a page signed in with the real oidc-client-ts (authorization code + PKCE) against oidc-provider, then fixture pages', () => {
  let page: Page;
  let panel: RemotePanel;
  const storageKey = (): string => `oidc.user:${op.issuer}:${CLIENT_ID}`;
  const user = (): Promise<OidcUser> => page.evaluate((k) => JSON.parse(sessionStorage.getItem(k) ?? 'null') as OidcUser, storageKey());

  beforeAll(async () => {
    ({ page } = await openTestTab(b, `${site.origin}/`));
    await page.evaluate(() => {
      void (window as unknown as { __oidc: { signinRedirect(): Promise<void> } }).__oidc.signinRedirect();
    });
    await page.waitForSelector('input[name=login]');
    await page.fill('input[name=login]', 'alice');
    await page.fill('input[name=password]', 'any');
    await page.click('button[type=submit]');
    await page.waitForSelector('body[data-signed-in=yes]', { timeout: 20_000 });
    await page.bringToFront();
    ({ panel } = await openRealDevtoolsPanel(b, page, cdp));
  });

  test('the tab lists the id token and the access token from sessionStorage, without a click', async () => {
    const signedIn = await user();
    expect(signedIn.access_token.split('.'), 'oidc-provider issued a JWT access token').toHaveLength(3);
    const place = `sessionStorage ${storageKey()}`;
    const id = await waitForToken(panel, 'the id token', `${place} → id_token`);
    const access = await waitForToken(panel, 'the access token', `${place} → access_token`);
    for (const text of [id, access]) {
      expect(text).toContain('sub alice');
      expect(text).toMatch(/^valid /);
      expect(text, 'masked').not.toContain(signedIn.access_token.slice(0, 40));
      expect(text).toContain('Any script on this page can read it (sessionStorage');
    }
    expect(id).toContain('id token');
    expect(access).toContain('access token');
    expect(access).toContain('https://api.session-panel.test');
    // The discovery view (given by the panel page, not built into the element) brings its styles: adopted sheets, no inline <style>.
    const styled = await panel.target.evaluate<string>(`(() => {
      const root = document.querySelector('session-panel').shadowRoot;
      const s = getComputedStyle(root.querySelector('.discovered-session'));
      return [s.borderTopStyle, s.borderTopWidth, root.querySelectorAll('style').length].join(' ');
    })()`);
    expect(styled, "the discovery view's styles apply in the shadow root").toBe('solid 1px 0');
  });

  test('a refresh (signinSilent with the refresh token) shows in the token endpoint response and in storage', async () => {
    const before = await user();
    const requests = op.tokenRequests();
    await page.evaluate(() => (window as unknown as { __oidc: { signinSilent(): Promise<unknown> } }).__oidc.signinSilent());
    const after = await user();
    expect(op.tokenRequests(), 'one more token request').toBe(requests + 1);
    expect(after.access_token).not.toBe(before.access_token);
    const place = `sessionStorage ${storageKey()}`;
    const fresh = await waitForToken(panel, 'the refreshed access token in the response and in storage', 'network response of POST /token → access_token', `${place} → access_token`);
    expect(fresh).toContain('brought by POST /token (200)');
    await waitForToken(panel, 'the refreshed id token', 'network response of POST /token → id_token', `${place} → id_token`);
    const old = await waitForToken(panel, 'the old access token, gone from storage', `${place} → access_token (gone`);
    expect(old).toContain('no longer stored');
    const history = await panel.target.evaluate<string>(`document.querySelector('session-panel').shadowRoot.querySelector('[part~="discovered"]').textContent`);
    expect(history.replace(/\s+/g, ' '), 'one session with its history').toMatch(/History: .*access token issued .* from POST \/token/);
    // Drawn on the timeline: the old access token's bar ends where the refreshed one replaced it, and the new value is a mark.
    const drawn = await until('the refresh on the timeline', async () => {
      const labels = await panel.target.evaluate<string[]>(
        `[...document.querySelector('session-panel').shadowRoot.querySelectorAll('[part~="timeline-found-token"], [part~="timeline-found-mark"]')].map((e) => e.getAttribute('aria-label'))`,
      );
      return labels.some((l) => /^sub alice · access tokens: found access token, .*, replaced /.test(l)) ? labels : undefined;
    });
    expect(drawn).toEqual(expect.arrayContaining([expect.stringMatching(/^sub alice · access tokens: new access token value at /), expect.stringMatching(/^sub alice · access tokens: brought by POST \/token /)]));
  });

  // The same tab and DevTools window go on to the fixture pages (one DevTools window per run keeps this file fast).
  test('Supabase auth-js: sb-<ref>-auth-token in localStorage', async () => {
    await page.goto(`${site.origin}/shape/supabase`);
    const text = await waitForToken(panel, 'the Supabase token', 'localStorage sb-abcdefgh-auth-token → access_token');
    expect(text).toContain('sub 5a1e0c6e-supa-base-user-000000000001');
    const section = await panel.target.evaluate<string>(`document.querySelector('session-panel').shadowRoot.querySelector('[part~="discovered"]').textContent`);
    expect(section.replace(/\s+/g, ' ')).toContain('refresh_token in localStorage sb-abcdefgh-auth-token');
  });

  test('Auth0 SPA JS local-storage cache, Clerk __session cookie, Firebase IndexedDB, each followed across navigations', async () => {
    await page.goto(`${site.origin}/shape/auth0`);
    const key = '@@auth0spajs@@::a0client::https://api.example::openid profile offline_access';
    const access = await waitForToken(panel, 'the Auth0 access token', `localStorage ${key} → body.access_token`);
    const id = await waitForToken(panel, 'the Auth0 id token', `localStorage ${key} → body.id_token`);
    expect(access).toContain('sub auth0|6512f0');
    expect(id).toContain('id token');
    await page.goto(`${site.origin}/shape/clerk`);
    const clerk = await waitForToken(panel, 'the Clerk session cookie', 'cookie __session');
    expect(clerk).toContain('sub user_2abcClerk');
    expect(clerk).toContain('a cookie without HttpOnly');
    await page.goto(`${site.origin}/shape/firebase`);
    await page.waitForSelector('body[data-ready=yes]');
    const firebase = await waitForToken(panel, 'the Firebase id token in IndexedDB', 'indexedDB firebaseLocalStorageDb/firebaseLocalStorage/firebase:authUser:AIzaDemoKey:[DEFAULT] → value.stsTokenManager.accessToken');
    expect(firebase).toContain('sub fbUid123');
    expect(firebase).toContain('id token');
  });

  test('the Synerise Web SDK: profile UUID from _snrs_uuid and the SDK globals, in part="synerise-web"', async () => {
    await page.goto(`${site.origin}/shape/synerise`);
    const text = await until('the Synerise section', async () => {
      const t = await panel.text('synerise-web');
      return t?.includes(SNRS_UUID) && t.includes('SyneriseTC') ? t.replace(/\s+/g, ' ') : undefined;
    }, 20_000);
    expect(text).toContain(`Profile UUID ${SNRS_UUID}`);
    expect(text).toContain('loaded (SR, SyneriseTC)');
  });

  test('a cross-origin iframe: the JWT in its own localStorage is found, labelled with the iframe\'s origin', async () => {
    await page.goto(`${site.origin}/shape/frames`);
    const text = await waitForToken(panel, 'the iframe token', `localStorage frame-auth → access_token in frame ${site.frameOrigin}`);
    expect(text).toContain('sub frame-user-1');
    expect(text).toContain(`Any script in frame ${site.frameOrigin} can read it (localStorage "frame-auth")`);
    expect(site.frameOrigin).not.toBe(site.origin);
  });

  test('Delete a cookie from the panel asks first, then removes it from the page', async () => {
    await page.goto(`${site.origin}/shape/clerk`);
    await waitForToken(panel, 'the Clerk cookie', 'cookie __session');
    // The cookie's own Delete: the list also holds this origin's storage entries from the earlier pages, and re-sorts
    // as the page is re-read, so the first Delete is not always the cookie's.
    await panel.click('discovered-delete', 'Delete cookie __session');
    await panel.click('discovered-delete-confirm');
    await until('the cookie to be gone from the page', async () => ((await page.evaluate(() => document.cookie)).includes('__session=') ? undefined : true));
    await waitForToken(panel, 'the panel to follow', 'cookie __session (gone');
  });

  test('HttpOnly cookies: page scripts cannot see them, and the panel offers the optional permission with one click', async () => {
    await page.goto(`${site.origin}/shape/httponly`);
    await until('the permission button', async () => ((await panel.text('cookies-permission')) === 'Read HttpOnly cookies' ? true : undefined), 20_000);
    expect((await foundTokens(panel)).some((t) => t.includes('cookie sid')), 'document.cookie does not show it').toBe(false);
  });
});

test('HttpOnly cookies with the cookies permission granted are listed, flagged HttpOnly', async () => {
  // The same build with `cookies` granted at install (a copy of dist/extension): what the one click unlocks. A
  // headless browser cannot click Chrome's permission prompt, so the grant is given this way. The panel page runs in
  // an ordinary tab here (panel.html?tabId=N): page reading does not need the DevTools window.
  const dir = mkdtempSync(path.join(tmpdir(), 'session-panel-cookies-ext-'));
  cpSync(EXTENSION_DIR, dir, { recursive: true });
  const manifestPath = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { permissions: string[]; optional_permissions?: string[] };
  manifest.permissions = [...manifest.permissions, 'cookies'];
  delete manifest.optional_permissions;
  writeFileSync(manifestPath, JSON.stringify(manifest));
  const granted = await launchWithExtension(dir);
  try {
    const { tabId } = await openTestTab(granted, `${site.origin}/shape/httponly`);
    const panelTab = await granted.context.newPage();
    await panelTab.goto(`chrome-extension://${granted.extensionId}/${PANEL_PATH}?tabId=${tabId}`);
    const item = panelTab.locator('session-panel [part~="discovered-token"]', { hasText: 'cookie sid (HttpOnly)' });
    await item.waitFor({ timeout: 20_000 });
    const text = (await item.textContent())?.replace(/\s+/g, ' ') ?? '';
    expect(text).toContain('sub cookie-user-1');
    expect(text, 'an HttpOnly cookie is not readable by scripts').not.toContain('Any script on this page can read it');
    expect(await panelTab.locator('session-panel [part~="cookies-permission"]').count(), 'no button once granted').toBe(0);
  } finally {
    await granted.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
