// <session-panel> benchmarks (run by `npm run bench`, after the build; alone: node bench/run.mjs panel).
//  1. Size: min+gzip of dist/session-panel.js beside a bare Lit element built the same way (vite lib, minified).
//  2. First render in Chromium: creating the element on a live session until its DOM shows the UUID.
//  3. Log append cost with 10 vs 100,000 entries already in the log (ratio measured side by side, same page).
//  4. Latency in Chromium from a session change to the updated panel DOM (median and p95 over 200 changes).
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { build } from 'vite';

const root = process.cwd();
for (const f of ['dist/core.js', 'dist/session-panel.js']) {
  if (!existsSync(f)) {
    console.error(`${f} is missing: run npm run build first`);
    process.exit(1);
  }
}
const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
const rows = [];
const row = (what, value, goal = '') => rows.push({ what, value, goal });

// ---------------------------------------------------------------- 1. size
const work = path.join(root, 'node_modules/.cache/session-panel-bench');
mkdirSync(work, { recursive: true });
writeFileSync(
  path.join(work, 'bare-lit.js'),
  `import { LitElement, html, css } from 'lit';
class BareElement extends LitElement {
  static properties = { name: {} };
  static styles = css\`:host { display: block; }\`;
  constructor() { super(); this.name = 'World'; }
  render() { return html\`<p>Hello, \${this.name}!</p>\`; }
}
if (!customElements.get('bare-element')) customElements.define('bare-element', BareElement);
`,
);
await build({
  configFile: false,
  logLevel: 'silent',
  root,
  build: {
    outDir: work,
    emptyOutDir: false,
    target: 'es2022',
    lib: { entry: path.join(work, 'bare-lit.js'), formats: ['es'], fileName: () => 'bare-lit.min.js' },
    rolldownOptions: { output: { minify: true } },
  },
});
const panelGz = gz('dist/session-panel.js');
const bareGz = gz(path.join(work, 'bare-lit.min.js'));
row('dist/session-panel.js min+gzip', kb(panelGz), '≤ 16 KB');
row('bare Lit element min+gzip (same build)', kb(bareGz));
row('panel above bare Lit', kb(panelGz - bareGz), '≤ 10 KB');

// ---------------------------------------------------------------- Chromium page
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module">
  import { createSession } from '/dist/core.js';
  import '/dist/session-panel.js';
  window.bench = { createSession };
  window.benchReady = true;
