import { describe, expect, it } from 'vitest';
import { SessionError } from '../../src/core/errors.js';
import { uuidFromName } from '../../src/core/uuid.js';
import { claimsOf, HOUR, MINUTE, readySession } from './support/session-fixture.js';
import { rejection } from './support/rejection.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('start-up', () => {
  it('has a random UUID and an anonymous token for it once ready', async () => {
    const { session, backend, types } = await readySession();
    expect(session.getUUID()).toMatch(UUID);
    const snap = session.snapshot();
    expect(snap.ready).toBe(true);
    expect(snap.token?.rlm).toBe('anonymous_client');
    expect(snap.token?.origin).toBe('ANONYMOUS');
    expect(claimsOf(snap.token!.tokenString).sub, 'the token belongs to the UUID').toBe(session.getUUID());
    expect(snap.tokenStatus).toBe('valid');
    expect(backend.calls.anonymous).toBe(1);
    expect(types()).toEqual(['operation-start', 'request', 'token-changed', 'operation-end', 'ready']);
  });

  it('settles ready even when the backend is down, and says why', async () => {
    const { createDevBackend } = await import('../../src/core/dev-backend.js');
    const { createSessionCore } = await import('../../src/core/session.js');
    const backend = createDevBackend();
    backend.faults.setOffline(true);
    const session = createSessionCore({ backend, storage: 'memory', devtools: false });
    const errors: string[] = [];
    session.subscribe((e) => e.type === 'operation-end' && e.error && errors.push(e.error.kind));
    await session.ready;
    expect(session.snapshot().token).toBeNull();
    expect(session.snapshot().tokenStatus).toBe('none');
    expect(errors).toEqual(['network']);
    backend.faults.setOffline(false);
    expect((await session.retrieveToken()).rlm, 'retrieveToken tries again').toBe('anonymous_client');
  });
});

