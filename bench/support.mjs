// Shared helpers for the benchmarks: timing loops, bundle sizes and a plain table printer.
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

/** Runs fn in batches until `ms` has passed; returns operations per second and ns per operation. */
export function rate(fn, { ms = 500, batch = 1000 } = {}) {
  for (let i = 0; i < batch; i++) fn(); // warm up
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    elapsed = performance.now() - start;
  }
  return { opsPerSec: (ops / elapsed) * 1000, nsPerOp: (elapsed * 1e6) / ops };
}

/** Bundles `entry` the way the library builds are made (ES, minified, everything inlined) and measures it. */
export async function bundleSize(entry) {
  const result = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      target: 'es2022',
      lib: { entry, formats: ['es'], fileName: () => 'out.js' },
      rolldownOptions: { output: { minify: true } },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output);
  const code = outputs.filter((o) => o.type === 'chunk').map((o) => o.code).join('\n');
  return sizes(code);
}

export function sizes(code) {
  const bytes = Buffer.byteLength(code);
  return { min: bytes, gzip: gzipSync(code, { level: 9 }).length };
}

export const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`;

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function table(title, rows) {
  console.log(`\n${title}`);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

/**
 * The real core for a benchmark's test page, built from source into a temp dir (the page imports `/core.js` and the
 * chunks beside it). Shared by the benchmarks that drive the extension against a page using the core.
 */
/**
 * Evaluated in a panel page (a string, so it also runs in the DevTools window's frame): records in `window.__seen`
 * when each UUID first shows in the panel's `uuid` part, on the page's clock (performance.timeOrigin + now()), so the
 * benches compare it with when the inspected page made the change.
 */
export const WATCH_UUIDS_SHOWN = `(() => {
    const el = document.querySelector('session-panel');
    window.__seen = new Map();
    new MutationObserver(() => {
      const m = el.shadowRoot.querySelector('[part~="uuid"]')?.textContent.match(/[0-9a-f]{8}-[0-9a-f-]{27}/);
      if (m && !window.__seen.has(m[0])) window.__seen.set(m[0], performance.timeOrigin + performance.now());
    }).observe(el.shadowRoot, { subtree: true, childList: true, characterData: true });
})()`;

export async function buildCoreForPage(prefix) {
  const { mkdtempSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  await build({
    configFile: false,
    logLevel: 'warn',
    build: { outDir: dir, emptyOutDir: true, target: 'es2022', lib: { entry: path.resolve('src/core/index.ts'), formats: ['es'], fileName: () => 'core.js' } },
  });
  return { dir, core: readFileSync(path.join(dir, 'core.js')) };
}

/** Debian's Chromium in a fresh temp profile, headless (new mode, which runs extensions), with `extension` loaded if given. */
export async function launchChromium(prefix, extension) {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(path.join(tmpdir(), prefix));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    headless: false,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', ...(extension ? [`--disable-extensions-except=${extension}`, `--load-extension=${extension}`] : [])],
  });
  return { context, profile };
}
