import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, decodeJwt, jwtVerify, SignJWT, UnsecuredJWT, generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionError } from '../../src/core/errors.js';
import { createHttpBackend } from '../../src/core/index.js';
import { parseRetryAfter, type HttpBackendOptions } from '../../src/core/http-backend.js';
import type { BackendRequestInfo } from '../../src/core/types.js';
import { startAuthServer, type AuthServer } from '../../server/index.js';
import { rejection } from './support/rejection.js';

// Every test here talks to a real server on 127.0.0.1 (the reference auth server, or a tiny raw one for answers the
// reference server cannot give). Backoff waits go through an injected recorder, so retries are counted, not timed.

interface Harness {
  backend: ReturnType<typeof createHttpBackend>;
  requests: BackendRequestInfo[];
  waits: number[];
}

function harness(baseUrl: string, options: Partial<HttpBackendOptions> = {}): Harness {
  const requests: BackendRequestInfo[] = [];
  const waits: number[] = [];
  const backend = createHttpBackend({
    baseUrl,
    apiKey: 'test-key',
    retryBaseMs: 8,
    retryMaxMs: 1000,
    random: () => 0, // jitter at its floor: each wait is exactly half the exponential step
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });
  backend.onRequest = (info) => requests.push(info);
  return { backend, requests, waits };
}

const UUID = '0b6c4a4e-2f0b-4b8e-9d43-3f1a0c2f5e11';
const DEVICE = 'device-1';

let server: AuthServer;
let clock = Date.now();

beforeAll(async () => {
  server = await startAuthServer({ users: { alice: 'wonderland' }, tokenTtlSeconds: 600, now: () => clock });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  clock = Date.now();
  server.setFaults({ reset: true });
  server.resetStats();
});

