import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'vite';
import { SignJWT, generateKeyPair } from 'jose';

/**
 * The app pages of the discovery e2e test and bench, on 127.0.0.1 (ephemeral port):
 *   /, /callback          the oidc-client-ts app (configured with setAuthority before use)
 *   /shape/supabase       auth-js's localStorage entry `sb-<ref>-auth-token` (a JSON session)
 *   /shape/auth0          auth0-spa-js's `@@auth0spajs@@::<client>::<audience>::<scope>` local-storage cache
 *   /shape/clerk          Clerk's `__session` cookie (a JWT, readable by scripts)
 *   /shape/firebase       Firebase Auth's IndexedDB `firebaseLocalStorageDb` / `firebaseLocalStorage` record
 *   /shape/synerise       the Synerise Web SDK's `_snrs_uuid` / `_snrs_p` cookies and its `SR` / `SyneriseTC` globals
 *   /shape/httponly       a JWT in an HttpOnly cookie `sid` (Set-Cookie), which page scripts cannot read
 *   /shape/frames         a cross-origin iframe (the same pages on a second port: frameOrigin) whose page keeps a
 *                         JWT in its own localStorage (`frame-auth`), as silent-renew and widget frames do. Same
 *                         site, other origin, like auth.example.com in app.example.com: Chromium denies a cross-site
 *                         frame its storage altogether (third-party storage blocking), so there is nothing to find
 *   /many?keys=N          N localStorage keys (one in ten holding a JWT in JSON) for the bench
 * Tokens are real ES256 JWTs (jose), issued when the site starts, valid for an hour.
 */
export interface DiscoverySite {
  readonly origin: string;
  /** The same pages under another origin (a second port on 127.0.0.1): a cross-origin frame of the pages above. */
  readonly frameOrigin: string;
  setAuthority(authority: string, clientId: string): void;
  readonly tokens: Readonly<Record<'supabase' | 'auth0Access' | 'auth0Id' | 'clerk' | 'firebase' | 'httpOnly' | 'frame', string>>;
  close(): Promise<void>;
}

export const SNRS_UUID = '7d4b8a52-1f0e-4c3a-9b6d-2e5f8c1a0b9e';

async function buildApp(): Promise<{ dir: string; js: Buffer }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'session-panel-oidc-app-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: dir,
      emptyOutDir: true,
      target: 'es2022',
      lib: { entry: path.resolve('test/e2e/discovery-support/oidc-app.ts'), formats: ['es'], fileName: () => 'app.js' },
    },
  });
  return { dir, js: readFileSync(path.join(dir, 'app.js')) };
}

const html = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;

const ready = `document.body.dataset.ready = 'yes';`;

