import { readFileSync } from 'node:fs';
import { describe, expect, test, vi } from 'vitest';
import { PANEL_PAGE, PANEL_TITLE } from '../../src/extension/devtools.js';

// devtools.ts calls the extension API at import; give it a stand-in that records the call.
const created = vi.hoisted((): unknown[][] => []);
vi.mock('../../src/extension/browser.js', () => ({
  createDevtoolsPanel: (...args: unknown[]) => {
    created.push(args);
    return Promise.resolve({});
  },
}));

const manifest = JSON.parse(readFileSync('manifest.json', 'utf8')) as Record<string, unknown>;

describe('manifest.json', () => {
  test('MV3 with the permissions the README names and nothing else, closed to other extensions and pages', () => {
    expect(manifest.manifest_version).toBe(3);
    // scripting + host access: the page scripts go in only when a panel opens; webNavigation: follow that tab's
    // frames while a panel is open; storage: the panel keeps its log per tab in storage.session.
    expect(manifest.permissions).toEqual(['scripting', 'storage', 'webNavigation']);
    expect(manifest.host_permissions).toEqual(['<all_urls>']);
    const readme = readFileSync('README.md', 'utf8');
    for (const p of ['scripting', 'storage', 'webNavigation', '<all_urls>']) expect(readme, `README names ${p}`).toContain(`"${p}"`);
    // cookies: HttpOnly cookies for "sessions on any page", asked from the panel with one click, never at install.
    expect(manifest.optional_permissions).toEqual(['cookies']);
    expect(readme, 'README names the optional cookies permission').toContain('optional_permissions: ["cookies"]');
    expect(manifest.externally_connectable).toEqual({ ids: [], matches: [] });
    expect(manifest.web_accessible_resources, 'nothing of ours is exposed to pages by hand').toBeUndefined();
  });

  test('no eval or remote code: the extension pages’ CSP allows only the package’s own scripts', () => {
    const csp = (manifest.content_security_policy as { extension_pages: string }).extension_pages;
    expect(csp).toBe("script-src 'self'; object-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval|https?:|wasm-unsafe/);
  });

  test('no content scripts: nothing runs in pages until a panel opens (spec §12)', () => {
    expect(manifest.content_scripts).toBeUndefined();
    // The two page scripts are injected by the worker; it imports them as crxjs `?script` IIFEs.
    const background = readFileSync('src/extension/background.ts', 'utf8');
    expect(background).toContain("from './page/page.iife.ts?script'");
    expect(background).toContain("from './content/bridge.iife.ts?script'");
  });

  test('the devtools page creates a tab titled "Session" showing the panel page', () => {
    expect(manifest.devtools_page).toBe('src/extension/devtools.html');
    expect(PANEL_TITLE).toBe('Session');
    expect(created).toEqual([['Session', '', PANEL_PAGE]]);
    // From the extension's root: Firefox resolves a relative path against the DevTools page (a 404 in the toolbox).
    expect(PANEL_PAGE).toBe('/src/extension/panel.html');
    expect(readFileSync(PANEL_PAGE.slice(1), 'utf8')).toContain('<session-panel>');
  });
});
