// Cross-tab benchmark: tabs of one app in one Chromium profile (real Web Locks, BroadcastChannel and localStorage),
// each with its own copy of dist/core.js, against the reference auth server on 127.0.0.1 (its own process, with
// refresh-token rotation on).
//
//   npm run bench -- cross-tab          (after the build, as npm run bench does)
//   node bench/cross-tab.bench.mjs      (needs dist/core.js and Chromium: CHROME_PATH, default /usr/bin/chromium)
//
// Figures:
// - refresh requests per token lifetime across TABS tabs, each asking for its token every TICK_MS, at 0 ms and
//   300 ms server latency (tokens of TTL_S seconds, refreshed in the last half of their life; the issue measured
//   30 s tokens asked for every second: the same ratio of asking to lifetime, scaled down to keep the run short);
// - anonymous logins per destroySession() across TABS tabs that keep asking for their token, with a 1.5 s
//   anonymous login;
// - the latency the cross-tab lock adds to a refresh: refreshToken() in a tab whose session shares the storage
//   (Web Lock taken) beside the same call on a session of the same page with crossTab off, interleaved;
// - tabs whose clocks differ: SKEW_TABS tabs on one storage, one with Date.now an hour ahead (an init script); after
//   that tab wrote the token, the others ask for theirs 40 times in all over 1.5 token lifetimes: how many of the
//   tokens handed out were already dead on the real clock (the issue measured 35 of 40 before the fix).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';
import { percentile, table } from './support.mjs';

const TABS = Number(process.env.BENCH_TABS ?? 10);
const TTL_S = Number(process.env.BENCH_TTL_S ?? 6);
const TICK_MS = Number(process.env.BENCH_TICK_MS ?? 200);
const LIFETIMES = Number(process.env.BENCH_LIFETIMES ?? 3);
const DESTROYS = Number(process.env.BENCH_DESTROYS ?? 4);
const LOCK_SAMPLES = Number(process.env.BENCH_LOCK_SAMPLES ?? 60);
const SKEW_TABS = 5;
const SKEW_CALLS = 40;
const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';

if (!existsSync('dist/core.js')) {
  console.error('bench/cross-tab: dist/core.js is missing: run `node scripts/build.mjs core` (or npm run bench) first');
  process.exit(1);
}
if (!existsSync(CHROME_PATH)) {
  console.error(`bench/cross-tab: Chromium not found at ${CHROME_PATH}: install it or set CHROME_PATH`);
  process.exit(1);
}

// --- the auth server, in its own process ---------------------------------------------------------------------------
const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', '0', '--quiet', '--ephemeral-key', '--rotation', '--ttl', String(TTL_S)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
process.on('exit', () => child.kill('SIGKILL'));
let authUrl;
for await (const line of createInterface({ input: child.stdout })) {
  const match = /^auth-server listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
  if (match) {
    authUrl = match[1];
    break;
  }
}
child.stdout.resume();
if (!authUrl) {
  console.error('bench/cross-tab: the auth server did not start');
  process.exit(1);
}
const faults = (body) => fetch(`${authUrl}/__faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reset: true, ...body }) });
const stats = async () => (await (await fetch(`${authUrl}/__stats`)).json()).routes;

// --- the app, served from the repository -----------------------------------------------------------------------------
const APP = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module">
  import { createSession, createHttpBackend } from '/dist/core.js';
  const params = new URLSearchParams(location.search);
  const auth = params.get('auth');
  const backend = () => createHttpBackend({ baseUrl: auth, apiKey: 'bench', retries: 0 });
  window.session = createSession({ namespace: params.get('ns') ?? 'bench', backend: backend(), requestTimeoutMs: 10000 });
  window.realNow = () => performance.timeOrigin + performance.now();
  window.alone = createSession({ namespace: 'bench-alone', backend: backend(), storage: 'memory', crossTab: false, devtools: false });
  window.failures = [];
  window.ticking = false;
  window.tick = (ms) => {
    window.ticking = true;
    const loop = () => {
      if (!window.ticking) return;
      window.session.retrieveToken().catch((e) => window.failures.push(e.kind + ':' + e.code)).finally(() => setTimeout(loop, ms));
    };
    loop();
  };
  await Promise.all([window.session.ready, window.alone.ready]);
  document.body.dataset.ready = 'yes';
</script></head><body></body></html>`;
const site = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname === '/app.html') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(APP);
    return;
  }
  const file = path.resolve('.', `.${decodeURIComponent(url.pathname)}`);
  if (!file.startsWith(path.resolve('.') + path.sep) || !existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream' });
  createReadStream(file).pipe(res);
});
site.listen(0, '127.0.0.1');
await once(site, 'listening');
const siteUrl = `http://127.0.0.1:${site.address().port}`;

