import { afterEach, describe, expect, test } from 'vitest';
import { getSessionHook } from '../../src/core/hook.js';
import { createSession } from '../../src/core/index.js';
import type { LogEntry, Session, SessionEvent, SessionSnapshot } from '../../src/core/types.js';
import { DROPPED_NOTE, LOG_CUT_NOTE, SKIPPED_NOTE, createPageAgent, type PageAgent } from '../../src/extension/page-agent.js';
import { MAX_MESSAGE_BYTES, messageBytes } from '../../src/protocol/byte-budget.js';
import { LIMITS, makeBridgeMessage, parsePageMessage, type PageMessage } from '../../src/protocol/messages.js';
import { MAX_STRING } from '../../src/protocol/schema.js';
import { eventually } from './harness.js';

const sessions: Session[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.dispose();
});

async function setup(count = 1): Promise<{ agent: PageAgent; posted: PageMessage[]; list: Session[]; hook: ReturnType<typeof getSessionHook> }> {
  const hook = getSessionHook({});
  const list: Session[] = [];
  for (let i = 0; i < count; i++) {
    const s = createSession({ storage: 'memory', devtools: false, namespace: `ns${i}` });
    await s.ready;
    hook.register(s);
    list.push(s);
    sessions.push(s);
  }
  const posted: PageMessage[] = [];
  // Every posted message must pass the bridge's own guard unchanged.
  const agent = createPageAgent({
    hook,
    post: (m) => {
      expect(parsePageMessage(structuredClone(m)), `posted ${m.kind} fits the schema`).toEqual(m);
      posted.push(m);
    },
  });
  return { agent, posted, list, hook };
}
const updates = (posted: PageMessage[]) => posted.flatMap((m) => (m.kind === 'update' ? [m.update] : m.kind === 'updates' ? [...m.updates] : []));

describe('page agent (MAIN world) with real sessions', () => {
  test('silent until attached; on attach: the list, then each session’s snapshot and log', async () => {
    const { agent, posted, list } = await setup(2);
    await list[0]!.regenerateUUID();
    expect(posted, 'nothing leaves the page before a panel attaches').toEqual([]);
    agent.onMessage(makeBridgeMessage('attach', {}));
    expect(updates(posted).map((u) => u.type)).toEqual(['sessions', 'snapshot', 'log', 'snapshot', 'log']);
    expect(updates(posted)[0]).toEqual({
      type: 'sessions',
      sessions: list.map((s) => ({ id: s.id, namespace: s.snapshot().namespace, uuid: s.getUUID() })),
    });
  });

  test('a burst of 10,000 events: bounded batches, few flushes, and the last snapshot is the final state', async () => {
    const { agent, posted, list } = await setup();
    const s = list[0]!;
    agent.onMessage(makeBridgeMessage('attach', {}));
    posted.length = 0;
    let emitted = 0;
    s.subscribe(() => emitted++);
    // Each flip of a fault switch is one `state` event, synchronously; the last leaves the backend online.
    for (let i = 0; i < 10_000; i++) s.debug.faults!.setOffline(i % 2 === 0);
    expect(emitted).toBeGreaterThanOrEqual(10_000);
    await eventually(() => agent.flushes() > 0 && posted.length > 0, 'a flush');
    await new Promise((r) => setTimeout(r, 40));
    const batches = updates(posted).filter((u) => u.type === 'events');
    expect(agent.flushes(), 'coalesced, not one flush per event').toBeLessThanOrEqual(3);
    for (const b of batches) expect(b.type === 'events' && b.events.length).toBeLessThanOrEqual(LIMITS.eventsPerBatch);
    expect(agent.eventsOverflowed(), 'overflow counted').toBeGreaterThan(0);
    // Every event is accounted for: delivered, or counted in the note heading its batch.
    let delivered = 0;
    let noted = 0;
    for (const b of batches) {
      if (b.type !== 'events') continue;
      const head = b.events[0];
      if (head?.type === 'state' && head.what.endsWith(SKIPPED_NOTE)) {
        noted += Number(head.what.split(' ')[0]);
        delivered += b.events.length - 1;
      } else delivered += b.events.length;
    }
    expect(noted, 'the note counts what was left out').toBe(agent.eventsOverflowed());
    expect(delivered + noted, 'nothing vanishes silently').toBe(emitted);
    const snaps = updates(posted).filter((u) => u.type === 'snapshot');
    expect(snaps.at(-1), 'ends on the final state').toEqual({ type: 'snapshot', sessionId: s.id, snapshot: expect.objectContaining({ backend: s.snapshot().backend }) });
    expect(s.snapshot().backend.faults?.offline, 'the final state is online').toBe(false);
  });

  test('new and removed sessions update the list; detach stops streaming', async () => {
    const { agent, posted, hook } = await setup(0);
    agent.onMessage(makeBridgeMessage('attach', {}));
    expect(updates(posted)).toEqual([{ type: 'sessions', sessions: [] }]);
    const s = createSession({ storage: 'memory', devtools: false, namespace: 'late' });
    sessions.push(s);
    await s.ready;
    const remove = hook.register(s);
    expect(updates(posted).slice(1).map((u) => u.type)).toEqual(['sessions', 'snapshot', 'log']);
    remove();
    expect(updates(posted).at(-1)).toEqual({ type: 'sessions', sessions: [] });
    agent.onMessage(makeBridgeMessage('detach', {}));
    posted.length = 0;
    hook.register(s);
    await s.regenerateUUID();
    await new Promise((r) => setTimeout(r, 20));
    expect(posted).toEqual([]);
  });

  test('commands run in the page’s core; unknown sessions and bad arguments come back as errors', async () => {
    const { agent, posted, list } = await setup();
    const s = list[0]!;
    const before = s.getUUID();
    agent.onMessage(makeBridgeMessage('command', { id: 'a', sessionId: s.id, command: 'destroySession', args: [] }));
    agent.onMessage(makeBridgeMessage('command', { id: 'b', sessionId: 'missing', command: 'destroySession', args: [] }));
    agent.onMessage(makeBridgeMessage('command', { id: 'c', sessionId: s.id, command: 'signOut', args: ['NOPE'] }));
    await eventually(() => posted.filter((m) => m.kind === 'result').length === 3, 'three results');
    const results = Object.fromEntries(posted.flatMap((m) => (m.kind === 'result' ? [[m.id, m.result]] : [])));
    expect(results.a).toEqual({ ok: true, value: null });
    expect(s.getUUID()).not.toBe(before);
    expect(results.b).toMatchObject({ ok: false, error: { kind: 'no-session', code: 9011, message: 'No session missing on this page' } });
    expect(results.c).toMatchObject({ ok: false, error: { kind: 'invalid-argument' } });
  });

  test('a broken object on the hook is counted, never thrown into the page', async () => {
    const { agent, hook } = await setup(1);
    const broken = {
      id: 'broken',
      snapshot: () => {
        throw new Error('nope');
      },
      subscribe: () => () => {},
      log: () => [],
    } as unknown as Session;
    hook.register(broken);
    expect(() => agent.onMessage(makeBridgeMessage('attach', {}))).not.toThrow();
    expect(agent.dropped.snapshot()).toMatchObject({ 'snapshot-threw': 1 });
  });
});

