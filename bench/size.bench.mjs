// Bundle sizes as an app ships them (npm run bench; alone: node bench/run.mjs size). Every figure is one way:
// esbuild --bundle --minify --format=esm --splitting, gzip -9, counting what a page loads before any dynamic import
// (its entry and the chunks it imports statically); lazily loaded chunks are listed on their own, and the total counts
// them all.
//   - our apps import the built package files (dist/core.js, dist/index.js), as an app's bundler sees them;
//   - the SDKs an app would pick instead (oidc-client-ts, @supabase/auth-js) are measured the same way, same run;
//   - the production app is also built from the sources with a metafile, for the per-module accounting.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = process.cwd();
for (const f of ['dist/core.js', 'dist/production.js', 'dist/index.js', 'dist/session-panel.js']) {
  if (!existsSync(f)) {
    console.error(`${f} is missing: run npm run build first`);
    process.exit(1);
  }
}
const work = path.join(root, 'node_modules/.cache/session-panel-size-bench');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const gz = (text) => gzipSync(text, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(2)} KB`;

const APPS = {
  'production app: core/production on createHttpBackend, devtools off': `
    import { createSession, createHttpBackend } from '${root}/dist/production.js';
    const session = createSession({ backend: createHttpBackend({ baseUrl: 'https://auth.example', apiKey: 'key' }), devtools: false });
    export const token = () => session.retrieveToken();`,
  'same app importing session-panel/core (the full entry)': `
    import { createSession, createHttpBackend } from '${root}/dist/core.js';
    const session = createSession({ backend: createHttpBackend({ baseUrl: 'https://auth.example', apiKey: 'key' }), devtools: false });
    export const token = () => session.retrieveToken();`,
  'app with core + element (dev backend default)': `
    import { createSession } from '${root}/dist/core.js';
    import '${root}/dist/index.js';
    const panel = document.createElement('session-panel');
    panel.session = createSession();
    document.body.append(panel);`,
  'element alone (registers <session-panel>, Lit included)': `import '${root}/dist/index.js';`,
  'oidc-client-ts UserManager': `
    import { UserManager } from 'oidc-client-ts';
    export const manager = new UserManager({ authority: 'https://auth.example', client_id: 'app', redirect_uri: 'https://app.example/cb' });`,
  '@supabase/auth-js GoTrueClient': `
    import { GoTrueClient } from '@supabase/auth-js';
    export const auth = new GoTrueClient({ url: 'https://auth.example/auth/v1' });`,
};

/** Bundles one app; returns its initial size (entry + static imports) and its lazy chunks. */
async function measure(name, source, { metafile = false, external = [] } = {}) {
  const dir = path.join(work, name.replace(/[^a-z0-9]+/gi, '-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'app.js'), source);
  const result = await build({
    entryPoints: [path.join(dir, 'app.js')],
    bundle: true,
    minify: true,
    format: 'esm',
    splitting: true,
    outdir: path.join(dir, 'out'),
    write: false,
    metafile: true,
    logLevel: 'error',
    absWorkingDir: root,
    external,
  });
  const files = new Map(result.outputFiles.map((f) => [path.relative(root, f.path), f.text]));
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((o) => outputs[o].entryPoint);
  const initial = new Set();
  const visit = (o) => {
    if (initial.has(o)) return;
    initial.add(o);
    for (const i of outputs[o].imports) if (i.kind === 'import-statement') visit(i.path);
  };
  visit(entry);
  const js = Object.keys(outputs).filter((o) => o.endsWith('.js'));
  return {
    initial: { min: [...initial].reduce((n, o) => n + outputs[o].bytes, 0), gzip: [...initial].reduce((n, o) => n + gz(files.get(o)), 0) },
    lazy: js.filter((o) => !initial.has(o)).map((o) => ({ min: outputs[o].bytes, gzip: gz(files.get(o)) })),
    inputs: metafile ? Object.fromEntries([...initial].flatMap((o) => Object.entries(outputs[o].inputs))) : null,
    lazyInputs: metafile ? Object.fromEntries(js.filter((o) => !initial.has(o)).flatMap((o) => Object.entries(outputs[o].inputs))) : null,
  };
}

const measured = {};
for (const [name, source] of Object.entries(APPS)) measured[name] = await measure(name, source);
const dropIn = readFileSync('dist/session-panel.js', 'utf8');
const names = Object.keys(APPS);
const PROD = names[0];
const FULL = names[1];
const WITH_ELEMENT = names[2];
const OIDC = names.find((n) => n.startsWith('oidc'));
const SUPA = names.find((n) => n.startsWith('@supabase'));

// total: what a page that ends up loading every chunk fetches (each file gzipped on its own, as a server sends it).
const rows = Object.entries(measured).map(([name, m]) => [
  name,
  kb(m.initial.gzip),
  kb(m.initial.min),
  m.lazy.length ? m.lazy.map((l) => kb(l.gzip)).join(' + ') : '',
  kb(m.initial.gzip + m.lazy.reduce((n, l) => n + l.gzip, 0)),
]);
rows.splice(4, 0, ['drop-in dist/session-panel.js (file as is)', kb(gz(dropIn)), kb(Buffer.byteLength(dropIn)), '', kb(gz(dropIn))]);
const head = ['bundle', 'gzip', 'min', 'lazy chunks (gzip)', 'total gzip'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
console.log('\nbundle sizes: esbuild --bundle --minify --format=esm --splitting, gzip -9; loaded before any dynamic import');
console.log(line(head));
console.log(`|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const r of rows) console.log(line(r));

