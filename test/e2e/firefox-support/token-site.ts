import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';

/**
 * Fixture pages for discovery and hostile pages in Firefox (127.0.0.1, ephemeral port):
 *   /tokens                a JWT in localStorage (`auth.token`), one in a cookie readable by scripts (`ff_jwt`) and
 *                          one in an HttpOnly cookie (`ff_sid`, Set-Cookie); `window.__callApi()` sends the storage
 *                          token as a bearer to /oauth/token, whose JSON response carries a fresh access token
 *   /framed-tokens         no token of its own; an iframe from `localhost` (another origin of this server) whose page
 *                          keeps a JWT in its localStorage (`widget.jwt`); the iframe's address carries the page's own
 *                          query and fragment (an OAuth callback's tokens, passed on to a frame)
 *   /widget                that iframe's page
 *   /oauth/token           that token endpoint: `response-user-1`'s token on the first call, `response-user-2`'s after
 *   /hostile?core=<origin> a page with a real core session (core.js from the extension test site) that, once our page
 *                          agent is injected, adds to each message the agent sends: a malformed one (a session list
 *                          whose entry has a number for a UUID) and one beyond the per-message byte cap (a log batch
 *                          of about 1.2 MB, schema-valid); it patches MessagePort.prototype.postMessage, as any page
 *                          script may
 * Tokens are HS256 JWTs (jose) valid for an hour, made when the site starts.
 */
export interface TokenSite {
  readonly origin: string;
  readonly tokens: Readonly<Record<'storage' | 'cookie' | 'httpOnly' | 'response1' | 'response2' | 'widget', string>>;
  /** Requests /oauth/token has answered. */
  tokenCalls(): number;
  close(): Promise<void>;
}

export const HOSTILE_MARKER = 'hostile-oversized-log-line';
export const HOSTILE_NAMESPACE = 'hostile-malformed';

export async function startTokenSite(): Promise<TokenSite> {
  const key = new TextEncoder().encode('firefox-e2e-secret-firefox-e2e-secret');
  const sign = (sub: string): Promise<string> =>
    new SignJWT({ sub, aud: 'ff-e2e' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer('https://issuer.ff.test').setIssuedAt().setExpirationTime('1h').sign(key);
  const tokens = { storage: await sign('storage-user'), cookie: await sign('cookie-user'), httpOnly: await sign('httponly-user'), response1: await sign('response-user-1'), response2: await sign('response-user-2'), widget: await sign('widget-user') };
  let calls = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const html = (body: string, headers: Record<string, string> = {}): void => {
      res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store', ...headers });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>firefox fixture</title></head><body>${body}</body></html>`);
    };
    if (url.pathname === '/tokens')
      return html(
        `<h1>tokens</h1><script>
  localStorage.setItem('auth.token', ${JSON.stringify(tokens.storage)});
  document.cookie = 'ff_jwt=' + ${JSON.stringify(tokens.cookie)} + '; path=/';
  window.__callApi = () => fetch('/oauth/token', { method: 'POST', headers: { authorization: 'Bearer ' + localStorage.getItem('auth.token') } }).then((r) => r.json());
  document.body.dataset.ready = 'yes';
</script>`,
        { 'set-cookie': `ff_sid=${tokens.httpOnly}; Path=/; HttpOnly` },
      );
    if (url.pathname === '/framed-tokens') {
      const other = `http://localhost:${(server.address() as AddressInfo).port}`;
      return html(
        `<h1>framed</h1><iframe id="widget"></iframe><script>
  document.getElementById('widget').src = ${JSON.stringify(`${other}/widget`)} + location.search + location.hash;
  document.body.dataset.ready = 'yes';
</script>`,
      );
    }
    if (url.pathname === '/widget')
      return html(`<p>widget</p><script>localStorage.setItem('widget.jwt', ${JSON.stringify(tokens.widget)}); document.body.dataset.ready = 'yes';</script>`);
    if (url.pathname === '/oauth/token') {
      calls++;
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return res.end(JSON.stringify({ access_token: calls === 1 ? tokens.response1 : tokens.response2, token_type: 'Bearer', expires_in: 3600 }));
    }
    if (url.pathname === '/hostile') {
      const core = url.searchParams.get('core') ?? '';
      return html(`<h1>hostile</h1><script>
  // Before our agent exists: every message it sends on its channel gets two more in front of it.
  const send = MessagePort.prototype.postMessage;
  window.__hostile = { sent: 0 };
  MessagePort.prototype.postMessage = function (message, ...rest) {
    if (message && message.source === 'session-panel:page' && message.kind === 'update' && window.__hostile.sent < 6) {
      window.__hostile.sent++;
      send.call(this, { source: 'session-panel:page', v: 1, kind: 'update', update: { type: 'sessions', sessions: [{ id: 'evil', namespace: ${JSON.stringify(HOSTILE_NAMESPACE)}, uuid: 12345, frame: '' }] } });
      const sessionId = message.update && message.update.sessionId;
      if (sessionId) send.call(this, { source: 'session-panel:page', v: 1, kind: 'update', update: { type: 'log', sessionId, entries: Array.from({ length: 300 }, (_, i) => ({ seq: 100000 + i, at: Date.now(), kind: 'event', message: ${JSON.stringify(HOSTILE_MARKER)} + ' ' + 'x'.repeat(4000) })) } });
    }
    return send.call(this, message, ...rest);
  };
</script><script type="module">
  import { createSession, uuidFromName } from '${core}/core.js';
  window.__uuidFromName = uuidFromName;
  window.__session = createSession({ storage: 'memory', namespace: 'hostile' });
  await window.__session.ready;
  document.body.dataset.ready = 'yes';
</script>`);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    tokens,
    tokenCalls: () => calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