describe('page strings are fitted to the wire, never a whole message dropped for one of them', () => {
  /** A page object on the hook whose snapshot, events and log the test controls (a real snapshot underneath). */
  async function withPageSession() {
    const { agent, posted, hook } = await setup(0);
    const real = createSession({ storage: 'memory', devtools: false, namespace: 'odd' });
    sessions.push(real);
    await real.ready;
    let snapshot: SessionSnapshot = real.snapshot();
    let log: LogEntry[] = [];
    let emit: (event: SessionEvent) => void = () => {};
    const odd = {
      id: 'odd-1',
      snapshot: () => snapshot,
      log: () => log,
      subscribe: (listener: (event: SessionEvent) => void) => {
        emit = listener;
        return () => {};
      },
    } as unknown as Session;
    hook.register(odd);
    return {
      agent,
      posted,
      setSnapshot: (s: SessionSnapshot) => (snapshot = s),
      setLog: (entries: LogEntry[]) => (log = entries),
      emit: (e: unknown) => emit(e as SessionEvent),
    };
  }

  test('a batch with one bad event and one oversized one: the others are delivered, the long one cut, the bad one counted', async () => {
    const { agent, posted, emit } = await withPageSession();
    agent.onMessage(makeBridgeMessage('attach', {}));
    posted.length = 0;
    const long = 'y'.repeat(MAX_STRING + 500);
    emit({ type: 'state', at: 1, what: 'first' });
    emit({ type: 'state', at: Number.NaN, what: 'not a time' }); // outside the schema: left out alone
    emit({ type: 'state', at: 3, what: long });
    emit({ type: 'signed-in', at: 4, login: 'z'.repeat(LIMITS.credential + 10) });
    emit({ type: 'state', at: 5, what: 'last' });
    await eventually(() => updates(posted).find((u) => u.type === 'events'), 'the batch');
    const batch = updates(posted).find((u) => u.type === 'events');
    expect(batch).toEqual({
      type: 'events',
      sessionId: 'odd-1',
      events: [
        { type: 'state', at: 1, what: `1 ${DROPPED_NOTE}` }, // the panel's log says so
        { type: 'state', at: 1, what: 'first' },
        { type: 'state', at: 3, what: `${long.slice(0, MAX_STRING - 1)}…` },
        { type: 'signed-in', at: 4, login: `${'z'.repeat(LIMITS.credential - 1)}…` },
        { type: 'state', at: 5, what: 'last' },
      ],
    });
    expect(agent.dropped.snapshot()).toEqual({ 'array-item': 1, 'string-cut': 2 });
  });

  test('the attach history keeps every good line when one is too long and one is broken', async () => {
    const { agent, posted, setLog } = await withPageSession();
    const line = (seq: number, message: string): LogEntry => ({ seq, at: seq, kind: 'event', message });
    setLog([line(1, 'one'), line(2, 'm'.repeat(10_000)), { seq: 'three' } as unknown as LogEntry, line(4, 'four')]);
    agent.onMessage(makeBridgeMessage('attach', {}));
    const log = updates(posted).find((u) => u.type === 'log');
    expect(log).toEqual({ type: 'log', sessionId: 'odd-1', entries: [line(1, 'one'), line(2, `${'m'.repeat(MAX_STRING - 1)}…`), line(4, 'four')] });
    expect(agent.dropped.snapshot()).toEqual({ 'array-item': 1, 'string-cut': 1 });
  });

  test('a log replay larger than the 1 MiB message limit: the newest entries that fit, headed by a note saying how many were left out', async () => {
    const { agent, posted, setLog } = await withPageSession();
    // 2,000 entries of about 1.1 KB: some 2.2 MB of JSON, which the bridge and the worker would drop whole.
    const history = Array.from({ length: 2000 }, (_, i): LogEntry => ({ seq: 100 + i, at: 5000 + i, kind: 'operation', message: `#${i} ${'h'.repeat(1100)}` }));
    setLog(history);
    agent.onMessage(makeBridgeMessage('attach', {}));
    const message = posted.find((m) => m.kind === 'update' && m.update.type === 'log')!;
    expect(messageBytes(message)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const log = updates(posted).find((u) => u.type === 'log')!;
    if (log.type !== 'log') throw new Error('not a log');
    const [note, ...kept] = log.entries;
    const left = 2000 - kept.length;
    expect(kept.length).toBeGreaterThan(800);
    expect(kept).toEqual(history.slice(left));
    expect(note).toEqual({ seq: kept[0]!.seq - 1, at: kept[0]!.at, kind: 'event', message: `${left} ${LOG_CUT_NOTE}` });
    expect(agent.dropped.snapshot()).toEqual({ 'log-cut': left });
  });

  test('a log replay within the limit goes out whole, with no note', async () => {
    const { agent, posted, setLog } = await withPageSession();
    const history = Array.from({ length: 500 }, (_, i): LogEntry => ({ seq: i, at: i, kind: 'event', message: 'k'.repeat(1000) }));
    setLog(history);
    agent.onMessage(makeBridgeMessage('attach', {}));
    expect(updates(posted).find((u) => u.type === 'log')).toEqual({ type: 'log', sessionId: 'odd-1', entries: history });
    expect(agent.dropped.total).toBe(0);
  });

  test('a snapshot with a login over the wire limit is sent with the login cut, still signed in', async () => {
    const { agent, posted, setSnapshot } = await withPageSession();
    const login = `${'q'.repeat(2000)}@example.com`;
    const real = sessions.at(-1)!;
    const base = real.snapshot();
    setSnapshot({ ...base, login, signedIn: true, customIdentifier: login });
    agent.onMessage(makeBridgeMessage('attach', {}));
    const snap = updates(posted).find((u) => u.type === 'snapshot');
    const cutLogin = `${login.slice(0, LIMITS.credential - 1)}…`;
    expect(snap).toEqual({ type: 'snapshot', sessionId: 'odd-1', snapshot: { ...base, login: cutLogin, signedIn: true, customIdentifier: cutLogin } });
    expect(agent.dropped.snapshot()).toEqual({ 'string-cut': 2 });
  });

  test('an update whose own fields are outside the schema is still dropped whole, and counted', async () => {
    const { agent, posted, setSnapshot } = await withPageSession();
    setSnapshot({ ...sessions.at(-1)!.snapshot(), signedIn: 'yes' as unknown as boolean });
    agent.onMessage(makeBridgeMessage('attach', {}));
    expect(updates(posted).map((u) => u.type)).toEqual(['sessions', 'log']);
    expect(agent.dropped.snapshot()).toEqual({ 'outgoing-schema': 1 });
  });
});
