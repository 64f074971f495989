import { afterEach, describe, expect, test, vi } from 'vitest';
import { getSessionHook } from '../../src/core/hook.js';
import { createSession } from '../../src/core/index.js';
import type { Session } from '../../src/core/types.js';
import { createBridge, type PagePortLike } from '../../src/extension/bridge-core.js';
import { createPageAgent, packBatches } from '../../src/extension/page-agent.js';
import { createRouter } from '../../src/extension/router.js';
import { messageBytes } from '../../src/protocol/byte-budget.js';
import {
  BRIDGE_PORT_NAME,
  LIMITS,
  PORT_SOURCE,
  PROTOCOL_VERSION,
  asTabId,
  makeBridgeMessage,
  makePageHandover,
  makePageMessage,
  panelPortName,
  parseBridgeToWorker,
  parsePageMessage,
  parseWorkerToPanel,
  type PageMessage,
  type PageUpdate,
} from '../../src/protocol/messages.js';
import { createPortPair, type MemoryPort } from '../../src/transport/memory-port.js';
import type { PortSender } from '../../src/transport/port-like.js';
import type { TransportUpdate } from '../../src/transport/types.js';
import { Chain, EXT_ID, PANEL_URL, eventually } from './harness.js';

/**
 * One flush of the page agent travels as one message on every hop (`updates`), so a page change costs each context
 * one task and the panel one render, instead of one per update (bench/extension.bench.mjs, per hop). The bounds stay
 * those of single updates: over budget, a batch is taken item by item.
 */

const port = (kind: string, body: object = {}) => ({ source: PORT_SOURCE, v: PROTOCOL_VERSION, kind, ...body });
const tick = () => new Promise((r) => setTimeout(r, 0));
const sessionsOf = (tag: string, n = 1, len = 0): PageUpdate => ({
  type: 'sessions',
  sessions: Array.from({ length: n }, (_, i) => ({ id: `s${i}`, namespace: tag, uuid: `u${i}`, ...(len ? { frame: 'f'.repeat(len) } : {}) })),
});
const eventsOf = (n: number): PageUpdate => ({ type: 'events', sessionId: 's0', events: Array.from({ length: n }, (_, i) => ({ type: 'ready' as const, at: i })) });

const live: Session[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const s of live.splice(0)) s.dispose();
});
/** With fake timers (the budgets' refill waits are timers): a turn, or `ms` of time. */
const later = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

describe('packBatches', () => {
  test('keeps the order, and cuts where the next update would pass the byte limit or the count', () => {
    const small = Array.from({ length: LIMITS.batch + 3 }, (_, i) => sessionsOf(`n${i}`));
    const byCount = packBatches(small);
    expect(byCount.map((b) => b.length)).toEqual([LIMITS.batch, 3]);
    expect(byCount.flat()).toEqual(small);

    const big = [sessionsOf('a', 10, 900), sessionsOf('b', 10, 900), sessionsOf('c', 10, 900)];
    const each = messageBytes(big[0]);
    const byBytes = packBatches(big, 2 * each + 300);
    expect(byBytes.map((b) => b.length)).toEqual([2, 1]);
    for (const b of byBytes) expect(messageBytes(makePageMessage('updates', { updates: b }))).toBeLessThanOrEqual(2 * each + 300);
    expect(byBytes.flat()).toEqual(big);
  });

  test('an update too large on its own goes alone, the others around it still batched', () => {
    const huge = sessionsOf('huge', 40, 2000);
    const list = [sessionsOf('a'), huge, sessionsOf('b'), sessionsOf('c')];
    expect(packBatches(list, 10_000).map((b) => b.map((u) => (u.type === 'sessions' ? u.sessions[0]!.namespace : '')))).toEqual([['a'], ['huge'], ['b', 'c']]);
    expect(packBatches([])).toEqual([]);
  });
});

describe('page agent', () => {
  test('a page change after attach goes out as one message: the list, the events, then the snapshot', async () => {
    const hook = getSessionHook({});
    const s = createSession({ storage: 'memory', devtools: false, namespace: 'one' });
    live.push(s);
    await s.ready;
    hook.register(s);
    const posted: PageMessage[] = [];
    const agent = createPageAgent({ hook, post: (m) => posted.push(structuredClone(m)) });
    agent.onMessage(makeBridgeMessage('attach', {}));
    posted.length = 0;
    await s.regenerateUUIDWithClientIdentifier('seed-1');
    await eventually(() => posted.some((m) => m.kind === 'updates'), 'the flush');
    const first = posted[0]!;
    expect(first.kind).toBe('updates');
    expect(parsePageMessage(first), 'passes the bridge’s guard unchanged').toEqual(first);
    if (first.kind !== 'updates') return;
    expect(first.updates.map((u) => u.type)).toEqual(['sessions', 'events', 'snapshot']);
    const snap = first.updates[2]!;
    expect(snap.type === 'snapshot' && snap.snapshot.uuid).toBe(s.getUUID());
    agent.dispose();
  });
});

