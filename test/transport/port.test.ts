import { afterEach, describe, expect, test } from 'vitest';
import { uuidFromName } from '../../src/core/index.js';
import type { SessionEvent } from '../../src/core/types.js';
import { PORT_SOURCE, PROTOCOL_VERSION, asTabId } from '../../src/protocol/messages.js';
import { createPortPair, type MemoryPort } from '../../src/transport/memory-port.js';
import { createPortTransport } from '../../src/transport/port.js';
import type { TransportUpdate } from '../../src/transport/types.js';
import { Chain, eventually, lastSessions, lastSnapshot } from '../extension/harness.js';

let chain: Chain | undefined;
afterEach(() => {
  chain?.dispose();
  chain = undefined;
});

describe('port transport over the in-memory extension chain (real core sessions)', () => {
  test('delivers the page’s sessions and snapshots, then runs a seeded regenerate in the page’s core', async () => {
    chain = new Chain();
    const frame = await chain.load();
    const session = await chain.addSession(frame, 'shop');
    const { transport, updates } = chain.panel();

    const sessions = await eventually(() => ((lastSessions(updates)?.length ?? 0) > 0 ? lastSessions(updates) : undefined), 'sessions');
    expect(sessions, 'summary of the real session').toEqual([{ id: session.id, namespace: 'shop', uuid: session.getUUID() }]);
    await eventually(() => lastSnapshot(updates, session.id), 'snapshot');
    expect(lastSnapshot(updates, session.id)?.uuid).toBe(session.getUUID());
    expect(updates.some((u) => u.type === 'log' && u.sessionId === session.id && u.entries.length > 0), 'log history replayed').toBe(true);

    const result = await transport.request(session.id, 'regenerateUUID', ['seed-1']);
    const expected = uuidFromName(session.snapshot().deviceId + 'seed-1');
    expect(result, 'answered by the page').toEqual({ ok: true, value: true });
    expect(session.getUUID(), 'changed in the page').toBe(expected);
    await eventually(() => lastSnapshot(updates, session.id)?.uuid === expected, 'pushed snapshot');
    expect(transport.state()).toBe('connected');
  });

  test('a request in flight when the worker stops is resent and runs exactly once', async () => {
    chain = new Chain();
    const frame = await chain.load();
    const session = await chain.addSession(frame);
    const { transport, updates } = chain.panel();
    await eventually(() => lastSnapshot(updates, session.id), 'first snapshot');
    const starts: SessionEvent[] = [];
    session.subscribe((e) => e.type === 'operation-start' && e.operation === 'destroySession' && starts.push(e));
    const before = session.getUUID();

    const pending = transport.request(session.id, 'destroySession', []);
    chain.runtime.restart(); // every port drops; a fresh router with empty maps takes over
    const result = await pending;

    expect(result).toEqual({ ok: true, value: null });
    expect(session.getUUID()).not.toBe(before);
    expect(starts.length, 'the page ran the command once, whatever was resent').toBe(1);
    expect(transport.connections(), 'welcomed by two workers').toBe(2);
    expect(chain.routers.length).toBe(2);
    expect(transport.pendingCount()).toBe(0);
    const details = updates.flatMap((u) => (u.type === 'connection' && u.detail ? [u.detail] : []));
    expect(details).toContain('Lost the extension service worker; reconnecting');
    await eventually(() => updates.some((u) => u.type === 'connection' && u.detail?.startsWith('Reconnected')), 'reconnect line');
  });

  test('the bridge answers a repeated request id from its cache', async () => {
    chain = new Chain();
    const frame = await chain.load();
    const session = await chain.addSession(frame);
    const { transport, updates } = chain.panel({ newId: () => 'fixed-id' });
    await eventually(() => lastSnapshot(updates, session.id), 'snapshot');
    let runs = 0;
    session.subscribe((e) => e.type === 'operation-start' && e.operation === 'regenerateUUID' && runs++);
    expect(await transport.request(session.id, 'regenerateUUID', [null])).toEqual({ ok: true, value: true });
    expect(await transport.request(session.id, 'regenerateUUID', [null]), 'cached answer').toEqual({ ok: true, value: true });
    expect(runs, 'ran once').toBe(1);
    expect(frame.bridge.dropped.total).toBe(0);
  });

  test('page reload: the panel says it is waiting, then reattaches to the new document and logs it after the history', async () => {
    chain = new Chain();
    const first = await chain.load();
    const old = await chain.addSession(first, 'before');
    const { updates } = chain.panel();
    await eventually(() => lastSnapshot(updates, old.id), 'snapshot');

    const second = await chain.load(0, 'https://app.example/again'); // replaces (unloads) the first document
    const fresh = await chain.addSession(second, 'after');
    await eventually(() => lastSessions(updates)?.[0]?.id === fresh.id, 'new sessions');
    const waitingAt = updates.findIndex((u) => u.type === 'connection' && u.detail?.includes('waiting for it'));
    expect(waitingAt, 'said it was waiting').toBeGreaterThan(-1);
    const reattachedAt = await eventually(() => {
      const i = updates.findIndex((u) => u.type === 'connection' && u.detail?.startsWith('Reattached'));
      return i >= 0 ? i : undefined;
    }, 'reattach line');
    const logAt = updates.findIndex((u) => u.type === 'log' && u.sessionId === fresh.id);
    expect(logAt, 'history first').toBeGreaterThan(-1);
    expect(reattachedAt, 'the line comes after the new history replay').toBeGreaterThan(logAt);
    expect((updates[reattachedAt] as Extract<TransportUpdate, { type: 'connection' }>).state).toBe('connected');
  });

  test('timeouts, aborts, unknown sessions and a page without the library all end as { ok: false }', async () => {
    chain = new Chain(50);
    const frame = await chain.load();
    const session = await chain.addSession(frame);
    const { transport, updates } = chain.panel({ timeoutMs: 60 });
    await eventually(() => lastSnapshot(updates, session.id), 'snapshot');

    expect(await transport.request('nope', 'refreshToken', [])).toMatchObject({ ok: false, error: { kind: 'no-session', code: 9011 } });

    const controller = new AbortController();
    const aborted = transport.request(session.id, 'refreshToken', [], { signal: controller.signal });
    controller.abort();
    expect(await aborted).toMatchObject({ ok: false, error: { kind: 'aborted', code: 9010 } });

    // The page stops answering (its agent is gone but the bridge stays): the request times out.
    frame.agent.dispose();
    (frame.agent as { onMessage: (d: unknown) => void }).onMessage = () => {};
    expect(await transport.request(session.id, 'retrieveToken', [])).toMatchObject({ ok: false, error: { kind: 'timeout', code: 9003 } });
    expect(transport.pendingCount()).toBe(0);
  });

  test('messages from the worker outside the schema are dropped and counted, never thrown or shown', async () => {
    const [client, server] = createPortPair('x');
    const transport = createPortTransport({ tabId: asTabId(1)!, connect: () => client });
    const updates: TransportUpdate[] = [];
    transport.connect((u) => updates.push(u));
    const bad: unknown[] = [
      null,
      42,
      'welcome',
      { source: PORT_SOURCE, v: 2, kind: 'welcome', tabId: 1, frames: [] },
      { source: 'other', v: PROTOCOL_VERSION, kind: 'welcome', tabId: 1, frames: [] },
      { source: PORT_SOURCE, v: PROTOCOL_VERSION, kind: 'update', frameId: 0, update: { type: 'sessions', sessions: [{ id: 1 }] } },
      { source: PORT_SOURCE, v: PROTOCOL_VERSION, kind: 'result', id: 'has space', result: { ok: true, value: null } },
      { source: PORT_SOURCE, v: PROTOCOL_VERSION, kind: 'result', id: 'unknown', result: { ok: true, value: null } },
    ];
    for (const m of bad) (server as MemoryPort).postMessage(m);
    await eventually(() => transport.dropped.total === bad.length, 'all dropped');
    expect(transport.dropped.snapshot()).toEqual({ schema: 7, 'unknown-id': 1 });
    expect(updates.filter((u) => u.type !== 'connection'), 'nothing reached the viewer').toEqual([]);
    transport.close();
  });
});
