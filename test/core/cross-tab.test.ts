import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createDevBackend } from '../../src/core/dev-backend.js';
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
    const session = createSessionCore({ backend, storage, namespace, crossTab, devtools: false });
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
    expect(b.events.some((e) => e.type === 'state' && e.what === 'token updated by another tab')).toBe(true);
  });

  it('ignores malformed and forged announcements', async () => {
    const { b, namespace } = await twoTabs();
    const before = b.session.snapshot();
    const forger = new BroadcastChannel(`session-panel:${namespace}`);
    for (const data of [null, 42, 'x', {}, { v: 1, writer: 'w', state: '{' }, { v: 2, writer: 'w', state: '{}' },
      { v: 1, writer: 'w', state: JSON.stringify({ v: 1, uuid: 'not-a-uuid', token: null, login: null, customEmail: null, customIdentifier: null }) }]) {
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
