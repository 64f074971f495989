import { afterEach, describe, expect, it } from 'vitest';
import { createDevBackend, createSession } from '../../src/core/index.js';
import type { Session } from '../../src/core/types.js';
import { createDirectTransport } from '../../src/transport/direct.js';
import type { TransportUpdate } from '../../src/transport/types.js';

// The direct transport over a real session (memory storage, the real dev backend). Plain Node: no DOM.

const sessions: Session[] = [];
function newSession(options: Parameters<typeof createSession>[0] = {}): Session {
  const s = createSession({ storage: 'memory', devtools: false, now: () => Date.now(), ...options });
  sessions.push(s);
  return s;
}
afterEach(() => {
  for (const s of sessions.splice(0)) s.dispose();
});

function record(transport = createDirectTransport()) {
  const updates: TransportUpdate[] = [];
  const stop = transport.connect((u) => updates.push(u));
  return { updates, stop, transport };
}
const flush = () => new Promise<void>((r) => setTimeout(r, 0));

describe('direct transport over one given session', () => {
  it('sends connection, sessions, log history and a snapshot on connect, in that order', async () => {
    const session = newSession();
    await session.ready;
    const { updates, stop } = record(createDirectTransport({ session }));
    expect(updates.map((u) => u.type), 'first updates').toEqual(['connection', 'sessions', 'log', 'snapshot']);
    const list = updates[1];
    expect(list?.type === 'sessions' && list.sessions, 'session summary').toEqual([
      { id: session.id, namespace: session.snapshot().namespace, uuid: session.getUUID() },
    ]);
    const log = updates[2];
    expect(log?.type === 'log' && log.entries.some((e) => e.message === 'session ready'), 'log replays history').toBe(true);
    const snap = updates[3];
    expect(snap?.type === 'snapshot' && snap.snapshot.uuid, 'snapshot uuid').toBe(session.getUUID());
    stop();
  });

  it('coalesces a burst of changes into one events update and one snapshot, events in emission order', async () => {
    const session = newSession();
    await session.ready;
    const { updates, stop } = record(createDirectTransport({ session }));
    updates.length = 0;
    session.debug.clearLog();
    const before = session.getUUID();
    await session.regenerateUUIDWithClientIdentifier('abc');
    await flush();
    const events = updates.filter((u) => u.type === 'events');
    const snapshots = updates.filter((u) => u.type === 'snapshot');
    expect(snapshots.length, 'snapshots are coalesced, not one per event').toBeLessThan(
      events.reduce((n, u) => n + (u.type === 'events' ? u.events.length : 0), 0),
    );
    const types = events.flatMap((u) => (u.type === 'events' ? u.events.map((e) => e.type) : []));
    expect(types.indexOf('uuid-changed'), 'uuid change before the operation ends').toBeLessThan(types.lastIndexOf('operation-end'));
    const last = snapshots.at(-1);
    expect(last?.type === 'snapshot' && last.snapshot.uuid, 'final snapshot has the new UUID').toBe(session.getUUID());
    expect(session.getUUID()).not.toBe(before);
    const lists = updates.filter((u) => u.type === 'sessions');
    expect(lists.at(-1)?.type === 'sessions' && lists.at(-1), 'summary follows the UUID').toMatchObject({ sessions: [{ uuid: session.getUUID() }] });
    stop();
  });

  it('a synchronous burst of 1,000 events yields one snapshot', async () => {
    const session = newSession();
    await session.ready;
    const { updates, stop } = record(createDirectTransport({ session }));
    updates.length = 0;
    for (let i = 0; i < 1000; i++) session.debug.faults!.setOffline(i % 2 === 0); // each flip is one event
    await flush();
    expect(updates.filter((u) => u.type === 'snapshot'), 'one snapshot per burst').toHaveLength(1);
    const batch = updates.find((u) => u.type === 'events');
    expect(batch?.type === 'events' && batch.events.length, 'every event delivered').toBeGreaterThanOrEqual(1000);
    stop();
  });

  it('runs commands through executeCommand and returns typed results', async () => {
    const session = newSession();
    await session.ready;
    const t = createDirectTransport({ session });
    const seeded = await t.request(session.id, 'regenerateUUID', ['abc']);
    expect(seeded, 'seeded regenerate').toEqual({ ok: true, value: true });
    const refreshed = await t.request(session.id, 'refreshToken', []);
    expect(refreshed.ok && refreshed.value?.rlm, 'refresh returns the token record').toBe('anonymous_client');
    const bad = await t.request(session.id, 'signIn', ['', '']);
    expect(bad.ok, 'empty login fails').toBe(false);
    expect(!bad.ok && typeof bad.error.code, 'error has a numeric code').toBe('number');
  });

  it('reports an unknown session, an aborted request and a timeout as { ok: false }', async () => {
    const session = newSession({ backend: createDevBackend({ latencyMs: 50 }) });
    await session.ready;
    const t = createDirectTransport({ session, timeoutMs: 5 });
    expect(await t.request('nope', 'refreshToken', []), 'unknown session').toMatchObject({ ok: false, error: { kind: 'no-session' } });
    const controller = new AbortController();
    const pending = t.request(session.id, 'refreshToken', [], { signal: controller.signal, timeoutMs: 10_000 });
    controller.abort();
    expect(await pending, 'aborted').toMatchObject({ ok: false, error: { kind: 'aborted', code: 9010 } });
    const aborted = new AbortController();
    aborted.abort();
    expect(await t.request(session.id, 'refreshToken', [], { signal: aborted.signal }), 'already aborted').toMatchObject({ ok: false, error: { kind: 'aborted' } });
    expect(await t.request(session.id, 'refreshToken', []), 'timeout').toMatchObject({ ok: false, error: { kind: 'timeout', code: 9003 } });
  });

  it('stops delivering after the returned stop function', async () => {
    const session = newSession();
    await session.ready;
    const { updates, stop } = record(createDirectTransport({ session }));
    stop();
    updates.length = 0;
    await session.refreshToken();
    await flush();
    expect(updates, 'nothing after stop').toEqual([]);
  });
});

