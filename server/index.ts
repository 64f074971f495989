import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, errors as joseErrors, type CryptoKey, type JWK } from 'jose';

/**
 * The reference auth server: the Synerise-shaped REST paths the HTTP backend speaks, on Node's http module, with
 * ES256 tokens signed by jose and a JWKS endpoint. It binds 127.0.0.1 only. Fault switches (latency, error rate,
 * hang, a fixed status, malformed answers) let tests and the demo show what an app does when its auth server
 * misbehaves. Tokens are never logged.
 *
 *   POST /sauth/v3/auth/login/client/anonymous  { apiKey, uuid, deviceId }              → 200 { token }
 *   POST /sauth/v3/auth/refresh/client          { apiKey } + Bearer (valid, not expired) → 200 { token }
 *   POST /sauth/v3/auth/login/client            { apiKey, login, password, uuid, deviceId } → 200 { token }
 *   POST /sauth/v3/my-account/logout            { mode: LOGOUT | LOGOUT_WITH_SESSION_CLEARING } + Bearer → 204
 *   GET  /.well-known/jwks.json                 the public key
 *   GET  /__faults, POST /__faults {…}          read / change fault switches (POST {} with "reset": true clears);
 *                                               same origin only, POST as application/json (no CORS for it)
 *   GET  /__stats                               request counts per route
 *   GET  /healthz                               200 "ok"
 *
 * Refresh-token rotation (`rotation: true`, `setRotation()`, CLI `--rotation`): a refresh invalidates the token it
 * replaced, so a second refresh of the same token (two tabs racing) is refused with 401 `token_rotated`, as servers
 * with rotation do. Off by default: the old token stays valid until it expires.
 *
 * A token request with `X-Session-Panel-Fault: expired-token` gets an already-expired token (the HTTP backend's
 * "next token expired" fault control; the server is a debugging aid, so any client may ask).
 *
 * Every route answers only requests whose Host is this server on loopback (127.0.0.1, localhost or [::1], with its
 * port), so a DNS-rebinding page cannot reach it under its own name. The fault switches are not open to web pages:
 * no CORS for /__faults, requests from another origin refused, and POST only as application/json (which no page of
 * another origin can send without a preflight).
 */

export const AUTH_PATHS = {
  anonymous: '/sauth/v3/auth/login/client/anonymous',
  refresh: '/sauth/v3/auth/refresh/client',
  signIn: '/sauth/v3/auth/login/client',
  signOut: '/sauth/v3/my-account/logout',
  jwks: '/.well-known/jwks.json',
  faults: '/__faults',
  stats: '/__stats',
  health: '/healthz',
} as const;

export type AuthRoute = 'anonymous' | 'refresh' | 'signIn' | 'signOut';
const AUTH_ROUTES: readonly AuthRoute[] = ['anonymous', 'refresh', 'signIn', 'signOut'];

/** Malformed answers the server can give instead of a good one (to a 2xx-answering route). */
export const BAD_ANSWERS = ['non-json', 'missing-token', 'not-jwt', 'huge', 'wrong-content-type', 'expired-token'] as const;
export type BadAnswer = (typeof BAD_ANSWERS)[number];

export interface AuthServerFaults {
  /** Delay before answering, in ms. */
  latencyMs: number;
  /** Never answer: the request is held open until the client gives up or the server closes. */
  hang: boolean;
  /** Probability in [0, 1] of answering `errorStatus` instead. */
  errorRate: number;
  /** Status used by errorRate. Default 503. */
  errorStatus: number;
  /** Answer every faulted request with this status (a JSON error body), or null. */
  status: number | null;
  /** Retry-After header value sent with fault statuses (e.g. "2" or an HTTP date), or null. */
  retryAfter: string | null;
  /** A malformed success answer, or null. */
  badAnswer: BadAnswer | null;
  /** Only these routes are faulted; null means all four auth routes. */
  routes: AuthRoute[] | null;
  /** Faults apply to this many more matching requests, then switch off; null means until changed. */
  remaining: number | null;
}

export const NO_FAULTS: Readonly<AuthServerFaults> = Object.freeze({
  latencyMs: 0,
  hang: false,
  errorRate: 0,
  errorStatus: 503,
  status: null,
  retryAfter: null,
  badAnswer: null,
  routes: null,
  remaining: null,
});