</script></head><body></body></html>`;
// Cross-origin isolation gives performance.now() microsecond resolution (otherwise it is coarsened to 100 µs+).
const isolated = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/') return res.writeHead(200, { 'content-type': 'text/html', ...isolated }).end(PAGE);
  const file = path.join(root, url.pathname);
  if (!file.startsWith(path.join(root, 'dist')) || !existsSync(file)) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'text/javascript', ...isolated }).end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const profile = mkdtempSync(path.join(tmpdir(), 'session-panel-bench-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  headless: false,
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});
try {
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => window.benchReady === true);
  const isolatedOk = await page.evaluate(() => crossOriginIsolated);
  if (!isolatedOk) console.warn('note: page not cross-origin isolated; timings are coarse');

  // ---------------------------------------------------------------- 2. first render
  const first = await page.evaluate(async () => {
    const session = window.bench.createSession({ storage: 'memory', devtools: false });
    await session.ready;
    const times = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const el = document.createElement('session-panel');
      el.session = session;
      document.body.append(el);
      while (!el.shadowRoot?.querySelector('[part="uuid"]')) await el.updateComplete.then(() => new Promise((r) => setTimeout(r, 0)));
      times.push(performance.now() - t0);
      el.remove();
    }
    session.dispose();
    times.sort((a, b) => a - b);
    return { median: times[15], p95: times[28] };
  });
  row('first render (element created → UUID in DOM), median', `${first.median.toFixed(2)} ms`);
  row('first render, p95', `${first.p95.toFixed(2)} ms`);

  // ---------------------------------------------------------------- 3. log append, 10 vs 100,000
  const append = await page.evaluate(async () => {
    // A transport delivering a prepared log and then one event at a time (the seam the extension also uses).
    const snapshotOf = (session) => session.snapshot();
    const session = window.bench.createSession({ storage: 'memory', devtools: false });
    await session.ready;
    const snap = snapshotOf(session);
    session.dispose();
    const mount = (entries) => {
      let push;
      const transport = {
        kind: 'direct',
        connect(listener) {
          push = listener;
          listener({ type: 'sessions', sessions: [{ id: snap.id, namespace: snap.namespace, uuid: snap.uuid }] });
          listener({ type: 'log', sessionId: snap.id, entries });
          listener({ type: 'snapshot', sessionId: snap.id, snapshot: snap });
          return () => {};
        },
        request: async () => ({ ok: true, value: null }),
      };
      const el = document.createElement('session-panel');
      el.setAttribute('log-limit', '200000');
      el.transport = transport;
      document.body.append(el);
      return { el, push: (e) => push(e) };
    };
    const log = (n) => Array.from({ length: n }, (_, i) => ({ seq: i + 1, at: snap.now + i, kind: 'event', message: `entry ${i}` }));
    const small = mount(log(10));
    const big = mount(log(100_000));
    await small.el.updateComplete;
    await big.el.updateComplete;
    const measure = async ({ el, push }, i) => {
      const t0 = performance.now();
      push({ type: 'events', sessionId: snap.id, events: [{ type: 'state', at: snap.now + 200_000 + i, what: `appended ${i}` }] });
      await el.updateComplete;
      return performance.now() - t0;
    };
    const a = [];
    const b = [];
    for (let i = 0; i < 20; i++) (await measure(small, i), await measure(big, i)); // warm-up
    for (let i = 0; i < 300; i++) {
      a.push(await measure(small, i));
      b.push(await measure(big, i));
    }
    const rows = big.el.shadowRoot.querySelectorAll('.log-view li').length;
    const count = big.el.shadowRoot.querySelector('[data-field="log-count"]').textContent;
    small.el.remove();
    big.el.remove();
    const med = (x) => x.sort((p, q) => p - q)[Math.floor(x.length / 2)];
    return { small: med(a), big: med(b), rows, count };
  });
  row('append one log entry + re-render, 10 in log (median)', `${(append.small * 1000).toFixed(0)} µs`);
  row('append one log entry + re-render, 100,000 in log (median)', `${(append.big * 1000).toFixed(0)} µs`);
  row('ratio 100,000 / 10', (append.big / append.small).toFixed(2), '≤ 1.5');
  row('rows in the DOM with 100,000 entries', `${append.rows} (${append.count})`);

  // ---------------------------------------------------------------- 4. session change → DOM
  const latency = await page.evaluate(async () => {
    const session = window.bench.createSession({ storage: 'memory', devtools: false });
    await session.ready;
    const el = document.createElement('session-panel');
    el.session = session;
    document.body.append(el);
    await new Promise((r) => setTimeout(r, 50));
    const uuidNode = () => el.shadowRoot.querySelector('[part="uuid"]');
    const times = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      const change = session.regenerateUUIDWithClientIdentifier(`seed-${i}`);
      const expected = session.getUUID();
      await new Promise((resolve) => {
        const check = () => {
          if (uuidNode()?.textContent === expected) {
            times.push(performance.now() - t0);
            observer.disconnect();
            resolve();
          }
        };
        const observer = new MutationObserver(check);
        observer.observe(el.shadowRoot, { subtree: true, characterData: true, childList: true });
        check();
      });
      await change;
    }
    el.remove();
    session.dispose();
    times.sort((a, b) => a - b);
    return { median: times[100], p95: times[190] };
  });
  row('session change → panel DOM updated, median', `${latency.median.toFixed(3)} ms`);
  row('session change → panel DOM updated, p95', `${latency.p95.toFixed(3)} ms`);
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}

const w = Math.max(...rows.map((r) => r.what.length));
const v = Math.max(...rows.map((r) => r.value.length));
for (const r of rows) console.log(`${r.what.padEnd(w)}  ${r.value.padStart(v)}  ${r.goal ? `goal ${r.goal}` : ''}`);