describe('retrieveToken', () => {
  it('returns the current token without calling the backend while it is fresh', async () => {
    const { session, backend } = await readySession();
    const token = await session.retrieveToken();
    expect(token.tokenString).toBe(session.snapshot().token?.tokenString);
    expect(token.expirationDate).toBeInstanceOf(Date);
    expect(token.expirationDate.getTime()).toBe(session.snapshot().token!.exp);
    expect(backend.calls.anonymous + backend.calls.refresh).toBe(1);
  });

  it('obtains a new anonymous token for the same UUID when the anonymous token expired', async () => {
    const { session, backend, clock } = await readySession();
    const uuid = session.getUUID();
    const old = session.snapshot().token!.tokenString;
    clock.advance(2 * HOUR);
    expect(session.snapshot().tokenStatus).toBe('expired');
    const token = await session.retrieveToken();
    expect(token.tokenString).not.toBe(old);
    expect(session.getUUID()).toBe(uuid);
    expect(claimsOf(token.tokenString).sub).toBe(uuid);
    expect(backend.calls.anonymous).toBe(2);
    expect(backend.calls.refresh, 'an expired token is never refreshed').toBe(0);
  });

  it('obtains an anonymous token when there is none', async () => {
    const { session } = await readySession();
    session.debug.expireToken();
    await session.retrieveToken();
    expect(session.snapshot().tokenStatus).toBe('valid');
  });

  it('rejects with 3210 when the signed-in customer token expired, and reports the expiry once', async () => {
    const { session, clock, events } = await readySession();
    await session.signIn('ann@example.com', 'secret');
    clock.advance(2 * HOUR);
    expect(session.isSignedIn()).toBe(false);
    const error = await rejection(session.retrieveToken());
    expect(error.code).toBe(3210);
    expect(error.kind).toBe('session-expired');
    expect(error.message).toMatch(/expired/);
    await rejection(session.retrieveToken());
    const signedOut = events.filter((e) => e.type === 'signed-out');
    expect(signedOut).toHaveLength(1);
    expect(signedOut[0]).toMatchObject({ reason: 'SESSION_EXPIRATION' });
  });

  it('refreshes automatically inside the refresh window', async () => {
    const { session, backend, clock } = await readySession({ refreshWindowSeconds: 600 });
    clock.advance(HOUR - 9 * MINUTE); // 9 min left, window 10 min
    expect(session.snapshot().tokenStatus).toBe('expiring');
    const token = await session.retrieveToken();
    expect(backend.calls.refresh).toBe(1);
    expect(token.expirationDate.getTime()).toBe(clock.t - (clock.t % 1000) + HOUR);
    expect(session.snapshot().tokenStatus).toBe('valid');
  });

  it('caps the window at half the lifetime, so short tokens do not refresh on every use', async () => {
    // 60 s tokens with the default 1800 s window: margin is 30 s, not "always".
    const { session, backend, clock } = await readySession({}, { tokenTtlSeconds: 60 });
    expect(session.snapshot().refreshMarginMs).toBe(30_000);
    clock.advance(20_000);
    await session.retrieveToken();
    expect(backend.calls.refresh, '40 s left of 60: no refresh').toBe(0);
    clock.advance(15_000);
    await session.retrieveToken();
    expect(backend.calls.refresh, '25 s left: refresh').toBe(1);
  });

  it('refreshes automatically at most once a second and backs off after failures', async () => {
    const { session, backend, clock } = await readySession({}, { tokenTtlSeconds: 60 });
    clock.advance(45_000);
    backend.faults.failNext('refresh');
    const first = await session.retrieveToken();
    expect(first.tokenString, 'a failed auto refresh still hands out the valid token').toBe(session.snapshot().token!.tokenString);
    expect(backend.calls.refresh).toBe(1);
    await session.retrieveToken();
    clock.advance(1000);
    await session.retrieveToken();
    expect(backend.calls.refresh, 'backoff after one failure is 2 s').toBe(1);
    clock.advance(1000);
    await session.retrieveToken();
    expect(backend.calls.refresh).toBe(2);
    const refreshed = session.snapshot().token!;
    expect(refreshed.receivedAt).toBe(clock.t);
    await session.retrieveToken();
    expect(backend.calls.refresh, 'fresh token: nothing to do').toBe(2);
  });

  it('replaces an anonymous token the backend refuses (3200) with a new one for the same UUID', async () => {
    const { session, backend, clock } = await readySession({ refreshWindowSeconds: 600 });
    const uuid = session.getUUID();
    const refused = session.snapshot().token!.tokenString;
    clock.advance(HOUR - 5 * MINUTE);
    backend.faults.failNext('refresh', { kind: 'unauthorized', message: 'not issued by this server' });
    const token = await session.retrieveToken();
    expect(token.tokenString).not.toBe(refused);
    expect(claimsOf(token.tokenString).sub).toBe(uuid);
    expect([backend.calls.refresh, backend.calls.anonymous]).toEqual([1, 2]);
  });

  it('keeps a customer token when its refresh fails but it is still valid', async () => {
    const { session, backend, clock } = await readySession({ refreshWindowSeconds: 600 });
    await session.signIn('zoe', 'pw');
    const kept = session.snapshot().token!.tokenString;
    clock.advance(HOUR - 5 * MINUTE);
    backend.faults.failNext('refresh', { kind: 'unauthorized', message: 'nope' });
    expect((await session.retrieveToken()).tokenString).toBe(kept);
    expect(session.isSignedIn()).toBe(true);
  });

  it('does not refresh automatically when autoRefresh is off', async () => {
    const { session, backend, clock } = await readySession({ autoRefresh: false });
    clock.advance(HOUR - MINUTE);
    await session.retrieveToken();
    expect(backend.calls.refresh).toBe(0);
  });
});