export async function startDiscoverySite(): Promise<DiscoverySite> {
  const app = await buildApp();
  const { privateKey } = await generateKeyPair('ES256');
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, kid: string): Promise<string> =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid }).setIssuedAt(now).setExpirationTime(now + 3600).sign(privateKey);
  const tokens = {
    supabase: await sign({ iss: 'https://abcdefgh.supabase.co/auth/v1', sub: '5a1e0c6e-supa-base-user-000000000001', aud: 'authenticated', role: 'authenticated', session_id: 's1' }, 'supa'),
    auth0Access: await sign({ iss: 'https://tenant.auth0.test/', sub: 'auth0|6512f0', aud: ['https://api.example', 'https://tenant.auth0.test/userinfo'], scope: 'openid profile offline_access' }, 'a0'),
    auth0Id: await sign({ iss: 'https://tenant.auth0.test/', sub: 'auth0|6512f0', aud: 'a0client', nonce: 'n0', name: 'Ada' }, 'a0'),
    clerk: await sign({ iss: 'https://clerk.example.test', sub: 'user_2abcClerk', sid: 'sess_2x', azp: 'http://localhost' }, 'ck'),
    httpOnly: await sign({ iss: 'https://sessions.example.test', sub: 'cookie-user-1' }, 'ho'),
    frame: await sign({ iss: 'https://widget-auth.example.test', sub: 'frame-user-1' }, 'fr'),
    firebase: await sign({ iss: 'https://securetoken.google.com/demo-project', sub: 'fbUid123', aud: 'demo-project', firebase: { sign_in_provider: 'anonymous' }, user_id: 'fbUid123' }, 'fb'),
  };
  let authority = '';
  let clientId = '';
  let framePort = 0;
  const pages: Record<string, () => string> = {
    '/shape/supabase': () =>
      html('Supabase-shaped storage', `<script>
        localStorage.setItem('sb-abcdefgh-auth-token', ${JSON.stringify(JSON.stringify({ access_token: tokens.supabase, token_type: 'bearer', expires_in: 3600, expires_at: now + 3600, refresh_token: 'v1.opaque-refresh', user: { id: '5a1e0c6e-supa-base-user-000000000001', role: 'authenticated' } }))});
        localStorage.setItem('theme', 'dark');
        ${ready}
      </script>`),
    '/shape/auth0': () =>
      html('Auth0-shaped storage', `<script>
        localStorage.setItem('@@auth0spajs@@::a0client::https://api.example::openid profile offline_access', ${JSON.stringify(JSON.stringify({ body: { access_token: tokens.auth0Access, id_token: tokens.auth0Id, scope: 'openid profile offline_access', expires_in: 3600, token_type: 'Bearer', decodedToken: { user: { sub: 'auth0|6512f0' } }, audience: 'https://api.example', client_id: 'a0client' }, expiresAt: now + 3600 }))});
        ${ready}
      </script>`),
    '/shape/clerk': () =>
      html('Clerk-shaped cookie', `<script>
        document.cookie = '__session=${tokens.clerk}; path=/';
        document.cookie = '__client_uat=${now}; path=/';
        ${ready}
      </script>`),
    '/shape/firebase': () =>
      html('Firebase-shaped IndexedDB', `<script>
        const open = indexedDB.open('firebaseLocalStorageDb', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('firebaseLocalStorage', { keyPath: 'fbase_key' });
        open.onsuccess = () => {
          const tx = open.result.transaction('firebaseLocalStorage', 'readwrite');
          tx.objectStore('firebaseLocalStorage').put({ fbase_key: 'firebase:authUser:AIzaDemoKey:[DEFAULT]', value: { uid: 'fbUid123', isAnonymous: true, stsTokenManager: { accessToken: ${JSON.stringify(tokens.firebase)}, refreshToken: 'AMf-opaque', expirationTime: ${(now + 3600) * 1000} } } });
          tx.oncomplete = () => { open.result.close(); ${ready} };
        };
      </script>`),
    '/shape/synerise': () =>
      html('Synerise Web SDK cookies', `<script>
        document.cookie = '_snrs_uuid=${SNRS_UUID}; path=/';
        document.cookie = '_snrs_p=' + encodeURIComponent('host:shop.example&permUuid:${SNRS_UUID}&uuid:${SNRS_UUID}&init:${now}&last:${now}') + '; path=/';
        window.SR = { event: {}, init() {} };
        window.SyneriseTC = { uuid: '${SNRS_UUID}' };
        ${ready}
      </script>`),
    '/shape/frames': () =>
      html('A page with a cross-origin iframe', `<iframe title="auth widget" src="http://127.0.0.1:${framePort}/shape/frame-child"></iframe><script>${ready}</script>`),
    '/shape/frame-child': () =>
      html('Cross-origin iframe', `<script>
        localStorage.setItem('frame-auth', ${JSON.stringify(JSON.stringify({ access_token: tokens.frame, expires_at: now + 3600 }))});
        ${ready}
      </script>`),
    '/many': () =>
      html('Many storage keys', `<script>
        const n = Number(new URLSearchParams(location.search).get('keys') ?? '1000');
        localStorage.clear();
        for (let i = 0; i < n; i++) localStorage.setItem('key-' + i, i % 10 === 0 ? JSON.stringify({ nested: { access_token: ${JSON.stringify(tokens.supabase)}.replace('.', '.') , i } }) : 'value-' + i + '-'.repeat(40));
        ${ready}
      </script>`),
  };
  const oidcPage = (): string =>
    html('oidc-client-ts app', `<p id="who">…</p><script>window.__oidcConfig = ${JSON.stringify({ authority, clientId })};</script><script type="module" src="/app.js"></script>`);
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (type: string, body: string | Buffer): void => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/app.js') return send('text/javascript', app.js);
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
    if (url.pathname === '/' || url.pathname === '/callback') return send('text/html', oidcPage());
    if (url.pathname === '/shape/httponly') {
      res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': `sid=${tokens.httpOnly}; HttpOnly; Path=/; SameSite=Lax` });
      return void res.end(html('HttpOnly cookie', `<script>${ready}</script>`));
    }
    const page = pages[url.pathname];
    if (page) return send('text/html', page());
    res.writeHead(404).end();
  };
  const server: Server = createServer(handler);
  const frameServer: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => frameServer.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  framePort = (frameServer.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    frameOrigin: `http://127.0.0.1:${framePort}`,
    tokens,
    setAuthority(a, c) {
      authority = a;
      clientId = c;
    },
    async close() {
      for (const s of [server, frameServer]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      rmSync(app.dir, { recursive: true, force: true });
    },
  };
}
