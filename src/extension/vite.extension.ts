import { crx, type ManifestV3Export } from '@crxjs/vite-plugin';
import type { UserConfig } from 'vite';
import manifest from '../../manifest.json' with { type: 'json' };
import { firefoxManifest } from './firefox-manifest.js';
import { noPageResources } from './vite-no-page-resources.js';

export type ExtensionTarget = 'chrome' | 'firefox';

/**
 * `vite build --mode extension` (via scripts/build.mjs): manifest.json → dist/extension/ (load unpacked).
 * crxjs builds the manifest's entries; the panel page is only named from JS (devtools.panels.create), so it is
 * listed as an input here or it would be missing from the build. The page scripts (imported with `?script` in
 * background.ts) are built as self-contained IIFEs, and are not exposed to pages (noPageResources).
 * SESSION_PANEL_DEV=1 turns on dev-only logging.
 *
 * `--mode extension-firefox` builds the same sources into dist/extension-firefox/ with the manifest derived from
 * manifest.json at build time (firefox-manifest.ts); crxjs's `browser: 'firefox'` then writes its background loader
 * as an event page script instead of a service worker.
 */
export function extensionConfig(target: ExtensionTarget = 'chrome'): UserConfig {
  const firefox = target === 'firefox';
  const source = firefox ? firefoxManifest(manifest) : manifest;
  return {
    plugins: [crx({ manifest: source as ManifestV3Export, browser: target }), noPageResources()],
    define: { __SESSION_PANEL_DEV__: JSON.stringify(process.env.SESSION_PANEL_DEV === '1') },
    build: {
      outDir: firefox ? 'dist/extension-firefox' : 'dist/extension',
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: false,
      rolldownOptions: { input: { panel: 'src/extension/panel.html' } },
    },
  };
}