describe('refreshToken', () => {
  it('gets a fresh token for the same UUID and realm', async () => {
    const { session, clock } = await readySession();
    const before = session.snapshot().token!;
    clock.advance(10 * MINUTE);
    const token = await session.refreshToken();
    expect(token.tokenString).not.toBe(before.tokenString);
    expect(token.rlm).toBe('anonymous_client');
    expect(claimsOf(token.tokenString).sub).toBe(session.getUUID());
    expect(token.expirationDate.getTime()).toBeGreaterThan(before.exp);
  });

  it('shares one backend request among 1,000 concurrent callers; a later call makes exactly one more', async () => {
    const { session, backend } = await readySession();
    const results = await Promise.all(Array.from({ length: 1000 }, () => session.refreshToken()));
    expect(backend.calls.refresh).toBe(1);
    expect(new Set(results.map((t) => t.tokenString)).size).toBe(1);
    await session.refreshToken();
    expect(backend.calls.refresh).toBe(2);
  });

  it('rejects with 3210 for an expired token, anonymous or client', async () => {
    const { session, clock, backend } = await readySession();
    clock.advance(2 * HOUR);
    const anonymous = await rejection(session.refreshToken());
    expect([anonymous.code, anonymous.message]).toEqual([3210, 'The token has expired and cannot be refreshed']);
    await session.retrieveToken();
    await session.signIn('bob', 'pw');
    clock.advance(2 * HOUR);
    expect((await rejection(session.refreshToken())).code).toBe(3210);
    expect(backend.calls.refresh).toBe(0);
  });

  it('rejects with 3210 when there is no token', async () => {
    const { session, backend } = await readySession();
    backend.faults.setOffline(true);
    await session.destroySession();
    backend.faults.setOffline(false);
    expect(session.snapshot().token).toBeNull();
    const error = await rejection(session.refreshToken());
    expect(error.code).toBe(3210);
  });

  it('passes the backend error through with its kind and code and keeps the token', async () => {
    const { session, backend } = await readySession();
    const before = session.snapshot().token;
    backend.faults.failNext('refresh', { kind: 'unauthorized', message: 'nope' });
    const error = await rejection(session.refreshToken());
    expect([error.kind, error.code, error.message]).toEqual(['unauthorized', 3200, 'nope']);
    expect(session.snapshot().token).toEqual(before);
  });

  it('discards a refresh answer that arrives after the session was destroyed (commit guard)', async () => {
    const { session } = await readySession({}, { latencyMs: 5 });
    const refreshing = session.refreshToken();
    const destroyed = session.destroySession();
    const newUuid = session.getUUID();
    const error = await rejection(refreshing);
    expect(error.kind).toBe('superseded');
    await destroyed;
    expect(claimsOf(session.snapshot().token!.tokenString).sub, 'the token belongs to the new UUID').toBe(newUuid);
  });
});

describe('regenerateUUID', () => {
  it('changes the UUID at once and follows with a new anonymous token', async () => {
    const { session, types, events } = await readySession();
    const before = session.getUUID();
    events.length = 0;
    const done = session.regenerateUUID();
    const after = session.getUUID();
    expect(after).not.toBe(before);
    expect(after).toMatch(UUID);
    expect(session.snapshot().token, 'the old token is gone at once').toBeNull();
    expect(await done).toBe(true);
    expect(claimsOf(session.snapshot().token!.tokenString).sub).toBe(after);
    expect(types()).toEqual([
      'operation-start',
      'uuid-changed',
      'token-changed',
      'request',
      'token-changed',
      'operation-end',
    ]);
  });

  it('with a client identifier gives the seeded UUID of deviceId + seed, the same on every run', async () => {
    const a = await readySession({ deviceId: 'device-1' });
    const b = await readySession({ deviceId: 'device-1' });
    expect(await a.session.regenerateUUIDWithClientIdentifier('customer-42')).toBe(true);
    expect(await b.session.regenerateUUIDWithClientIdentifier('customer-42')).toBe(true);
    expect(a.session.getUUID()).toBe(uuidFromName('device-1customer-42'));
    expect(b.session.getUUID()).toBe(a.session.getUUID());
    const c = await readySession({ deviceId: '' === '' ? 'other' : 'x' });
    await c.session.regenerateUUIDWithClientIdentifier('customer-42');
    expect(c.session.getUUID(), 'another device gets another UUID').not.toBe(a.session.getUUID());
  });

  it('clears login, custom email and identifier (a fresh anonymous profile)', async () => {
    const { session, clock } = await readySession();
    await session.signIn('carol', 'pw');
    clock.advance(2 * HOUR); // expired: no longer signed in, so regenerate is allowed
    expect(await session.regenerateUUID()).toBe(true);
    const snap = session.snapshot();
    expect([snap.login, snap.customEmail, snap.customIdentifier, snap.token?.rlm]).toEqual([null, null, null, 'anonymous_client']);
  });

  it('changes nothing while signed in and resolves false', async () => {
    const { session, backend } = await readySession();
    await session.signIn('dan', 'pw');
    const before = session.snapshot();
    expect(await session.regenerateUUID()).toBe(false);
    expect(await session.regenerateUUIDWithClientIdentifier('seed')).toBe(false);
    const after = session.snapshot();
    expect([after.uuid, after.token, after.login]).toEqual([before.uuid, before.token, before.login]);
    expect(backend.calls.anonymous).toBe(1);
  });

  it('rejects a seed that is not a non-empty string, without changing anything', async () => {
    const { session } = await readySession();
    const before = session.getUUID();
    for (const bad of ['', 42, null, undefined, 'x'.repeat(1025)]) {
      const error = await rejection(session.regenerateUUIDWithClientIdentifier(bad as string));
      expect(error.kind).toBe('invalid-argument');
      expect(error.code).toBe(9001);
    }
    expect(session.getUUID()).toBe(before);
  });

  it('resolves true and reports the error when the new anonymous token cannot be had', async () => {
    const { session, backend, events } = await readySession();
    backend.faults.failNext('anonymous', { kind: 'network', message: 'down' });
    expect(await session.regenerateUUID()).toBe(true);
    expect(session.snapshot().token).toBeNull();
    expect(events.filter((e) => e.type === 'error').map((e) => e.type === 'error' && e.error.message)).toContain('down');
  });
});

