import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createDevBackend } from '../../src/core/dev-backend.js';
import { createDebugControls } from '../../src/core/debug-controls.js';
import { createSessionCore } from '../../src/core/session.js';
import type { Session, SessionEvent } from '../../src/core/types.js';
import { MapStorage } from './support/map-storage.js';

// Two sessions on one storage with crossTab on stand for two tabs of one app. BroadcastChannel delivers
// asynchronously, as between real tabs; `delivered()` waits for the messages in flight.

const delivered = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 30));
const open: Session[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.dispose();
});

async function twoTabs(crossTab = true) {
  const storage = new MapStorage();
  const backend = createDevBackend();
  const namespace = `tabs-${randomUUID().slice(0, 8)}`; // test files run in parallel workers: never share a channel
  const make = () => {
    const session = createSessionCore({ backend, storage, namespace, crossTab, devtools: false, debugControls: createDebugControls });
    open.push(session);
    const events: SessionEvent[] = [];
    session.subscribe((e) => events.push(e));
    return { session, events };
  };
  const a = make();
  await a.session.ready;
  const b = make();
  await b.session.ready;
  return { a, b, storage, namespace };
}

describe('cross-tab: sessions on one storage stay in step', () => {
  it('a sign-in in one tab signs the other tab in', async () => {
    const { a, b } = await twoTabs();
    await a.session.signIn('ann@example.com', 'pw');
    await delivered();
    expect(b.session.isSignedIn()).toBe(true);
    expect(b.session.snapshot().login).toBe('ann@example.com');
    expect(b.session.snapshot().token?.tokenString).toBe(a.session.snapshot().token?.tokenString);
    expect(b.events.some((e) => e.type === 'signed-in' && e.login === 'ann@example.com')).toBe(true);
  });

  it('a sign-out in one tab reaches the other with its reason, and a later refresh there cannot undo it', async () => {
    const { a, b, storage, namespace } = await twoTabs();
    await a.session.signIn('ann', 'pw');
    await delivered();
    await a.session.signOut();
    await delivered();
    expect(b.session.isSignedIn()).toBe(false);
    expect(b.events.filter((e) => e.type === 'signed-out')).toMatchObject([{ reason: 'USER_SIGN_OUT' }]);
    await delivered(); // the new anonymous token arrives in A, then in B
    await b.session.refreshToken();
    const stored = JSON.parse(storage.getItem(`${namespace}:state`)!) as { login: string | null };
    expect(stored.login, 'tab B did not write the signed-in state back').toBeNull();
  });

  it('a destroy in one tab gives the other the new UUID and discards its answer in flight', async () => {
    const { a, b } = await twoTabs();
    await delivered();
    // Its outcome is captured at once: the rejection arrives while this test is still waiting for delivery.
    const refreshing = b.session.refreshToken().then(() => null, (error: unknown) => error);
    await a.session.destroySession();
    await delivered();
    expect(b.session.getUUID()).toBe(a.session.getUUID());
    expect(await refreshing).toMatchObject({ kind: 'superseded' });
    expect(b.events.some((e) => e.type === 'uuid-changed')).toBe(true);
  });

  it('a refresh in one tab hands the newer token to the other, never an older one', async () => {
    const { a, b } = await twoTabs();
    await delivered();
    await a.session.refreshToken();
    await delivered();
    expect(b.session.snapshot().token?.tokenString).toBe(a.session.snapshot().token?.tokenString);
    expect(b.events.some((e) => e.type === 'state' && e.what === 'session updated by another tab')).toBe(true);
  });

  it('ignores malformed and forged announcements', async () => {
    const { b, namespace } = await twoTabs();
    const before = b.session.snapshot();
    const forger = new BroadcastChannel(`session-panel:${namespace}`);
    for (const data of [null, 42, 'x', {}, { v: 1, writer: 'w', state: '{' }, { v: 2, writer: 'w', state: '{}' },
      { v: 1, writer: 'w', state: JSON.stringify({ v: 1, uuid: 'not-a-uuid', token: null, login: null, customEmail: null, customIdentifier: null }) },
      // Well-formed but forged: a message carries no state, so at most it makes the tab re-read its own storage.
      { v: 2, writer: 'forger', rev: 1_000_000, signedOut: 'USER_SIGN_OUT' }]) {
      forger.postMessage(data);
    }
    await delivered();
    forger.close();
    const after = b.session.snapshot();
    expect([after.uuid, after.token, after.login]).toEqual([before.uuid, before.token, before.login]);
  });

  it('stays alone when crossTab is off', async () => {
    const { a, b } = await twoTabs(false);
    await a.session.signIn('ann', 'pw');
    await delivered();
    expect(b.session.isSignedIn()).toBe(false);
  });
});

