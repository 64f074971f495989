// <session-panel> benchmarks (run by `npm run bench`, after the build; alone: node bench/run.mjs panel).
//  1. Size: min+gzip of dist/session-panel.js beside a bare Lit element built the same way (vite lib, minified).
//  2. First render in Chromium: creating the element on a live session until its DOM shows the UUID.
//  3. Log append cost with 10 vs 100,000 entries already in the log (ratio measured side by side, same page).
//  4. Latency in Chromium from a session change to the updated panel DOM (median and p95 over 200 changes).
//  5. Timeline with 100,000 log entries (tokens, refreshes, sign-ins, failures over two hours, zoom "all"): first draw
//     (history delivered → timeline drawn) and one update (one more entry → timeline redrawn), median and p95, beside
//     the same with 100 entries.
//  6. Session change → panel DOM in the wide layout (1200 px) beside the narrow one (480 px), interleaved in one run.
//  7. With PANEL_BASELINE_DIST=<dist folder of another build> (e.g. the commit before a change): session change →
//     DOM for that build beside this one, on two pages of the same browser, alternating rounds.
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
const baseline = process.env.PANEL_BASELINE_DIST ? path.resolve(process.env.PANEL_BASELINE_DIST) : null;
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/') return res.writeHead(200, { 'content-type': 'text/html', ...isolated }).end(PAGE);
  if (url.pathname === '/baseline') return res.writeHead(200, { 'content-type': 'text/html', ...isolated }).end(PAGE.replaceAll('/dist/', '/baseline/'));
  if (baseline && url.pathname.startsWith('/baseline/')) {
    const file = path.join(baseline, url.pathname.slice('/baseline/'.length));
    if (!file.startsWith(baseline) || !existsSync(file)) return res.writeHead(404).end();
    return res.writeHead(200, { 'content-type': 'text/javascript', ...isolated }).end(readFileSync(file));
  }
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
  // ---------------------------------------------------------------- 5. timeline with 100,000 entries
  const timeline = await page.evaluate(async () => {
    const session = window.bench.createSession({ storage: 'memory', devtools: false });
    await session.ready;
    const snap = session.snapshot();
    session.dispose();
    const span = 2 * 3_600_000;
    const history = (n) => {
      const start = snap.now - span;
      const out = [];
      for (let i = 0; i < n; i++) {
        const at = start + Math.floor((i * span) / n);
        const k = i % 10;
        if (k === 0) out.push({ seq: i + 1, at, kind: 'event', message: 'new token', facts: { token: { rlm: i % 40 ? 'anonymous_client' : 'client', receivedAt: at, expiresAt: at + 3_600_000 } } });
        else if (k === 1) out.push({ seq: i + 1, at, kind: 'operation', operation: 'refreshToken', outcome: 'ok', message: 'refreshToken done', durationMs: 3 });
        else if (k === 2 && i % 30 === 2) out.push({ seq: i + 1, at, kind: 'operation', operation: 'refreshToken', outcome: 'error', message: 'refreshToken failed', error: { code: 9004, kind: 'backend', message: 'x' } });
        else if (k === 3 && i % 50 === 3) out.push({ seq: i + 1, at, kind: 'event', message: 'signed in', facts: { login: 'ann' } });
        else out.push({ seq: i + 1, at, kind: 'request', message: 'dev backend: refresh ok', outcome: 'ok', durationMs: 2 });
      }
      return out;
    };
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
      el.historyStore = null;
      el.style.cssText = 'width:1200px;height:770px';
      el.transport = transport;
      document.body.append(el);
      return { el, push: (e) => push(e) };
    };
    const stats = (x) => {
      x.sort((p, q) => p - q);
      return { median: x[Math.floor(x.length / 2)], p95: x[Math.floor(x.length * 0.95)] };
    };
    const drawn = (el) => el.shadowRoot?.querySelector('[part~="timeline-token"]');
    const run = async (n) => {
      const entries = history(n);
      const firsts = [];
      for (let r = 0; r < 7; r++) {
        const t0 = performance.now();
        const m = mount(entries);
        while (!drawn(m.el)) await m.el.updateComplete.then(() => new Promise((res) => setTimeout(res, 0)));
        firsts.push(performance.now() - t0);
        m.el.remove();
      }
      const m = mount(entries);
      while (!drawn(m.el)) await m.el.updateComplete.then(() => new Promise((res) => setTimeout(res, 0)));
      [...m.el.shadowRoot.querySelectorAll('.zoom button')].find((b) => b.textContent === 'All').click();
      await m.el.updateComplete;
      const updates = [];
      for (let i = 0; i < 120; i++) {
        const t0 = performance.now();
        m.push({ type: 'events', sessionId: snap.id, events: [{ type: 'operation-end', at: snap.now + i, id: i, operation: 'refreshToken', durationMs: 1, outcome: 'ok' }] });
        await m.el.updateComplete;
        updates.push(performance.now() - t0);
      }
      const items = m.el.shadowRoot.querySelectorAll('[part~="timeline-token"], [part~="timeline-mark"]').length;
      m.el.remove();
      return { first: stats(firsts), update: stats(updates), items };
    };
    const small = await run(100);
    const big = await run(100_000);
    return { small, big };
  });
  const ms = (x) => `${x.toFixed(2)} ms`;
  row('timeline first draw, 100,000 entries (history in → drawn), median', ms(timeline.big.first.median));
  row('timeline first draw, 100,000 entries, p95', ms(timeline.big.first.p95));
  row('timeline first draw, 100 entries, median', ms(timeline.small.first.median));
  row('timeline update (one entry → redrawn), 100,000 entries, median', ms(timeline.big.update.median), '< 16 ms (a frame)');
  row('timeline update, 100,000 entries, p95', ms(timeline.big.update.p95));
  row('timeline update, 100 entries, median', ms(timeline.small.update.median));
  row('timeline items drawn, 100,000 entries (zoom all)', `${timeline.big.items} (downsampled)`);

  // ---------------------------------------------------------------- 6. session change → DOM, wide beside narrow
  const layouts = await page.evaluate(async () => {
    const session = window.bench.createSession({ storage: 'memory', devtools: false });
    await session.ready;
    const mk = (width) => {
      const el = document.createElement('session-panel');
      el.historyStore = null;
      el.style.cssText = `width:${width}px;height:770px;display:block`;
      el.session = session;
      document.body.append(el);
      return el;
    };
    const wide = mk(1200);
    const narrow = mk(480);
    await new Promise((r) => setTimeout(r, 100));
    const layoutOf = (el) => (el.shadowRoot.querySelector('.layout')?.classList.contains('wide') ? 'wide' : 'narrow');
    const result = { wideLayout: layoutOf(wide), narrowLayout: layoutOf(narrow) };
    const times = { wide: [], narrow: [] };
    // One panel listens at a time (the other is detached), alternating, so both see the same session and machine.
    document.body.removeChild(narrow);
    for (let i = 0; i < 240; i++) {
      const which = i % 2 ? 'narrow' : 'wide';
      const el = which === 'wide' ? wide : narrow;
      const other = which === 'wide' ? narrow : wide;
      if (other.isConnected) other.remove();
      if (!el.isConnected) {
        document.body.append(el);
        await new Promise((r) => setTimeout(r, 30));
      }
      const t0 = performance.now();
      const change = session.regenerateUUIDWithClientIdentifier(`layout-${i}`);
      const expected = session.getUUID();
      await new Promise((resolve) => {
        const check = () => {
          if (el.shadowRoot.querySelector('[part="uuid"]')?.textContent === expected) {
            times[which].push(performance.now() - t0);
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
    wide.remove();
    narrow.remove();
    session.dispose();
    const stat = (x) => (x.sort((p, q) => p - q), { median: x[Math.floor(x.length / 2)], p95: x[Math.floor(x.length * 0.95)] });
    return { ...result, wide: stat(times.wide), narrow: stat(times.narrow) };
  });
  row(`session change → DOM, wide layout (${layouts.wideLayout}, 1200 px), median`, `${layouts.wide.median.toFixed(3)} ms`);
  row('session change → DOM, wide layout, p95', `${layouts.wide.p95.toFixed(3)} ms`);
  row(`session change → DOM, narrow layout (${layouts.narrowLayout}, 480 px), median`, `${layouts.narrow.median.toFixed(3)} ms`);
  row('session change → DOM, narrow layout, p95', `${layouts.narrow.p95.toFixed(3)} ms`);
  row('wide / narrow (median)', (layouts.wide.median / layouts.narrow.median).toFixed(2));

  // ---------------------------------------------------------------- 7. against a baseline build
  if (baseline) {
    const other = await context.newPage();
    await other.goto(`http://127.0.0.1:${server.address().port}/baseline`);
    await other.waitForFunction(() => window.benchReady === true);
    const changeLatency = (p, rounds) =>
      p.evaluate(async (n) => {
        const session = window.bench.createSession({ storage: 'memory', devtools: false });
        await session.ready;
        const el = document.createElement('session-panel');
        el.style.cssText = 'display:block;width:1200px;height:770px';
        el.session = session;
        document.body.append(el);
        await new Promise((r) => setTimeout(r, 50));
        const times = [];
        for (let i = 0; i < n; i++) {
          const t0 = performance.now();
          const change = session.regenerateUUIDWithClientIdentifier(`base-${i}`);
          const expected = session.getUUID();
          await new Promise((resolve) => {
            const check = () => {
              if (el.shadowRoot.querySelector('[part="uuid"]')?.textContent === expected) {
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
        return times;
      }, rounds);
    const mine = [];
    const theirs = [];
    for (let round = 0; round < 4; round++) {
      await other.bringToFront();
      theirs.push(...(await changeLatency(other, 50)));
      await page.bringToFront();
      mine.push(...(await changeLatency(page, 50)));
    }
    const med = (x) => x.sort((p, q) => p - q)[Math.floor(x.length / 2)];
    row('session change → DOM at 1200 px, baseline build (median)', `${med(theirs).toFixed(3)} ms`);
    row('session change → DOM at 1200 px, this build (median)', `${med(mine).toFixed(3)} ms`);
    row('this build / baseline (median)', (med(mine) / med(theirs)).toFixed(2));
    await other.close();
  }
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}

const w = Math.max(...rows.map((r) => r.what.length));
const v = Math.max(...rows.map((r) => r.value.length));
for (const r of rows) console.log(`${r.what.padEnd(w)}  ${r.value.padStart(v)}  ${r.goal ? `goal ${r.goal}` : ''}`);
