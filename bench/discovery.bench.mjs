// Sessions-on-any-page benchmark (npm run bench, after the build). Real Chromium with the built dist/extension, a
// page that never loads our library:
//  1. panel open → first list: a page with 1,000 localStorage keys (100 of them hold a distinct JWT inside JSON, as
//     auth SDKs store them); the panel page opened for its tab, time from the panel's navigation start to the moment
//     its DOM lists all 100 tokens; median and p95 over RUNS opens.
//  2. cost per observed request: the same page makes 10,000 requests while the Session tab is open in the real
//     DevTools window (each with a bearer JWT, one in 100 a token-endpoint POST answered with JSON tokens, whose body
//     the panel fetches); the panel's own script and task time (CDP Performance.getMetrics on the panel target)
//     divided by the requests it observed.
//  3. panel memory: the panel's JS heap after a forced GC, before the page is read, after the 1,000 keys, and after
//     the 10,000 requests.
//  4. child frames: the same page with FRAMES cross-origin iframes (same site, other ports), each holding 1,000 keys
//     of its own (10 distinct JWTs): time to the first full list (the top's tokens and those of the MAX_FRAMES frames
//     read), the panel's heap after GC, and its main-thread task time per second while it follows the page, next to
//     the page without frames, measured side by side in one run.
import { createServer } from 'node:http';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from './support.mjs';
import { attachChild } from './cdp-child.mjs';
import { SignJWT, generateKeyPair } from 'jose';

const KEYS = 1000;
const JWT_KEYS = 100;
const REQUESTS = 10_000;
const RUNS = 5;
const FRAMES = 12;
const FRAME_JWTS = 10;
const MAX_FRAMES = 8; // src/discovery/frames.ts: child frames read at most
const EXT = path.resolve('dist/extension');
if (!existsSync(path.join(EXT, 'manifest.json'))) {
  console.error('dist/extension is missing: run `node scripts/build.mjs extension` (npm run bench builds it)');
  process.exit(1);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];

const { privateKey } = await generateKeyPair('ES256');
const now = Math.floor(Date.now() / 1000);
const sign = (sub) => new SignJWT({ iss: 'https://id.bench.test', sub }).setProtectedHeader({ alg: 'ES256' }).setIssuedAt(now).setExpirationTime(now + 3600).sign(privateKey);
const tokens = await Promise.all(Array.from({ length: JWT_KEYS }, (_, i) => sign(`user-${i}`)));
const frameTokens = await Promise.all(Array.from({ length: FRAMES }, (_, f) => Promise.all(Array.from({ length: FRAME_JWTS }, (_, j) => sign(`frame-${f}-user-${j}`)))));
const framePage = (f) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>frame ${f}</title></head><body><script>
  const tokens = ${JSON.stringify(frameTokens[f])};
  localStorage.clear();
  for (let i = 0; i < ${KEYS}; i++) localStorage.setItem('frame-key-' + i, i % ${KEYS / FRAME_JWTS} === 0 ? JSON.stringify({ auth: { access_token: tokens[i / ${KEYS / FRAME_JWTS}] } }) : 'value-' + i + '-'.repeat(40));
</script></body></html>`;
const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench: no session-panel library here</title></head><body><h1>A page without our library</h1><script>
  const tokens = ${JSON.stringify(tokens)};
  localStorage.clear();
  for (let i = 0; i < ${KEYS}; i++) localStorage.setItem('key-' + i, i % ${KEYS / JWT_KEYS} === 0 ? JSON.stringify({ session: { access_token: tokens[i / ${KEYS / JWT_KEYS}], i } }) : 'value-' + i + '-'.repeat(40));
  window.__requests = async (n) => {
    let next = 0;
    const one = async () => {
      while (next < n) {
        const i = next++;
        if (i % 100 === 0) await fetch('/oauth/token', { method: 'POST', body: 'grant_type=refresh_token&refresh_token=r' + i });
        else await fetch('/api/items/' + (i % 50), { headers: { Authorization: 'Bearer ' + tokens[i % 10] } });
      }
    };
    await Promise.all(Array.from({ length: 16 }, one));
  };
  document.body.dataset.ready = 'yes';
</script></body></html>`;
const tokenBody = JSON.stringify({ access_token: tokens[0], id_token: tokens[1], token_type: 'Bearer', expires_in: 3600, refresh_token: 'opaque' });
let framePorts = [];
const framedHtml = () => html.replace('<h1>A page without our library</h1>', `<h1>A page without our library, with ${FRAMES} cross-origin frames</h1>${framePorts
  .map((port, f) => `<iframe title="frame ${f}" width="40" height="30" src="http://127.0.0.1:${port}/frame?f=${f}"></iframe>`)
  .join('')}`);