describe('the four REST paths against the reference server', () => {
  it('gets an anonymous token for the UUID, signed by the server (verified with its JWKS)', async () => {
    const { backend, requests } = harness(server.url);
    const token = await backend.anonymous({ uuid: UUID, deviceId: DEVICE });
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(server.jwks()), { currentDate: new Date(clock) });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: UUID, rlm: 'anonymous_client', origin: 'ANONYMOUS', deviceId: DEVICE });
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ operation: 'anonymous', target: 'POST /sauth/v3/auth/login/client/anonymous', status: 200, ok: true, attempt: 1 });
    expect(requests[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(server.stats().routes.anonymous).toBe(1);
  });

  it('refreshes a valid token into a new one for the same subject and realm', async () => {
    const { backend, requests } = harness(server.url);
    const first = await backend.anonymous({ uuid: UUID, deviceId: DEVICE });
    clock += 5_000;
    const second = await backend.refresh({ token: first });
    expect(second).not.toBe(first);
    const claims = decodeJwt(second);
    expect(claims).toMatchObject({ sub: UUID, rlm: 'anonymous_client' });
    expect(claims.iat).toBe(decodeJwt(first).iat! + 5);
    expect(requests.map((r) => r.target)).toEqual(['POST /sauth/v3/auth/login/client/anonymous', 'POST /sauth/v3/auth/refresh/client']);
  });

  it('signs in with login and password, and refuses a wrong password with 3200 without retrying', async () => {
    const { backend, requests } = harness(server.url);
    const token = await backend.signIn({ login: 'alice', password: 'wonderland', uuid: UUID, deviceId: DEVICE });
    expect(decodeJwt(token)).toMatchObject({ sub: UUID, rlm: 'client', origin: 'SYNERISE', customId: 'alice' });
    const error = await rejection(backend.signIn({ login: 'alice', password: 'nope', uuid: UUID, deviceId: DEVICE }));
    expect(error).toMatchObject({ kind: 'unauthorized', code: 3200, status: 401 });
    expect(error.message).toContain('Wrong login or password');
    expect(server.stats().routes.signIn).toBe(2);
    expect(requests.map((r) => [r.status, r.ok])).toEqual([[200, true], [401, false]]);
    expect(requests[1]!.error).toMatchObject({ kind: 'unauthorized', code: 3200 });
  });

  it.each([['SIGN_OUT'], ['SIGN_OUT_WITH_SESSION_DESTROY']] as const)('signs out (%s); the signed-out token can no longer be refreshed', async (mode) => {
    const { backend, requests } = harness(server.url);
    const token = await backend.signIn({ login: 'alice', password: 'wonderland', uuid: UUID, deviceId: DEVICE });
    await expect(backend.signOut({ token, mode })).resolves.toBeUndefined();
    expect(requests.at(-1)).toMatchObject({ operation: 'signOut', target: 'POST /sauth/v3/my-account/logout', status: 204, ok: true });
    const error = await rejection(backend.refresh({ token }));
    expect(error).toMatchObject({ kind: 'unauthorized', code: 3200, status: 401 });
  });

  it('sends the wire names of the logout modes', async () => {
    const bodies: unknown[] = [];
    const raw = await rawServer(async (req, res) => {
      bodies.push({ auth: req.headers.authorization, body: JSON.parse(await bodyOf(req)) });
      res.writeHead(204).end();
    });
    try {
      const { backend } = harness(raw.url);
      await backend.signOut({ token: 'a.b.c', mode: 'SIGN_OUT' });
      await backend.signOut({ token: 'a.b.c', mode: 'SIGN_OUT_WITH_SESSION_DESTROY' });
      expect(bodies).toEqual([
        { auth: 'Bearer a.b.c', body: { mode: 'LOGOUT' } },
        { auth: 'Bearer a.b.c', body: { mode: 'LOGOUT_WITH_SESSION_CLEARING' } },
      ]);
    } finally {
      await raw.close();
    }
  });

  it('sends the documented JSON bodies and headers', async () => {
    const seen: { url: string | undefined; type: string | undefined; auth: string | undefined; body: unknown }[] = [];
    const raw = await rawServer(async (req, res) => {
      seen.push({ url: req.url, type: req.headers['content-type'], auth: req.headers.authorization, body: JSON.parse(await bodyOf(req)) });
      json(res, 200, { token: await goodToken() });
    });
    try {
      const { backend } = harness(`${raw.url}/prefix/`);
      await backend.anonymous({ uuid: UUID, deviceId: DEVICE });
      await backend.refresh({ token: 'x.y.z' });
      await backend.signIn({ login: 'l', password: 'p', uuid: UUID, deviceId: DEVICE });
      expect(seen).toEqual([
        { url: '/prefix/sauth/v3/auth/login/client/anonymous', type: 'application/json', auth: undefined, body: { apiKey: 'test-key', uuid: UUID, deviceId: DEVICE } },
        { url: '/prefix/sauth/v3/auth/refresh/client', type: 'application/json', auth: 'Bearer x.y.z', body: { apiKey: 'test-key' } },
        { url: '/prefix/sauth/v3/auth/login/client', type: 'application/json', auth: undefined, body: { apiKey: 'test-key', login: 'l', password: 'p', uuid: UUID, deviceId: DEVICE } },
      ]);
    } finally {
      await raw.close();
    }
  });

  it('describes itself for the panel: kind http, endpoint, last request', async () => {
    const { backend } = harness(`${server.url}/`);
    expect(backend.describe()).toEqual({ kind: 'http', endpoint: server.url, faults: { offline: false, expiredNext: false, failNext: {} } });
    expect(harness(server.url, { faultInjection: false }).backend.describe()).toEqual({ kind: 'http', endpoint: server.url });
    await backend.anonymous({ uuid: UUID, deviceId: DEVICE });
    expect(backend.describe().lastRequest).toMatchObject({ operation: 'anonymous', status: 200, ok: true, attempt: 1 });
  });
});

