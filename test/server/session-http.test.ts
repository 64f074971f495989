import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClientModule, createHttpBackend, createSession, type HttpBackendOptions, type Session } from '../../src/core/index.js';
import type { SessionSnapshot } from '../../src/core/types.js';
import { startAuthServer, type AuthServer, type BadAnswer } from '../../server/index.js';
import { rejection } from '../core/support/rejection.js';

// The full stack: a real session (createSession) over createHttpBackend over real HTTP to the reference server.
// Session and server share one hand-moved clock, so expiry is tested without sleeping.

const TTL_S = 3600;
let server: AuthServer;
let clock = Date.UTC(2026, 10, 24, 12, 0, 0);
let serverSkewMs = 0;
const sessions: Session[] = [];

beforeAll(async () => {
  server = await startAuthServer({ users: { alice: 'wonderland', bob: 'builder' }, tokenTtlSeconds: TTL_S, now: () => clock + serverSkewMs });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  clock = Date.UTC(2026, 10, 24, 12, 0, 0);
  serverSkewMs = 0;
  server.setFaults({ reset: true });
  server.resetStats();
});
afterEach(() => {
  for (const s of sessions.splice(0)) s.dispose();
});

async function readySession(backendOptions: Partial<HttpBackendOptions> = {}): Promise<Session> {
  const backend = createHttpBackend({ baseUrl: server.url, apiKey: 'demo-key', retryBaseMs: 1, retryMaxMs: 2, ...backendOptions });
  const session = createSession({ backend, storage: 'memory', devtools: false, now: () => clock, autoRefresh: false });
  sessions.push(session);
  await session.ready;
  return session;
}

/** The parts of the state a bad answer must not touch. */
function state(snapshot: SessionSnapshot): unknown {
  return { uuid: snapshot.uuid, token: snapshot.token, login: snapshot.login, signedIn: snapshot.signedIn, status: snapshot.tokenStatus };
}

describe('a session over HTTP', () => {
  it('starts with an anonymous token from the server; the snapshot shows the http backend and its last request', async () => {
    const session = await readySession();
    const snap = session.snapshot();
    expect(snap.token?.rlm).toBe('anonymous_client');
    expect(snap.tokenStatus).toBe('valid');
    expect(snap.backend).toMatchObject({
      kind: 'http',
      endpoint: server.url,
      lastRequest: { operation: 'anonymous', target: 'POST /sauth/v3/auth/login/client/anonymous', status: 200, ok: true, attempt: 1 },
    });
    expect(server.stats().routes.anonymous).toBe(1);
    const requestLines = session.log().filter((e) => e.kind === 'request');
    expect(requestLines[0]?.message).toMatch(/^POST \/sauth\/v3\/auth\/login\/client\/anonymous 200 ok in \d+\.\d ms$/);
  });

  it('single flight: 1,000 concurrent refreshToken() calls make exactly one HTTP request', async () => {
    const session = await readySession();
    const before = session.snapshot().token!.tokenString;
    clock += 1000;
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => session.refreshToken()));
    expect(server.stats().routes.refresh).toBe(1);
    const distinct = new Set(tokens.map((t) => t.tokenString));
    expect(distinct.size).toBe(1);
    expect([...distinct][0]).not.toBe(before);
    expect(session.snapshot().token!.tokenString).toBe([...distinct][0]);
    // A later refresh is a new flight.
    await session.refreshToken();
    expect(server.stats().routes.refresh).toBe(2);
  });

  it('signs in and out through the server', async () => {
    const session = await readySession();
    const uuid = session.getUUID();
    await session.signIn('alice', 'wonderland');
    expect(session.isSignedIn()).toBe(true);
    expect(session.getUUID(), 'anonymous → signed in keeps the UUID').toBe(uuid);
    expect(session.snapshot().token).toMatchObject({ rlm: 'client', origin: 'SYNERISE', customId: 'alice' });
    const retrieved = await session.retrieveToken();
    expect(retrieved.rlm).toBe('client');
    await session.signOut();
    expect(session.isSignedIn()).toBe(false);
    expect(server.stats().routes).toMatchObject({ signIn: 1, signOut: 1 });
  });

  it('a wrong password is 3200 and leaves the session as it was', async () => {
    const session = await readySession();
    const before = state(session.snapshot());
    const error = await rejection(session.signIn('alice', 'wrong'));
    expect(error).toMatchObject({ kind: 'unauthorized', code: 3200 });
    expect(state(session.snapshot())).toEqual(before);
    expect(server.stats().routes.signIn, 'never retried').toBe(1);
  });

  it('a token the server considers expired (clock skew) is 3210', async () => {
    const session = await readySession();
    serverSkewMs = (TTL_S + 1) * 1000;
    const error = await rejection(session.refreshToken());
    expect(error).toMatchObject({ kind: 'session-expired', code: 3210 });
  });

  it('an expired client session refuses refresh with 3210 without asking the server', async () => {
    const session = await readySession();
    await session.signIn('bob', 'builder');
    clock += (TTL_S + 1) * 1000;
    serverSkewMs = 0;
    const error = await rejection(session.refreshToken());
    expect(error.code).toBe(3210);
    expect(server.stats().routes.refresh).toBe(0);
  });

  it('reaches the Synerise-style callbacks with code 3200 on a 401', async () => {
    const session = await readySession();
    const Client = createClientModule(session);
    server.setFaults({ status: 401, routes: ['refresh'] });
    const error = await new Promise<{ code: number; message: string }>((resolve, reject) => {
      Client.refreshToken(() => reject(new Error('expected onError')), (e) => resolve(e));
    });
    expect(error.code).toBe(3200);
  });

  it('retries 503s through the stack and logs each attempt', async () => {
    const session = await readySession({ retries: 2 });
    server.setFaults({ status: 503, remaining: 2, routes: ['refresh'] });
    clock += 1000;
    await session.refreshToken();
    expect(server.stats().routes.refresh).toBe(3);
    const attempts = session.log().filter((e) => e.kind === 'request' && e.message.includes('/refresh/'));
    expect(attempts.map((e) => e.outcome)).toEqual(['error', 'error', 'ok']);
    expect(attempts[2]!.message).toContain('(attempt 3)');
  });

  it('exposes the HTTP backend\'s fault controls to the panel (session.debug.faults, snapshot.backend.faults)', async () => {
    const session = await readySession();
    expect(session.debug.faults).not.toBeNull();
    session.debug.faults!.setOffline(true);
    expect(session.snapshot().backend.faults).toMatchObject({ offline: true });
    const before = state(session.snapshot());
    expect(await rejection(session.refreshToken())).toMatchObject({ kind: 'network' });
    expect(state(session.snapshot())).toEqual(before);
    expect(server.stats().routes.refresh).toBe(0);
    session.debug.faults!.clear();
    session.debug.faults!.issueExpiredNext();
    const live = state(session.snapshot());
    // The server issued an expired client token: refused (9007), and the live session it would have replaced is kept.
    expect(await rejection(session.signIn('alice', 'wonderland'))).toMatchObject({ kind: 'invalid-response', code: 9007 });
    expect(state(session.snapshot())).toEqual(live);
    expect(session.snapshot().tokenStatus).toBe('valid');
  });

  it('never writes a token into the log or the snapshot\'s request info', async () => {
    const session = await readySession();
    await session.signIn('alice', 'wonderland');
    await session.refreshToken();
    const token = session.snapshot().token!.tokenString;
    expect(JSON.stringify(session.log())).not.toContain(token.split('.')[1]!);
    expect(JSON.stringify(session.snapshot().backend)).not.toContain(token.split('.')[1]!);
  });
});

