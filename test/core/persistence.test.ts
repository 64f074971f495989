import { describe, expect, it } from 'vitest';
import { createDevBackend } from '../../src/core/dev-backend.js';
import { describeEvent } from '../../src/core/log-format.js';
import { createSessionCore } from '../../src/core/session.js';
import type { SessionEvent, StorageLike } from '../../src/core/types.js';
import { ManualClock } from './support/session-fixture.js';
import { MapStorage } from './support/map-storage.js';


async function open(storage: StorageLike, clock = new ManualClock(), namespace = 'app') {
  const backend = createDevBackend({ now: clock.now });
  const events: SessionEvent[] = [];
  const session = createSessionCore({ backend, storage, namespace, devtools: false, now: clock.now, describe: describeEvent });
  session.subscribe((e) => events.push(e));
  await session.ready;
  return { session, events, backend };
}

describe('persistence', () => {
  it('restores UUID, token, login and device id across sessions on the same storage', async () => {
    const storage = new MapStorage();
    const clock = new ManualClock();
    const first = await open(storage, clock);
    await first.session.signIn('ann', 'pw');
    const before = first.session.snapshot();
    first.session.dispose();
    const second = await open(storage, clock);
    const after = second.session.snapshot();
    expect([after.uuid, after.deviceId, after.login, after.signedIn]).toEqual([before.uuid, before.deviceId, 'ann', true]);
    expect(after.token?.tokenString).toBe(before.token?.tokenString);
    expect(second.backend.calls.anonymous, 'a stored valid token needs no new one').toBe(0);
    expect(JSON.parse(storage.getItem('app:state')!)).toMatchObject({ v: 1, uuid: before.uuid, login: 'ann' });
  });

  it('keeps the device id across destroySession (it belongs to the browser profile)', async () => {
    const storage = new MapStorage();
    const { session } = await open(storage);
    const device = session.snapshot().deviceId;
    await session.destroySession();
    expect(session.snapshot().deviceId).toBe(device);
    expect(storage.getItem('app:device-id')).toBe(device);
  });

  it('namespaces keep sessions apart on one storage', async () => {
    const storage = new MapStorage();
    const a = await open(storage, new ManualClock(), 'a');
    const b = await open(storage, new ManualClock(), 'b');
    expect(a.session.getUUID()).not.toBe(b.session.getUUID());
  });

  for (const [name, value, reason] of [
    ['corrupt JSON', '{"v":1,"uuid":', 'not valid JSON'],
    ['another schema version', '{"v":99,"uuid":"x"}', 'schema version 99, expected 1'],
    ['a malformed UUID', '{"v":1,"uuid":"NOT-A-UUID","token":null,"login":null,"customEmail":null,"customIdentifier":null}', 'the uuid is not a lowercase UUID'],
    ['an array', '[]', 'not an object'],
  ] as const) {
    it(`starts fresh on ${name}, says so, and keeps the old value under a backup key`, async () => {
      const storage = new MapStorage();
      storage.setItem('app:state', value);
      const { session, events } = await open(storage);
      const errors = events.filter((e) => e.type === 'error');
      expect(errors).toHaveLength(1);
      const error = errors[0]!;
      expect(error.type === 'error' && error.error.kind).toBe('storage');
      expect(error.type === 'error' && error.error.message).toContain(reason);
      const info = session.snapshot().storage;
      expect(info.backupKey).toMatch(/^app:state:unreadable:\d+$/);
      expect(storage.getItem(info.backupKey!), 'the unreadable value is kept as it was').toBe(value);
      expect(session.snapshot().token?.rlm).toBe('anonymous_client');
      expect(session.log().some((e) => e.kind === 'storage' && e.message.includes(reason))).toBe(true);
    });
  }

  it('treats a token whose claims were edited as tampered', async () => {
    const storage = new MapStorage();
    const clock = new ManualClock();
    const first = await open(storage, clock);
    await first.session.signIn('ann', 'pw');
    first.session.dispose();
    const stored = JSON.parse(storage.getItem('app:state')!) as { token: { rlm: string; expiresAt: number } };
    stored.token.expiresAt += 10 * 3_600_000; // try to extend the session
    storage.setItem('app:state', JSON.stringify(stored));
    const second = await open(storage, clock);
    expect(second.session.isSignedIn()).toBe(false);
    expect(second.events.some((e) => e.type === 'error' && e.error.message.includes('"expiresAt" does not match'))).toBe(true);
  });

  it('keeps working in memory when storage throws, and says so', async () => {
    const throwing: StorageLike = {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => undefined,
    };
    const { session, events } = await open(throwing);
    const info = session.snapshot().storage;
    expect([info.persistent, info.degraded]).toEqual([false, true]);
    expect(info.note).toContain('QuotaExceededError');
    expect(events.some((e) => e.type === 'error' && e.error.kind === 'storage')).toBe(true);
    await session.regenerateUUIDWithClientIdentifier('seed');
    expect(session.snapshot().token?.rlm).toBe('anonymous_client');
  });

  it('survives storage whose getItem throws', async () => {
    const throwing: StorageLike = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => undefined,
      removeItem: () => undefined,
    };
    const { session } = await open(throwing);
    expect(session.snapshot().storage.persistent).toBe(false);
    expect(session.getUUID()).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("uses memory in Node when 'local' is asked for and there is no localStorage", async () => {
    const session = createSessionCore({ backend: createDevBackend(), storage: 'local', devtools: false });
    await session.ready;
    expect(session.snapshot().storage).toMatchObject({ kind: 'memory', persistent: false, degraded: true });
    const asked = createSessionCore({ backend: createDevBackend(), storage: 'memory', devtools: false });
    expect(asked.snapshot().storage, 'memory that was asked for is not a degradation').toEqual({ kind: 'memory', persistent: false, degraded: false });
  });

  it('refuses a value written without endsAt whose receipt lies days in the future (an older version, an edited value)', async () => {
    const storage = new MapStorage();
    const clock = new ManualClock();
    const first = await open(storage, clock);
    const written = first.session.snapshot().token!;
    first.session.dispose();
    // What an older version writes from a tab whose clock is 10 days ahead (or a page script's edit): no endsAt.
    const value = JSON.parse(storage.getItem('app:state')!);
    const DAYS = 10 * 86_400_000;
    delete value.token.endsAt;
    value.token.receivedAt += DAYS;
    value.token.expiresAt += DAYS;
    storage.setItem('app:state', JSON.stringify(value));
    const second = await open(storage, clock);
    const errors = second.events.flatMap((e) => (e.type === 'error' ? [e.error.message] : []));
    expect(errors).toEqual([expect.stringContaining('the token was received in the future')]);
    expect([...storage.map.keys()].some((key) => key.startsWith('app:state:unreadable:')), 'the value is kept under a backup key').toBe(true);
    clock.advance(written.expiresAt - clock.t + 3_600_000); // an hour after the token's real end
    const handed = await second.session.retrieveToken();
    expect(handed.tokenString, 'the dead token is not handed out').not.toBe(written.tokenString);
    expect(handed.expirationDate.getTime()).toBeGreaterThan(clock.t);
  });
});