describe('the wire protocol', () => {
  test('a batch holds one to LIMITS.batch updates, each checked as a single one; anything else drops the message', () => {
    const ok = makePageMessage('updates', { updates: [sessionsOf('a'), eventsOf(2)] });
    expect(parsePageMessage(ok)).toEqual(ok);
    expect(parsePageMessage(makePageMessage('updates', { updates: [] }))).toBeNull();
    expect(parsePageMessage(makePageMessage('updates', { updates: Array.from({ length: LIMITS.batch + 1 }, () => sessionsOf('a')) }))).toBeNull();
    const bad = { ...ok, updates: [sessionsOf('a'), { type: 'snapshot', sessionId: 's0', snapshot: { uuid: 5 } }] };
    expect(parsePageMessage(bad), 'receivers are all-or-nothing').toBeNull();
    const toWorker = port('updates', { updates: [sessionsOf('a')], extra: 'stripped' });
    expect(parseBridgeToWorker(toWorker)).toEqual(port('updates', { updates: [sessionsOf('a')] }));
    expect(parseWorkerToPanel(port('updates', { frameId: 3, updates: [sessionsOf('a')] }))).toEqual(port('updates', { frameId: 3, updates: [sessionsOf('a')] }));
    expect(parseWorkerToPanel(port('updates', { updates: [sessionsOf('a')] })), 'the worker names the frame').toBeNull();
  });
});

describe('bridge', () => {
  function setup(budget: { bytesPerSecond?: number; burstBytes?: number; maxMessageBytes?: number; now?: () => number } = {}) {
    const fromBridge: unknown[] = [];
    const servers: MemoryPort[] = [];
    const bridge = createBridge({
      connect: (name) => {
        const [client, server] = createPortPair(name);
        server.onMessage.addListener((m) => fromBridge.push(m));
        servers.push(server);
        return client;
      },
      instance: 'inst1',
      origin: 'https://app.example',
      backoffMs: [0],
      ...budget,
    });
    let onmessage: PagePortLike['onmessage'] = null;
    const page: PagePortLike = {
      postMessage: () => {},
      close: () => {},
      get onmessage() {
        return onmessage;
      },
      set onmessage(h) {
        onmessage = h;
      },
    };
    const self = {};
    bridge.start();
    bridge.onWindowMessage({ source: self, data: makePageHandover(), ports: [page] }, self);
    const say = (m: unknown) => onmessage?.({ data: structuredClone(m) });
    return { bridge, fromBridge, servers, say };
  }

  test('within budget a batch goes on as one message, unchanged', async () => {
    const { fromBridge, servers, say } = setup();
    await tick();
    servers[0]!.postMessage(port('attach'));
    await tick();
    fromBridge.length = 0;
    const updates = [sessionsOf('a'), eventsOf(3)];
    say(makePageMessage('updates', { updates }));
    await tick();
    expect(fromBridge).toEqual([port('updates', { updates })]);
  });

  test('over budget it is taken item by item: the list waits (the newest only), events are dropped and counted', async () => {
    vi.useFakeTimers();
    const one = messageBytes(makePageMessage('update', { update: sessionsOf('first', 10, 500) }));
    const { bridge, fromBridge, servers, say } = setup({ bytesPerSecond: one, burstBytes: one, now: Date.now });
    await later();
    servers[0]!.postMessage(port('attach'));
    await later();
    say(makePageMessage('update', { update: sessionsOf('first', 10, 500) })); // spends the burst
    await later();
    expect(fromBridge.at(-1)).toEqual(port('update', { update: sessionsOf('first', 10, 500) }));
    fromBridge.length = 0;
    say(makePageMessage('updates', { updates: [sessionsOf('older', 10, 500), eventsOf(5), sessionsOf('newer', 10, 500)] }));
    expect(bridge.dropped.snapshot()).toEqual({ 'over-budget': 1, coalesced: 1 });
    await later();
    expect(fromBridge).toEqual([]);
    await later(2000);
    expect(fromBridge).toEqual([port('update', { update: sessionsOf('newer', 10, 500) }), port('drops', { count: 2 })]);
  });

  test('a batch larger than the message limit is dropped whole, each of its updates counted; not attached: dropped', async () => {
    const { bridge, fromBridge, servers, say } = setup({ maxMessageBytes: 2000 });
    await tick();
    say(makePageMessage('updates', { updates: [sessionsOf('a'), sessionsOf('b')] }));
    expect(bridge.dropped.snapshot()).toEqual({ 'not-attached': 1 });
    servers[0]!.postMessage(port('attach'));
    await tick();
    fromBridge.length = 0;
    say(makePageMessage('updates', { updates: [sessionsOf('a', 3, 400), sessionsOf('b', 3, 400)] }));
    expect(bridge.dropped.snapshot()).toEqual({ 'not-attached': 1, 'too-large': 2 });
    await tick();
    expect(fromBridge).toEqual([]);
  });
});

