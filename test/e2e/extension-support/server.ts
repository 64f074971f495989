import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'vite';

/**
 * A local test site for the extension: pages that create real sessions with the real core (built from
 * src/core/index.ts into a temp dir, so the test does not depend on anyone else's dist/), plus the embedded
 * element's bundle when dist/session-panel.js exists (for the bench).
 *
 *   /?sessions=N&ns=name   N sessions (default 1) with the dev backend and memory storage
 *   /frames                the top page with one session plus an iframe with another
 *   /sandboxed             the top page's session plus a sandboxed iframe (opaque origin) with its own
 *   /late?frame=<origin>   no session until the test calls window.__makeSession(); an iframe from <origin> (another
 *                          host name of this server: cross-origin) has a look-alike session from the start
 *   /plain                 no session library; records every window message and its globals from the first script
 *   /flood?sessions=N      a hostile page: N look-alike sessions on the page hook (schema-valid, long strings, a 2 MB
 *                          log history), then the real core's session; window.__flood() makes every look-alike emit
 *                          events as fast as the page can (30 s at most) until window.__stopFlood(), which returns
 *                          how many it emitted
 *   /many-frames?frames=N  the top page's session, then N same-origin iframes (default 200), each with a look-alike
 *                          hook and session of its own (/lookalike?i=k: a copy of the top session's snapshot)
 */
export interface TestSite {
  readonly origin: string;
  close(): Promise<void>;
}

export async function buildCore(): Promise<string> {
  const out = mkdtempSync(path.join(tmpdir(), 'session-panel-core-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: out,
      emptyOutDir: true,
      target: 'es2022',
      lib: { entry: path.resolve('src/core/index.ts'), formats: ['es'], fileName: () => 'core.js' },
    },
  });
  return out;
}

const page = (body: string): string => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>session test page</title></head>
<body>${body}</body></html>`;

const sessionsScript = `<script type="module">
  import { createSession, uuidFromName } from '/core.js';
  window.__uuidFromName = uuidFromName;
  const q = new URLSearchParams(location.search);
  const n = Number(q.get('sessions') ?? '1');
  const ns = q.get('ns') ?? 'e2e';
  window.__sessions = [];
  for (let i = 0; i < n; i++) window.__sessions.push(createSession({ storage: 'memory', namespace: i ? ns + '-' + i : ns }));
  window.__session = window.__sessions[0];
  await Promise.all(window.__sessions.map((s) => s.ready));
  document.body.dataset.ready = 'yes';
</script>`;

const floodScript = `<script type="module">
  import { createSession, getSessionHook } from '/core.js';
  const n = Number(new URLSearchParams(location.search).get('sessions') ?? '1');
  const real = createSession({ storage: 'memory', namespace: 'real', devtools: false });
  await real.ready;
  const hook = getSessionHook();
  const emitters = [];
  for (let i = 0; i < n; i++) {
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
  window.__session = real;
  window.__sessions = [real];
  let running = false;
  let emitted = 0;
  window.__flood = () => {
    running = true;
    const stopAt = performance.now() + 30_000; // bounded even if a test forgets to stop it
    const tick = () => {
      if (!running || performance.now() > stopAt) return;
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
  window.__flooding = () => running;
  document.body.dataset.ready = 'yes';
</script>`;

export async function startTestSite(): Promise<TestSite> {
  const coreDir = await buildCore();
  const core = readFileSync(path.join(coreDir, 'core.js'));
  const embedPath = path.resolve('dist/session-panel.js');
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (type: string, body: string | Buffer): void => {
      // Any origin may load the scripts: a sandboxed frame (opaque origin) fetches module scripts in CORS mode.
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', 'access-control-allow-origin': '*' });
      res.end(body);
    };
    if (url.pathname === '/core.js') return send('text/javascript', core);
    // The core's lazily loaded chunks (the dev backend's signing code) sit beside it.
    const chunk = path.join(coreDir, path.normalize(url.pathname));
    if (url.pathname.endsWith('.js') && chunk.startsWith(coreDir + path.sep) && existsSync(chunk)) return send('text/javascript', readFileSync(chunk));
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
    if (url.pathname === '/session-panel.js') {
      try {
        return send('text/javascript', readFileSync(embedPath));
      } catch {
        res.writeHead(404).end();
        return;
      }
    }
    if (url.pathname === '/frames') return send('text/html', page(`${sessionsScript}<iframe src="/?ns=framed"></iframe>`));
    if (url.pathname === '/sandboxed')
      return send('text/html', page(`${sessionsScript}<iframe sandbox="allow-scripts" src="/?ns=boxed"></iframe>`));
    if (url.pathname === '/late') {
      const frame = url.searchParams.get('frame') ?? '';
      return send(
        'text/html',
        page(`<script type="module">
  import { createSession } from '/core.js';
  window.__makeSession = async () => {
    window.__session = createSession({ storage: 'memory', namespace: 'shop' });
    await window.__session.ready;
    return window.__session.getUUID();
  };
  document.body.dataset.ready = 'yes';
</script><iframe src="${frame}/?ns=shop"></iframe>`),
      );
    }
    if (url.pathname === '/plain')
      return send(
        'text/html',
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>plain</title><script>
  window.__seen = { messages: 0, globals: Object.getOwnPropertyNames(window), symbols: Object.getOwnPropertySymbols(window).map(String) };
  addEventListener('message', () => window.__seen.messages++, true);
</script></head><body><h1>plain page</h1><script>document.body.dataset.ready = 'yes';</script></body></html>`,
      );
    if (url.pathname === '/many-frames') {
      const n = Math.min(1000, Number(url.searchParams.get('frames') ?? '200'));
      return send(
        'text/html',
        page(`<h1>many frames</h1>${sessionsScript.replace("document.body.dataset.ready = 'yes';", `for (let i = 0; i < ${n}; i++) {
    const f = document.createElement('iframe');
    f.src = '/lookalike?i=' + i;
    f.width = 40;
    f.height = 20;
    document.body.append(f);
  }
  document.body.dataset.ready = 'yes';`)}`),
      );
    }
    if (url.pathname === '/lookalike')
      return send(
        'text/html',
        page(`<script>
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
</script>`),
      );
    if (url.pathname === '/flood') return send('text/html', page(`<h1>flood page</h1>${floodScript}`));
    if (url.pathname === '/embedded')
      return send('text/html', page(`${sessionsScript}<script type="module" src="/session-panel.js"></script><session-panel></session-panel>`));
    if (url.pathname === '/') return send('text/html', page(`<h1>test page</h1>${sessionsScript}`));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(coreDir, { recursive: true, force: true });
    },
  };
}
