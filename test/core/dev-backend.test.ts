import { importJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createDevBackend } from '../../src/core/dev-backend.js';
import { SessionError } from '../../src/core/errors.js';
import { MapStorage } from './support/map-storage.js';
import { ManualClock, claimsOf } from './support/session-fixture.js';

const UUID = '11111111-2222-4333-8444-555555555555';

describe('createDevBackend', () => {
  it('issues ES256 JWTs that verify with its public key, with exp, iat, sub, rlm and origin', async () => {
    const clock = new ManualClock();
    const backend = createDevBackend({ now: clock.now, tokenTtlSeconds: 120 });
    const jwt = await backend.anonymous({ uuid: UUID, deviceId: 'd' });
    const key = await importJWK(await backend.publicJwk(), 'ES256');
    const { payload, protectedHeader } = await jwtVerify(jwt, key, { currentDate: new Date(clock.t) });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: UUID, rlm: 'anonymous_client', origin: 'ANONYMOUS', iat: clock.t / 1000, exp: clock.t / 1000 + 120 });
  });

  it('uses a fresh key per backend: another backend refuses its tokens', async () => {
    const a = createDevBackend();
    const b = createDevBackend();
    const jwt = await a.anonymous({ uuid: UUID, deviceId: 'd' });
    await expect(b.refresh({ token: jwt })).rejects.toMatchObject({ kind: 'unauthorized', code: 3200 });
  });

  it('refuses to refresh an expired token with 3210', async () => {
    const clock = new ManualClock();
    const backend = createDevBackend({ now: clock.now, tokenTtlSeconds: 60 });
    const jwt = await backend.anonymous({ uuid: UUID, deviceId: 'd' });
    clock.advance(61_000);
    await expect(backend.refresh({ token: jwt })).rejects.toMatchObject({ kind: 'session-expired', code: 3210 });
  });

  it('keeps the customer claims on refresh', async () => {
    const backend = createDevBackend();
    const jwt = await backend.signIn({ login: 'ann', password: 'pw', uuid: UUID, deviceId: 'd' });
    const refreshed = claimsOf(await backend.refresh({ token: jwt }));
    expect(refreshed).toMatchObject({ sub: UUID, rlm: 'client', origin: 'SYNERISE', customId: 'ann' });
    expect(refreshed.clientId).toBe(claimsOf(jwt).clientId);
  });

  it('rejects empty credentials and wrong passwords', async () => {
    const backend = createDevBackend({ users: { ann: 'pw' } });
    await expect(backend.signIn({ login: '', password: 'x', uuid: UUID, deviceId: 'd' })).rejects.toMatchObject({ kind: 'invalid-argument' });
    await expect(backend.signIn({ login: 'ann', password: 'no', uuid: UUID, deviceId: 'd' })).rejects.toMatchObject({ code: 3200 });
  });

  it('fault injection: fail next with a chosen error, offline, expired next; each reported', async () => {
    const backend = createDevBackend();
    const requests: unknown[] = [];
    backend.onRequest = (r) => requests.push(r);
    backend.faults.failNext('anonymous', { kind: 'timeout', message: 'slow' });
    expect(backend.faults.state().failNext.anonymous).toEqual({ kind: 'timeout', code: 9003, message: 'slow' });
    const failed = await backend.anonymous({ uuid: UUID, deviceId: 'd' }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(SessionError);
    expect(failed).toMatchObject({ kind: 'timeout', code: 9003 });
    expect(backend.faults.state().failNext, 'one-shot').toEqual({});
    backend.faults.setOffline(true);
    await expect(backend.anonymous({ uuid: UUID, deviceId: 'd' })).rejects.toMatchObject({ kind: 'network' });
    backend.faults.clear();
    backend.faults.issueExpiredNext();
    const expired = claimsOf(await backend.anonymous({ uuid: UUID, deviceId: 'd' }));
    expect(expired.exp).toBe(expired.iat);
    expect(backend.faults.state().expiredNext).toBe(false);
    expect(requests).toHaveLength(3);
    expect(requests[0]).toMatchObject({ operation: 'anonymous', ok: false, error: { kind: 'timeout' } });
    expect(backend.describe()).toMatchObject({ kind: 'dev', lastRequest: { ok: true } });
  });

  it('validates its options', () => {
    expect(() => createDevBackend({ tokenTtlSeconds: 0 })).toThrow(SessionError);
    expect(() => createDevBackend({ latencyMs: -1 })).toThrow(SessionError);
    expect(() => createDevBackend({ now: 5 as unknown as () => number })).toThrow(SessionError);
  });
});

describe('createDevBackend key storage', () => {
  it('backends on one key storage (tabs, reloads) sign with one key and refresh each other’s tokens', async () => {
    const storage = new MapStorage();
    const first = createDevBackend({ keyStorage: storage });
    const jwt = await first.signIn({ login: 'ann', password: 'pw', uuid: UUID, deviceId: 'd' });
    const afterReload = createDevBackend({ keyStorage: storage });
    expect(claimsOf(await afterReload.refresh({ token: jwt })).customId).toBe('ann');
    expect(await afterReload.publicJwk()).toEqual(await first.publicJwk());
  });

  it('replaces an unreadable stored key with a new one', async () => {
    const storage = new MapStorage();
    storage.setItem('session-panel:dev-backend-key', '{"privateJwk":"garbage"}');
    const backend = createDevBackend({ keyStorage: storage });
    const jwt = await backend.anonymous({ uuid: UUID, deviceId: 'd' });
    expect(claimsOf(jwt).sub).toBe(UUID);
    expect(JSON.parse(storage.getItem('session-panel:dev-backend-key')!)).toHaveProperty('privateJwk.kty', 'EC');
  });

  it("keeps memory keys apart with keyStorage: 'memory'", async () => {
    const a = createDevBackend({ keyStorage: 'memory' });
    const b = createDevBackend({ keyStorage: 'memory' });
    const jwt = await a.anonymous({ uuid: UUID, deviceId: 'd' });
    await expect(b.refresh({ token: jwt })).rejects.toMatchObject({ code: 3200 });
  });
});

describe('createDevBackend key storage races', () => {
  const uuid = '11111111-1111-4111-8111-111111111111';

  it('two tabs starting at once on a fresh profile end on one key', async () => {
    const keyStorage = new MapStorage();
    const tabA = createDevBackend({ keyStorage });
    const tabB = createDevBackend({ keyStorage });
    const [fromA, fromB] = await Promise.all([tabA.anonymous({ uuid, deviceId: '' }), tabB.anonymous({ uuid, deviceId: '' })]);
    expect(claimsOf(await tabB.refresh({ token: fromA })).sub).toBe(uuid);
    expect(claimsOf(await tabA.refresh({ token: fromB })).sub).toBe(uuid);
    const reloaded = createDevBackend({ keyStorage });
    expect(claimsOf(await reloaded.refresh({ token: fromA })).sub, 'and after a reload').toBe(uuid);
  });

  it('a backend whose key was replaced in storage picks up the new key when a token does not verify', async () => {
    const keyStorage = new MapStorage();
    const old = createDevBackend({ keyStorage });
    await old.anonymous({ uuid, deviceId: '' });
    keyStorage.removeItem('session-panel:dev-backend-key');
    const fresh = createDevBackend({ keyStorage }); // makes and stores a new key
    const token = await fresh.anonymous({ uuid, deviceId: '' });
    expect(claimsOf(await old.refresh({ token })).sub).toBe(uuid);
  });
});