describe('direct transport over the page hook', () => {
  it('follows sessions as they register and go away, with a scope of its own', async () => {
    const scope = {};
    const { updates, stop } = record(createDirectTransport({ scope }));
    expect(updates.map((u) => u.type), 'empty page').toEqual(['connection', 'sessions']);
    expect(updates[1], 'no sessions yet').toEqual({ type: 'sessions', sessions: [] });
    // A session registering on this scope's hook, as another copy of the library would.
    const { getSessionHook } = await import('../../src/core/hook.js');
    const session = newSession();
    await session.ready;
    const unregister = getSessionHook(scope).register(session);
    const lists = updates.filter((u) => u.type === 'sessions');
    expect(lists.at(-1), 'session appears').toMatchObject({ sessions: [{ id: session.id }] });
    expect(updates.some((u) => u.type === 'snapshot' && u.sessionId === session.id), 'snapshot of the new session').toBe(true);
    unregister();
    expect(updates.filter((u) => u.type === 'sessions').at(-1), 'session gone').toEqual({ type: 'sessions', sessions: [] });
    stop();
  });

  it('finds sessions created with devtools on through globalThis', async () => {
    const session = newSession({ devtools: true });
    await session.ready;
    const t = createDirectTransport();
    const { updates, stop } = record(t);
    const list = updates.find((u) => u.type === 'sessions');
    expect(list?.type === 'sessions' && list.sessions.map((s) => s.id), 'global hook lists it').toContain(session.id);
    expect(await t.request(session.id, 'retrieveToken', []), 'requests reach it').toMatchObject({ ok: true });
    stop();
  });
});

describe('direct transport after commands', () => {
  it('re-sends the snapshot after a command that changes state without an event (fault switches)', async () => {
    const session = newSession();
    await session.ready;
    const t = createDirectTransport({ session });
    const { updates, stop } = record(t);
    updates.length = 0;
    expect(await t.request(session.id, 'setOffline', [true])).toEqual({ ok: true, value: null });
    await flush();
    const snap = updates.filter((u) => u.type === 'snapshot').at(-1);
    expect(snap?.type === 'snapshot' && snap.snapshot.backend.faults?.offline, 'offline shown').toBe(true);
    stop();
  });
});