export interface AuthServerOptions {
  /** Port on 127.0.0.1. Default 0 (a free port). */
  port?: number;
  /** Lifetime of issued tokens, in seconds. Default 3600. */
  tokenTtlSeconds?: number;
  /** Accepted API keys. Default: any non-empty key. */
  apiKeys?: readonly string[];
  /** Accepted logins and passwords. Default: any non-empty login and password. */
  users?: Readonly<Record<string, string>>;
  /** Access-Control-Allow-Origin. Default "*" (tokens travel in the Authorization header, never in cookies). */
  corsOrigin?: string;
  /** Initial fault switches. */
  faults?: Partial<AuthServerFaults>;
  /** Server clock in ms (token iat/exp and expiry checks). Default Date.now. */
  now?: () => number;
  /** Random source for errorRate. Default Math.random. */
  random?: () => number;
  /** One line per request (method, path, status, ms; never a token). Default: silent. */
  log?: (line: string) => void;
  /** Largest request body accepted, in bytes. Default 16 KiB. */
  maxBodyBytes?: number;
  /** Refresh-token rotation: a refresh invalidates the token it replaced. Default false. */
  rotation?: boolean;
  /**
   * The signing key as a private EC P-256 JWK (with `d`; `kid` optional). Default: a fresh key per start. The CLI
   * keeps one in a file so tokens stored by a page stay valid across server restarts.
   */
  privateJwk?: JWK;
}

export interface AuthServerStats {
  /** Requests per auth route, counted on arrival (before faults). */
  readonly routes: Readonly<Record<AuthRoute, number>>;
  /** Every request, including JWKS, CORS preflights and control requests. */
  readonly total: number;
}

export interface AuthServer {
  /** e.g. `http://127.0.0.1:53117` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Turns refresh-token rotation on or off (see AuthServerOptions.rotation). */
  setRotation(on: boolean): void;
  readonly rotation: boolean;
  /** Merges the given switches into the current ones; `reset: true` starts from no faults. Returns the result. */
  setFaults(faults: Partial<AuthServerFaults> & { reset?: boolean }): AuthServerFaults;
  faults(): AuthServerFaults;
  stats(): AuthServerStats;
  resetStats(): void;
  /** The public key set, as served at /.well-known/jwks.json. */
  jwks(): { keys: JWK[] };
  /** Stops listening, ends held (hanging) requests and open connections. Idempotent. */
  close(): Promise<void>;
}

const ISSUER = 'session-panel-reference-auth-server';
/** Request header the HTTP backend's fault controls send to ask for an already-expired token. */
const FAULT_HEADER = 'x-session-panel-fault';
const LOGOUT_MODES = ['LOGOUT', 'LOGOUT_WITH_SESSION_CLEARING'] as const;
/** Size of the `huge` bad answer: far beyond any sane token answer. */
const HUGE_BYTES = 4 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

