import { afterEach, describe, expect, test } from 'vitest';
import { createSession, uuidFromName } from '../../src/core/index.js';
import type { Session, SessionEvent } from '../../src/core/types.js';
import { PORT_SOURCE, PROTOCOL_VERSION, asTabId } from '../../src/protocol/messages.js';
import { createPortPair, type MemoryPort } from '../../src/transport/memory-port.js';
import { createPortTransport, transportSessionId } from '../../src/transport/port.js';
import type { TransportUpdate } from '../../src/transport/types.js';
import { Chain, eventually, lastSessions, lastSnapshot } from '../extension/harness.js';

/** The id the panel knows a session by: its frame and its page id. */
const key = (session: Session, frameId = 0): string => transportSessionId(frameId, session.id);

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
    expect(sessions, 'summary of the real session').toEqual([{ id: key(session), namespace: 'shop', uuid: session.getUUID() }]);
    await eventually(() => lastSnapshot(updates, key(session)), 'snapshot');
    expect(lastSnapshot(updates, key(session))?.uuid).toBe(session.getUUID());
    expect(updates.some((u) => u.type === 'log' && u.sessionId === key(session) && u.entries.length > 0), 'log history replayed').toBe(true);

    const result = await transport.request(key(session), 'regenerateUUID', ['seed-1']);
    const expected = uuidFromName(session.snapshot().deviceId + 'seed-1');
    expect(result, 'answered by the page').toEqual({ ok: true, value: true });
    expect(session.getUUID(), 'changed in the page').toBe(expected);
    await eventually(() => lastSnapshot(updates, key(session))?.uuid === expected, 'pushed snapshot');
    expect(transport.state()).toBe('connected');
  });

  test('a request in flight when the worker stops is resent and runs exactly once', async () => {
    chain = new Chain();
    const frame = await chain.load();
    const session = await chain.addSession(frame);
    const { transport, updates } = chain.panel();
    await eventually(() => lastSnapshot(updates, key(session)), 'first snapshot');
    const starts: SessionEvent[] = [];
    session.subscribe((e) => e.type === 'operation-start' && e.operation === 'destroySession' && starts.push(e));
    const before = session.getUUID();

    const pending = transport.request(key(session), 'destroySession', []);
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
    await eventually(() => lastSnapshot(updates, key(session)), 'snapshot');
    let runs = 0;
    session.subscribe((e) => e.type === 'operation-start' && e.operation === 'regenerateUUID' && runs++);
    expect(await transport.request(key(session), 'regenerateUUID', [null])).toEqual({ ok: true, value: true });
    expect(await transport.request(key(session), 'regenerateUUID', [null]), 'cached answer').toEqual({ ok: true, value: true });
    expect(runs, 'ran once').toBe(1);
    expect(frame.bridge.dropped.total).toBe(0);
  });

  test('page reload: the panel says it is waiting, then reattaches to the new document and logs it after the history', async () => {
    chain = new Chain();
    const first = await chain.load();
    const old = await chain.addSession(first, 'before');
    const { updates } = chain.panel();
    await eventually(() => lastSnapshot(updates, key(old)), 'snapshot');

    const second = await chain.load(0, 'https://app.example/again'); // replaces (unloads) the first document
    const fresh = await chain.addSession(second, 'after');
    await eventually(() => lastSessions(updates)?.[0]?.id === key(fresh), 'new sessions');
    const waitingAt = updates.findIndex((u) => u.type === 'connection' && u.detail?.includes('waiting for it'));
    expect(waitingAt, 'said it was waiting').toBeGreaterThan(-1);
    const reattachedAt = await eventually(() => {
      const i = updates.findIndex((u) => u.type === 'connection' && u.detail?.startsWith('Reattached'));
      return i >= 0 ? i : undefined;
    }, 'reattach line');
    const logAt = updates.findIndex((u) => u.type === 'log' && u.sessionId === key(fresh));
    expect(logAt, 'history first').toBeGreaterThan(-1);
    expect(reattachedAt, 'the line comes after the new history replay').toBeGreaterThan(logAt);
    expect((updates[reattachedAt] as Extract<TransportUpdate, { type: 'connection' }>).state).toBe('connected');
  });

  test('timeouts, aborts, unknown sessions and a page without the library all end as { ok: false }', async () => {
    chain = new Chain(50);
    const frame = await chain.load();
    const session = await chain.addSession(frame);
    const { transport, updates } = chain.panel({ timeoutMs: 60 });
    await eventually(() => lastSnapshot(updates, key(session)), 'snapshot');

    expect(await transport.request('nope', 'refreshToken', [])).toMatchObject({ ok: false, error: { kind: 'no-session', code: 9011 } });

    const controller = new AbortController();
    const aborted = transport.request(key(session), 'refreshToken', [], { signal: controller.signal });
    controller.abort();
    expect(await aborted).toMatchObject({ ok: false, error: { kind: 'aborted', code: 9010 } });

    // The page stops answering (its agent is gone but the bridge stays): the request times out.
    frame.agent.dispose();
    (frame.agent as { onMessage: (d: unknown) => void }).onMessage = () => {};
    expect(await transport.request(key(session), 'retrieveToken', [])).toMatchObject({ ok: false, error: { kind: 'timeout', code: 9003 } });
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

describe('sessions are told apart by frame (an iframe cannot take over the page’s session)', () => {
  test('an iframe announcing the top page’s session id neither replaces its snapshot nor receives its commands', async () => {
    chain = new Chain();
    const top = await chain.load(0, 'https://app.example/');
    const session = await chain.addSession(top, 'top');
    const ads = await chain.load(3, 'https://ads.example/frame?slot=1');
    // A hostile cross-origin iframe: its own page hook, a "session" with the top page's id and another uuid.
    const evilUuid = '00000000-0000-4000-8000-000000000bad';
    const evilCalls: unknown[][] = [];
    let evilListener: ((event: SessionEvent) => void) | undefined;
    const impostor = {
      id: session.id,
      snapshot: () => ({ ...session.snapshot(), namespace: 'evil', uuid: evilUuid }),
      log: () => [],
      subscribe: (listener: (event: SessionEvent) => void) => {
        evilListener = listener;
        return () => {};
      },
      signIn: async (...args: unknown[]) => void evilCalls.push(['signIn', ...args]),
      regenerateUUID: async (...args: unknown[]) => (evilCalls.push(['regenerateUUID', ...args]), true),
    } as unknown as Session;
    ads.hook.register(impostor);
    const { transport, updates } = chain.panel();

    const sessions = await eventually(() => ((lastSessions(updates)?.length ?? 0) === 2 ? lastSessions(updates) : undefined), 'both sessions');
    const mine = sessions.find((s) => s.frame === undefined)!;
    const theirs = sessions.find((s) => s.frame !== undefined)!;
    expect(mine, 'the top page’s session, without a frame').toMatchObject({ namespace: 'top', uuid: session.getUUID() });
    expect(theirs, 'the iframe’s, labelled with its origin').toMatchObject({ namespace: 'evil', uuid: evilUuid, frame: 'https://ads.example' });
    expect(mine.id, 'two sessions, two ids').not.toBe(theirs.id);

    // Both snapshots are in; the iframe then pushes an event and a new snapshot under the shared page id.
    await eventually(() => lastSnapshot(updates, theirs.id)?.uuid === evilUuid, 'the iframe’s snapshot');
    evilListener!({ type: 'uuid-changed', at: Date.now(), uuid: evilUuid, previous: session.getUUID() });
    await eventually(() => updates.some((u) => u.type === 'events' && u.sessionId === theirs.id), 'the iframe’s event');
    expect(lastSnapshot(updates, mine.id)?.uuid, 'the top page’s snapshot is its own').toBe(session.getUUID());
    expect(lastSnapshot(updates, mine.id)?.namespace).toBe('top');
    expect(updates.some((u) => u.type === 'events' && u.sessionId === mine.id && u.events.some((e) => e.type === 'uuid-changed' && e.uuid === evilUuid)), 'no iframe event under the top session').toBe(false);

    // A sign-in on the top page's session (with its password) runs in the top page only.
    expect(await transport.request(mine.id, 'signIn', ['ann@example.com', 'secret'])).toEqual({ ok: true, value: null });
    expect(session.isSignedIn(), 'the top page signed in').toBe(true);
    expect(evilCalls, 'the iframe received nothing').toEqual([]);
    await eventually(() => lastSnapshot(updates, mine.id)?.signedIn === true, 'signed-in snapshot');

    // And the iframe's own session still gets its own commands.
    expect(await transport.request(theirs.id, 'regenerateUUID', [null])).toEqual({ ok: true, value: true });
    expect(evilCalls).toEqual([['regenerateUUID']]);
  });
});

describe('what the transport accepts from the worker', () => {
  async function rawWorker() {
    const [client, server] = createPortPair('x');
    const transport = createPortTransport({ tabId: asTabId(1)!, connect: () => client, timeoutMs: 2000 });
    const updates: TransportUpdate[] = [];
    const received: Record<string, unknown>[] = [];
    server.onMessage.addListener((m) => received.push(m as Record<string, unknown>));
    transport.connect((u) => updates.push(u));
    const post = (m: object): void => server.postMessage({ source: PORT_SOURCE, v: PROTOCOL_VERSION, ...m });
    post({ kind: 'welcome', tabId: 1, frames: [
        { frameId: 0, documentId: 'D0', origin: 'https://app.example', url: 'https://app.example/' },
        { frameId: 4, documentId: 'D4', origin: 'https://ads.example', url: 'https://ads.example/x' },
      ],
    });
    await eventually(() => transport.state() === 'connected', 'welcome');
    post({ kind: 'update', frameId: 0, update: { type: 'sessions', sessions: [{ id: 'a', namespace: 'n', uuid: 'u-a' }] } });
    post({ kind: 'update', frameId: 4, update: { type: 'sessions', sessions: [{ id: 'b', namespace: 'n', uuid: 'u-b' }] } });
    await eventually(() => lastSessions(updates)?.length === 2, 'sessions');
    return { transport, updates, received, post };
  }

  test('updates for sessions their frame did not announce are dropped and counted, the rest delivered', async () => {
    const real = createSession({ storage: 'memory', devtools: false });
    await real.ready;
    const snapshot = real.snapshot();
    real.dispose();
    const { transport, updates, post } = await rawWorker();
    expect(lastSessions(updates)).toEqual([
      { id: '0:a', namespace: 'n', uuid: 'u-a' },
      { id: '4:b', namespace: 'n', uuid: 'u-b', frame: 'https://ads.example', crossOrigin: true },
    ]);
    const before = updates.length;
    post({ kind: 'update', frameId: 0, update: { type: 'snapshot', sessionId: 'ghost', snapshot } }); // nobody announced it
    post({ kind: 'update', frameId: 4, update: { type: 'snapshot', sessionId: 'a', snapshot } }); // frame 0's id, from frame 4
    post({ kind: 'update', frameId: 0, update: { type: 'events', sessionId: 'b', events: [{ type: 'ready', at: 1 }] } }); // frame 4's id, from frame 0
    post({ kind: 'update', frameId: 0, update: { type: 'log', sessionId: 'ghost', entries: [] } });
    post({ kind: 'update', frameId: 0, update: { type: 'snapshot', sessionId: 'a', snapshot } }); // announced: delivered
    await eventually(() => updates.length > before, 'the announced session’s snapshot');
    expect(transport.dropped.snapshot()).toEqual({ 'unknown-session': 4 });
    expect(updates.slice(before), 'only the announced session’s snapshot, under its frame-qualified id').toEqual([
      { type: 'snapshot', sessionId: '0:a', snapshot },
    ]);
    transport.close();
  });

  test('where a session lives is the worker’s word: a frame label the page supplies is dropped', async () => {
    const { transport, updates, post } = await rawWorker();
    // The top page claims its session lives in a trusted origin; the ad frame claims to be the top page.
    post({ kind: 'update', frameId: 0, update: { type: 'sessions', sessions: [{ id: 'a', namespace: 'n', uuid: 'u-a', frame: 'https://bank.example' }] } });
    post({ kind: 'update', frameId: 4, update: { type: 'sessions', sessions: [{ id: 'b', namespace: 'n', uuid: 'u-b', frame: '' }] } });
    await eventually(() => updates.filter((u) => u.type === 'sessions').length >= 4, 'both lists');
    expect(lastSessions(updates)).toEqual([
      { id: '0:a', namespace: 'n', uuid: 'u-a' },
      { id: '4:b', namespace: 'n', uuid: 'u-b', frame: 'https://ads.example', crossOrigin: true },
    ]);
    transport.close();
  });

  test('a result that does not fit its command is dropped and counted; the fitting one settles it; commands go to the session’s frame', async () => {
    const { transport, received, post } = await rawWorker();
    const refresh = transport.request('0:a', 'refreshToken', []);
    const regenerate = transport.request('4:b', 'regenerateUUID', ['seed']);
    await eventually(() => received.length === 2, 'two commands');
    const [r1, r2] = received as { id: string; frameId: number; sessionId: string; command: string }[];
    const [c1, c2] = received as { documentId: string }[];
    expect([r1!.frameId, c1!.documentId, r1!.sessionId, r1!.command], 'mapped back to frame, document and page id').toEqual([0, 'D0', 'a', 'refreshToken']);
    expect([r2!.frameId, c2!.documentId, r2!.sessionId, r2!.command]).toEqual([4, 'D4', 'b', 'regenerateUUID']);

    post({ kind: 'result', id: r1!.id, result: { ok: true, value: true } }); // a refresh answered with a boolean
    post({ kind: 'result', id: r2!.id, result: { ok: true, value: null } }); // a regenerate answered with null
    await eventually(() => transport.dropped.total === 2, 'both dropped');
    expect(transport.dropped.snapshot()).toEqual({ 'result-shape': 2 });
    expect(transport.pendingCount(), 'still waiting for a fitting answer').toBe(2);

    post({ kind: 'result', id: r1!.id, result: { ok: true, value: null } });
    post({ kind: 'result', id: r2!.id, result: { ok: true, value: false } });
    expect(await refresh).toEqual({ ok: true, value: null });
    expect(await regenerate).toEqual({ ok: true, value: false });
    expect(transport.pendingCount()).toBe(0);
    expect(await transport.request('a', 'refreshToken', []), 'a bare page id is not a transport id').toMatchObject({ ok: false, error: { kind: 'no-session' } });
    transport.close();
  });
});

describe('long logins reach the panel (the wire takes what the core takes)', () => {
  test('signed in with a 312-character login, then a 1,000-character one: the panel shows signedIn and the login', async () => {
    chain = new Chain();
    const frame = await chain.load();
    const session = await chain.addSession(frame);
    const { transport, updates } = chain.panel();
    await eventually(() => lastSnapshot(updates, key(session)), 'first snapshot');
    for (const length of [312, 1000]) {
      const login = `${'x'.repeat(length - '@example.com'.length)}@example.com`;
      expect(login).toHaveLength(length);
      expect(await transport.request(key(session), 'signIn', [login, 'pw'])).toEqual({ ok: true, value: null });
      const shown = await eventually(() => {
        const s = lastSnapshot(updates, key(session));
        return s?.login === login ? s : undefined;
      }, `the ${length}-character login in the panel`);
      expect(shown.signedIn).toBe(true);
      expect(shown.token?.customId, 'the dev backend copies the login into customId').toBe(login);
      expect(updates.some((u) => u.type === 'events' && u.sessionId === key(session) && u.events.some((e) => e.type === 'signed-in' && e.login === login)), 'the signed-in event').toBe(true);
    }
    expect(frame.agent.dropped.total, 'nothing dropped or cut on the way').toBe(0);
    expect(frame.bridge.dropped.total).toBe(0);
    expect(transport.dropped.total).toBe(0);
  });
});
