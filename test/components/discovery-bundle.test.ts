import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { LIT } from '../../vite.config.js';

// The discovery UI (spec §9) reaches <session-panel> only from the DevTools extension's panel page
// (src/extension/panel.ts sets `discoveryView`): neither the element's module graph (`import 'session-panel'`,
// dist/index.js) nor the drop-in (dist/session-panel.js, Lit bundled) may carry it. Bundled from the sources with
// esbuild, as an app's bundler would; the files listed are those that exist only for discovery.
const DISCOVERY_VIEW = [
  'components/session-panel/discovery-view.ts',
  'components/session-panel/discovered-section.ts',
  'components/session-panel/discovered-section.styles.ts',
  'components/session-panel/found-lane-model.ts',
  'components/session-panel/timeline-found-view.ts',
];

async function modulesOf(entry: string, external: (string | RegExp)[] = []): Promise<string[]> {
  const result = await build({
    entryPoints: [path.resolve(entry)],
    bundle: true,
    format: 'esm',
    write: false,
    metafile: true,
    outdir: 'out',
    logLevel: 'silent',
    plugins: [
      {
        // Lit as an import for the element's entry (what dist/index.js does); other extension imports resolve as usual.
        name: 'external',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => (external.some((e) => (typeof e === 'string' ? args.path === e : e.test(args.path))) ? { path: args.path, external: true } : undefined));
        },
      },
    ],
    loader: { '.html': 'text' },
  });
  const meta: Metafile = result.metafile;
  return Object.keys(meta.inputs).map((file) => path.relative(process.cwd(), path.resolve(file)).split(path.sep).join('/'));
}

describe('the discovery view stays out of the element and the drop-in', () => {
  it('the element entry (src/embed.ts → dist/index.js, Lit external) reaches no discovery view module and nothing of src/discovery/', async () => {
    const modules = await modulesOf('src/embed.ts', [LIT]);
    expect(modules, 'the element itself is there').toContain('components/session-panel/session-panel.ts');
    expect(modules.filter((m) => DISCOVERY_VIEW.includes(m) || m.startsWith('src/discovery/'))).toEqual([]);
  });

  it('the drop-in (src/embed.ts with Lit bundled → dist/session-panel.js) reaches none either', async () => {
    const modules = await modulesOf('src/embed.ts');
    expect(modules.some((m) => m.includes('node_modules/lit-html/')), 'Lit is bundled').toBe(true);
    expect(modules.filter((m) => DISCOVERY_VIEW.includes(m) || m.startsWith('src/discovery/'))).toEqual([]);
  });

  it('the extension panel page brings every one of them (so the checks above can fail)', async () => {
    const modules = await modulesOf('src/extension/panel.ts');
    for (const m of DISCOVERY_VIEW) expect(modules, m).toContain(m);
  });
});
