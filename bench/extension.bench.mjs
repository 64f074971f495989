// Extension benchmark (npm run bench, after the build). Real Chromium, built dist/extension: the Session tab in the
// page's real DevTools window and the same panel page opened in a tab (both over page → bridge → worker → panel),
// beside the embedded element (dist/session-panel.js) on a page of its own when that build exists.
//  1. Round trip: a session change in the page (seeded regenerate: the UUID changes at once) → the new UUID in the
//     panel's DOM, median and p95 over 200 changes; the same for the embedded element. Both ends are timed with
//     performance.timeOrigin + now() in their own processes (same machine clock).
//     Per hop too (src/protocol/hop-probe.ts, on only here): when the page agent posted the snapshot (this page's own
//     postMessage patch), when the bridge, the worker and each panel's port transport took it in and passed it on.
//     SP_BENCH_CHANGES sets the count; SP_BENCH_TRACE=<file> writes a CDP trace of every process for the round trips.
//  2. Burst: 10,000 session events in one go; the panel must end on the final state; we report how many DOM
//     updates it made (coalescing), its long tasks, the link's pending requests and drops, and heap before/after.
import { createServer } from 'node:http';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { WATCH_UUIDS_SHOWN, buildCoreForPage, launchChromium } from './support.mjs';
import { attachChild } from './cdp-child.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const CHANGES = Number(process.env.SP_BENCH_CHANGES ?? 200);
const BURST_EVENTS = 10_000;
const EXT = path.resolve('dist/extension');
const EMBED = path.resolve('dist/session-panel.js');
if (!existsSync(path.join(EXT, 'manifest.json'))) {
  console.error('dist/extension is missing: run `node scripts/build.mjs extension` (npm run bench builds it)');
  process.exit(1);
}
// The embedded element runs on a page of its own (another tab, its own session, the same change): on the inspected
// page it would render on the thread the bridge shares, and its frame (render, layout) would delay the bridge.
// SP_BENCH_EMBED=same puts it on the inspected page as the first version of this bench did; SP_BENCH_EMBED=0 leaves it out.
const embedMode = process.env.SP_BENCH_EMBED === 'same' ? 'same' : process.env.SP_BENCH_EMBED === '0' ? 'off' : 'own-page';
const hasEmbed = embedMode !== 'off' && existsSync(EMBED);

// The real core for the test page, built from source into a temp dir.
const { dir: coreDir, core } = await buildCoreForPage('sp-bench-core-');
const pageHtml = (withEmbed) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title></head><body>
<script>
  // Hop probe, page side (this page is the bench's own): when the page agent posts a snapshot on its channel.
  window.__agentPosted = new Map();
  const post = MessagePort.prototype.postMessage;
  MessagePort.prototype.postMessage = function (m, ...rest) {
    const at = performance.timeOrigin + performance.now();
    const list = m?.kind === 'update' ? [m.update] : m?.kind === 'updates' ? m.updates : [];
    for (const u of list ?? []) {
      const uuid = u?.type === 'snapshot' ? u.snapshot?.uuid : undefined;
      if (uuid && !window.__agentPosted.has(uuid)) window.__agentPosted.set(uuid, at);
    }
    return post.call(this, m, ...rest);
  };
</script>
<script type="module">
  import { createSession } from '/core.js';
  const session = createSession({ storage: 'memory', namespace: 'bench' });
  window.__session = session;
  window.__t0 = new Map();
  window.__embedSeen = new Map();
  await session.ready;
  ${withEmbed ? `await import('/session-panel.js');
  const el = document.createElement('session-panel');
  el.session = session;
  el.open = true;
  document.body.append(el);
  await el.updateComplete;
  window.__embedRenders = 0;
  new MutationObserver(() => {
    window.__embedRenders++;
    const m = el.shadowRoot.querySelector('[part~="uuid"]')?.textContent.match(/[0-9a-f]{8}-[0-9a-f-]{27}/);
    if (m && !window.__embedSeen.has(m[0])) window.__embedSeen.set(m[0], performance.timeOrigin + performance.now());
  }).observe(el.shadowRoot, { subtree: true, childList: true, characterData: true });` : ''}
  document.body.dataset.ready = 'yes';