const profile = mkdtempSync(path.join(tmpdir(), 'session-panel-bench-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROME_PATH,
  headless: false,
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    // Background tabs are throttled by Chrome; here every tab must keep asking as a foreground one would.
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'],
});

try {
  const pages = [];
  for (let i = 0; i < TABS; i++) {
    const page = await context.newPage();
    await page.goto(`${siteUrl}/app.html?auth=${encodeURIComponent(authUrl)}`);
    await page.waitForSelector('body[data-ready="yes"]', { state: 'attached' });
    pages.push(page);
  }
  const rows = [];

  // --- refreshes per token lifetime -----------------------------------------------------------------------------------
  for (const latencyMs of [0, 300]) {
    await faults(latencyMs ? { latencyMs, routes: ['refresh'] } : {});
    const before = await stats();
    // Every token the tabs held, as the storage saw it (a refresh writes each new one there).
    const tokens = new Set();
    const watch = setInterval(async () => {
      const t = await pages[0].evaluate(() => localStorage.getItem('bench:state')).catch(() => null);
      const token = t ? JSON.parse(t).token?.tokenString : undefined;
      if (token) tokens.add(token);
    }, 50);
    await Promise.all(pages.map((p) => p.evaluate((ms) => window.tick(ms), TICK_MS)));
    await new Promise((resolve) => setTimeout(resolve, LIFETIMES * TTL_S * 1000));
    await Promise.all(pages.map((p) => p.evaluate(() => (window.ticking = false))));
    clearInterval(watch);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await stats();
    const refreshes = after.refresh - before.refresh;
    const failures = (await Promise.all(pages.map((p) => p.evaluate(() => window.failures.splice(0))))).flat();
    // Each token lives until one refresh replaces it: requests per replaced token is requests per token lifetime.
    const replaced = Math.max(1, tokens.size - 1);
    rows.push([`refresh requests per token lifetime, ${TABS} tabs, ${latencyMs} ms latency`, `${(refreshes / replaced).toFixed(2)} (${refreshes} requests for ${replaced} tokens replaced, ${failures.length} failed calls${failures.length ? `: ${[...new Set(failures)].join(', ')}` : ''})`]);
  }

  // --- anonymous logins per destroy ----------------------------------------------------------------------------------
  await faults({ latencyMs: 1500, routes: ['anonymous'] });
  await Promise.all(pages.map((p) => p.evaluate((ms) => window.tick(ms), TICK_MS)));
  const beforeDestroy = await stats();
  for (let i = 0; i < DESTROYS; i++) {
    await pages[(i * 3) % TABS].evaluate(() => window.session.destroySession());
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await Promise.all(pages.map((p) => p.evaluate(() => (window.ticking = false))));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const logins = (await stats()).anonymous - beforeDestroy.anonymous;
  const destroyFailures = (await Promise.all(pages.map((p) => p.evaluate(() => window.failures.splice(0))))).flat();
  const uuids = new Set(await Promise.all(pages.map((p) => p.evaluate(() => window.session.getUUID()))));
  rows.push([`anonymous logins per destroy, ${TABS} tabs (1.5 s login)`, `${(logins / DESTROYS).toFixed(2)} (${logins} for ${DESTROYS} destroys; ${uuids.size} UUID(s) at the end; ${destroyFailures.length} failed calls)`]);

  // --- the latency the lock adds ---------------------------------------------------------------------------------------
  await faults({});
  const samples = await pages[0].evaluate(async (n) => {
    const locked = [];
    const alone = [];
    await Promise.all([window.alone.retrieveToken(), window.session.retrieveToken()]); // idle while the rest ran
    for (let i = 0; i < n; i++) {
      for (const [list, s] of i % 2 ? [[locked, window.session], [alone, window.alone]] : [[alone, window.alone], [locked, window.session]]) {
        const t0 = performance.now();
        await s.refreshToken();
        list.push(performance.now() - t0);
      }
    }
    return { locked, alone };
  }, LOCK_SAMPLES);
  const p = (list, q) => percentile(list, q).toFixed(2);
  rows.push([`refreshToken() in one tab, no cross-tab lock, p50 / p95`, `${p(samples.alone, 50)} / ${p(samples.alone, 95)} ms`]);
  rows.push([`refreshToken() with the Web Lock (${TABS} tabs open), p50 / p95`, `${p(samples.locked, 50)} / ${p(samples.locked, 95)} ms`]);
  rows.push(['lock latency added, p50 / p95', `${(percentile(samples.locked, 50) - percentile(samples.alone, 50)).toFixed(2)} / ${(percentile(samples.locked, 95) - percentile(samples.alone, 95)).toFixed(2)} ms`]);

  // --- tabs whose clocks differ -----------------------------------------------------------------------------------------
  for (const p of pages) await p.close();
  const skewed = [];
  for (let i = 0; i < SKEW_TABS; i++) {
    const page = await context.newPage();
    // The second tab's device clock runs an hour ahead; the others are right.
    if (i === 1) await page.addInitScript(() => { const real = Date.now.bind(Date); Date.now = () => real() + 3_600_000; });
    await page.goto(`${siteUrl}/app.html?ns=bench-skew&auth=${encodeURIComponent(authUrl)}`);
    await page.waitForSelector('body[data-ready="yes"]', { state: 'attached' });
    skewed.push(page);
  }
  // The tab an hour ahead writes the token (a fresh one first, so it is its own write on its own clock).
  await skewed[1].evaluate(() => window.session.retrieveToken().then(() => window.session.refreshToken()).then(() => undefined));
  const others = skewed.filter((_, i) => i !== 1);
  const perTab = SKEW_CALLS / others.length;
  const gapMs = (1.5 * TTL_S * 1000) / perTab;
  const handed = (await Promise.all(others.map((page) => page.evaluate(async ({ n, gap }) => {
    const out = [];
    for (let i = 0; i < n; i++) {
      await new Promise((resolve) => setTimeout(resolve, gap));
      try {
        const token = await window.session.retrieveToken();
        out.push(window.realNow() >= token.expirationDate.getTime() ? 'dead' : 'live');
      } catch (e) {
        out.push(`${e.kind}`);
      }
    }
    return out;
  }, { n: perTab, gap: gapMs })))).flat();
  const dead = handed.filter((h) => h === 'dead').length;
  const failed = handed.filter((h) => h !== 'dead' && h !== 'live');
  rows.push([`dead tokens handed out, ${SKEW_TABS} tabs, one 1 h ahead wrote the token`, `${dead} of ${handed.length} calls (${failed.length} failed${failed.length ? `: ${[...new Set(failed)].join(', ')}` : ''}; the issue measured 35 of 40 before the fix)`]);

  table(`cross-tab (${TABS} Chromium tabs, ${TTL_S} s tokens asked for every ${TICK_MS} ms, rotation on)`, rows);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  site.close();
  child.kill('SIGTERM');
}
