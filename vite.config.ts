import path from 'node:path';
import { defineConfig, type Plugin, type UserConfig } from 'vite';

/**
 * One config, three builds (scripts/build.mjs runs them in turn):
 *   --mode lib        the package's ES modules, for apps and their bundlers:
 *                       src/core/index.ts        → dist/core.js         ("session-panel/core")
                       src/core/production.ts   → dist/production.js   ("session-panel/core/production": no dev
                                                  backend, the page hook a lazy chunk of its own)
 *                       src/embed.ts             → dist/index.js        ("session-panel": registers <session-panel>)
 *                     The dev backend's signing code is a dynamic import of dist/dev-signing.js, built on its own
 *                     (--mode lib-signing: src/core/dev-signing.ts with its own copy of jose), so an app's bundler
 *                     splits it off whole: a shared build would put the jose modules it has in common with the
 *                     core's decoding (errors, base64url, key checks) in the chunk every page loads.
 *                     Lit stays an import (a dependency, so an app that uses Lit too bundles it once); the core's
 *                     modules that the element also uses go to shared chunks in dist/chunks/, so an app importing
 *                     both entries gets each module once. jose and @noble/hashes are bundled in: the files run in a
 *                     browser with no bundler (the e2e tests load dist/core.js as is).
 *   --mode embed      src/embed.ts → dist/session-panel.js: the same modules as dist/index.js, Lit included, for one
 *                     <script type="module"> tag.
 *   --mode extension  manifest.json → dist/extension/ (crxjs, load unpacked)
 *   --mode extension-firefox  the same sources → dist/extension-firefox/ (manifest derived for Firefox)
 * The default (dev server for `npm start`) serves the demo in demo/.
 */
export const LIB_ENTRIES = {
  core: 'src/core/index.ts',
  production: 'src/core/production.ts',
  index: 'src/embed.ts',
} as const;

/**
 * The devtools parts (page hook, log wording, session.debug, the HTTP backend's fault switches) in a chunk of their
 * own: dist/production.js imports them lazily, and an app's
 * bundler can leave a lazily imported file out of the page only when no statically imported file holds it (esbuild
 * splits by file).
 */
const OWN_CHUNKS = [
  // errors.ts first, so the hook's group does not take it along (a group takes its module's imports with it).
  { name: 'errors', test: /src[\\/]core[\\/]errors\.ts$/, priority: 2 },
  { name: 'devtools', test: /src[\\/]core[\\/](hook|log-format|debug-controls|http-faults|faults)\.ts$/, priority: 1 },
];

/** Lit and its parts: imports in the ES modules, bundled only into the drop-in. */
export const LIT = /^(lit|lit-html|lit-element|@lit\/reactive-element)(\/|$)/;

const SIGNING_SOURCE = path.resolve('src/core/dev-signing.ts');
const SIGNING_OUTPUT = path.resolve('dist/dev-signing.js');

/** In the lib build, `import('./dev-signing.js')` stays an import of the separately built dist/dev-signing.js. */
const signingAsExternal: Plugin = {
  name: 'session-panel:dev-signing-external',
  enforce: 'pre',
  async resolveId(source, importer, options) {
    if (!source.includes('dev-signing')) return null;
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
    // An absolute external id is written relative to the chunk that imports it.
    return resolved?.id === SIGNING_SOURCE ? { id: SIGNING_OUTPUT, external: true } : null;
  },
};

export default defineConfig(async ({ mode }): Promise<UserConfig> => {
  // Library builds: vite's lib mode keeps whitespace in ES output unless the output is minified explicitly.
  const build = (lib: NonNullable<UserConfig['build']>['lib'], external?: RegExp, groups?: typeof OWN_CHUNKS): UserConfig => ({
    build: {
      outDir: 'dist',
      emptyOutDir: false,
      target: 'es2022',
      sourcemap: true,
      lib,
      rolldownOptions: {
        ...(external ? { external } : {}),
        output: { minify: true, chunkFileNames: 'chunks/[name]-[hash].js', ...(groups ? { codeSplitting: { groups } } : {}) },
      },
    },
  });
  if (mode === 'lib') return { ...build({ entry: LIB_ENTRIES, formats: ['es'], fileName: (_format, name) => `${name}.js` }, LIT, OWN_CHUNKS), plugins: [signingAsExternal] };
  if (mode === 'lib-signing') return build({ entry: SIGNING_SOURCE, formats: ['es'], fileName: () => 'dev-signing.js' });
  if (mode === 'embed') return build({ entry: 'src/embed.ts', formats: ['es'], fileName: () => 'session-panel.js' });
  if (mode === 'extension' || mode === 'extension-firefox') {
    const { extensionConfig } = await import('./src/extension/vite.extension.js');
    return extensionConfig(mode === 'extension' ? 'chrome' : 'firefox');
  }
  return {
    root: '.',
    server: { host: '127.0.0.1' },
    // Pre-bundle the demo's dependencies up front: discovered lazily, vite re-optimises them and reloads the page
    // on a new user's first visit.
    // entries: only the demo page. Left to itself, vite's dependency scan crawls every index.html in the repo, the
    // package fixtures' too, and warns on `npm start` that `session-panel` (installed only in those fixtures) is missing.
    optimizeDeps: { entries: ['index.html'], include: ['lit', 'lit/decorators.js', 'lit/directives/repeat.js', 'jose', 'jose/jwt/decode', 'jose/decode/protected_header', '@noble/hashes/legacy.js'] },
  };
});