describe('destroySession', () => {
  it('gives a new random UUID at once and a new anonymous token, from anonymous', async () => {
    const { session } = await readySession();
    const before = session.snapshot();
    const done = session.destroySession();
    expect(session.getUUID()).not.toBe(before.uuid);
    await done;
    const after = session.snapshot();
    expect(after.token?.tokenString).not.toBe(before.token?.tokenString);
    expect(claimsOf(after.token!.tokenString).sub).toBe(after.uuid);
  });

  it('signs the customer out with SESSION_DESTROYED', async () => {
    const { session, events } = await readySession();
    await session.signIn('erin', 'pw');
    await session.destroySession();
    expect(session.isSignedIn()).toBe(false);
    expect(session.snapshot().login).toBeNull();
    expect(events.filter((e) => e.type === 'signed-out')).toMatchObject([{ reason: 'SESSION_DESTROYED' }]);
  });

  it('does not report a sign-out when nobody was signed in', async () => {
    const { session, events } = await readySession();
    await session.destroySession();
    expect(events.some((e) => e.type === 'signed-out')).toBe(false);
  });
});

describe('sign-in and sign-out', () => {
  it('keeps the UUID when signing in from anonymous', async () => {
    const { session, types, events } = await readySession();
    const uuid = session.getUUID();
    events.length = 0;
    await session.signIn('fay@example.com', 'pw');
    expect(session.getUUID()).toBe(uuid);
    expect(session.isSignedIn()).toBe(true);
    const snap = session.snapshot();
    expect([snap.login, snap.signedIn, snap.token?.rlm, snap.token?.origin, snap.token?.customId]).toEqual([
      'fay@example.com',
      true,
      'client',
      'SYNERISE',
      'fay@example.com',
    ]);
    expect(snap.token?.clientId).toMatch(/^\d+$/);
    expect(types()).toEqual(['operation-start', 'request', 'token-changed', 'signed-in', 'operation-end']);
  });

  it('gives a different login the seeded UUID of that login, only if sign-in succeeds', async () => {
    const { session, backend, clock, events } = await readySession({ deviceId: 'dev-7' });
    await session.signIn('gus', 'pw');
    clock.advance(2 * HOUR); // gus's session expired; his login is still stored
    const gusUuid = session.getUUID();
    expect(session.getUUIDForAuthentication('hal')).toBe(uuidFromName('dev-7hal'));
    backend.faults.failNext('signIn', { kind: 'unauthorized', message: 'bad password' });
    const error = await rejection(session.signIn('hal', 'wrong'));
    expect([error.kind, error.code]).toEqual(['unauthorized', 3200]);
    expect(session.getUUID(), 'a failed sign-in commits nothing').toBe(gusUuid);
    events.length = 0;
    await session.signIn('hal', 'right');
    expect(session.getUUID()).toBe(uuidFromName('dev-7hal'));
    expect(claimsOf(session.snapshot().token!.tokenString).sub).toBe(uuidFromName('dev-7hal'));
    expect(events.find((e) => e.type === 'uuid-changed')).toMatchObject({ previous: gusUuid, uuid: uuidFromName('dev-7hal') });
  });

  it('previews the UUID for authentication without changing anything', async () => {
    const { session } = await readySession({ deviceId: 'dev-8' });
    const uuid = session.getUUID();
    expect(session.getUUIDForAuthentication('ivy'), 'no login stored: current UUID').toBe(uuid);
    await session.signIn('ivy', 'pw');
    expect(session.getUUIDForAuthentication('ivy'), 'same login: current UUID').toBe(uuid);
    expect(session.getUUIDForAuthentication('jon')).toBe(uuidFromName('dev-8jon'));
    expect(session.getUUID()).toBe(uuid);
    expect(() => session.getUUIDForAuthentication('' as string)).toThrow(SessionError);
  });

  it('checks credentials when the backend has users', async () => {
    const { session } = await readySession({}, { users: { kim: 'right' } });
    expect((await rejection(session.signIn('kim', 'wrong'))).code).toBe(3200);
    await session.signIn('kim', 'right');
    expect(session.isSignedIn()).toBe(true);
  });

  it('plain sign-out keeps the UUID and gets a new anonymous token', async () => {
    const { session, events, backend } = await readySession();
    await session.signIn('lee', 'pw');
    const uuid = session.getUUID();
    await session.signOut('SIGN_OUT');
    expect(session.getUUID()).toBe(uuid);
    expect(session.isSignedIn()).toBe(false);
    expect(session.snapshot().token?.rlm).toBe('anonymous_client');
    expect(backend.calls.signOut).toBe(1);
    expect(events.filter((e) => e.type === 'signed-out')).toMatchObject([{ reason: 'USER_SIGN_OUT' }]);
  });

  it('sign-out with session destroy behaves like destroySession, reason included', async () => {
    const { session, events } = await readySession();
    await session.signIn('max', 'pw');
    const uuid = session.getUUID();
    await session.signOut('SIGN_OUT_WITH_SESSION_DESTROY');
    expect(events.filter((e) => e.type === 'signed-out')).toMatchObject([{ reason: 'SESSION_DESTROYED' }]);
    expect(session.getUUID()).not.toBe(uuid);
    expect(session.snapshot().token?.rlm).toBe('anonymous_client');
    expect(session.snapshot().login).toBeNull();
  });

  it('signs out locally even when the backend fails, and says so', async () => {
    const { session, backend, events } = await readySession();
    await session.signIn('ned', 'pw');
    backend.faults.failNext('signOut', { kind: 'network', message: 'offline' });
    await session.signOut();
    expect(session.isSignedIn()).toBe(false);
    expect(events.some((e) => e.type === 'error' && e.error.message === 'offline')).toBe(true);
  });

  it('rejects with 3220 when nobody is signed in, and on a bad mode', async () => {
    const { session } = await readySession();
    expect((await rejection(session.signOut())).code).toBe(3220);
    await session.signIn('ola', 'pw');
    expect((await rejection(session.signOut('LOGOUT' as 'SIGN_OUT'))).kind).toBe('invalid-argument');
    expect(session.isSignedIn()).toBe(true);
  });

  it('refuses a token of the wrong realm from the backend', async () => {
    const { createDevBackend } = await import('../../src/core/dev-backend.js');
    const { session } = await readySession({
      backend: (() => {
        const real = createDevBackend();
        return { ...real, signIn: (req: { uuid: string; deviceId: string }) => real.anonymous(req) };
      })(),
    });
    const error = await rejection(session.signIn('pat', 'pw'));
    expect(error.kind).toBe('invalid-response');
    expect(session.isSignedIn()).toBe(false);
  });
});

