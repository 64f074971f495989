import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDevBackend, createSession, type AuthBackend, type Session, type SessionEvent, type StorageLike } from '../../src/core/index.js';
import { MapStorage } from './support/map-storage.js';
import { rejection } from './support/rejection.js';
import { ManualClock, readySession } from './support/session-fixture.js';

// The core defects issue #14 lists, found under adversarial testing. Each test failed on the code before the fix.

const open: Session[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.dispose();
  vi.useRealTimers();
});
const delivered = (ms = 40): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const part = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const fakeJwt = (claims: unknown): string => `${part({ alg: 'ES256', typ: 'JWT' })}.${part(claims)}.${part('sig')}`;

describe('signIn() answered with an already-expired token', () => {
  it('rejects with 9007 and keeps the live session it would have replaced', async () => {
    const { session, backend } = await readySession();
    await session.signIn('ann', 'pw');
    const before = session.snapshot();
    backend.faults.issueExpiredNext();
    const error = await rejection(session.signIn('bob', 'pw'));
    expect([error.kind, error.code]).toEqual(['invalid-response', 9007]);
    const after = session.snapshot();
    expect([after.uuid, after.login, after.token?.tokenString, after.signedIn]).toEqual([before.uuid, 'ann', before.token?.tokenString, true]);
  });
});

describe('retrieveToken() never hands out a token past its exp', () => {
  it('judges expiry from when the request left, less iat rounding (not receipt + lifetime, up to ~1 s late)', async () => {
    // The clock is 900 ms past a whole second: iat rounds down, so receipt + (exp − iat) overshoots exp by 0.9 s.
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0) + 900);
    const backend = createDevBackend({ now: clock.now, tokenTtlSeconds: 60 });
    const session = createSession({ backend, now: clock.now, storage: 'memory', devtools: false, autoRefresh: false });
    open.push(session);
    await session.ready;
    const first = session.snapshot().token!;
    clock.t = first.exp + 50; // the server already refuses it
    const handed = await session.retrieveToken();
    expect(handed.tokenString, 'a dead token was handed out').not.toBe(first.tokenString);
    expect(clock.t).toBeLessThan(handed.expirationDate.getTime());
    expect(session.snapshot().token!.expiresAt).toBeLessThanOrEqual(session.snapshot().token!.exp);
  });
});

describe('a stored revision near Number.MAX_SAFE_INTEGER', () => {
  it('is refused as unreadable (set aside, reported), so the next write is readable by the next tab', async () => {
    const storage = new MapStorage();
    const namespace = `rev-${randomUUID().slice(0, 8)}`;
    const backend = createDevBackend({ keyStorage: 'memory' });
    const seed = createSession({ backend, storage, namespace, devtools: false, crossTab: false });
    await seed.ready;
    seed.dispose();
    const stored = JSON.parse(storage.getItem(`${namespace}:state`)!) as Record<string, unknown>;
    storage.setItem(`${namespace}:state`, JSON.stringify({ ...stored, rev: Number.MAX_SAFE_INTEGER }));
    const a = createSession({ backend, storage, namespace, devtools: false, crossTab: false });
    open.push(a);
    const errors: SessionEvent[] = [];
    a.subscribe((e) => e.type === 'error' && errors.push(e));
    await a.ready;
    expect(errors.map((e) => e.type === 'error' && e.error.kind)).toContain('storage');
    await a.refreshToken();
    const b = createSession({ backend, storage, namespace, devtools: false, crossTab: false });
    open.push(b);
    const later: SessionEvent[] = [];
    b.subscribe((e) => e.type === 'error' && later.push(e));
    await b.ready;
    expect(later, 'the value tab A wrote is readable').toEqual([]);
    expect(b.getUUID()).toBe(a.getUUID());
  });
});

describe('one operation stays within one timeout', () => {
  it('a refresh that fails after 2 s, then a new anonymous login: retrieveToken() settles by the 3 s timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
    let now = T0;
    let slow = false;
    const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
    const anonymousToken = (uuid: string): string => fakeJwt({ sub: uuid, rlm: 'anonymous_client', iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + 60 });
    const backend: AuthBackend = {
      anonymous: async (req) => {
        if (slow) await wait(2000);
        return anonymousToken(req.uuid);
      },
      refresh: async () => {
        await wait(2000);
        throw Object.assign(new Error('not issued by this server'), { kind: 'unauthorized' });
      },
      signIn: () => Promise.reject(new Error('unused')),
      signOut: () => Promise.resolve(),
    };
    const session = createSession({ backend, now: () => now, storage: 'memory', devtools: false, requestTimeoutMs: 3000 });
    open.push(session);
    await session.ready;
    now += 45_000; // inside the refresh margin (half of 59 s)
    slow = true;
    let settled: string | null = null;
    void session.retrieveToken().then(() => (settled = 'ok'), (e: { kind: string }) => (settled = e.kind));
    await vi.advanceTimersByTimeAsync(3000);
    expect(settled, 'still pending past the 3 s timeout').toBe('timeout');
  });
});