export async function startAuthServer(options: AuthServerOptions = {}): Promise<AuthServer> {
  const ttl = options.tokenTtlSeconds ?? 3600;
  if (!Number.isFinite(ttl) || ttl <= 0) throw new TypeError('tokenTtlSeconds must be a positive number');
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const log = options.log;
  const corsOrigin = options.corsOrigin ?? '*';
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024;
  const apiKeys = options.apiKeys ? new Set(options.apiKeys) : null;
  const users = options.users ?? null;
  let rotation = options.rotation ?? false;

  const { privateKey, publicKey, kid } = await signingKey(options.privateJwk);
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };

  let faults: AuthServerFaults = normaliseFaults({ ...NO_FAULTS, ...options.faults });
  const counts: Record<AuthRoute, number> = { anonymous: 0, refresh: 0, signIn: 0, signOut: 0 };
  let total = 0;
  /** jti of tokens signed out: refreshing them is refused. Bounded so a long-running server cannot grow forever. */
  const revoked = new Set<string>();
  /** jti of tokens a refresh replaced while rotation was on. Bounded like `revoked`. */
  const rotated = new Set<string>();
  const held = new Set<ServerResponse>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const sockets = new Set<Socket>();
  let closing: Promise<void> | undefined;
  /** `host:port` values this server answers to (set once listening). */
  let loopbackHosts = new Set<string>();
  /** Origins of pages served by this server itself (the only ones allowed at /__faults). */
  let ownOrigins = new Set<string>();

  async function issue(claims: Record<string, unknown>, expired = false): Promise<string> {
    const iat = Math.floor(now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid })
      .setIssuer(ISSUER)
      .setIssuedAt(iat)
      // An "expired" token has a lifetime of zero: expired by its exp claim and by the session's clock-skew-safe
      // rule (receipt time + (exp − iat)) alike, as the dev backend does it.
      .setExpirationTime(expired ? iat : iat + ttl)
      .setJti(randomUUID())
      .sign(privateKey);
  }

  async function verifyBearer(req: IncomingMessage): Promise<Record<string, unknown>> {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
    if (!match) throw new HttpError(401, 'unauthorized', 'Missing or malformed Authorization: Bearer header', 3200);
    try {
      const { payload } = await jwtVerify(match[1]!, publicKey, {
        issuer: ISSUER,
        algorithms: ['ES256'],
        currentDate: new Date(now()),
        clockTolerance: 0,
      });
      if (typeof payload.jti === 'string' && revoked.has(payload.jti)) {
        throw new HttpError(401, 'token_revoked', 'The token was signed out', 3200);
      }
      if (typeof payload.jti === 'string' && rotated.has(payload.jti)) {
        throw new HttpError(401, 'token_rotated', 'The token was already refreshed (rotation): use the token that replaced it', 3200);
      }
      return payload as Record<string, unknown>;
    } catch (error) {
      if (error instanceof HttpError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new HttpError(401, 'token_expired', 'The token has expired and cannot be refreshed', 3210);
      throw new HttpError(401, 'invalid_token', 'The token was not issued by this server or was altered', 3200);
    }
  }

  function checkApiKey(body: Record<string, unknown>): void {
    const apiKey = body.apiKey;
    if (typeof apiKey !== 'string' || apiKey.length === 0) throw new HttpError(400, 'bad_request', '"apiKey" must be a non-empty string');
    if (apiKeys && !apiKeys.has(apiKey)) throw new HttpError(403, 'forbidden', 'Unknown API key', 3200);
  }

  async function handleAuth(route: AuthRoute, req: IncomingMessage, body: Record<string, unknown>, expired: boolean): Promise<{ status: number; token?: string }> {
    switch (route) {
      case 'anonymous': {
        checkApiKey(body);
        const uuid = field(body, 'uuid');
        const deviceId = field(body, 'deviceId', true);
        return { status: 200, token: await issue({ sub: uuid, rlm: 'anonymous_client', origin: 'ANONYMOUS', deviceId }, expired) };
      }
      case 'refresh': {
        checkApiKey(body);
        const claims = await verifyBearer(req);
        const next: Record<string, unknown> = { sub: claims.sub, rlm: claims.rlm, origin: claims.origin };
        for (const key of ['clientId', 'customId', 'deviceId'] as const) if (claims[key] !== undefined) next[key] = claims[key];
        // Without rotation the old token stays valid until it expires: a client whose answer was lost on the way can
        // retry, and two tabs refreshing at once do not sign each other out. With rotation the old one is dead now.
        const token = await issue(next, expired);
        if (rotation && typeof claims.jti === 'string') remember(rotated, claims.jti);
        return { status: 200, token };
      }
      case 'signIn': {
        checkApiKey(body);
        const login = field(body, 'login');
        const password = field(body, 'password');
        const uuid = field(body, 'uuid');
        const deviceId = field(body, 'deviceId', true);
        if (users && users[login] !== password) throw new HttpError(401, 'invalid_credentials', 'Wrong login or password', 3200);
        const claims = { sub: uuid, rlm: 'client', origin: 'SYNERISE', clientId: clientIdFor(login), customId: login, deviceId };
        return { status: 200, token: await issue(claims, expired) };
      }
      case 'signOut': {
        const mode = body.mode;
        if (typeof mode !== 'string' || !(LOGOUT_MODES as readonly string[]).includes(mode)) {
          throw new HttpError(400, 'bad_request', '"mode" must be LOGOUT or LOGOUT_WITH_SESSION_CLEARING');
        }
        const claims = await verifyBearer(req);
        if (typeof claims.jti === 'string') revoke(claims.jti);
        return { status: 204 };
      }
    }
  }

  function revoke(jti: string): void {
    remember(revoked, jti);
  }

  function remember(set: Set<string>, jti: string): void {
    if (set.size >= 100_000) set.delete(set.values().next().value!);
    set.add(jti);
  }

  function setCors(res: ServerResponse): void {
    res.setHeader('access-control-allow-origin', corsOrigin);
    if (corsOrigin !== '*') res.setHeader('vary', 'Origin');
    res.setHeader('access-control-expose-headers', 'Retry-After, WWW-Authenticate');
  }

  function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed) return;
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  function sendError(res: ServerResponse, error: HttpError, headers: Record<string, string> = {}): void {
    const body: Record<string, unknown> = { status: error.status, error: error.error, message: error.message };
    if (error.code !== undefined) body.code = error.code;
    if (error.status === 401) headers['www-authenticate'] = `Bearer error="invalid_token", error_description="${error.error}"`;
    sendJson(res, error.status, body, headers);
  }

  function wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  }

  /** Takes one use of the fault switches for this route, or null when no fault applies. */
  function takeFaults(route: AuthRoute): AuthServerFaults | null {
    const f = faults;
    if (f.routes && !f.routes.includes(route)) return null;
    const active = f.latencyMs > 0 || f.hang || f.errorRate > 0 || f.status !== null || f.badAnswer !== null;
    if (!active) return null;
    if (f.remaining !== null) {
      if (f.remaining <= 0) return null;
      const left = f.remaining - 1;
      faults = left === 0 ? { ...NO_FAULTS } : { ...f, remaining: left };
    }
    return f;
  }

  async function sendBadAnswer(res: ServerResponse, kind: Exclude<BadAnswer, 'expired-token'>, token: string | undefined): Promise<void> {
    switch (kind) {
      case 'non-json':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('<html><body>Gateway says hello</body></html>');
        return;
      case 'missing-token':
        sendJson(res, 200, { accessToken: 'see-other-field', expiresIn: 3600 });
        return;
      case 'not-jwt':
        sendJson(res, 200, { token: 'definitely-not-a-jwt' });
        return;
      case 'wrong-content-type':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(JSON.stringify({ token: token ?? '' }));
        return;
      case 'huge': {
        // Valid JSON, streamed without a content-length, far larger than any client should read.
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = 'x'.repeat(64 * 1024);
        res.write(`{"token":${JSON.stringify(token ?? '')},"padding":"`);
        let sent = 0;
        while (sent < HUGE_BYTES && !res.destroyed) {
          if (!res.write(chunk)) await new Promise<void>((resolve) => {
            const done = () => {
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.on('drain', done);
            res.on('close', done);
          });
          sent += chunk.length;
        }
        if (!res.destroyed) res.end('"}');
        return;
      }
    }
  }

  /** False for a request a web page of another origin made (or its preflight). */
  function sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    const foreignOrigin = origin !== undefined && !ownOrigins.has(origin.toLowerCase());
    const foreignSite = typeof site === 'string' && site !== 'same-origin' && site !== 'none';
    return !foreignOrigin && !foreignSite;
  }

  async function handleFaults(req: IncomingMessage, res: ServerResponse, method: string): Promise<number> {
    const allowed = sameOrigin(req);
    if (method !== 'POST' || !allowed) await drain(req).catch(() => {});
    if (!allowed) throw new HttpError(403, 'forbidden', "The fault switches accept requests from this server's own origin only (or none: curl, tests)");
    if (method === 'GET') {
      sendJson(res, 200, faults);
      return 200;
    }
    if (method !== 'POST') throw new HttpError(405, 'method_not_allowed', `${AUTH_PATHS.faults} accepts GET and POST`);
    // application/json only: a page of another origin cannot send it without a preflight, which is refused above.
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      await drain(req).catch(() => {});
      throw new HttpError(415, 'unsupported_media_type', 'Send the fault switches as application/json');
    }
    const body = await readJson(req, maxBodyBytes);
    try {
      sendJson(res, 200, server.setFaults(body as Partial<AuthServerFaults> & { reset?: boolean }));
    } catch (error) {
      throw new HttpError(400, 'bad_request', error instanceof Error ? error.message : 'bad fault switches');
    }
    return 200;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<number> {
    total++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';

    // DNS rebinding: a page of another site whose name now resolves to 127.0.0.1 still sends its own name as Host.
    if (!loopbackHosts.has((req.headers.host ?? '').toLowerCase())) {
      await drain(req).catch(() => {});
      throw new HttpError(403, 'forbidden_host', `This server answers only to Host ${[...loopbackHosts].join(', ')}`);
    }
    // No CORS headers at all on /__faults: the switches are for the developer (curl, tests), not for web pages.
    if (path === AUTH_PATHS.faults) return handleFaults(req, res, method);
    setCors(res);

    if (method === 'OPTIONS') {
      await drain(req);
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': `Content-Type, Authorization, Accept, ${FAULT_HEADER}`,
        'access-control-max-age': '600',
      });
      res.end();
      return 204;
    }
    if (path === AUTH_PATHS.jwks || path === AUTH_PATHS.health || path === AUTH_PATHS.stats) {
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'method_not_allowed', `${path} accepts GET`);
      await drain(req);
      if (path === AUTH_PATHS.health) {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('ok');
        return 200;
      }
      const value = path === AUTH_PATHS.jwks ? { keys: [publicJwk] } : server.stats();
      sendJson(res, 200, value, path === AUTH_PATHS.jwks ? { 'cache-control': 'public, max-age=300' } : {});
      return 200;
    }
    const route = AUTH_ROUTES.find((r) => AUTH_PATHS[r] === path);
    if (!route) throw new HttpError(404, 'not_found', `No route ${path}`);
    if (method !== 'POST') throw new HttpError(405, 'method_not_allowed', `${path} accepts POST`);
    counts[route]++;

    const fault = takeFaults(route);
    if (fault) {
      if (fault.latencyMs > 0) await wait(fault.latencyMs);
      if (fault.hang) {
        held.add(res);
        res.on('close', () => held.delete(res));
        await drain(req).catch(() => {});
        return 0; // never answered
      }
      const retryAfter: Record<string, string> = fault.retryAfter !== null ? { 'retry-after': fault.retryAfter } : {};
      if (fault.status !== null) {
        await drain(req).catch(() => {});
        const status = fault.status;
        sendError(res, new HttpError(status, 'injected_fault', `Injected HTTP ${status} (fault switch)`, status === 401 || status === 403 ? 3200 : undefined), retryAfter);
        return status;
      }
      if (fault.errorRate > 0 && random() < fault.errorRate) {
        await drain(req).catch(() => {});
        const status = fault.errorStatus;
        sendError(res, new HttpError(status, 'injected_fault', `Injected HTTP ${status} (error rate ${fault.errorRate})`), retryAfter);
        return status;
      }
    }

    const contentType = req.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(contentType)) {
      await drain(req).catch(() => {});
      throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json');
    }
    const body = await readJson(req, maxBodyBytes);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'bad_request', 'The body must be a JSON object');
    const bad = fault?.badAnswer ?? null;
    // The HTTP backend's "next token expired" fault control asks for one with this header.
    const askedExpired = req.headers[FAULT_HEADER] === 'expired-token';
    const result = await handleAuth(route, req, body as Record<string, unknown>, bad === 'expired-token' || askedExpired);
    if (bad !== null && bad !== 'expired-token' && result.status === 200) {
      await sendBadAnswer(res, bad, result.token);
      return 200;
    }
    if (result.token === undefined) {
      res.writeHead(result.status, { 'cache-control': 'no-store' });
      res.end();
    } else {
      sendJson(res, result.status, { token: result.token });
    }
    return result.status;
  }

  const http = createServer((req, res) => {
    const started = performance.now();
    handle(req, res)
      .then((status) => {
        if (status !== 0) log?.(`${req.method} ${pathOf(req)} ${status} ${(performance.now() - started).toFixed(1)}ms`);
        else log?.(`${req.method} ${pathOf(req)} (hanging: fault switch)`);
      })
      .catch((error: unknown) => {
        const httpError = error instanceof HttpError ? error : new HttpError(500, 'internal_error', 'Internal error in the reference auth server');
        if (!(error instanceof HttpError)) log?.(`internal error: ${error instanceof Error ? error.message : String(error)}`);
        sendError(res, httpError);
        if (httpError.status === 413) req.resume();
        log?.(`${req.method} ${pathOf(req)} ${httpError.status} ${(performance.now() - started).toFixed(1)}ms`);
      });
  });
  http.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  http.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  // Keep-alive is the normal case (fetch pools connections); headers must arrive promptly.
  http.keepAliveTimeout = 5_000;
  http.headersTimeout = 10_000;
  http.requestTimeout = 0; // hanging on purpose is a fault switch; close() ends held requests

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  loopbackHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  ownOrigins = new Set([...loopbackHosts].map((host) => `http://${host}`));

  const server: AuthServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    setRotation(on) {
      rotation = on === true;
    },
    get rotation() {
      return rotation;
    },
    setFaults(next) {
      const { reset, ...rest } = next ?? {};
      faults = normaliseFaults({ ...(reset ? NO_FAULTS : faults), ...rest });
      return { ...faults };
    },
    faults: () => ({ ...faults, routes: faults.routes ? [...faults.routes] : null }),
    stats: () => ({ routes: { ...counts }, total }),
    resetStats() {
      for (const r of AUTH_ROUTES) counts[r] = 0;
      total = 0;
    },
    jwks: () => ({ keys: [{ ...publicJwk }] }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        http.close(() => resolve());
        for (const res of held) res.destroy();
        held.clear();
        http.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
  return server;
}

