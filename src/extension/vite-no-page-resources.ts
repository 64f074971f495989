import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

/**
 * crxjs lists the scripts imported with `?script` under `web_accessible_resources` for every http(s) page. Pages
 * could then fetch `chrome-extension://<id>/…` to learn the extension is installed (spec §12: nothing the page can
 * observe). scripting.executeScript needs no such entry, so it goes, and so do the unreferenced intermediate ESM
 * chunks crxjs emits beside the IIFEs (its own notes say they are left in on purpose).
 */
export function noPageResources(): Plugin {
  let outDir = 'dist/extension';
  return {
    name: 'session-panel:no-page-resources',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    writeBundle(_options, bundle) {
      const file = path.join(outDir, 'manifest.json');
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      delete manifest.web_accessible_resources;
      writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
      for (const name of Object.keys(bundle)) if (/^assets\/[^/]*\.iife\.ts-[^/]*\.js$/.test(name)) rmSync(path.join(outDir, name));
    },
  };
}
