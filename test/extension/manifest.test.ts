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

const manifest = JSON.parse(readFileSync('manifest.json', 'utf8')) as Record<string, unknown> & {
  content_scripts: { js: string[]; world?: string; matches: string[] }[];
};

describe('manifest.json', () => {
  test('MV3, closed to other extensions and pages; "storage" for the per-tab log, scripting and host access to read the inspected page for tokens; cookies only optional', () => {
    expect(manifest.manifest_version).toBe(3);
    expect(manifest.permissions).toEqual(['storage', 'scripting']);
    expect(manifest.host_permissions).toEqual(['<all_urls>']);
    // Asked from the panel with one click (HttpOnly cookies), never at install.
    expect(manifest.optional_permissions).toEqual(['cookies']);
    expect(manifest.externally_connectable).toEqual({ ids: [], matches: [] });
    expect(manifest.web_accessible_resources, 'nothing of ours is exposed to pages by hand').toBeUndefined();
  });

  test('no eval or remote code: the extension pages’ CSP allows only the package’s own scripts', () => {
    const csp = (manifest.content_security_policy as { extension_pages: string }).extension_pages;
    expect(csp).toBe("script-src 'self'; object-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval|https?:|wasm-unsafe/);
  });

  test('one MAIN-world agent and one isolated bridge, both self-contained IIFEs', () => {
    expect(manifest.content_scripts.map((c) => [c.js, c.world ?? 'ISOLATED'])).toEqual([
      [['src/extension/page/page.iife.ts'], 'MAIN'],
      [['src/extension/content/bridge.iife.ts'], 'ISOLATED'],
    ]);
  });

  test('the devtools page creates a tab titled "Session" showing the panel page', () => {
    expect(manifest.devtools_page).toBe('src/extension/devtools.html');
    expect(PANEL_TITLE).toBe('Session');
    expect(created).toEqual([['Session', '', PANEL_PAGE]]);
    expect(readFileSync(PANEL_PAGE, 'utf8')).toContain('<session-panel>');
  });
});