describe('bad answers leave the session unchanged', () => {
  const cases: [BadAnswer, string][] = [
    ['non-json', 'invalid-response'],
    ['missing-token', 'invalid-response'],
    ['not-jwt', 'invalid-jwt'],
    ['huge', 'invalid-response'],
    ['wrong-content-type', 'invalid-response'],
  ];

  it.each(cases)('refresh answered with %s → %s', async (badAnswer, kind) => {
    const session = await readySession();
    const before = state(session.snapshot());
    server.setFaults({ badAnswer, routes: ['refresh'] });
    const error = await rejection(session.refreshToken());
    expect(error.kind).toBe(kind);
    expect(state(session.snapshot())).toEqual(before);
    expect(server.stats().routes.refresh, 'a bad answer is not retried').toBe(1);
    expect(session.snapshot().backend.lastRequest).toMatchObject({ status: 200, ok: false, error: { kind } });
  });

  it.each(cases)('sign-in answered with %s → %s, still anonymous', async (badAnswer, kind) => {
    const session = await readySession();
    const before = state(session.snapshot());
    server.setFaults({ badAnswer, routes: ['signIn'] });
    const error = await rejection(session.signIn('alice', 'wonderland'));
    expect(error.kind).toBe(kind);
    expect(state(session.snapshot())).toEqual(before);
    expect(session.isSignedIn()).toBe(false);
  });

  it('a server that keeps failing (503) leaves the token in place', async () => {
    const session = await readySession({ retries: 1 });
    const before = state(session.snapshot());
    server.setFaults({ status: 503, routes: ['refresh'] });
    expect(await rejection(session.refreshToken())).toMatchObject({ kind: 'backend', status: 503 });
    expect(state(session.snapshot())).toEqual(before);
  });

  it('a hanging server: refreshToken rejects with timeout by the deadline and the state stays', async () => {
    const session = await readySession({ timeoutMs: 200 });
    const before = state(session.snapshot());
    server.setFaults({ hang: true, routes: ['refresh'] });
    expect(await rejection(session.refreshToken())).toMatchObject({ kind: 'timeout' });
    expect(state(session.snapshot())).toEqual(before);
    expect(session.snapshot().pending).toEqual([]);
  });

  it('an anonymous start against a dead server settles ready with no token, and recovers when it is back', async () => {
    const dead = await startAuthServer({ faults: { status: 503 } });
    try {
      const backend = createHttpBackend({ baseUrl: dead.url, apiKey: 'k', retries: 0 });
      const session = createSession({ backend, storage: 'memory', devtools: false, autoRefresh: false });
      sessions.push(session);
      await session.ready;
      expect(session.snapshot().token).toBeNull();
      dead.setFaults({ reset: true });
      const token = await session.retrieveToken();
      expect(token.rlm).toBe('anonymous_client');
    } finally {
      await dead.close();
    }
  });
});