const prod = measured[PROD].initial.gzip;
console.log('\nratios (same run)');
console.log(`  production app / oidc-client-ts        ${(prod / measured[OIDC].initial.gzip).toFixed(2)}`);
console.log(`  production app / @supabase/auth-js     ${(prod / measured[SUPA].initial.gzip).toFixed(2)}`);
console.log(`  core + element / drop-in               ${(measured[WITH_ELEMENT].initial.gzip / gz(dropIn)).toFixed(2)}`);
console.log(`  production entry / full entry, same app ${(prod / measured[FULL].initial.gzip).toFixed(2)}`);
console.log(`  production app vs goal 8 KB            ${(prod / 8192).toFixed(2)}`);

// Accounting: the same production app built from the sources, per module (minified bytes in the output; each
// module's gzip share is its part of the minified bytes, gzip being roughly proportional over this code). The dev
// backend's signing stays out, as the build makes it (dist/dev-signing.js, its own copy of jose).
const fromSource = await measure('production app from the sources', APPS[PROD].replace(`${root}/dist/production.js`, `${root}/src/core/production.ts`), {
  metafile: true,
  external: ['./dev-signing.js'],
});
const inputs = Object.entries(fromSource.inputs).filter(([, v]) => v.bytesInOutput > 0);
const total = inputs.reduce((n, [, v]) => n + v.bytesInOutput, 0);
const group = (file) => (file.includes('node_modules/') ? file.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1') : path.relative(root, file));
const grouped = new Map();
for (const [file, v] of inputs) grouped.set(group(file), (grouped.get(group(file)) ?? 0) + v.bytesInOutput);
console.log(`\nproduction app from the sources: ${kb(fromSource.initial.gzip)} gzip, ${kb(fromSource.initial.min)} min; by module (min bytes, ≈ gzip share)`);
for (const [name, bytes] of [...grouped].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${name.padEnd(36)} ${String(bytes).padStart(6)}  ≈ ${kb((bytes / total) * fromSource.initial.gzip)}`);
}
// The lazy chunk: what a session with devtools on loads by its ready (devtools.ts), same measure.
const lazyInputs = Object.entries(fromSource.lazyInputs).filter(([, v]) => v.bytesInOutput > 0);
const lazyTotal = lazyInputs.reduce((n, [, v]) => n + v.bytesInOutput, 0);
const lazyGzip = fromSource.lazy.reduce((n, l) => n + l.gzip, 0);
console.log(`lazy, loaded only with devtools on: ${kb(lazyGzip)} gzip, ${kb(fromSource.lazy.reduce((n, l) => n + l.min, 0))} min; by module`);
for (const [file, v] of lazyInputs.sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)) {
  console.log(`  ${group(file).padEnd(36)} ${String(v.bytesInOutput).padStart(6)}  ≈ ${kb((v.bytesInOutput / lazyTotal) * lazyGzip)}`);
}