describe('events, log and lifecycle', () => {
  it('logs every operation with start, end, duration and outcome, and never a token', async () => {
    const { session, backend } = await readySession({ logLimit: 1000 });
    backend.faults.failNext('refresh', { kind: 'backend', message: 'boom' });
    await session.refreshToken().catch(() => undefined);
    await session.refreshToken();
    const log = session.log();
    const ends = log.filter((e) => e.kind === 'operation' && e.outcome);
    expect(ends.map((e) => [e.operation, e.outcome])).toEqual([
      ['start', 'ok'],
      ['refreshToken', 'error'],
      ['refreshToken', 'ok'],
    ]);
    expect(ends.every((e) => typeof e.durationMs === 'number' && e.durationMs >= 0)).toBe(true);
    expect(ends[1]!.error).toEqual({ code: 9004, kind: 'backend', message: 'boom' });
    const token = session.snapshot().token!.tokenString;
    expect(JSON.stringify(log).includes(token.split('.')[2]!), 'no token signature in the log').toBe(false);
    expect(log.map((e) => e.seq)).toEqual([...log.keys()].map((i) => i + 1));
  });

  it('bounds the log as a ring buffer', async () => {
    const { session } = await readySession({ logLimit: 5 });
    for (let i = 0; i < 10; i++) await session.refreshToken();
    const log = session.log();
    expect(log).toHaveLength(5);
    expect(log[4]!.seq - log[0]!.seq).toBe(4);
    expect(log[4]!.message).toMatch(/^refreshToken done/);
    session.debug.clearLog();
    expect(session.log()).toHaveLength(0);
  });

  it('keeps working when a subscriber throws', async () => {
    const { session } = await readySession();
    session.subscribe(() => {
      throw new Error('bad subscriber');
    });
    const seen: string[] = [];
    session.subscribe((e) => seen.push(e.type));
    await session.refreshToken();
    expect(seen).toContain('token-changed');
  });

  it('stops notifying after unsubscribe', async () => {
    const { session } = await readySession();
    const seen: string[] = [];
    const stop = session.subscribe((e) => seen.push(e.type));
    stop();
    await session.refreshToken();
    expect(seen).toEqual([]);
  });

  it('rejects every operation after dispose with kind disposed', async () => {
    const { session } = await readySession();
    session.dispose();
    const error = await rejection(session.refreshToken());
    expect([error.kind, error.code]).toEqual(['disposed', 9006]);
    expect(session.snapshot().disposed).toBe(true);
  });

  it('tells subscribers when fault switches change, from page code or the panel alike', async () => {
    const { session, backend, events } = await readySession();
    events.length = 0;
    backend.faults.setOffline(true);
    backend.faults.failNext('refresh');
    backend.faults.clear();
    expect(events.map((e) => (e.type === 'state' ? e.what : e.type))).toEqual([
      'backend faults changed',
      'backend faults changed',
      'backend faults changed',
    ]);
    expect(session.snapshot().backend.faults).toEqual({ offline: false, expiredNext: false, failNext: {}, tokenTtlSeconds: 3600 });
    session.dispose();
    events.length = 0;
    backend.faults.setOffline(true);
    expect(events, 'a disposed session no longer listens').toEqual([]);
  });

  it('expireToken makes the token expired now', async () => {
    const { session } = await readySession();
    session.debug.expireToken();
    expect(session.snapshot().tokenStatus).toBe('expired');
  });

  it('describes its backend and pending operations in the snapshot', async () => {
    const { session } = await readySession({}, { latencyMs: 1 });
    const refreshing = session.refreshToken();
    expect(session.snapshot().pending).toEqual(['refreshToken']);
    await refreshing;
    const snap = session.snapshot();
    expect(snap.pending).toEqual([]);
    expect(snap.backend.kind).toBe('dev');
    expect(snap.backend.lastRequest).toMatchObject({ operation: 'refresh', ok: true });
    expect(snap.backend.faults).toEqual({ offline: false, expiredNext: false, failNext: {}, tokenTtlSeconds: 3600 });
    expect(JSON.parse(JSON.stringify(snap)), 'a snapshot is plain serialisable data').toEqual(snap);
  });

  it('an already-expired token from the backend is stored, shown expired, and retrieveToken says so', async () => {
    const { session, backend } = await readySession();
    backend.faults.issueExpiredNext();
    await session.destroySession();
    expect(session.snapshot().tokenStatus).toBe('expired');
    backend.faults.issueExpiredNext();
    const error = await rejection(session.retrieveToken());
    expect([error.kind, error.code, error.message]).toEqual(['invalid-response', 9007, 'The backend issued a token that has already expired']);
    expect((await session.retrieveToken()).rlm, 'the fault is one-shot').toBe('anonymous_client');
  });
});