// Races: writes that cross before either tab hears of the other. A backend whose answers we hold lets an answer
// land at the worst moment (found by review; each failed before storage became the truth between tabs).
describe('cross-tab: crossing writes', () => {
  function held(call: 'refresh' | 'signIn') {
    const dev = createDevBackend({ keyStorage: 'memory' });
    let release: (() => void) | null = null;
    const backend = {
      ...dev,
      anonymous: dev.anonymous,
      signOut: dev.signOut,
      refresh: dev.refresh,
      signIn: dev.signIn,
      [call]: async (req: never, context?: never) => {
        const answer = await (dev[call] as (r: never, c?: never) => Promise<string>)(req, context);
        await new Promise<void>((resolve) => (release = resolve));
        return answer;
      },
    };
    return {
      dev,
      backend,
      async landed(): Promise<() => void> {
        while (!release) await new Promise((resolve) => setTimeout(resolve, 1));
        return release;
      },
    };
  }

  async function pair(call: 'refresh' | 'signIn') {
    const storage = new MapStorage();
    const namespace = `race-${randomUUID().slice(0, 8)}`;
    const h = held(call);
    const a = createSessionCore({ backend: h.dev, storage, namespace, crossTab: true, devtools: false, debugControls: createDebugControls });
    open.push(a);
    await a.ready;
    const b = createSessionCore({ backend: h.backend, storage, namespace, crossTab: true, devtools: false });
    open.push(b);
    await b.ready;
    const stored = () => JSON.parse(storage.getItem(`${namespace}:state`)!) as { uuid: string; login: string | null; rev: number };
    return { a, b, h, stored };
  }

  it("a sign-out in A is not undone by B's refresh answer landing at the same moment", async () => {
    const { a, b, h, stored } = await pair('refresh');
    await a.signIn('ann', 'pw');
    await delivered();
    const refreshing = b.refreshToken().then(() => 'ok', (e: { kind: string }) => e.kind);
    const release = await h.landed();
    const signingOut = a.signOut();
    await Promise.resolve();
    release();
    await signingOut;
    await delivered();
    expect([a.isSignedIn(), b.isSignedIn(), stored().login]).toEqual([false, false, null]);
    await a.refreshToken().catch(() => undefined);
    await delivered();
    expect(stored().login, 'no tab writes the customer back').toBeNull();
    expect(await refreshing).toMatch(/ok|superseded/);
  });

  it("a destroy in A is not undone by B's refresh answer landing in the same task", async () => {
    const { a, b, h, stored } = await pair('refresh');
    const old = a.getUUID();
    const refreshing = b.refreshToken().then(() => 'ok', (e: { kind: string }) => e.kind);
    const release = await h.landed();
    const destroying = a.destroySession();
    release();
    expect(await refreshing).toBe('superseded');
    await destroying;
    await delivered();
    expect(a.getUUID()).not.toBe(old);
    expect(stored().uuid).toBe(a.getUUID());
    expect(b.getUUID()).toBe(a.getUUID());
  });

  it('a sign-in in flight in B is discarded when A destroys the session meanwhile', async () => {
    const { a, b, h, stored } = await pair('signIn');
    const signingIn = b.signIn('ann', 'pw').then(() => 'ok', (e: { kind: string }) => e.kind);
    const release = await h.landed();
    await a.destroySession();
    await delivered();
    release();
    expect(await signingIn).toBe('superseded');
    await delivered();
    expect(stored().uuid).toBe(a.getUUID());
    expect(b.isSignedIn()).toBe(false);
  });

  it('two tabs that started at once on an empty storage end on one UUID', async () => {
    const storage = new MapStorage();
    const namespace = `race-${randomUUID().slice(0, 8)}`;
    const dev = createDevBackend({ keyStorage: 'memory' });
    const a = createSessionCore({ backend: dev, storage, namespace, crossTab: true, devtools: false, debugControls: createDebugControls });
    open.push(a);
    // Tab B read the storage before tab A's first write reached it (a browser restoring two tabs).
    let first = true;
    const lagging = {
      getItem: (key: string) => (key.endsWith(':state') && first ? ((first = false), null) : storage.getItem(key)),
      setItem: (key: string, value: string) => storage.setItem(key, value),
      removeItem: (key: string) => storage.removeItem(key),
    };
    const b = createSessionCore({ backend: dev, storage: lagging, namespace, crossTab: true, devtools: false });
    open.push(b);
    await Promise.all([a.ready, b.ready]);
    await delivered();
    expect(a.getUUID()).toBe(b.getUUID());
    expect(JSON.parse(storage.getItem(`${namespace}:state`)!).uuid).toBe(a.getUUID());
  });

  it('"expire token now" in A reaches B', async () => {
    const { a, b } = await pair('refresh');
    await a.signIn('ann', 'pw');
    await delivered();
    a.debug.expireToken();
    await delivered();
    expect([a.snapshot().tokenStatus, b.snapshot().tokenStatus]).toEqual(['expired', 'expired']);
  });

  it('every write carries a higher revision than the one before it, whichever tab wrote', async () => {
    const { a, b, stored } = await pair('refresh');
    const revs = [stored().rev];
    await a.refreshToken();
    revs.push(stored().rev);
    await b.regenerateUUIDWithClientIdentifier('seed');
    revs.push(stored().rev);
    await a.regenerateUUID();
    revs.push(stored().rev);
    expect(revs).toEqual([...revs].sort((x, y) => x - y));
    expect(new Set(revs).size).toBe(revs.length);
  });
});
