// Flood benchmark (issue #9; npm run bench, after the build). Real Chromium with the built dist/extension.
//  1. Cost on pages nobody inspects: bytes the manifest injects per frame at document_start, extension scripts and
//     isolated worlds that show up in a page of 5 frames with no panel open (and, to prove the probe sees them, with
//     one open), and the page's script time per frame beside the same page in a browser without the extension.
//  2. Flood: a hostile page (SP_FLOOD_SESSIONS look-alike sessions on its hook, schema-valid, long strings) emits
//     events as fast as it can for SP_FLOOD_SECONDS (default 60) with its panel open, while a normal page in another
//     tab, with its own panel, regenerates its UUID every 2 s: page change → new UUID in that panel's DOM, before the
//     flood and during it (max of several). Then the flooding panel's heap and the worker's heap (after a GC), the
//     bytes the panel says it retains, and the panel's heap once the flooding page has navigated away.
//  3. Many frames (the frame limit, src/protocol/frame-cap.ts): a page that creates SP_FLOOD_FRAMES iframes (default
//     200), each with a look-alike session on a hook of its own: how many sessions the panel lists, how many frames
//     it says it does not follow, the panel's and the worker's heap after GC (before, with the page, after it left),
//     and a page change → panel DOM with all of it there.
import { createServer } from 'node:http';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { WATCH_UUIDS_SHOWN, buildCoreForPage, launchChromium } from './support.mjs';
import { attachChild } from './cdp-child.mjs';

const FLOOD_SECONDS = Number(process.env.SP_FLOOD_SECONDS ?? 60);
const FLOOD_SESSIONS = Number(process.env.SP_FLOOD_SESSIONS ?? 8);
const FRAMES = 5;
const MANY_FRAMES = Number(process.env.SP_FLOOD_FRAMES ?? 200);
const EXT = path.resolve('dist/extension');
if (!existsSync(path.join(EXT, 'manifest.json'))) {
  console.error('dist/extension is missing: run `node scripts/build.mjs extension` (npm run bench builds it)');
  process.exit(1);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);

const { dir: coreDir, core } = await buildCoreForPage('sp-flood-core-');
const page = (body) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title></head><body><h1>bench</h1>${body}</body></html>`;
const normalPage = page(`<script type="module">
  import { createSession } from '/core.js';
  window.__session = createSession({ storage: 'memory', namespace: 'normal' });
  await window.__session.ready;
  document.body.dataset.ready = 'yes';
</script>`);
// A page of the same kind as test/e2e/extension-support/server.ts's /flood.
const floodPage = page(`<script type="module">
  import { createSession, getSessionHook } from '/core.js';
  const real = createSession({ storage: 'memory', namespace: 'real', devtools: false });
  await real.ready;
  const hook = getSessionHook();
  const emitters = [];
  for (let i = 0; i < ${FLOOD_SESSIONS}; i++) {
    const listeners = new Set();
    const history = Array.from({ length: 2000 }, (_, j) => ({ seq: j, at: Date.now() - 2000 + j, kind: 'event', message: 'history ' + j + ' ' + 'h'.repeat(1000) }));
    hook.register({
      id: 'flood-' + i,
      snapshot: () => ({ ...real.snapshot(), namespace: 'flood-' + i, customIdentifier: 'c'.repeat(1000) }),
      subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
      log: () => history,
    });
    emitters.push(listeners);
  }
  hook.register(real);
  let running = false;
  let emitted = 0;
  window.__flood = () => {
    running = true;
    const tick = () => {
      if (!running) return;
      for (const listeners of emitters)
        for (let j = 0; j < 300; j++) {
          const event = { type: 'state', at: Date.now(), what: 'flood ' + emitted + ' ' + 'f'.repeat(240) };
          for (const l of listeners) l(event);
          emitted++;
        }
      setTimeout(tick, 0);
    };
    tick();
  };
  window.__stopFlood = () => ((running = false), emitted);
  document.body.dataset.ready = 'yes';
</script>`);
// The top page's session, then MANY_FRAMES same-origin iframes, each a look-alike hook and session copying its snapshot.
const manyFramesPage = page(`<script type="module">
  import { createSession } from '/core.js';
  window.__session = createSession({ storage: 'memory', namespace: 'top' });
  await window.__session.ready;
  for (let i = 0; i < ${MANY_FRAMES}; i++) {
    const f = document.createElement('iframe');
    f.src = '/lookalike?i=' + i;
    f.width = 40;
    f.height = 20;
    document.body.append(f);
  }
  document.body.dataset.ready = 'yes';
