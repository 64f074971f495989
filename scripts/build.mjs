// npm run build: the builds of vite.config.ts (lib: the package's ES modules; embed: the drop-in; extension and
// extension-firefox: the Chrome and Firefox add-ons from the same sources),
// the type declarations and the custom-elements manifest. `node scripts/build.mjs lib embed` builds only those.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'vite';

// "core" is the lib build's former name (it built dist/core.js alone).
const only = process.argv.slice(2).map((mode) => (mode === 'core' ? 'lib' : mode));
const modes = ['lib', 'embed', 'extension', 'extension-firefox'].filter((mode) => only.length === 0 || only.includes(mode));
// The dev backend's signing code is its own build, beside the lib's files (see vite.config.ts).
if (modes.includes('lib')) modes.splice(modes.indexOf('lib') + 1, 0, 'lib-signing');

if (only.length === 0) rmSync('dist', { recursive: true, force: true });
for (const mode of modes) {
  await build({ mode, logLevel: 'warn', configFile: 'vite.config.ts' });
  console.log(`build: ${mode} done`);
}

// dist/types/**/*.d.ts: declarations for every export (tsconfig.types.json), built with the ES modules.
if (modes.includes('lib')) {
  rmSync('dist/types', { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.types.json'], { encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`type declarations failed:\n${tsc.stdout}${tsc.stderr}`);
  console.log('build: types done');
}

// dist/custom-elements.json: the <session-panel> manifest, generated from the class's JSDoc contract block
// (@fires, @csspart, @cssproperty) and its @property decorators. Built with the ES modules; its module paths name the
// published file that defines and exports the element (dist/index.js), not the TypeScript sources.
if (modes.includes('lib')) {
  const cem = spawnSync(
    process.execPath,
    ['node_modules/@custom-elements-manifest/analyzer/cem.js', 'analyze', '--litelement', '--outdir', 'dist', '--globs',
      'components/session-panel/session-panel.ts', 'components/session-panel/events.ts'],
    { encoding: 'utf8' },
  );
  if (cem.status !== 0) throw new Error(`custom-elements manifest failed:\n${cem.stderr}`);
  // The analyzer also guesses event names from `new XEvent(arg)` constructor arguments; keep the documented ones.
  const manifest = JSON.parse(readFileSync('dist/custom-elements.json', 'utf8'));
  for (const mod of manifest.modules) {
    for (const decl of mod.declarations ?? []) {
      if (decl.events) decl.events = decl.events.filter((e) => typeof e.name === 'string' && e.name.startsWith('session-'));
    }
  }
  // Tools (IDE completions, Storybook) resolve module paths in the installed package: the element and its events are
  // all published in dist/index.js (the "session-panel" export), which also registers the tag.
  const published = 'dist/index.js';
  const relink = (e) => (e.declaration ? { ...e, declaration: { ...e.declaration, module: published } } : e);
  manifest.modules = [{
    kind: 'javascript-module',
    path: published,
    declarations: manifest.modules.flatMap((m) => m.declarations ?? []),
    exports: [
      ...manifest.modules.flatMap((m) => (m.exports ?? []).map(relink)),
      { kind: 'custom-element-definition', name: 'session-panel', declaration: { name: 'SessionPanel', module: published } },
    ],
  }];
  writeFileSync('dist/custom-elements.json', JSON.stringify(manifest, null, 2));
  console.log('build: custom-elements.json done');
}