describe('router', () => {
  const ORIGIN = `chrome-extension://${EXT_ID}/`;
  function setup(budget: { tabBytesPerSecond?: number; tabBurstBytes?: number } = {}) {
    const router = createRouter({
      extensionId: EXT_ID,
      extensionOrigin: ORIGIN,
      inject: { bridges: () => {}, bridgeInto: () => {}, agentInto: () => {}, watchNavigations: () => {} },
      ...budget,
    });
    const connect = (name: string, sender: PortSender) => {
      const [client, server] = createPortPair(name, sender);
      const received: unknown[] = [];
      client.onMessage.addListener((m) => received.push(m));
      router.onConnect(server);
      return { client, received };
    };
    const panel = connect(panelPortName(asTabId(5)!), { id: EXT_ID, url: `${ORIGIN}src/extension/panel.html` });
    const bridge = connect(BRIDGE_PORT_NAME, { id: EXT_ID, url: 'https://app.example/', origin: 'https://app.example', frameId: 2, documentId: 'D2', tab: { id: 5 } });
    bridge.client.postMessage(port('ready', { instance: 'i', origin: 'x', agent: true }));
    return { router, panel, bridge };
  }
  const updatesOf = (received: unknown[]) => received.filter((m) => (m as { kind: string }).kind.startsWith('update'));

  test('within the tab budget a batch reaches the panel as one message, named with its frame', async () => {
    const { panel, bridge } = setup();
    await tick();
    const updates = [sessionsOf('a'), eventsOf(2)];
    bridge.client.postMessage(port('updates', { updates }));
    await tick();
    expect(updatesOf(panel.received)).toEqual([port('updates', { frameId: 2, updates })]);
  });

  test('over the tab budget it is taken item by item, as single updates are', async () => {
    vi.useFakeTimers();
    const one = messageBytes(sessionsOf('first', 10, 500));
    const { router, panel, bridge } = setup({ tabBytesPerSecond: one, tabBurstBytes: one });
    await later();
    bridge.client.postMessage(port('update', { update: sessionsOf('first', 10, 500) }));
    await later();
    bridge.client.postMessage(port('updates', { updates: [sessionsOf('older', 10, 500), eventsOf(5), sessionsOf('newer', 10, 500)] }));
    await later();
    expect(router.dropped.snapshot()).toEqual({ 'flood-over-budget': 1, 'flood-coalesced': 1 });
    await later(2000);
    expect(updatesOf(panel.received)).toEqual([
      port('update', { frameId: 2, update: sessionsOf('first', 10, 500) }),
      port('update', { frameId: 2, update: sessionsOf('newer', 10, 500) }),
    ]);
  });
});

describe('the whole chain (real sessions)', () => {
  test('a page change crosses the bridge and the worker as one message each; the panel takes all of it in one task', async () => {
    const chain = new Chain();
    try {
      const frame = await chain.load(0);
      const s = await chain.addSession(frame, 'app');
      const panelGot: unknown[] = [];
      const { transport, updates } = chain.panel({
        connect: (name) => {
          const p = chain.runtime.connect(name, { id: EXT_ID, url: PANEL_URL });
          p.onMessage.addListener((m) => panelGot.push(m));
          return p;
        },
      });
      await eventually(() => updates.some((u) => u.type === 'snapshot'), 'the first snapshot');
      await eventually(() => frame.ports.length > 0, 'the bridge port');
      const bridgeSent = frame.ports[0] as MemoryPort;
      await new Promise((r) => setTimeout(r, 30));
      const sentBefore = bridgeSent.sent.length;
      const gotBefore = panelGot.length;
      const updatesBefore = updates.length;
      const flushesBefore = frame.agent.flushes();
      // What the panel does in each task: the updates one message brings, seen by the viewer in the same turn.
      const turns: TransportUpdate['type'][][] = [];
      let turn: TransportUpdate['type'][] | null = null;
      const stop = transport.connect((u) => {
        if (!turn) {
          turns.push((turn = []));
          queueMicrotask(() => (turn = null));
        }
        turn.push(u.type);
      });
      turns.length = 0;
      await s.regenerateUUIDWithClientIdentifier('seed-2');
      const uuid = s.getUUID();
      await eventually(() => updates.slice(updatesBefore).some((u) => u.type === 'snapshot' && u.snapshot.uuid === uuid), 'the new UUID in the panel');
      await new Promise((r) => setTimeout(r, 30));
      const kinds = (ms: unknown[]) => ms.map((m) => (m as { kind: string }).kind);
      const fromBridge = kinds(bridgeSent.sent.slice(sentBefore));
      const toPanel = kinds(panelGot.slice(gotBefore));
      // The regenerate's first flush (new UUID) is one batch; the token that follows it comes in later flushes.
      expect(fromBridge[0]).toBe('updates');
      expect(toPanel[0]).toBe('updates');
      expect(fromBridge.length, 'one message per flush, not one per update').toBe(frame.agent.flushes() - flushesBefore);
      expect(toPanel.length).toBe(fromBridge.length);
      expect(turns[0]).toEqual(['sessions', 'events', 'snapshot']);
      stop();
    } finally {
      chain.dispose();
    }
  });
});