</script></body></html>`;
const server = createServer((req, res) => {
  if (req.url === '/core.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(core);
  // The core's lazily loaded chunks (the dev backend's signing code) sit beside it.
  const chunk = path.join(coreDir, path.normalize(req.url ?? '/'));
  if (req.url?.endsWith('.js') && chunk.startsWith(coreDir + path.sep) && existsSync(chunk)) {
    return res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(chunk));
  }
  if (req.url === '/session-panel.js' && hasEmbed) return res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(EMBED));
  if (req.url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(pageHtml(hasEmbed && embedMode === 'same'));
  if (req.url === '/embed' && hasEmbed) return res.writeHead(200, { 'content-type': 'text/html' }).end(pageHtml(true));
  res.writeHead(404).end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

const { context, profile } = await launchChromium('sp-bench-profile-', EXT);
try {
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extId = new URL(worker.url()).host;
  const [page, tabId] = await Promise.all([
    context.waitForEvent('page'),
    worker.evaluate(async (u) => (await chrome.tabs.create({ url: u })).id, `${origin}/`),
  ]);
  await page.waitForSelector('body[data-ready=yes]', { state: 'attached' });
  // The embedded element's own page (no panel is opened for it), unless it shares the inspected page or is left out.
  let embedPage = null;
  if (hasEmbed && embedMode === 'own-page') {
    embedPage = await context.newPage();
    await embedPage.goto(`${origin}/embed`);
    await embedPage.waitForSelector('body[data-ready=yes]', { state: 'attached' });
  }
  const embedTarget = embedMode === 'same' ? page : embedPage;
  const panel = await context.newPage();
  await panel.goto(`chrome-extension://${extId}/src/extension/panel.html?tabId=${tabId}`);
  const uuid0 = await page.evaluate(() => window.__session.getUUID());
  await panel.waitForFunction((u) => document.querySelector('session-panel')?.shadowRoot?.querySelector('[part~="uuid"]')?.textContent.includes(u), uuid0);
  await panel.evaluate(() => {
    const el = document.querySelector('session-panel');
    window.__seen = new Map();
    window.__renders = 0;
    window.__longTasks = [];
    new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
    new MutationObserver(() => {
      window.__renders++;
      const m = el.shadowRoot.querySelector('[part~="uuid"]')?.textContent.match(/[0-9a-f]{8}-[0-9a-f-]{27}/);
      if (m && !window.__seen.has(m[0])) window.__seen.set(m[0], performance.timeOrigin + performance.now());
    }).observe(el.shadowRoot, { subtree: true, childList: true, characterData: true });
  });

  // The real DevTools window too: open it for the page, show the Session tab, observe the panel iframe.
  const cdp = await context.browser().newBrowserCDPSession();
  const pageCdp = await context.newCDPSession(page);
  const { targetInfo } = await pageCdp.send('Target.getTargetInfo');
  await cdp.send('Target.openDevTools', { targetId: targetInfo.targetId });
  const targets = async () => (await cdp.send('Target.getTargets')).targetInfos;
  let devtools;
  // Up to a minute for each step: the DevTools window takes well over 10 s on a 2-core machine at load 30.
  const STEPS = 1200;
  for (let i = 0; i < STEPS && !devtools; i++) {
    devtools = (await targets()).find((t) => t.type === 'page' && t.url.startsWith('devtools://'));
    if (!devtools) await sleep(50);
  }
  if (!devtools) throw new Error('the DevTools window did not open within a minute');
  const dt = await attachChild(cdp, devtools.targetId);
  const panelUrl = `chrome-extension://${extId}/src/extension/panel.html`;
  let dtPanelTarget;
  for (let i = 0; i < STEPS && !dtPanelTarget; i++) {
    await dt.evaluate(`(() => { try { DevToolsAPI.showPanel('chrome-extension://${extId}Session'); } catch {} })()`).catch(() => {});
    dtPanelTarget = (await targets()).find((t) => t.url.startsWith(panelUrl) && t.parentId === devtools.targetId);
    if (!dtPanelTarget) await sleep(50);
  }
  const dtPanel = await attachChild(cdp, dtPanelTarget.targetId);
  for (let i = 0; i < STEPS; i++) {
    const ok = await dtPanel.evaluate(`!!document.querySelector('session-panel')?.shadowRoot?.querySelector('[part~="uuid"]')?.textContent.includes(${JSON.stringify(uuid0)})`);
    if (ok) break;
    await sleep(50);
  }
  await dtPanel.evaluate(WATCH_UUIDS_SHOWN);
  const seenInDevtools = async (uuid) => {
    for (;;) {
      const t = await dtPanel.evaluate(`window.__seen.get(${JSON.stringify(uuid)}) ?? null`);
      if (t !== null) return t;
      await sleep(5);
    }
  };

  // Hop probe (src/protocol/hop-probe.ts): on in the bridge's isolated world, the worker and both panels; the page
  // agent's posts are stamped by this page's own patch above. Each records, per snapshot UUID, when it passed.
  const HOPS = '__sessionPanelHops';
  const isolated = [];
  pageCdp.on('Runtime.executionContextCreated', ({ context: c }) => {
    if (c.origin === `chrome-extension://${extId}` || c.name === 'Session Panel') isolated.push(c);
  });
  await pageCdp.send('Runtime.enable');
  let bridgeWorld;
  for (let i = 0; i < STEPS && !bridgeWorld; i++) {
    for (const c of isolated) {
      const r = await pageCdp.send('Runtime.evaluate', { contextId: c.id, expression: `typeof globalThis.__sessionPanelBridge === 'object'`, returnByValue: true }).catch(() => null);
      if (r?.result?.value === true) bridgeWorld = c.id;
    }
    if (!bridgeWorld) await sleep(50);
  }
  if (!bridgeWorld) throw new Error("the bridge's isolated world was not found in the bench page");
  const inBridge = async (expression) => (await pageCdp.send('Runtime.evaluate', { contextId: bridgeWorld, expression, returnByValue: true })).result.value;
  const readHops = `JSON.stringify([...(globalThis.${HOPS} ?? new Map())])`;
  await inBridge(`globalThis.${HOPS} = new Map(); true`);
  await worker.evaluate((k) => { globalThis[k] = new Map(); }, HOPS);
  await panel.evaluate((k) => { window[k] = new Map(); }, HOPS);
  await dtPanel.evaluate(`window.${HOPS} = new Map(); true`);
  const changes = [];

  // SP_BENCH_TRACE=<file>: a CDP trace of every process during the round trips (open it in DevTools' Performance tab).
  const traceFile = process.env.SP_BENCH_TRACE;
  const traceEvents = [];
  if (traceFile) {
    cdp.on('Tracing.dataCollected', ({ value }) => traceEvents.push(...value));
    await cdp.send('Tracing.start', {
      traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'v8.execute', 'blink', 'mojom', 'ipc', 'scheduler', 'sequence_manager', 'disabled-by-default-sequence_manager'] },
      transferMode: 'ReportEvents',
    });
  }

  // 1. Round trip, one change at a time.
  const devtoolsMs = [];
  const panelMs = [];
  const embedMs = [];
  const change = (p, seed) =>
    p.evaluate(async (seed) => {
      const t0 = performance.timeOrigin + performance.now();
      const done = window.__session.regenerateUUIDWithClientIdentifier(seed);
      const uuid = window.__session.getUUID(); // changes at once
      await done;
      return { uuid, t0 };
    }, seed);
  for (let i = 0; i < CHANGES; i++) {
    const { uuid, t0 } = await change(page, `bench-${i}`);
    const t1 = await (await panel.waitForFunction((u) => window.__seen.get(u), uuid)).jsonValue();
    panelMs.push(t1 - t0);
    const tDevtools = await seenInDevtools(uuid);
    devtoolsMs.push(tDevtools - t0);
    changes.push({ uuid, t0, panelDom: t1, devtoolsDom: tDevtools });
    if (embedTarget) {
      const own = embedTarget === page ? { uuid, t0 } : await change(embedTarget, `bench-embed-${i}`);
      const te = await (await embedTarget.waitForFunction((u) => window.__embedSeen.get(u), own.uuid)).jsonValue();
      embedMs.push(te - own.t0);
    }
  }
  if (traceFile) {
    const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
    await cdp.send('Tracing.end');
    await done;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(traceFile, JSON.stringify({ traceEvents }));
    console.log(`trace: ${traceEvents.length} events in ${traceFile}`);
  }
  const stat = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const q = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
    return { median: q(0.5).toFixed(2), p95: q(0.95).toFixed(2), max: s.at(-1).toFixed(2) };
  };
  console.log(`round trip, page change → DOM, ${CHANGES} changes (ms)`);
  console.table({
    'Session tab in the real DevTools window': stat(devtoolsMs),
    'panel page in a tab (same page, same path)': stat(panelMs),
    ...(embedTarget ? { [`embedded element (direct; ${embedMode === 'same' ? 'on the inspected page' : 'its own page, same change'})`]: stat(embedMs) } : {}),
  });
  if (!embedTarget) console.log('(embedded element left out: SP_BENCH_EMBED=0, or dist/session-panel.js not built)');

  // Where the time goes, hop by hop (medians and p95 over the same changes; each hop's end minus its start).
  const agentPosted = new Map(await page.evaluate(() => [...window.__agentPosted]));
  const stamps = {
    bridge: new Map(JSON.parse(await inBridge(readHops))),
    worker: new Map(JSON.parse(await worker.evaluate((k) => JSON.stringify([...(globalThis[k] ?? new Map())]), HOPS))),
    panel: new Map(JSON.parse(await panel.evaluate((k) => JSON.stringify([...window[k]]), HOPS))),
    devtools: new Map(JSON.parse(await dtPanel.evaluate(readHops))),
  };
  const points = (c) => ({
    change: c.t0,
    agent: agentPosted.get(c.uuid),
    bridgeIn: stamps.bridge.get(`bridge-in:${c.uuid}`),
    bridgeOut: stamps.bridge.get(`bridge-out:${c.uuid}`),
    workerIn: stamps.worker.get(`worker-in:${c.uuid}`),
    workerOut: stamps.worker.get(`worker-out:${c.uuid}`),
    panelIn: stamps.panel.get(`panel-in:${c.uuid}`),
    panelDom: c.panelDom,
    devtoolsIn: stamps.devtools.get(`panel-in:${c.uuid}`),
    devtoolsDom: c.devtoolsDom,
  });
  const hops = [
    ['page change → page agent posts the snapshot (hook event, coalescing, fitting)', 'change', 'agent'],
    ['agent → bridge (MessageChannel, isolated world)', 'agent', 'bridgeIn'],
    ['in the bridge (parse, size, budget)', 'bridgeIn', 'bridgeOut'],
    ['bridge → worker (port, worker parse)', 'bridgeOut', 'workerIn'],
    ['in the worker (size, tab budget)', 'workerIn', 'workerOut'],
    ['worker → panel page in a tab (port, panel parse)', 'workerOut', 'panelIn'],
    ['panel page in a tab: port transport → UUID in DOM (element)', 'panelIn', 'panelDom'],
    ['worker → Session tab in DevTools (port, panel parse)', 'workerOut', 'devtoolsIn'],
    ['Session tab in DevTools: port transport → UUID in DOM', 'devtoolsIn', 'devtoolsDom'],
  ];
  const all = changes.map(points);
  const hopRows = {};
  for (const [label, from, to] of hops) {
    const xs = all.filter((p) => p[from] !== undefined && p[to] !== undefined).map((p) => p[to] - p[from]);
    hopRows[label] = xs.length ? { ...stat(xs), n: xs.length } : { median: '-', p95: '-', max: '-', n: 0 };
  }
  console.log(`\nper hop, the same ${CHANGES} changes (ms; clocks of different processes, same machine: a hop can read slightly negative)`);
  console.table(hopRows);

  // 2. Burst of 10,000 events, then one last change the panel must end on.
  const heapBefore = await panel.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
  await panel.evaluate(() => {
    window.__renders = 0;
    window.__longTasks = [];
  });
  await embedTarget?.evaluate(() => (window.__embedRenders = 0));
  const burstOn = (p) => p.evaluate(async (n) => {
    const s = window.__session;
    let events = 0;
    const off = s.subscribe(() => events++);
    const t0 = performance.timeOrigin + performance.now();
    for (let i = 0; i < n; i++) s.debug.faults.setOffline(i % 2 === 0); // one state event each, synchronously
    const done = s.regenerateUUIDWithClientIdentifier('after-the-burst');
    const uuid = s.getUUID();
    await done;
    off();
    return { events, uuid, t0, token: s.snapshot().tokenStatus };
  }, BURST_EVENTS);
  const burst = await burstOn(page);
  const tEnd = await (await panel.waitForFunction((u) => window.__seen.get(u), burst.uuid, { timeout: 30_000 })).jsonValue();
  await page.waitForTimeout(300); // let anything still in flight land before reading counters
  const after = await panel.evaluate(() => ({
    renders: window.__renders,
    longTasks: window.__longTasks,
    link: { state: window.__sessionPanelLink.state(), pending: window.__sessionPanelLink.pending(), dropped: window.__sessionPanelLink.dropped() },
    heap: performance.memory?.usedJSHeapSize ?? 0,
    uuidShown: document.querySelector('session-panel').shadowRoot.querySelector('[part~="uuid"]').textContent.match(/[0-9a-f]{8}-[0-9a-f-]{27}/)?.[0],
  }));
  const pageUuid = await page.evaluate(() => window.__session.getUUID());
  if (embedTarget && embedTarget !== page) {
    // The same burst on the element's own page, for its count of DOM updates.
    const own = await burstOn(embedTarget);
    await embedTarget.waitForFunction((u) => window.__embedSeen.get(u), own.uuid, { timeout: 30_000 });
    await embedTarget.waitForTimeout(300);
  }
  const embedRenders = embedTarget ? await embedTarget.evaluate(() => window.__embedRenders ?? null) : null;
  console.log(`\nburst: ${burst.events} events then one final change`);
  console.table({
    'final UUID shown by the panel = page UUID': String(after.uuidShown === pageUuid),
    'time to final state in the panel (ms)': (tEnd - burst.t0).toFixed(1),
    'panel DOM mutation callbacks during the burst': after.renders,
    ...(embedRenders !== null ? { 'embedded element DOM mutation callbacks': embedRenders } : {}),
    'panel long tasks (count / longest ms)': `${after.longTasks.length} / ${after.longTasks.length ? Math.max(...after.longTasks).toFixed(0) : 0}`,
    'link after the burst (state, pending, dropped)': `${after.link.state}, ${after.link.pending}, ${after.link.dropped}`,
    'panel JS heap before → after (MB)': `${(heapBefore / 2 ** 20).toFixed(1)} → ${(after.heap / 2 ** 20).toFixed(1)}`,
  });
  if (after.uuidShown !== pageUuid) {
    console.error('FAIL: the panel did not end on the final state');
    process.exitCode = 1;
  }
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
  rmSync(coreDir, { recursive: true, force: true });
}
