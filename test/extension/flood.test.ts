import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createBridge, type PagePortLike } from '../../src/extension/bridge-core.js';
import { createRouter, type Router } from '../../src/extension/router.js';
import { messageBytes } from '../../src/protocol/byte-budget.js';
import {
  BRIDGE_PORT_NAME,
  PORT_SOURCE,
  PROTOCOL_VERSION,
  asTabId,
  makePageHandover,
  makePageMessage,
  panelPortName,
  parseWorkerToPanel,
  type PageUpdate,
  type WorkerToPanel,
} from '../../src/protocol/messages.js';
import { createPortPair, type MemoryPort } from '../../src/transport/memory-port.js';
import type { PortSender } from '../../src/transport/port-like.js';

/**
 * Generated floods against the byte bounds (byte-budget.ts): per message, per second per frame (bridge) and per tab
 * (router), with what waits bounded in bytes, drops counted and reported, and a quiet tab served while another floods.
 */

const EXT_ID = 'abcdefghijklmnopabcdefghijklmnop';
const ORIGIN = `chrome-extension://${EXT_ID}/`;
const msg = (kind: string, body: object) => ({ source: PORT_SOURCE, v: PROTOCOL_VERSION, kind, ...body });
const flush = () => vi.advanceTimersByTimeAsync(0);

/** A session list of `n` sessions whose frame labels are `len` long: big, schema-valid, "latest state" updates. */
const sessions = (n: number, len: number, tag = 'x'): PageUpdate => ({
  type: 'sessions',
  sessions: Array.from({ length: n }, (_, i) => ({ id: `s${i}`, namespace: tag, uuid: `u${i}`, frame: 'f'.repeat(len) })),
});
/** A log batch: history, never coalesced. */
const logBatch = (n: number, len: number): PageUpdate => ({
  type: 'log',
  sessionId: 's0',
  entries: Array.from({ length: n }, (_, i) => ({ seq: i, at: i, kind: 'event' as const, message: 'm'.repeat(len) })),
});
const floodUpdate = fc.oneof(
  fc.record({ n: fc.integer({ min: 1, max: 64 }), len: fc.integer({ min: 0, max: 2048 }) }).map(({ n, len }) => sessions(n, len, 'flood')),
  fc.record({ n: fc.integer({ min: 1, max: 200 }), len: fc.integer({ min: 0, max: 4000 }) }).map(({ n, len }) => logBatch(n, len)),
);

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('router: per-tab byte budgets and fair delivery', () => {
  let router: Router;
  const RATE = 200_000;
  const BURST = 400_000;
  const MAX = 150_000;
  const make = (maxMessageBytes = MAX) =>
    (router = createRouter({
      extensionId: EXT_ID,
      extensionOrigin: ORIGIN,
      inject: { bridges: () => {}, bridgeInto: () => {}, agentInto: () => {}, watchNavigations: () => {} },
      tabBytesPerSecond: RATE,
      tabBurstBytes: BURST,
      maxMessageBytes,
    }));
  function connect(name: string, sender: PortSender) {
    const [client, server] = createPortPair(name, sender);
    const received: WorkerToPanel[] = [];
    client.onMessage.addListener((m) => {
      const parsed = parseWorkerToPanel(m);
      if (parsed) received.push(parsed);
    });
    router.onConnect(server);
    return { client, received };
  }
  const panel = (tab: number) => connect(panelPortName(asTabId(tab)!), { id: EXT_ID, url: `${ORIGIN}src/extension/panel.html` });
  const bridge = (tab: number, frameId = 0) => {
    const b = connect(BRIDGE_PORT_NAME, { id: EXT_ID, url: `https://t${tab}.example/`, origin: `https://t${tab}.example`, frameId, documentId: `D${tab}`, tab: { id: tab } });
    b.client.postMessage(msg('ready', { instance: 'i', origin: 'x', agent: true }));
    return b;
  };
  const updateBytes = (r: readonly WorkerToPanel[]) =>
    r.reduce((n, m) => n + (m.kind === 'update' ? messageBytes(m.update) : 0), 0);

  test('a flooding tab gets at most its budget; a quiet tab’s update arrives at once; drops are counted and reported', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(floodUpdate, { minLength: 20, maxLength: 60 }), fc.integer({ min: 0, max: 19 }), async (flood, quietAt) => {
        make();
        const pa = panel(1);
        const pb = panel(2);
        const ba = bridge(1);
        const bb = bridge(2);
        await flush();
        let sentBytes = 0;
        let oversize = 0;
        let quietSeen = false;
        for (let i = 0; i < flood.length; i++) {
          const bytes = messageBytes(flood[i]);
          if (bytes > MAX) oversize++;
          sentBytes += bytes;
          ba.client.postMessage(msg('update', { update: flood[i] }));
          if (i === quietAt) {
            const before = pb.received.length;
            bb.client.postMessage(msg('update', { update: sessions(1, 10, 'quiet') }));
            await flush();
            // Delivered in the same turn, while tab 1 is over its budget.
            quietSeen = pb.received.slice(before).some((m) => m.kind === 'update' && m.update.type === 'sessions' && m.update.sessions[0]?.namespace === 'quiet');
          }
        }
        await flush();
        expect(quietSeen).toBe(true);
        // Tab 1 got no more than its burst in the same instant, and what waits is bounded in bytes.
        expect(updateBytes(pa.received)).toBeLessThanOrEqual(BURST);
        expect(router.flowStats().queuedBytes).toBeLessThanOrEqual(4 * MAX);
        const delivered = pa.received.filter((m) => m.kind === 'update').length;
        const counts = router.dropped.snapshot();
        const drops = Object.entries(counts).filter(([k]) => k.startsWith('flood-')).reduce((n, [, v]) => n + v, 0);
        expect(counts['flood-too-large'] ?? 0).toBe(oversize);
        expect(delivered + drops + router.flowStats().queuedUpdates).toBe(flood.length);
        if (sentBytes > BURST) expect(drops).toBeGreaterThan(0);
        // The count reaches tab 1's panel (about once a second), never tab 2's.
        await vi.advanceTimersByTimeAsync(1000);
        const reported = pa.received.filter((m) => m.kind === 'drops').at(-1);
        if (drops > 0) expect(reported).toMatchObject({ kind: 'drops', frameId: 0 });
        if (reported?.kind === 'drops') expect(reported.count).toBe(drops);
        expect(pb.received.some((m) => m.kind === 'drops')).toBe(false);
        // The latest waiting state goes out once the budget refills; then nothing is held.
        await vi.advanceTimersByTimeAsync(30_000);
        expect(router.flowStats().queuedBytes).toBe(0);
        // Memory goes with the page and the panel.
        ba.client.disconnect();
        pa.client.disconnect();
        pb.client.disconnect();
        await flush();
        expect(router.flowStats()).toEqual({ tabs: 0, queuedBytes: 0, queuedUpdates: 0 });
      }),
      { numRuns: 15 },
    );
  });

  test('over budget, session lists coalesce to the newest one, which is delivered when the budget refills', async () => {
    make(500_000);
    const pa = panel(1);
    const ba = bridge(1);
    await flush();
    ba.client.postMessage(msg('update', { update: logBatch(101, 3900) })); // ~400 kB: the burst
    for (let i = 0; i < 10; i++) ba.client.postMessage(msg('update', { update: sessions(2, 2000, `v${i}`) }));
    ba.client.postMessage(msg('update', { update: logBatch(1, 10) })); // history over budget: dropped
    await flush();
    expect(router.dropped.snapshot()).toMatchObject({ 'flood-coalesced': 9, 'flood-over-budget': 1 });
    expect(router.flowStats().queuedUpdates).toBe(1);
    await vi.advanceTimersByTimeAsync(5000);
    const lists = pa.received.filter((m) => m.kind === 'update' && m.update.type === 'sessions');
    expect(lists.map((m) => (m.kind === 'update' && m.update.type === 'sessions' ? m.update.sessions[0]!.namespace : ''))).toEqual(['v9']);
    expect(pa.received.filter((m) => m.kind === 'drops').at(-1)).toMatchObject({ count: 10 });
  });

  test('a frame that goes away takes its waiting updates with it', async () => {
    make(500_000);
    panel(1);
    const ba = bridge(1);
    await flush();
    ba.client.postMessage(msg('update', { update: logBatch(101, 3900) }));
    ba.client.postMessage(msg('update', { update: sessions(2, 2000) }));
    await flush();
    expect(router.flowStats().queuedUpdates).toBe(1);
    ba.client.disconnect();
    await flush();
    expect(router.flowStats().queuedBytes).toBe(0);
  });
});

