import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type Rolldown } from 'vite';
import { launchChromium, type LaunchedChromium } from '../e2e/support/chromium.js';
import { serveStatic, type StaticServer } from '../e2e/support/server.js';

// The package as an app author meets it: `npm pack`, the tarball installed into fresh apps outside this repo (so
// nothing resolves from the repo's own node_modules), strict TypeScript over the published .d.ts files, a Vite
// build, and the built apps in Chromium. Two fixtures share one install: a Vite + TypeScript app that also uses Lit
// itself, and a React 19 app. The apps are typechecked with the repo's tsc and built with the repo's Vite (fresh
// copies of those two would only add install time; every package the apps import comes from the tarball's install).

const repo = process.cwd();
const fixtures = path.join(repo, 'test/package/fixtures');
let work: string;
let chrome: LaunchedChromium;
const servers: StaticServer[] = [];

function run(command: string, args: readonly string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

type Output = Rolldown.RolldownOutput['output'][number];
type Chunk = Extract<Output, { type: 'chunk' }>;

async function viteBuild(app: string, input: Record<string, string>): Promise<Chunk[]> {
  const root = path.join(work, app);
  // What `vite build` in an app does: a production build. (Vitest sets NODE_ENV=test, which would make Vite pick
  // the packages' "development" builds, Lit's among them.)
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  const result = await build({
    root,
    configFile: false,
    logLevel: 'silent',
    build: { outDir: 'dist', emptyOutDir: true, rolldownOptions: { input } },
  }).finally(() => {
    process.env.NODE_ENV = nodeEnv;
  });
  const outputs = (Array.isArray(result) ? result : [result as Rolldown.RolldownOutput]).flatMap((r) => r.output);
  return outputs.filter((o): o is Chunk => o.type === 'chunk');
}

/** The chunks a page loads before any dynamic import: its entry and everything it imports statically. */
function staticClosure(chunks: readonly Chunk[], entry: Chunk): Chunk[] {
  const byName = new Map(chunks.map((c) => [c.fileName, c]));
  const seen = new Set<Chunk>();
  const visit = (chunk: Chunk): void => {
    if (seen.has(chunk)) return;
    seen.add(chunk);
    for (const name of chunk.imports) visit(byName.get(name)!);
  };
  visit(entry);
  return [...seen];
}

const count = (text: string, needle: string): number => text.split(needle).length - 1;

beforeAll(async () => {
  for (const file of ['dist/index.js', 'dist/core.js', 'dist/types/src/embed.d.ts']) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
  }
  work = mkdtempSync(path.join(tmpdir(), 'session-panel-consumer-'));
  cpSync(fixtures, work, { recursive: true });
  run('npm', ['pack', '--silent', '--pack-destination', work], repo);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
  renameSync(path.join(work, tarball), path.join(work, 'session-panel.tgz'));
  const manifest = JSON.parse(readFileSync(path.join(work, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  manifest.dependencies['session-panel'] = 'file:./session-panel.tgz';
  writeFileSync(path.join(work, 'package.json'), JSON.stringify(manifest, null, 2));
  // --prefer-offline: the versions are the repo's devDependencies, already in npm's cache after `npm ci`.
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], work);
  chrome = await launchChromium();
}, 180_000);

afterAll(async () => {
  await chrome?.close();
  for (const server of servers) await server.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package in a Vite + strict TypeScript app', () => {
  it('ships only the library files, with lit as its one dependency', () => {
    const pkg = JSON.parse(readFileSync(path.join(work, 'node_modules/session-panel/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      exports: Record<string, { types?: string; default?: string }>;
    };
    expect(Object.keys(pkg.dependencies)).toEqual(['lit']);
    for (const [name, entry] of Object.entries(pkg.exports)) {
      expect(entry.types, `${name} has types`).toMatch(/\.d\.ts$/);
      expect(existsSync(path.join(work, 'node_modules/session-panel', entry.types!)), `${name} types exist`).toBe(true);
      if (entry.default) expect(existsSync(path.join(work, 'node_modules/session-panel', entry.default)), `${name} exists`).toBe(true);
    }
    expect(existsSync(path.join(work, 'node_modules/session-panel/dist/extension'))).toBe(false);
    // Declarations import nothing an app does not have: only lit (a dependency), react (the opt-in JSX types) and
    // the package's own files.
    const bare = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b[^;]*?\bfrom '([^'.][^']*)'/gm)) bare.add(m[1]!);
      }
    };
    walk(path.join(work, 'node_modules/session-panel/dist/types'));
    expect([...bare].sort()).toEqual(['lit', 'react']);
  });

  it('ships a custom-elements.json that matches the published element', () => {
    const pkgDir = path.join(work, 'node_modules/session-panel');
    const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { customElements: string };
    type Decl = { name: string; tagName?: string; events?: { name: string }[]; attributes?: { name: string }[]; members?: { name: string; kind: string }[] };
    const manifest = JSON.parse(readFileSync(path.join(pkgDir, pkg.customElements), 'utf8')) as {
      modules: { path: string; declarations: Decl[]; exports: { kind: string; name: string; declaration: { module: string } }[] }[];
    };
    for (const mod of manifest.modules) expect(existsSync(path.join(pkgDir, mod.path)), mod.path).toBe(true);
    const element = manifest.modules.flatMap((m) => m.declarations).find((d) => d.tagName === 'session-panel')!;
    const definition = manifest.modules.flatMap((m) => m.exports).find((e) => e.kind === 'custom-element-definition');
    expect(definition?.declaration.module).toBe('dist/index.js');
    // The events it lists are exactly the ones typed in GlobalEventHandlersEventMap by the published declarations.
    const eventsDts = readFileSync(path.join(pkgDir, 'dist/types/components/session-panel/events.d.ts'), 'utf8');
    const typed = [...eventsDts.matchAll(/'(session-[a-z-]+)': \w+Event;/g)].map((m) => m[1]).sort();
    expect(typed.length).toBeGreaterThan(5);
    expect(element.events!.map((e) => e.name).sort()).toEqual(typed);
    expect(element.attributes!.map((a) => a.name)).toEqual(expect.arrayContaining(['session-id', 'theme', 'floating', 'log-limit']));
    expect(element.members!.filter((m) => m.kind === 'field').map((m) => m.name)).toEqual(expect.arrayContaining(['session', 'transport']));
  });

  it('typechecks an app that sets panel.session and reads typed event payloads (and refuses wrong ones)', () => {
    // The fixture's @ts-expect-error lines fail this run if the types ever stop refusing what they mark.
    run(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'vite-app/tsconfig.json'], work);
  });

  it('bundles one copy of Lit and of the core, and keeps the dev backend out of a production page', async () => {
    const chunks = await viteBuild('vite-app', { main: path.join(work, 'vite-app/index.html'), production: path.join(work, 'vite-app/production.html') });
    const code = chunks.map((c) => c.code).join('\n');
    // Each copy of Lit's three packages registers its version once on load.
    for (const marker of ['litHtmlVersions', 'litElementVersions', 'reactiveElementVersions']) expect(count(code, marker), marker).toBe(1);
    // Each copy of the core carries its session's messages once (SessionError has one class, so instanceof holds
    // across entries); the drop-in (its own copy of everything) is not used.
    expect(count(code, 'Stored session was unreadable')).toBe(1);
    expect(count(code, '"session-expired":3210')).toBe(1);
    const modules = chunks.flatMap((c) => c.moduleIds);
    expect(modules.filter((id) => id.includes('session-panel/dist/session-panel.js'))).toEqual([]);
    expect(modules.filter((id) => /node_modules\/lit-html\/lit-html\.js$/.test(id))).toHaveLength(1);

    // The app on the default (dev) backend loads the signing code lazily; the production page never references it.
    const signing = chunks.filter((c) => c.code.includes('session-panel-dev-backend'));
    expect(signing).toHaveLength(1);
    const entry = (name: string): Chunk => chunks.find((c) => c.isEntry && c.name === name)!;
    const main = staticClosure(chunks, entry('main'));
    expect(main).not.toContain(signing[0]);
    expect(main.flatMap((c) => c.dynamicImports)).toContain(signing[0]!.fileName);
    const production = staticClosure(chunks, entry('production'));
    expect(production).not.toContain(signing[0]);
    expect(production.flatMap((c) => c.moduleIds).filter((id) => /\/lit|components\/session-panel/.test(id))).toEqual([]);
    // session-panel/core/production with devtools off: neither the dev backend (its description, its module) nor
    // the devtools parts (the page hook's global, the fault header, the clock shift wording) are in what the page
    // loads; they stay a lazy chunk nobody loads.
    const productionCode = production.map((c) => c.code).join('\n');
    for (const marker of ['in-page dev backend', '__SESSION_PANEL__', 'session-panel-dev-backend', 'x-session-panel-fault', 'clock shifted']) {
      expect(productionCode, marker).not.toContain(marker);
    }
    expect(production.flatMap((c) => c.moduleIds).filter((id) => /dist\/(core|dev-signing)\.js$/.test(id))).toEqual([]);
    const lazy = production.flatMap((c) => c.dynamicImports).flatMap((name) => staticClosure(chunks, chunks.find((c) => c.fileName === name)!));
    expect(lazy.filter((c) => !production.includes(c) && c.code.includes('__SESSION_PANEL__'))).toHaveLength(1);
  }, 120_000);

  it('shows the app session in the built app, in Chromium', async () => {
    const server = await serveStatic(path.join(work, 'vite-app/dist'));
    servers.push(server);
    const page = await chrome.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(`${server.url}/index.html`);
    await page.waitForFunction(() => window.fixture?.session.snapshot().token !== null);
    const uuid = await page.evaluate(() => window.fixture.session.getUUID());
    await expect.poll(() => page.locator('session-panel [part="uuid"]').textContent()).toBe(uuid);
    await expect.poll(() => page.locator('#bound').textContent()).toBe(await page.evaluate(() => window.fixture.session.id));
    expect(await page.locator('app-shell h1').textContent()).toBe('Shop');
    expect(await page.evaluate(() => (globalThis as { litHtmlVersions?: string[] }).litHtmlVersions?.length)).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('runs the production page with no page hook, in Chromium', async () => {
    const server = await serveStatic(path.join(work, 'vite-app/dist'));
    servers.push(server);
    const page = await chrome.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${server.url}/production.html`);
    await page.waitForFunction(() => document.body.dataset.uuid !== undefined);
    expect(await page.evaluate(() => document.body.dataset.uuid)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await page.evaluate(() => '__SESSION_PANEL__' in globalThis)).toBe(false);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('the packed package in a React 19 app', () => {
  it('typechecks <session-panel> in JSX with its props and events, builds with Vite, and shows the session', async () => {
    run(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'react-app/tsconfig.json'], work);
    const chunks = await viteBuild('react-app', { main: path.join(work, 'react-app/index.html') });
    expect(count(chunks.map((c) => c.code).join('\n'), 'litHtmlVersions')).toBe(1);

    const server = await serveStatic(path.join(work, 'react-app/dist'));
    servers.push(server);
    const page = await chrome.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${server.url}/index.html`);
    await page.waitForFunction(() => window.fixture?.session.snapshot().token !== null);
    const uuid = await page.evaluate(() => window.fixture.session.getUUID());
    // React 19 set `session` as a property (the panel shows this session, not the page hook's) and listened for
    // the panel's session-bind event through the onsession-bind prop.
    await expect.poll(() => page.locator('session-panel [part="uuid"]').textContent()).toBe(uuid);
    await expect.poll(() => page.locator('#bound').textContent()).toBe(await page.evaluate(() => window.fixture.session.id));
    expect(await page.locator('session-panel').getAttribute('theme')).toBe('light');
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});

declare global {
  interface Window {
    fixture: { session: { getUUID(): string; id: string; snapshot(): { token: unknown } } };
  }
}
