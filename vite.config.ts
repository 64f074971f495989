import { defineConfig, type UserConfig } from 'vite';

/**
 * One config, three builds (scripts/build.mjs runs them in turn):
 *   --mode core       src/core/index.ts  → dist/core.js            (Node 20 and browsers, no DOM)
 *   --mode embed      src/embed.ts       → dist/session-panel.js   (self-contained, Lit bundled)
 *   --mode extension  manifest.json      → dist/extension/         (crxjs, load unpacked)
 * The default (dev server for `npm start`) serves the demo in demo/.
 */
export default defineConfig(async ({ mode }): Promise<UserConfig> => {
  // Library builds: vite's lib mode keeps whitespace in ES output unless the output is minified explicitly.
  const lib = (entry: string, fileName: string): UserConfig => ({
    build: {
      outDir: 'dist',
      emptyOutDir: false,
      target: 'es2022',
      sourcemap: true,
      lib: { entry, formats: ['es'], fileName: () => fileName },
      rolldownOptions: { output: { minify: true } },
    },
  });
  if (mode === 'core') return lib('src/core/index.ts', 'core.js');
  if (mode === 'embed') return lib('src/embed.ts', 'session-panel.js');
  if (mode === 'extension') {
    const { extensionConfig } = await import('./src/extension/vite.extension.js');
    return extensionConfig();
  }
  return {
    root: '.',
    server: { host: '127.0.0.1' },
    // Pre-bundle the demo's dependencies up front: discovered lazily, vite re-optimises them and reloads the page
    // on a new user's first visit.
    optimizeDeps: { include: ['lit', 'lit/decorators.js', 'jose', '@noble/hashes/legacy.js'] },
  };
});