const server = createServer((req, res) => {
  if (req.url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  if (req.url === '/framed') return res.writeHead(200, { 'content-type': 'text/html' }).end(framedHtml());
  if (req.url?.startsWith('/frame?f=')) return res.writeHead(200, { 'content-type': 'text/html' }).end(framePage(Number(req.url.slice(9))));
  if (req.url === '/oauth/token') return res.writeHead(200, { 'content-type': 'application/json' }).end(tokenBody);
  if (req.url?.startsWith('/api/')) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  res.writeHead(404).end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;
// The frames' origins: the same handler on other ports (same site as the page, so Chromium lets them keep storage).
const frameServers = Array.from({ length: FRAMES }, () => createServer(server.listeners('request')[0]));
await Promise.all(frameServers.map((s) => new Promise((r) => s.listen(0, '127.0.0.1', r))));
framePorts = frameServers.map((s) => s.address().port);


const { context, profile } = await launchChromium('sp-bench-discovery-', EXT);
const rows = [];
try {
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extId = new URL(worker.url()).host;
  const [page, tabId] = await Promise.all([context.waitForEvent('page'), worker.evaluate(async (u) => (await chrome.tabs.create({ url: u })).id, `${origin}/`)]);
  await page.waitForSelector('body[data-ready=yes]', { state: 'attached' });

  // 1. panel open → first list (the panel page in a tab; reopened RUNS times).
  const panel = await context.newPage();
  const firstList = [];
  for (let i = 0; i < RUNS; i++) {
    await panel.goto(`chrome-extension://${extId}/src/extension/panel.html?tabId=${tabId}`);
    const ms = await panel.waitForFunction(
      (n) => ((document.querySelector('session-panel')?.shadowRoot?.querySelectorAll('[part~="discovered-token"]').length ?? 0) >= n ? performance.now() : false),
      JWT_KEYS,
      { polling: 'raf', timeout: 60_000 },
    );
    firstList.push(await ms.jsonValue());
  }
  rows.push([`panel open → first list, ${KEYS} storage keys (${JWT_KEYS} JWTs in JSON), median / p95 of ${RUNS}`, `${median(firstList).toFixed(0)} ms / ${p95(firstList).toFixed(0)} ms`]);

  // 4. The same page with FRAMES cross-origin frames, next to it without: first full list, heap, and the cost of
  //    following the page (task time per second of the panel page, over FOLLOW_MS once the list is complete).
  const FOLLOW_MS = 6000;
  const panelCdp = await context.newCDPSession(panel);
  await panelCdp.send('Performance.enable');
  const follow = async (url, expected) => {
    await page.goto(url);
    await page.waitForSelector('body[data-ready=yes]', { state: 'attached' });
    const opens = [];
    for (let i = 0; i < 3; i++) {
      await panel.goto(`chrome-extension://${extId}/src/extension/panel.html?tabId=${tabId}`);
      const ms = await panel.waitForFunction(
        (n) => ((document.querySelector('session-panel')?.shadowRoot?.querySelectorAll('[part~="discovered-token"]').length ?? 0) >= n ? performance.now() : false),
        expected,
        { polling: 'raf', timeout: 120_000 },
      );
      opens.push(await ms.jsonValue());
    }
    const task = async () => (await panelCdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
    const t0 = await task();
    await sleep(FOLLOW_MS);
    const perSecond = ((await task()) - t0) * 1000 / (FOLLOW_MS / 1000);
    await panelCdp.send('HeapProfiler.collectGarbage');
    const heapUsed = (await panelCdp.send('Runtime.getHeapUsage')).usedSize;
    const found = await panel.evaluate(() => document.querySelector('session-panel')?.shadowRoot?.querySelectorAll('[part~="discovered-token"]').length ?? 0);
    return { open: median(opens), perSecond, heapUsed, found };
  };
  const plain = await follow(`${origin}/`, JWT_KEYS);
  const framed = await follow(`${origin}/framed`, JWT_KEYS + MAX_FRAMES * FRAME_JWTS);
  rows.push([`tokens listed: no frames / ${FRAMES} frames of ${KEYS} keys (${MAX_FRAMES} read)`, `${plain.found} / ${framed.found}`]);
  rows.push([`panel open → full list (median of 3): no frames / ${FRAMES} frames`, `${plain.open.toFixed(0)} ms / ${framed.open.toFixed(0)} ms`]);
  rows.push([`panel task time per second following the page: no frames / ${FRAMES} frames (ratio)`, `${plain.perSecond.toFixed(1)} ms / ${framed.perSecond.toFixed(1)} ms (${(framed.perSecond / Math.max(0.1, plain.perSecond)).toFixed(1)}×)`]);
  rows.push([`panel JS heap after GC: no frames / ${FRAMES} frames`, `${(plain.heapUsed / 1048576).toFixed(1)} MB / ${(framed.heapUsed / 1048576).toFixed(1)} MB`]);
  await panel.close();
  await page.goto(`${origin}/`);
  await page.waitForSelector('body[data-ready=yes]', { state: 'attached' });

  // 2 and 3: the Session tab in the real DevTools window.
  await page.bringToFront();
  const cdp = await context.browser().newBrowserCDPSession();
  const pageCdp = await context.newCDPSession(page);
  const { targetInfo } = await pageCdp.send('Target.getTargetInfo');
  await cdp.send('Target.openDevTools', { targetId: targetInfo.targetId });
  const targets = async () => (await cdp.send('Target.getTargets')).targetInfos;
  let devtools;
  for (let i = 0; i < 400 && !devtools; i++) {
    devtools = (await targets()).find((t) => t.type === 'page' && t.url.startsWith('devtools://'));
    if (!devtools) await sleep(50);
  }
  const dt = await attachChild(cdp, devtools.targetId);
  const panelUrl = `chrome-extension://${extId}/src/extension/panel.html`;
  let panelTarget;
  for (let i = 0; i < 400 && !panelTarget; i++) {
    await dt.evaluate(`(() => { try { DevToolsAPI.showPanel('chrome-extension://${extId}Session'); } catch {} })()`).catch(() => {});
    panelTarget = (await targets()).find((t) => t.url.startsWith(panelUrl) && t.parentId === devtools.targetId);
    if (!panelTarget) await sleep(50);
  }
  const p = await attachChild(cdp, panelTarget.targetId);
  const heap = async () => {
    await p.send('HeapProfiler.collectGarbage');
    return (await p.send('Runtime.getHeapUsage')).usedSize;
  };
  for (let i = 0; i < 600; i++) {
    if ((await p.evaluate(`document.querySelector('session-panel')?.shadowRoot?.querySelectorAll('[part~="discovered-token"]').length ?? 0`)) >= JWT_KEYS) break;
    await sleep(100);
  }
  const heapAfterKeys = await heap();
  await p.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await p.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const before = await metrics();
  const observedBefore = await p.evaluate('window.__sessionPanelDiscovery.requests()');
  const t0 = performance.now();
  await page.evaluate((n) => window.__requests(n), REQUESTS);
  let observed = 0;
  for (let i = 0; i < 1200; i++) {
    observed = (await p.evaluate('window.__sessionPanelDiscovery.requests()')) - observedBefore;
    if (observed >= REQUESTS) break;
    await sleep(100);
  }
  const wall = performance.now() - t0;
  const after = await metrics();
  const heapAfterRequests = await heap();
  const tokensKept = await p.evaluate('window.__sessionPanelDiscovery.tokens()');
  const scriptMs = (after.ScriptDuration - before.ScriptDuration) * 1000;
  const taskMs = (after.TaskDuration - before.TaskDuration) * 1000;
  rows.push([`requests observed by the panel (of ${REQUESTS}); page's wall time for them`, `${observed}; ${(wall / 1000).toFixed(1)} s`]);
  rows.push(['panel script time per observed request', `${((scriptMs / Math.max(1, observed)) * 1000).toFixed(1)} µs`]);
  rows.push(['panel main-thread task time per observed request', `${((taskMs / Math.max(1, observed)) * 1000).toFixed(1)} µs`]);
  rows.push([`panel JS heap after GC: after ${KEYS} keys / after ${REQUESTS} requests`, `${(heapAfterKeys / 1048576).toFixed(1)} MB / ${(heapAfterRequests / 1048576).toFixed(1)} MB`]);
  rows.push(['distinct tokens kept by the panel', String(tokensKept)]);
} finally {
  await context.close();
  server.close();
  for (const s of frameServers) s.close();
  rmSync(profile, { recursive: true, force: true });
}
const width = Math.max(...rows.map(([k]) => k.length));
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