describe('a corrupted stored value seen by a new tab', () => {
  it('running tabs repair it (and say so); the new tab joins their session instead of spreading a fresh UUID', async () => {
    const storage = new MapStorage();
    const namespace = `corrupt-${randomUUID().slice(0, 8)}`;
    const backend = createDevBackend({ keyStorage: 'memory' });
    const make = (): { session: Session; errors: string[] } => {
      const session = createSession({ backend, storage, namespace, crossTab: true, devtools: false });
      open.push(session);
      const errors: string[] = [];
      session.subscribe((e) => e.type === 'error' && errors.push(e.error.message));
      return { session, errors };
    };
    const a = make();
    await a.session.ready;
    const b = make();
    await b.session.ready;
    await delivered();
    const uuid = a.session.getUUID();
    storage.setItem(`${namespace}:state`, '{"v":1,"uuid":"garbage');
    const c = make();
    await c.session.ready;
    await delivered(100);
    expect([a.session.getUUID(), b.session.getUUID(), c.session.getUUID()]).toEqual([uuid, uuid, uuid]);
    expect((JSON.parse(storage.getItem(`${namespace}:state`)!) as { uuid: string }).uuid).toBe(uuid);
    expect([...a.errors, ...b.errors].some((m) => m.includes('wrote its copy back'))).toBe(true);
    expect([...storage.map.keys()].some((k) => k.startsWith(`${namespace}:state:unreadable:`)), 'the bad value is kept').toBe(true);
  });
});

/** localStorage's quota, as Chromium counts it: keys and values together, setItem throws when it would overflow. */
class QuotaStorage implements StorageLike {
  readonly map = new Map<string, string>();
  constructor(public quota: number) {}
  #size(): number {
    let n = 0;
    for (const [k, v] of this.map) n += k.length + v.length;
    return n;
  }
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    const old = this.map.get(key);
    const next = this.#size() - (old === undefined ? 0 : key.length + old.length) + key.length + value.length;
    if (next > this.quota) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    this.map.set(key, value);
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
}

describe('storage nearly full when tabs start', () => {
  it('every tab either shares the stored identity or says it is degraded; a destroy reaches every tab', async () => {
    const storage = new QuotaStorage(0);
    storage.map.set('filler', 'x'.repeat(4000));
    // Room for the device id and a state without a token, not for one with a token.
    storage.quota = 4000 + 6 + 400;
    const namespace = `full-${randomUUID().slice(0, 8)}`;
    const backend = createDevBackend({ keyStorage: 'memory' });
    const list = Array.from({ length: 10 }, () => {
      const s = createSession({ backend, storage, namespace, crossTab: true, devtools: false });
      open.push(s);
      return s;
    });
    await Promise.all(list.map((s) => s.ready));
    await delivered(100);
    const uuids = new Set(list.map((s) => s.getUUID()));
    const outOfStep = list.filter((s) => !s.snapshot().storage.degraded);
    expect(uuids.size === 1 || outOfStep.length === 0, `${uuids.size} UUIDs, ${outOfStep.length} tabs claim to persist`).toBe(true);
    await list[3]!.destroySession();
    await delivered(100);
    expect(new Set(list.map((s) => s.getUUID())), 'the destroy reached every tab').toEqual(new Set([list[3]!.getUUID()]));
  });

  it('a tab whose write no longer fits says so and does not pull the tabs sharing the storage off it (seen in Chromium)', async () => {
    const storage = new QuotaStorage(1_000_000);
    const namespace = `full-${randomUUID().slice(0, 8)}`;
    const backend = createDevBackend({ keyStorage: 'memory' });
    const tabs = Array.from({ length: 3 }, () => {
      const s = createSession({ backend, storage, namespace, crossTab: true, devtools: false });
      open.push(s);
      return s;
    });
    const errors = tabs.map((s) => {
      const kinds: string[] = [];
      s.subscribe((e) => e.type === 'error' && kinds.push(e.error.kind));
      return kinds;
    });
    await Promise.all(tabs.map((s) => s.ready));
    await delivered();
    // Little room left beyond what is stored (Node has no Web Locks: the flight lease needs about 100 characters): a
    // longer state (a customer with a long login) cannot be written, one as long as the stored one can.
    storage.quota = [...storage.map].reduce((n, [k, v]) => n + k.length + v.length, 0) + 120;
    await tabs[0]!.signIn('customer-with-a-rather-long-login@example.com', 'pw');
    await delivered();
    const stored = (): { uuid: string; login: string | null } => JSON.parse(storage.getItem(`${namespace}:state`)!) as { uuid: string; login: string | null };
    expect([tabs[0]!.snapshot().storage.persistent, tabs[0]!.snapshot().storage.degraded, errors[0]]).toEqual([false, true, ['storage']]);
    for (const s of tabs.slice(1)) {
      expect([s.getUUID(), s.snapshot().login, s.snapshot().storage.persistent], 'a tab sharing the storage stays on it').toEqual([stored().uuid, null, true]);
    }
    await tabs[1]!.destroySession();
    await delivered();
    expect(stored().uuid).toBe(tabs[1]!.getUUID());
    expect(tabs[2]!.getUUID(), 'the destroy reached the other tab sharing the storage').toBe(tabs[1]!.getUUID());
    expect(errors.slice(1)).toEqual([[], []]);
  });
});