describe('error mapping', () => {
  it('maps an expired token (server clock past exp) to session-expired 3210', async () => {
    const { backend } = harness(server.url);
    const token = await backend.anonymous({ uuid: UUID, deviceId: DEVICE });
    clock += 601_000;
    const error = await rejection(backend.refresh({ token }));
    expect(error).toMatchObject({ kind: 'session-expired', code: 3210, status: 401 });
    expect(server.stats().routes.refresh, 'never retried').toBe(1);
  });

  it.each([401, 403])('maps HTTP %i to unauthorized 3200, never retried', async (status) => {
    const { backend, requests, waits } = harness(server.url);
    server.setFaults({ status });
    const error = await rejection(backend.anonymous({ uuid: UUID, deviceId: DEVICE }));
    expect(error).toMatchObject({ kind: 'unauthorized', code: 3200, status });
    expect(requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('recognises "expired" said in a 401 body or WWW-Authenticate header', async () => {
    const raw = await rawServer((req, res) => {
      if (req.url!.includes('anonymous')) json(res, 401, { error: 'token_expired' });
      else res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token", error_description="The access token expired"' }).end();
    });
    try {
      const { backend } = harness(raw.url);
      expect(await rejection(backend.anonymous({ uuid: UUID, deviceId: DEVICE }))).toMatchObject({ kind: 'session-expired', code: 3210 });
      expect(await rejection(backend.refresh({ token: 'a.b.c' }))).toMatchObject({ kind: 'session-expired', code: 3210 });
    } finally {
      await raw.close();
    }
  });

  it.each([400, 404, 409, 422])('never retries HTTP %i (a backend error with the status)', async (status) => {
    const { backend, requests, waits } = harness(server.url, { retries: 5 });
    server.setFaults({ status });
    const error = await rejection(backend.anonymous({ uuid: UUID, deviceId: DEVICE }));
    expect(error).toMatchObject({ kind: 'backend', code: 9004, status });
    expect(server.stats().routes.anonymous).toBe(1);
    expect(requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('names a wrong baseUrl (404 from the server) in the message', async () => {
    const { backend } = harness(`${server.url}/not-here`);
    const error = await rejection(backend.anonymous({ uuid: UUID, deviceId: DEVICE }));
    expect(error).toMatchObject({ kind: 'backend', status: 404 });
    expect(error.message).toContain('check baseUrl');
  });

  it('maps a refused connection to kind network, retried, with no status', async () => {
    const gone = await startAuthServer();
    await gone.close();
    const { backend, requests, waits } = harness(gone.url, { retries: 2 });
    const error = await rejection(backend.anonymous({ uuid: UUID, deviceId: DEVICE }));
    expect(error).toMatchObject({ kind: 'network', code: 9002 });
    expect(error.status).toBeUndefined();
    expect(requests.map((r) => [r.attempt, r.ok, r.status])).toEqual([[1, false, undefined], [2, false, undefined], [3, false, undefined]]);
    expect(waits).toEqual([4, 8]);
  });

  it('rejects bad options with invalid-argument at creation', () => {
    const cases: unknown[] = [
      { baseUrl: '', apiKey: 'k' },
      { baseUrl: 'not a url', apiKey: 'k' },
      { baseUrl: 'ftp://127.0.0.1', apiKey: 'k' },
      { baseUrl: 'http://user:pw@127.0.0.1', apiKey: 'k' },
      { baseUrl: 'http://127.0.0.1?x=1', apiKey: 'k' },
      { baseUrl: 'http://127.0.0.1', apiKey: '' },
      { baseUrl: 'http://127.0.0.1', apiKey: 'k', timeoutMs: 0 },
      { baseUrl: 'http://127.0.0.1', apiKey: 'k', timeoutMs: 2 ** 31 },
      { baseUrl: 'http://127.0.0.1', apiKey: 'k', maxResponseBytes: 10 },
      { baseUrl: 'http://127.0.0.1', apiKey: 'k', retries: -1 },
      { baseUrl: 'http://127.0.0.1', apiKey: 'k', retries: 1.5 },
      { baseUrl: 'http://127.0.0.1', apiKey: 'k', fetch: 'fetch' },
      null,
    ];
    for (const options of cases) {
      let caught: unknown;
      try {
        createHttpBackend(options as HttpBackendOptions);
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(options)).toBeInstanceOf(SessionError);
      expect((caught as SessionError).kind).toBe('invalid-argument');
    }
  });

  it('rejects bad call arguments with invalid-argument, without a request', async () => {
    const { backend, requests } = harness(server.url);
    expect(await rejection(backend.anonymous({ uuid: '', deviceId: DEVICE }))).toMatchObject({ kind: 'invalid-argument' });
    expect(await rejection(backend.refresh({ token: 42 as unknown as string }))).toMatchObject({ kind: 'invalid-argument' });
    expect(await rejection(backend.signOut({ token: 'a.b.c', mode: 'BOTH' as 'SIGN_OUT' }))).toMatchObject({ kind: 'invalid-argument' });
    expect(requests).toEqual([]);
  });
});

describe('retries and backoff', () => {
  it('retries 5xx with exponential backoff and succeeds on the third attempt', async () => {
    const { backend, requests, waits } = harness(server.url, { retries: 3 });
    server.setFaults({ status: 500, remaining: 2 });
    const token = await backend.anonymous({ uuid: UUID, deviceId: DEVICE });
    expect(decodeJwt(token).sub).toBe(UUID);
    expect(requests.map((r) => [r.attempt, r.status, r.ok])).toEqual([[1, 500, false], [2, 500, false], [3, 200, true]]);
    expect(waits, 'base 8 ms, doubling, jitter at its 50 % floor').toEqual([4, 8]);
    expect(server.stats().routes.anonymous).toBe(3);
  });

  it('gives up after `retries` retries with the last error (backend 503)', async () => {
    const { backend, requests, waits } = harness(server.url, { retries: 3 });
    server.setFaults({ status: 503 });
    const error = await rejection(backend.refresh({ token: await goodToken() }));
    expect(error).toMatchObject({ kind: 'backend', code: 9004, status: 503 });
    expect(server.stats().routes.refresh).toBe(4);
    expect(requests.map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
    expect(waits).toEqual([4, 8, 16]);
  });

  it('caps the backoff and keeps the jitter within 50–100 % of the step', async () => {
    const rolls = [0.99, 0.5, 0, 0.99, 0.25];
    const { backend, waits } = harness(server.url, { retries: 5, retryBaseMs: 100, retryMaxMs: 300, random: () => rolls.shift()! });
    server.setFaults({ status: 502 });
    await rejection(backend.anonymous({ uuid: UUID, deviceId: DEVICE }));
    // steps 100, 200, 300 (capped), 300, 300 → scaled by 0.5 + 0.5·roll
    expect(waits.map((w) => Math.round(w * 100) / 100)).toEqual([99.5, 150, 150, 298.5, 187.5]);
  });

  it('with retries: 0 makes exactly one attempt', async () => {
    const { backend } = harness(server.url, { retries: 0 });
    server.setFaults({ status: 503 });
    await rejection(backend.anonymous({ uuid: UUID, deviceId: DEVICE }));
    expect(server.stats().routes.anonymous).toBe(1);
  });

  it('retries the failures of a random error rate (seeded) and counts every attempt', async () => {
    let n = 0;
    const seeded = await startAuthServer({ random: () => [0.1, 0.9, 0.2][n++ % 3]!, faults: { errorRate: 0.5 } });
    try {
      const h = harness(seeded.url, { retries: 10 });
      await h.backend.anonymous({ uuid: UUID, deviceId: DEVICE });
      // rolls 0.1 (< 0.5: error), 0.9 (ok)
      expect(h.requests.map((r) => r.status)).toEqual([503, 200]);
    } finally {
      await seeded.close();
    }
  });

  it('honours Retry-After in seconds on 429 (waits at least that long)', async () => {
    const { backend, requests, waits } = harness(server.url);
    server.setFaults({ status: 429, retryAfter: '7', remaining: 1 });
    await backend.anonymous({ uuid: UUID, deviceId: DEVICE });
    expect(requests.map((r) => r.status)).toEqual([429, 200]);
    expect(waits).toEqual([7000]);
  });

  it('honours Retry-After as an HTTP date on 503', async () => {
    const fixed = Date.parse('Tue, 24 Nov 2026 12:00:00 GMT');
    const { backend, waits } = harness(server.url, { now: () => fixed });
    server.setFaults({ status: 503, retryAfter: 'Tue, 24 Nov 2026 12:00:03 GMT', remaining: 1 });
    await backend.anonymous({ uuid: UUID, deviceId: DEVICE });
    expect(waits).toEqual([3000]);
  });

  it('fails at once when Retry-After asks for longer than the call has left', async () => {
    const { backend, requests, waits } = harness(server.url, { timeoutMs: 5000 });
    server.setFaults({ status: 429, retryAfter: '60' });
    const error = await rejection(backend.anonymous({ uuid: UUID, deviceId: DEVICE }));
    expect(error).toMatchObject({ kind: 'backend', status: 429 });
    expect(error.message).toContain('retry after 60 s');
    expect(requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('ignores Retry-After on statuses it never retries', async () => {
    const { backend, waits } = harness(server.url);
    server.setFaults({ status: 400, retryAfter: '1' });
    await rejection(backend.anonymous({ uuid: UUID, deviceId: DEVICE }));
    expect(server.stats().routes.anonymous).toBe(1);
    expect(waits).toEqual([]);
  });

  it('parses Retry-After forms', () => {
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    expect(parseRetryAfter('0', 0)).toBe(0);
    expect(parseRetryAfter(' 12 ', 0)).toBe(12_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter('-5', 0)).toBeUndefined();
    const at = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', at - 2500)).toBe(2500);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', at + 9999), 'a date in the past means now').toBe(0);
  });
});

describe('timeouts', () => {
  it('a hanging server: the call rejects with kind timeout, one attempt, and the request is abandoned', async () => {
    const { backend, requests } = harness(server.url, { timeoutMs: 150 });
    server.setFaults({ hang: true });
    const error = await rejection(backend.anonymous({ uuid: UUID, deviceId: DEVICE }));
    expect(error).toMatchObject({ kind: 'timeout', code: 9003 });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ ok: false, attempt: 1, error: { kind: 'timeout' } });
    expect(requests[0]!.status).toBeUndefined();
  });

  it('a hanging attempt within the call budget is retried (attemptTimeoutMs < timeoutMs)', async () => {
    // 1 s per attempt: long enough that the second (answered) attempt never times out too on a loaded machine.
    const { backend, requests } = harness(server.url, { timeoutMs: 10_000, attemptTimeoutMs: 1000 });
    server.setFaults({ hang: true, remaining: 1 });
    const token = await backend.anonymous({ uuid: UUID, deviceId: DEVICE });
    expect(decodeJwt(token).sub).toBe(UUID);
    expect(requests.map((r) => [r.attempt, r.error?.kind ?? r.status])).toEqual([[1, 'timeout'], [2, 200]]);
  });

  it('a server that sends headers and then stalls the body still times out', async () => {
    const raw = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"token":"');
    });
    try {
      const { backend } = harness(raw.url, { timeoutMs: 150 });
      expect(await rejection(backend.anonymous({ uuid: UUID, deviceId: DEVICE }))).toMatchObject({ kind: 'timeout' });
    } finally {
      await raw.close();
    }
  });

  describe('with a fetch that ignores its AbortSignal (fake timers)', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('settles exactly at timeoutMs, never later', async () => {
      let signal: AbortSignal | undefined;
      const backend = createHttpBackend({
        baseUrl: 'http://127.0.0.1:9',
        apiKey: 'k',
        timeoutMs: 1000,
        fetch: (_url, init) => {
          signal = init.signal ?? undefined;
          return new Promise<Response>(() => {}); // never settles, whatever the signal says
        },
      });
      let settled: SessionError | 'resolved' | undefined;
      backend.anonymous({ uuid: UUID, deviceId: DEVICE }).then(
        () => (settled = 'resolved'),
        (error: SessionError) => (settled = error),
      );
      await vi.advanceTimersByTimeAsync(999);
      expect(settled).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(settled).toBeInstanceOf(SessionError);
      expect((settled as SessionError).kind).toBe('timeout');
      expect(signal?.aborted, 'the request was aborted too').toBe(true);
      expect(vi.getTimerCount(), 'no timers left behind').toBe(0);
    });
  });
});

describe('fault injection for the panel', () => {
  it('offline: every call fails as network without sending anything, until switched back', async () => {
    const { backend, requests } = harness(server.url);
    backend.faults!.setOffline(true);
    expect(backend.describe().faults).toMatchObject({ offline: true });
    const error = await rejection(backend.anonymous({ uuid: UUID, deviceId: DEVICE }));
    expect(error).toMatchObject({ kind: 'network', code: 9002 });
    expect(server.stats().routes.anonymous, 'nothing sent').toBe(0);
    expect(requests).toEqual([expect.objectContaining({ ok: false, attempt: 1, target: 'POST /sauth/v3/auth/login/client/anonymous (fault injection: not sent)' })]);
    backend.faults!.setOffline(false);
    await backend.anonymous({ uuid: UUID, deviceId: DEVICE });
    expect(server.stats().routes.anonymous).toBe(1);
  });

  it('failNext: the next call of that kind fails with the given error, once; other calls are untouched', async () => {
    const { backend } = harness(server.url);
    const token = await backend.anonymous({ uuid: UUID, deviceId: DEVICE });
    backend.faults!.failNext('refresh', { kind: 'unauthorized', message: 'Injected 3200' });
    backend.faults!.failNext('signIn');
    expect(backend.faults!.state().failNext).toEqual({
      refresh: { kind: 'unauthorized', code: 3200, message: 'Injected 3200' },
      signIn: { kind: 'backend', code: 9004, message: 'Injected failure of the next signIn call' },
    });
    expect(await rejection(backend.refresh({ token }))).toMatchObject({ kind: 'unauthorized', code: 3200, message: 'Injected 3200' });
    await expect(backend.refresh({ token }), 'only once').resolves.toMatch(/^ey/);
    expect(server.stats().routes.refresh).toBe(1);
    backend.faults!.clear();
    expect(backend.faults!.state()).toEqual({ offline: false, expiredNext: false, failNext: {} });
    await backend.signIn({ login: 'alice', password: 'wonderland', uuid: UUID, deviceId: DEVICE });
  });

  it('issueExpiredNext: the reference server issues the next token already expired, then normal ones', async () => {
    const { backend } = harness(server.url);
    backend.faults!.issueExpiredNext();
    expect(backend.faults!.state().expiredNext).toBe(true);
    const expired = decodeJwt(await backend.anonymous({ uuid: UUID, deviceId: DEVICE }));
    expect(expired.exp, 'a lifetime of zero').toBe(expired.iat);
    expect(expired.exp!).toBeLessThanOrEqual(clock / 1000);
    expect(backend.faults!.state().expiredNext).toBe(false);
    const fresh = await backend.anonymous({ uuid: UUID, deviceId: DEVICE });
    expect(decodeJwt(fresh).exp!).toBeGreaterThan(Math.floor(clock / 1000));
  });

  it('refuses failNext for an unknown call', () => {
    const { backend } = harness(server.url);
    expect(() => backend.faults!.failNext('delete' as 'refresh')).toThrow(SessionError);
  });
});

describe('bad answers: each a clear SessionError, never retried', () => {
  it.each([
    ['non-json', 'invalid-response', 9007, 'not valid JSON'],
    ['missing-token', 'invalid-response', 9007, 'no "token" field'],
    ['not-jwt', 'invalid-jwt', -104, 'not a usable JWT'],
    ['huge', 'invalid-response', 9007, 'larger than 65536 bytes'],
    ['wrong-content-type', 'invalid-response', 9007, 'expected application/json'],
  ] as const)('%s → %s', async (badAnswer, kind, code, words) => {
    const { backend, requests } = harness(server.url);
    server.setFaults({ badAnswer });
    const error = await rejection(backend.anonymous({ uuid: UUID, deviceId: DEVICE }));
    expect(error).toMatchObject({ kind, code });
    expect(error.message).toContain(words);
    expect(server.stats().routes.anonymous).toBe(1);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ ok: false, status: 200, error: { kind, code } });
  });

  it('an already-expired token is a well-formed JWT: passed on for the session to judge', async () => {
    const { backend } = harness(server.url);
    server.setFaults({ badAnswer: 'expired-token' });
    const claims = decodeJwt(await backend.anonymous({ uuid: UUID, deviceId: DEVICE }));
    expect(claims.exp).toBe(claims.iat);
    expect(claims.exp!).toBeLessThanOrEqual(clock / 1000);
  });

  const raws: [string, (res: ServerResponse) => void | Promise<void>, string, string][] = [
    ['a JSON array', (res) => json(res, 200, [1, 2]), 'invalid-response', 'not an object'],
    ['JSON null', (res) => json(res, 200, null), 'invalid-response', 'not an object'],
    ['a numeric token', (res) => json(res, 200, { token: 12 }), 'invalid-response', 'a number, not a string'],
    ['a null token', (res) => json(res, 200, { token: null }), 'invalid-response', 'null, not a string'],
    ['an unsigned token (alg none)', (res) => json(res, 200, { token: new UnsecuredJWT({ rlm: 'anonymous_client' }).setExpirationTime('1h').encode() }), 'invalid-jwt', 'unsigned'],
    ['a token without exp', async (res) => json(res, 200, { token: await goodToken({ exp: false }) }), 'invalid-jwt', '"exp"'],
    ['a token of unknown realm', async (res) => json(res, 200, { token: await goodToken({ rlm: 'admin' }) }), 'invalid-jwt', 'realm'],
    ['a 40 KB token', (res) => json(res, 200, { token: `${'a'.repeat(40_000)}.b.c` }), 'invalid-jwt', 'limit'],
    ['invalid UTF-8', (res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 'invalid-response', 'UTF-8'],
    ['an empty body', (res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(), 'invalid-response', 'not valid JSON'],
    ['no content type', (res) => void res.writeHead(200).end('{"token":"a.b.c"}'), 'invalid-response', '(none)'],
    ['a declared content-length over the bound', (res) => void res.writeHead(200, { 'content-type': 'application/json', 'content-length': '10000000' }).end(), 'invalid-response', 'larger than'],
    ['an unexpected 3xx', (res) => void res.writeHead(304).end(), 'invalid-response', 'Unexpected HTTP 304'],
  ];
  it.each(raws)('%s', async (_name, answer, kind, words) => {
    const raw = await rawServer(async (req, res) => {
      await bodyOf(req);
      await answer(res);
    });
    try {
      const { backend, requests } = harness(raw.url, { timeoutMs: 2000 });
      const error = await rejection(backend.anonymous({ uuid: UUID, deviceId: DEVICE }));
      expect(error.kind).toBe(kind);
      expect(error.message).toContain(words);
      expect(requests).toHaveLength(1);
    } finally {
      await raw.close();
    }
  });

  it('reads a huge body only up to its bound (maxResponseBytes), cancelling the rest', async () => {
    let written = 0;
    let hungUp: Promise<boolean> | undefined;
    const raw = await rawServer(async (req, res) => {
      await bodyOf(req);
      res.writeHead(200, { 'content-type': 'application/json' });
      // Resolves true when the client hangs up before the server has written everything.
      hungUp = new Promise((resolve) => res.on('close', () => resolve(!res.writableFinished)));
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      while (written < 64 * 1024 * 1024 && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) await waitForDrain(res);
      }
      res.end();
    });
    try {
      const { backend } = harness(raw.url, { maxResponseBytes: 1024 });
      const error = await rejection(backend.anonymous({ uuid: UUID, deviceId: DEVICE }));
      expect(error).toMatchObject({ kind: 'invalid-response', status: 200 });
      expect(error.message).toContain('larger than 1024 bytes');
      expect(await hungUp, 'the client hung up instead of reading 64 MB').toBe(true);
      expect(written).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await raw.close();
    }
  });

  it('never carries a token into errors or request reports', async () => {
    const issued = await goodToken();
    const raw = await rawServer(async (req, res) => {
      await bodyOf(req);
      json(res, 500, { message: `upstream rejected ${issued} for reasons\n\u0007 ${'x'.repeat(400)}` });
    });
    try {
      const { backend, requests } = harness(raw.url, { retries: 1 });
      const error = await rejection(backend.refresh({ token: issued }));
      expect(error.kind).toBe('backend');
      expect(error.message).toContain('[token]');
      expect(error.message).not.toContain(issued);
      expect(error.message.length).toBeLessThan(400);
      expect(JSON.stringify(requests)).not.toContain(issued);
      expect(JSON.stringify(backend.describe())).not.toContain(issued);
    } finally {
      await raw.close();
    }
  });

  it('a throwing onRequest listener does not break a good answer', async () => {
    const { backend } = harness(server.url);
    backend.onRequest = () => {
      throw new Error('listener bug');
    };
    await expect(backend.anonymous({ uuid: UUID, deviceId: DEVICE })).resolves.toMatch(/^ey/);
  });
});

// --- helpers -------------------------------------------------------------------------------------------------

let signingKey: Promise<CryptoKey> | undefined;
async function goodToken(options: { exp?: boolean; rlm?: string } = {}): Promise<string> {
  signingKey ??= generateKeyPair('ES256').then((pair) => pair.privateKey);
  const jwt = new SignJWT({ sub: UUID, rlm: options.rlm ?? 'anonymous_client' }).setProtectedHeader({ alg: 'ES256' }).setIssuedAt();
  if (options.exp !== false) jwt.setExpirationTime('1h');
  return jwt.sign(await signingKey);
}

function waitForDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** A bare server on 127.0.0.1 for answers the reference server cannot give. close() also ends open connections. */
async function rawServer(handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>): Promise<{ url: string; close(): Promise<void> }> {
  const http: Server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

describe('request lifetime', () => {
  it('does not abort a request whose answer was read to the end (DevTools would list it as canceled)', async () => {
    const signals: AbortSignal[] = [];
    const token = await new SignJWT({ rlm: 'anonymous_client', origin: 'ANONYMOUS' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(UUID)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('k'.repeat(32)));
    const backend = createHttpBackend({
      baseUrl: 'http://127.0.0.1:9',
      apiKey: 'k',
      fetch: async (_url, init) => {
        if (init.signal) signals.push(init.signal);
        return new Response(JSON.stringify({ token }), { status: 200, headers: { 'content-type': 'application/json' } });
      },
    });
    expect(await backend.anonymous({ uuid: UUID, deviceId: DEVICE })).toBe(token);
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(false);
  });

  it('aborts the request when the caller gives up', async () => {
    let signal: AbortSignal | undefined;
    const backend = createHttpBackend({
      baseUrl: 'http://127.0.0.1:9',
      apiKey: 'k',
      retries: 0,
      fetch: (_url, init) => {
        signal = init.signal ?? undefined;
        return new Promise<Response>((_, reject) => init.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
      },
    });
    const caller = new AbortController();
    const call = backend.anonymous({ uuid: UUID, deviceId: DEVICE }, { signal: caller.signal }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 5));
    caller.abort();
    expect(await call).toBeInstanceOf(SessionError);
    expect(signal?.aborted).toBe(true);
  });
});

describe('a caller that gives up', () => {
  const hanging = ((_url: string, init: RequestInit) =>
    new Promise((_, reject) => {
      init.signal!.addEventListener('abort', () => reject(new DOMException('This operation was aborted', 'AbortError')));
    })) as unknown as HttpBackendOptions['fetch'];

  it('ends the call as aborted: not a network failure, not retried, no backoff wait', async () => {
    const sleeps: number[] = [];
    const backend = createHttpBackend({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k', fetch: hanging, retries: 3, sleep: async (ms) => void sleeps.push(ms) });
    const reports: BackendRequestInfo[] = [];
    const caller = new AbortController();
    const call = backend.anonymous({ uuid: UUID, deviceId: DEVICE }, { signal: caller.signal, onRequest: (r) => reports.push(r) }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 5));
    caller.abort();
    const error = (await call) as SessionError;
    expect([error.kind, error.code]).toEqual(['aborted', 9010]);
    expect(reports.map((r) => r.error?.kind)).toEqual(['aborted']);
    expect(sleeps, 'no retry after the caller left').toEqual([]);
  });

  it('cuts a backoff wait short', async () => {
    let attempts = 0;
    const failing = (async () => {
      attempts++;
      return new Response('{}', { status: 503, headers: { 'content-type': 'application/json' } });
    }) as unknown as HttpBackendOptions['fetch'];
    const caller = new AbortController();
    const backend = createHttpBackend({
      baseUrl: 'http://127.0.0.1:9', apiKey: 'k', fetch: failing, retries: 3,
      sleep: () => new Promise<void>(() => caller.abort()), // the caller leaves during the first wait
    });
    const error = (await backend.anonymous({ uuid: UUID, deviceId: DEVICE }, { signal: caller.signal }).catch((e: unknown) => e)) as SessionError;
    expect(error.kind).toBe('aborted');
    expect(attempts).toBe(1);
  });
});