</script>`);
const lookalikePage = page(`<script>
  const i = new URLSearchParams(location.search).get('i');
  const real = parent.__session;
  const sessions = [];
  const listeners = new Set();
  const hook = {
    version: 1,
    list: () => sessions,
    get: (id) => sessions.find((s) => s.id === id),
    register(s) { sessions.push(s); for (const l of listeners) l(sessions); return () => {}; },
    subscribe(l) { listeners.add(l); return () => listeners.delete(l); },
  };
  Object.defineProperty(window, '__SESSION_PANEL__', { value: hook, configurable: true });
  hook.register({ id: 'frame-' + i, snapshot: () => ({ ...real.snapshot(), namespace: 'frame-' + i }), subscribe: () => () => {}, log: () => [] });
  document.body.dataset.ready = 'yes';
</script>`);
const framesPage = page(`${Array.from({ length: FRAMES - 1 }, () => '<iframe src="/frame"></iframe>').join('')}<script>document.body.dataset.ready = 'yes';</script>`);
const server = createServer((req, res) => {
  const send = (type, body) => res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  if (req.url === '/core.js') return send('text/javascript', core);
  const chunk = path.join(coreDir, path.normalize(req.url ?? '/'));
  if (req.url?.endsWith('.js') && chunk.startsWith(coreDir + path.sep) && existsSync(chunk)) return send('text/javascript', readFileSync(chunk));
  if (req.url === '/flood') return send('text/html', floodPage);
  if (req.url === '/frames') return send('text/html', framesPage);
  if (req.url === '/frame') return send('text/html', page('<p>frame</p>'));
  if (req.url === '/many-frames') return send('text/html', manyFramesPage);
  if (req.url?.startsWith('/lookalike?')) return send('text/html', lookalikePage);
  if (req.url === '/') return send('text/html', normalPage);
  res.writeHead(404).end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

const launch = async (withExtension) => {
  const { context, profile } = await launchChromium('sp-flood-profile-', withExtension ? EXT : undefined);
  return { context, close: async () => (await context.close(), rmSync(profile, { recursive: true, force: true })) };
};

/** Loads the 5-frame page in `p`, counting extension scripts and isolated worlds in every frame's process, and script time. */
async function probeFrames(context, p, { openPanel } = {}) {
  const cdp = await context.newCDPSession(p);
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true });
  let extScripts = 0;
  let isolated = 0;
  const watch = async (session) => {
    session.on('Debugger.scriptParsed', (e) => e.url.startsWith('chrome-extension://') && extScripts++);
    // Playwright's own utility worlds are isolated too: only those of an extension origin count.
    session.on('Runtime.executionContextCreated', (e) => e.context.origin?.startsWith('chrome-extension://') && isolated++);
    await session.send('Runtime.enable');
    await session.send('Debugger.enable');
  };
  await watch(cdp);
  await cdp.send('Performance.enable');
  await p.goto(`${origin}/frames`);
  await p.waitForSelector('body[data-ready=yes]');
  await p.waitForFunction((n) => window.frames.length === n - 1 && [...document.querySelectorAll('iframe')].every((f) => f.contentDocument?.readyState === 'complete'), FRAMES);
  if (openPanel) await openPanel();
  await sleep(1500); // anything injected late would have run by now
  const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  await cdp.detach();
  return { extScripts, isolated, scriptMsPerFrame: (metrics.ScriptDuration * 1000) / FRAMES };
}

const stat = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, median: s[Math.floor((s.length - 1) / 2)].toFixed(1), max: s.at(-1).toFixed(1) };
};

const withExt = await launch(true);
const plain = await launch(false);
try {
  const context = withExt.context;
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extId = new URL(worker.url()).host;
  const manifest = JSON.parse(readFileSync(path.join(EXT, 'manifest.json'), 'utf8'));
  const injected = (manifest.content_scripts ?? []).flatMap((c) => c.js ?? []).reduce((n, f) => n + readFileSync(path.join(EXT, f)).length, 0);

  // 1. No panel open, then the same page with a panel open; and the page in a browser without the extension.
  const none = await probeFrames(plain.context, await plain.context.newPage());
  const [probePage, probeTab] = await Promise.all([context.waitForEvent('page'), worker.evaluate(async () => (await chrome.tabs.create({ url: 'about:blank' })).id)]);
  const noPanel = await probeFrames(context, probePage);
  const withPanel = await probeFrames(context, probePage, {
    openPanel: async () => {
      const pp = await context.newPage();
      await pp.goto(`chrome-extension://${extId}/src/extension/panel.html?tabId=${probeTab}`);
    },
  });
  console.log(`pages nobody inspects: a page of ${FRAMES} frames (manifest content scripts, then what reached the frames)`);
  console.table({
    'bytes injected per frame at document_start (manifest content_scripts)': { value: injected },
    'extension scripts parsed in the page, no panel open': { value: noPanel.extScripts },
    'extension isolated worlds in the page, no panel open': { value: noPanel.isolated },
    'extension scripts parsed, reloaded with a panel open (the probe sees them)': { value: withPanel.extScripts },
    'extension isolated worlds, with a panel open': { value: withPanel.isolated },
    'script time per frame, no panel open (ms)': { value: noPanel.scriptMsPerFrame.toFixed(2) },
    'script time per frame, same page without the extension (ms)': { value: none.scriptMsPerFrame.toFixed(2) },
  });

  // 2. Flood.
  const openTab = async (url) => {
    const [p, tabId] = await Promise.all([context.waitForEvent('page'), worker.evaluate(async (u) => (await chrome.tabs.create({ url: u })).id, url)]);
    await p.waitForSelector('body[data-ready=yes]');
    const panel = await context.newPage();
    await panel.goto(`chrome-extension://${extId}/src/extension/panel.html?tabId=${tabId}`);
    return { p, panel };
  };
  const normal = await openTab(`${origin}/`);
  const flood = await openTab(`${origin}/flood`);
  const uuidIn = (panel, u) => panel.waitForFunction((x) => document.querySelector('session-panel')?.shadowRoot?.querySelector('[part~="uuid"]')?.textContent.includes(x), u, { timeout: 60_000 });
  await uuidIn(normal.panel, await normal.p.evaluate(() => window.__session.getUUID()));
  await flood.panel.waitForFunction(() => document.querySelector('session-panel')?.shadowRoot?.querySelector('[part~="log"]'), null, { timeout: 60_000 });
  await normal.panel.evaluate(WATCH_UUIDS_SHOWN);
  let change = 0;
  const latency = async () => {
    const { uuid, t0 } = await normal.p.evaluate(async (seed) => {
      const t0 = performance.timeOrigin + performance.now();
      const done = window.__session.regenerateUUIDWithClientIdentifier(seed);
      const uuid = window.__session.getUUID();
      await done;
      return { uuid, t0 };
    }, `flood-bench-${change++}`);
    const t1 = await (await normal.panel.waitForFunction((u) => window.__seen.get(u), uuid, { timeout: 60_000 })).jsonValue();
    return t1 - t0;
  };
  const cdp = await context.browser().newBrowserCDPSession();
  const workerTarget = (await cdp.send('Target.getTargets')).targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${extId}/`));
  const sw = await attachChild(cdp, workerTarget.targetId);
  const heapOf = async (send) => {
    await send('HeapProfiler.collectGarbage');
    return (await send('Runtime.getHeapUsage')).usedSize;
  };
  const floodPanelCdp = await context.newCDPSession(flood.panel);
  const panelHeap = () => heapOf((m) => floodPanelCdp.send(m));
  const workerHeap = () => heapOf((m) => sw.send(m));
  const retained = () => flood.panel.evaluate(() => Number(document.querySelector('session-panel').shadowRoot.querySelector('[part~="log"]')?.getAttribute('data-retained-bytes') ?? NaN));

  const quiet = [];
  for (let i = 0; i < 5; i++) quiet.push(await latency());
  const before = { panel: await panelHeap(), worker: await workerHeap(), retained: await retained() };
  await flood.p.evaluate(() => window.__flood());
  const during = [];
  const end = Date.now() + FLOOD_SECONDS * 1000;
  while (Date.now() < end) {
    during.push(await latency());
    await sleep(2000);
  }
  const emitted = await flood.p.evaluate(() => window.__stopFlood());
  const after = { panel: await panelHeap(), worker: await workerHeap(), retained: await retained() };
  const letGo = await flood.panel.evaluate(() => document.querySelector('session-panel').shadowRoot.querySelector('[data-field="log-let-go"]')?.textContent.replace(/\s+/g, ' ').trim() ?? '(none)');
  await flood.p.goto(`${origin}/`);
  await flood.panel.waitForFunction(() => Number(document.querySelector('session-panel')?.shadowRoot?.querySelector('[part~="log"]')?.getAttribute('data-retained-bytes') ?? Infinity) < 1 << 20, null, { timeout: 60_000 });
  const gone = { panel: await panelHeap(), retained: await retained() };

  console.log(`\nflood: ${FLOOD_SECONDS} s, ${FLOOD_SESSIONS} look-alike sessions, ${emitted} events emitted by the page`);
  console.table({
    "another tab's update latency, page change → panel DOM, before the flood (ms)": stat(quiet),
    "another tab's update latency during the flood (ms)": stat(during),
  });
  console.table({
    'flooding panel JS heap after GC (MB)': { before: mb(before.panel), 'after flood': mb(after.panel), 'after the page left': mb(gone.panel) },
    'worker JS heap after GC (MB)': { before: mb(before.worker), 'after flood': mb(after.worker), 'after the page left': '' },
    'bytes the flooding panel retains (MB, its data-retained-bytes)': { before: mb(before.retained), 'after flood': mb(after.retained), 'after the page left': mb(gone.retained) },
  });
  console.log(`flooding panel says: ${letGo}`);

  // 3. Many frames, each with a session.
  const workerBefore = await workerHeap();
  const many = await openTab(`${origin}/many-frames`);
  await many.p.waitForFunction((n) => {
    const frames = [...document.querySelectorAll('iframe')];
    return frames.length === n && frames.every((f) => f.contentDocument?.body?.dataset.ready === 'yes');
  }, MANY_FRAMES, { timeout: 120_000 });
  const manyCdp = await context.newCDPSession(many.panel);
  const manyHeap = () => heapOf((m) => manyCdp.send(m));
  const notFollowed = () => many.panel.evaluate(() => Math.max(0, ...JSON.parse(document.querySelector('session-panel').exportLog()).entries
    .map((e) => Number(/^Not following (\d+) more frames/.exec(e.message)?.[1] ?? 0))));
  const listed = () => many.panel.evaluate(() => document.querySelector('session-panel').shadowRoot.querySelectorAll('select[aria-label="Session"] option').length);
  const tOpen = Date.now();
  // Settled: the count said and the list stable for a second.
  let last = -1;
  for (let stable = 0; stable < 4 && Date.now() - tOpen < 120_000; await sleep(250)) {
    const now = `${await notFollowed()}/${await listed()}`;
    stable = now === last && !now.startsWith('0/') ? stable + 1 : 0;
    last = now;
  }
  const settledMs = Date.now() - tOpen - 1000;
  const withFrames = { panel: await manyHeap(), worker: await workerHeap(), listed: await listed(), notFollowed: await notFollowed() };
  await many.panel.evaluate(WATCH_UUIDS_SHOWN);
  const manyLatency = [];
  for (let i = 0; i < 5; i++) {
    const { uuid, t0 } = await many.p.evaluate(async (seed) => {
      const t0 = performance.timeOrigin + performance.now();
      const done = window.__session.regenerateUUIDWithClientIdentifier(seed);
      const uuid = window.__session.getUUID();
      await done;
      return { uuid, t0 };
    }, `many-frames-${i}`);
    manyLatency.push((await (await many.panel.waitForFunction((u) => window.__seen.get(u), uuid, { timeout: 60_000 })).jsonValue()) - t0);
  }
  await many.p.goto(`${origin}/`);
  await many.panel.waitForFunction(() => document.querySelector('session-panel').shadowRoot.querySelectorAll('select[aria-label="Session"] option').length <= 1, null, { timeout: 60_000 });
  await sleep(500);
  const manyGone = { panel: await manyHeap(), worker: await workerHeap(), listed: await listed() };
  console.log(`\nmany frames: a page with ${MANY_FRAMES} iframes, each with a look-alike session, and the top page's session`);
  console.table({
    'sessions the panel lists (top page + frames followed)': { 'with the page': withFrames.listed, 'after it left': manyGone.listed },
    'frames the panel says it does not follow': { 'with the page': withFrames.notFollowed, 'after it left': '' },
    'panel JS heap after GC (MB)': { 'with the page': mb(withFrames.panel), 'after it left': mb(manyGone.panel) },
    [`worker JS heap after GC (MB; before the page: ${mb(workerBefore)})`]: { 'with the page': mb(withFrames.worker), 'after it left': mb(manyGone.worker) },
    'panel open → list and count settled (ms)': { 'with the page': settledMs, 'after it left': '' },
  });
  console.table({ 'page change → panel DOM with the frames there (ms)': stat(manyLatency) });
} finally {
  await withExt.close();
  await plain.close();
  server.close();
  rmSync(coreDir, { recursive: true, force: true });
}