describe('bridge: per-message cap and per-frame byte budget', () => {
  function setup(opts: { maxMessageBytes: number; bytesPerSecond: number; burstBytes: number }) {
    const servers: MemoryPort[] = [];
    const fromBridge: { kind: string; update?: PageUpdate; count?: number }[] = [];
    const bridge = createBridge({
      connect: (name) => {
        const [client, server] = createPortPair(name);
        server.onMessage.addListener((m) => fromBridge.push(m as (typeof fromBridge)[number]));
        servers.push(server);
        return client;
      },
      instance: 'i',
      origin: 'https://app.example',
      backoffMs: [0],
      maxPerSecond: 100_000,
      ...opts,
    });
    const page: PagePortLike & { say(d: unknown): void } = {
      onmessage: null,
      postMessage() {},
      close() {},
      say(d) {
        this.onmessage?.({ data: d });
      },
    };
    bridge.start();
    bridge.onWindowMessage({ source: 'self', data: makePageHandover(), ports: [page] }, 'self');
    servers[0]!.postMessage(msg('attach', {}));
    return { bridge, page, fromBridge };
  }

  test('generated floods: relayed bytes stay within the budget, over-size messages are dropped, every drop is counted', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(floodUpdate, { minLength: 10, maxLength: 50 }), async (flood) => {
        const { bridge, page, fromBridge } = setup({ maxMessageBytes: 150_000, bytesPerSecond: 100_000, burstBytes: 300_000 });
        await flush();
        let oversize = 0;
        for (const u of flood) {
          if (messageBytes(makePageMessage('update', { update: u })) > 150_000) oversize++;
          page.say(makePageMessage('update', { update: u }));
        }
        await flush();
        const updates = fromBridge.filter((m) => m.kind === 'update');
        expect(updates.reduce((n, m) => n + messageBytes(m.update), 0)).toBeLessThanOrEqual(300_000);
        expect(bridge.dropped.snapshot()['too-large'] ?? 0).toBe(oversize);
        await vi.advanceTimersByTimeAsync(60_000);
        const delivered = fromBridge.filter((m) => m.kind === 'update').length;
        expect(delivered + bridge.floodDrops()).toBe(flood.length);
        if (bridge.floodDrops() > 0) expect(fromBridge.filter((m) => m.kind === 'drops').at(-1)).toMatchObject({ count: bridge.floodDrops() });
      }),
      { numRuns: 15 },
    );
  });
});
