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
