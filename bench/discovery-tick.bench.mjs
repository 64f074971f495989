// The discovery list's cost while it only follows the page (npm run bench, after the build): real Chromium with the
// built dist/extension, a page that never loads our library and holds TOKENS distinct JWTs (in JSON, in
// localStorage, each valid for an hour, so every row's countdown changes every second), the panel page for its tab
// once the list is complete. Then ROUNDS windows of WINDOW_MS, each traced (CDP Tracing, devtools.timeline) on the
// panel's renderer main thread: its task time per second as wall time (what the bench's "panel task time per second
// while following the page" reads from Performance.getMetrics) and as thread CPU time (tdur: what the panel's own
// work costs, much less swayed by other processes on a loaded machine), with layout and paint inside it.
// Medians over the windows. And the element's own renders in those windows (its performUpdate timed from the page:
// JavaScript only, layout and paint come after): how many, and the median time of one.
// Before/after: node bench/compare.mjs <baseline checkout> discovery-tick 2.
import { createServer } from 'node:http';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { SignJWT, generateKeyPair } from 'jose';
import { launchChromium } from './support.mjs';

const TOKENS = 100;
const KEYS = 1000;
const ROUNDS = Number(process.env.SP_TICK_ROUNDS ?? 5);
const WINDOW_MS = 5000;
const EXT = path.resolve('dist/extension');
if (!existsSync(path.join(EXT, 'manifest.json'))) {
  console.error('dist/extension is missing: run `node scripts/build.mjs extension` (npm run bench builds it)');
  process.exit(1);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const { privateKey } = await generateKeyPair('ES256');
const now = Math.floor(Date.now() / 1000);
const tokens = await Promise.all(Array.from({ length: TOKENS }, (_, i) => new SignJWT({ iss: 'https://id.bench.test', sub: `user-${i}` }).setProtectedHeader({ alg: 'ES256' }).setIssuedAt(now).setExpirationTime(now + 3600).sign(privateKey)));
const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench: found tokens only</title></head><body><script>
  const tokens = ${JSON.stringify(tokens)};
  localStorage.clear();
  for (let i = 0; i < ${KEYS}; i++) localStorage.setItem('key-' + i, i % ${KEYS / TOKENS} === 0 ? JSON.stringify({ session: { access_token: tokens[i / ${KEYS / TOKENS}], i } }) : 'value-' + i + '-'.repeat(40));
  document.body.dataset.ready = 'yes';
</script></body></html>`;
const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
await new Promise((r) => server.listen(0, '127.0.0.1', r));

const { context, profile } = await launchChromium('sp-bench-tick-', EXT);
const rows = [];
try {
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extId = new URL(worker.url()).host;
  const [page, tabId] = await Promise.all([context.waitForEvent('page'), worker.evaluate(async (u) => (await chrome.tabs.create({ url: u })).id, `http://127.0.0.1:${server.address().port}/`)]);
  await page.waitForSelector('body[data-ready=yes]', { state: 'attached' });
  const panel = await context.newPage();
  await panel.goto(`chrome-extension://${extId}/src/extension/panel.html?tabId=${tabId}`);
  await panel.waitForFunction((n) => (document.querySelector('session-panel')?.shadowRoot?.querySelectorAll('[part~="discovered-token"]').length ?? 0) >= n, TOKENS, { timeout: 120_000 });
  await sleep(2000);
  const cdp = await context.newCDPSession(panel);
  const { frameTree } = await cdp.send('Page.getFrameTree');
  const frameId = frameTree.frame.id;
  // Times every render of the element from here on (the bench's wrapper; the element is unchanged).
  await panel.evaluate(() => {
    const el = document.querySelector('session-panel');
    const run = el.performUpdate.bind(el);
    const times = (window.__renderTimes = []);
    el.performUpdate = () => {
      const t0 = performance.now();
      run();
      times.push(performance.now() - t0);
    };
  });
  const windows = [];
  for (let round = 0; round < ROUNDS; round++) {
    const events = [];
    const collect = (e) => events.push(...e.value);
    cdp.on('Tracing.dataCollected', collect);
    const complete = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
    await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
    await sleep(WINDOW_MS);
    await cdp.send('Tracing.end');
    await complete;
    cdp.off('Tracing.dataCollected', collect);
    // The panel's main thread: where events name its frame.
    const mine = events.find((e) => e.ph === 'X' && (e.args?.data?.frame === frameId || e.args?.beginData?.frame === frameId));
    if (!mine) throw new Error('no trace event names the panel frame');
    const own = events.filter((e) => e.ph === 'X' && e.pid === mine.pid && e.tid === mine.tid);
    const sum = (name, field) => own.filter((e) => e.name === name).reduce((n, e) => n + (e[field] ?? 0), 0) / 1000 / (WINDOW_MS / 1000);
    windows.push({
      wall: sum('RunTask', 'dur'),
      cpu: sum('RunTask', 'tdur'),
      layout: sum('Layout', 'tdur') + sum('UpdateLayoutTree', 'tdur'),
      paint: sum('Paint', 'tdur') + sum('PrePaint', 'tdur') + sum('Layerize', 'tdur') + sum('Commit', 'tdur'),
    });
    const w = windows.at(-1);
    w.other = w.cpu - w.layout - w.paint;
  }
  const renders = await panel.evaluate(() => window.__renderTimes);
  const listed = await panel.evaluate(() => document.querySelector('session-panel')?.shadowRoot?.querySelectorAll('[part~="discovered-token"]').length ?? 0);
  const m = (k) => median(windows.map((w) => w[k])).toFixed(1);
  rows.push(['found tokens listed (each counting down)', String(listed)]);
  rows.push([`panel main-thread task time per second, wall (median of ${ROUNDS} windows of ${WINDOW_MS / 1000} s)`, `${m('wall')} ms`]);
  rows.push(['the same as thread CPU time', `${m('cpu')} ms`]);
  rows.push(['  of which layout (style + layout) / paint (pre-paint, paint, layerize, commit) / the rest (script, timers, messages)', `${m('layout')} / ${m('paint')} / ${m('other')} ms`]);
  rows.push([`element renders (one a second: the countdown) and the median JS time of one`, `${renders.length} in ${(ROUNDS * WINDOW_MS) / 1000} s, ${median(renders).toFixed(2)} ms`]);
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
const width = Math.max(...rows.map(([k]) => k.length));
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