/** A new ES256 key pair, or the given private JWK and its public half. */
async function signingKey(jwk: JWK | undefined): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey; kid: string }> {
  if (jwk === undefined) {
    const pair = await generateKeyPair('ES256', { extractable: true });
    return { ...pair, kid: randomUUID() };
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') throw new TypeError('privateJwk must be a private EC P-256 JWK');
  const { d: _private, ...publicPart } = jwk;
  const privateKey = (await importJWK({ ...jwk, ext: true }, 'ES256')) as CryptoKey;
  const publicKey = (await importJWK({ ...publicPart, ext: true }, 'ES256')) as CryptoKey;
  const kid = typeof jwk.kid === 'string' && jwk.kid ? jwk.kid : createHash('sha256').update(`${jwk.x}.${jwk.y}`).digest('base64url').slice(0, 16);
  return { privateKey, publicKey, kid };
}

/** A private JWK for startAuthServer's `privateJwk` (the CLI saves one to keep tokens valid across restarts). */
export async function generatePrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'ES256' };
}

/** Validates fault switches (from code or from POST /__faults); throws TypeError on nonsense. */
export function normaliseFaults(input: Record<string, unknown>): AuthServerFaults {
  const out: AuthServerFaults = { ...NO_FAULTS };
  const known = new Set(Object.keys(NO_FAULTS));
  for (const key of Object.keys(input)) if (!known.has(key)) throw new TypeError(`Unknown fault switch "${key}"`);
  const num = (key: keyof AuthServerFaults, min: number, max: number): number => {
    const value = input[key] ?? NO_FAULTS[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw new TypeError(`${key} must be a number from ${min} to ${max}`);
    }
    return value;
  };
  out.latencyMs = num('latencyMs', 0, 600_000);
  out.errorRate = num('errorRate', 0, 1);
  out.errorStatus = Math.trunc(num('errorStatus', 400, 599));
  if (typeof (input.hang ?? false) !== 'boolean') throw new TypeError('hang must be true or false');
  out.hang = (input.hang as boolean | undefined) ?? false;
  const status = input.status ?? null;
  if (status !== null && (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599)) {
    throw new TypeError('status must be an HTTP error status from 400 to 599, or null');
  }
  out.status = status as number | null;
  const retryAfter = input.retryAfter ?? null;
  if (retryAfter !== null && typeof retryAfter !== 'string' && typeof retryAfter !== 'number') throw new TypeError('retryAfter must be a string, a number of seconds, or null');
  out.retryAfter = retryAfter === null ? null : String(retryAfter);
  const bad = input.badAnswer ?? null;
  if (bad !== null && !(BAD_ANSWERS as readonly unknown[]).includes(bad)) throw new TypeError(`badAnswer must be one of ${BAD_ANSWERS.join(', ')}, or null`);
  out.badAnswer = bad as BadAnswer | null;
  const routes = input.routes ?? null;
  if (routes !== null && (!Array.isArray(routes) || routes.some((r) => !(AUTH_ROUTES as readonly unknown[]).includes(r)))) {
    throw new TypeError(`routes must be a list of ${AUTH_ROUTES.join(', ')}, or null`);
  }
  out.routes = routes === null ? null : [...(routes as AuthRoute[])];
  const remaining = input.remaining ?? null;
  if (remaining !== null && (typeof remaining !== 'number' || !Number.isInteger(remaining) || remaining < 0)) {
    throw new TypeError('remaining must be a whole number or null');
  }
  out.remaining = remaining as number | null;
  return out;
}

function field(body: Record<string, unknown>, name: string, allowEmpty = false): string {
  const value = body[name];
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0) || value.length > 1024) {
    throw new HttpError(400, 'bad_request', `"${name}" must be a ${allowEmpty ? '' : 'non-empty '}string of at most 1024 characters`);
  }
  return value;
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw new HttpError(413, 'payload_too_large', `The body is larger than ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(413, 'payload_too_large', `The body is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'bad_request', 'The body is not valid JSON');
  }
}

async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  for await (const _chunk of req) {
    // discard
  }
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0]!;
}

/** A stable numeric customer id per login, as the real backend puts a numeric clientId in its tokens. */
function clientIdFor(login: string): string {
  return String(createHash('sha256').update(login).digest().readUInt32BE(0) % 100_000_000);
}
