import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getSessionHook } from '../../src/core/hook.js';
import { createSession } from '../../src/core/index.js';
import type { Session, SessionSnapshot } from '../../src/core/types.js';
import { createBridge } from '../../src/extension/bridge-core.js';
import { createPageAgent } from '../../src/extension/page-agent.js';
import { createRouter } from '../../src/extension/router.js';
import {
  BRIDGE_PORT_NAME,
  BRIDGE_SOURCE,
  PAGE_SOURCE,
  PORT_SOURCE,
  PROTOCOL_VERSION,
  asTabId,
  panelPortName,
  parseBridgeMessage,
  parseBridgeToWorker,
  parsePageMessage,
  parsePanelToWorker,
  parseWorkerToBridge,
  parseWorkerToPanel,
} from '../../src/protocol/messages.js';
import { createPortPair, type MemoryPort } from '../../src/transport/memory-port.js';
import { createPortTransport } from '../../src/transport/port.js';
import type { TransportUpdate } from '../../src/transport/types.js';

/**
 * 10,000 malformed messages through every boundary: MAIN-world agent, bridge (window side and worker side), worker
 * (bridge ports and panel ports) and the panel's transport. Each one must be dropped and counted exactly once,
 * nothing may throw, and nothing may get through (no command run, nothing forwarded, nothing shown).
 * Malformed = a valid message with one part made wrong (tag, version, kind, id, field type, size), or random data.
 */

const RUNS = 10_000;
const EXT_ID = 'abcdefghijklmnopabcdefghijklmnop';
const ORIGIN = `chrome-extension://${EXT_ID}/`;

let session: Session;
let snapshot: SessionSnapshot;
beforeAll(async () => {
  session = createSession({ storage: 'memory', devtools: false });
  await session.ready;
  snapshot = session.snapshot();
});
afterAll(() => session.dispose());

const env = (source: string, kind: string, body: object) => ({ source, v: PROTOCOL_VERSION, kind, ...body });
const body = {
  command: () => ({ id: 'req_1', sessionId: session.id, command: 'destroySession', args: [] }),
  update: () => ({ update: { type: 'snapshot', sessionId: session.id, snapshot } }),
  result: () => ({ id: 'req_1', result: { ok: true, value: null } }),
};

/** Values that are wrong for a given key, whatever else the message holds. */
const wrongFor: Record<string, fc.Arbitrary<unknown>> = {
  source: fc.string().filter((s) => ![PAGE_SOURCE, BRIDGE_SOURCE, PORT_SOURCE].includes(s)),
  v: fc.anything().filter((v) => v !== PROTOCOL_VERSION),
  kind: fc.string({ maxLength: 12 }).filter((s) => !['ready', 'update', 'updates', 'result', 'attach', 'detach', 'command', 'welcome', 'frame', 'channel'].includes(s)),
  id: fc.oneof(fc.string().filter((s) => !/^[A-Za-z0-9_-]{1,64}$/.test(s)), fc.integer(), fc.constant(null)),
  sessionId: fc.oneof(fc.integer(), fc.constant(null), fc.string({ minLength: 129, maxLength: 200 })),
  command: fc.string().filter((s) => !['refreshToken', 'retrieveToken', 'regenerateUUID', 'destroySession', 'signIn', 'signOut', 'expireToken', 'failNext', 'setOffline', 'issueExpiredNext', 'clearFaults', 'clearLog'].includes(s)),
  args: fc.oneof(fc.string(), fc.integer(), fc.array(fc.anything(), { minLength: 5, maxLength: 8 }), fc.constant([{ code: 'x' }]), fc.constant(['x'.repeat(5000)])),
  frameId: fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.string()),
  update: fc.oneof(
    fc.anything(),
    fc.record({ type: fc.constant('snapshot'), sessionId: fc.constant('s'), snapshot: fc.anything() }),
    fc.constant({ type: 'events', sessionId: 's', events: [{ type: 'ready' }] }),
    fc.constant({ type: 'sessions', sessions: Array.from({ length: 65 }, () => ({ id: 'a', namespace: 'b', uuid: 'c' })) }),
  ),
  result: fc.oneof(fc.anything(), fc.record({ ok: fc.constant(true), value: fc.string() }), fc.record({ ok: fc.constant(false), error: fc.string() })),
  tabId: fc.oneof(fc.integer({ max: -1 }), fc.string()),
  frames: fc.oneof(fc.string(), fc.array(fc.record({ frameId: fc.string(), url: fc.string() }), { minLength: 1, maxLength: 2 })),
};

/** Malformed messages for a boundary that accepts `valid` messages. */
function malformed(valid: readonly Record<string, unknown>[]): fc.Arbitrary<unknown> {
  const mutated = fc.constantFrom(...valid).chain((base) => {
    const keys = Object.keys(base).filter((k) => k in wrongFor);
    return fc.constantFrom(...keys).chain((key) => wrongFor[key]!.map((bad) => ({ ...base, [key]: bad })));
  });
  const missing = fc.constantFrom(...valid).chain((base) =>
    fc.constantFrom(...Object.keys(base)).map((key) => {
      const copy: Record<string, unknown> = { ...base };
      delete copy[key];
      return copy;
    }),
  );
  // Random data, filtered only to exclude the (astronomically unlikely) case of a well-tagged object.
  const junk = fc.anything().filter((v) => !(typeof v === 'object' && v !== null && 'source' in v));
  return fc.oneof({ weight: 5, arbitrary: mutated }, { weight: 2, arbitrary: missing }, { weight: 3, arbitrary: junk });
}

const sample = (valid: readonly Record<string, unknown>[], guard: (v: unknown) => unknown): unknown[] => {
  const values = fc.sample(malformed(valid), { numRuns: RUNS, seed: 20261124 });
  // The generator's promise, checked: the guard for this direction accepts none of them.
  for (const v of values) if (guard(v) !== null) throw new Error(`generator produced a valid message: ${JSON.stringify(v)}`);
  return values;
};

/** The bridge's end of the agent's channel, recording what the bridge sends the page. */
function fakePagePort(): { sent: unknown[]; postMessage(m: unknown): void; close(): void; onmessage: ((e: { data: unknown }) => void) | null } {
  return { sent: [] as unknown[], postMessage(m: unknown) { this.sent.push(m); }, close() {}, onmessage: null };
}

describe(`${RUNS} malformed messages through every boundary`, () => {
  test('MAIN-world agent (bridge → page)', () => {
    const hook = getSessionHook({});
    hook.register(session);
    const posted: unknown[] = [];
    const agent = createPageAgent({ hook, post: (m) => posted.push(m) });
    const valid = [env(BRIDGE_SOURCE, 'attach', {}), env(BRIDGE_SOURCE, 'command', body.command())];
    const before = session.getUUID();
    for (const m of sample(valid, parseBridgeMessage)) expect(() => agent.onMessage(m)).not.toThrow();
    expect(agent.dropped.total).toBe(RUNS);
    expect(posted, 'nothing streamed, no command answered').toEqual([]);
    expect(session.getUUID(), 'no command ran').toBe(before);
  });

  test('bridge, page side (page → bridge, over the handed-over channel)', async () => {
    const self = {};
    const fromBridge: unknown[] = [];
    const bridge = createBridge({
      connect: () => {
        const [client, server] = createPortPair(BRIDGE_PORT_NAME);
        server.onMessage.addListener((m) => fromBridge.push(m));
        queueMicrotask(() => server.postMessage(env(PORT_SOURCE, 'attach', {})));
        return client;
      },
      instance: 'i1',
      origin: 'https://a.example',
    });
    bridge.start();
    const page = fakePagePort();
    bridge.onWindowMessage({ source: self, data: env(PAGE_SOURCE, 'channel', {}), ports: [page] }, self);
    await new Promise((r) => setTimeout(r, 0));
    expect(bridge.isAttached()).toBe(true);
    fromBridge.length = 0;
    const valid = [env(PAGE_SOURCE, 'update', body.update()), env(PAGE_SOURCE, 'result', body.result())];
    for (const m of sample(valid, parsePageMessage)) expect(() => page.onmessage!({ data: m })).not.toThrow();
    await new Promise((r) => setTimeout(r, 0));
    expect(bridge.dropped.total).toBe(RUNS);
    // Past 1,000 messages a second the rate limit drops them too, and the bridge reports its count once a second: on a
    // loaded machine the loop outlasts that second. The report is the only thing that may reach the worker.
    const reports = fromBridge.filter((m) => (m as { kind?: string }).kind === 'drops');
    expect(fromBridge.filter((m) => !reports.includes(m)), 'nothing of the page forwarded to the worker').toEqual([]);
    for (const r of reports) expect((r as { count: number }).count).toBeLessThanOrEqual(bridge.floodDrops());
  });

  test('bridge, worker side (worker → bridge)', async () => {
    let server: MemoryPort | undefined;
    const bridge = createBridge({
      connect: () => {
        const pair = createPortPair(BRIDGE_PORT_NAME);
        server = pair[1];
        return pair[0];
      },
      instance: 'i1',
      origin: 'https://a.example',
    });
    bridge.start();
    const page = fakePagePort();
    bridge.onWindowMessage({ source: page, data: env(PAGE_SOURCE, 'channel', {}), ports: [page] }, page);
    const valid = [env(PORT_SOURCE, 'attach', {}), env(PORT_SOURCE, 'command', body.command())];
    for (const m of sample(valid, parseWorkerToBridge)) server!.postMessage(m);
    await new Promise((r) => setTimeout(r, 0));
    expect(bridge.dropped.total).toBe(RUNS);
    expect(page.sent, 'nothing reached the page').toEqual([]);
  });

  test('worker: bridge ports and panel ports', async () => {
    const noop = (): void => {};
    const router = createRouter({
      extensionId: EXT_ID,
      extensionOrigin: ORIGIN,
      inject: { bridges: noop, bridgeInto: noop, agentInto: noop, watchNavigations: noop },
    });
    const tab = asTabId(4)!;
    const [bridgeClient, bridgeServer] = createPortPair(BRIDGE_PORT_NAME, { id: EXT_ID, url: 'https://a/', frameId: 0, tab: { id: tab } });
    const [panelClient, panelServer] = createPortPair(panelPortName(tab), { id: EXT_ID, url: `${ORIGIN}panel.html` });
    const atBridge: unknown[] = [];
    const atPanel: unknown[] = [];
    bridgeClient.onMessage.addListener((m) => atBridge.push(m));
    panelClient.onMessage.addListener((m) => atPanel.push(m));
    router.onConnect(bridgeServer);
    router.onConnect(panelServer);
    bridgeClient.postMessage(env(PORT_SOURCE, 'ready', { instance: 'i1', origin: 'https://a', agent: true }));
    await new Promise((r) => setTimeout(r, 0));
    atBridge.length = atPanel.length = 0;

    const fromBridge = [env(PORT_SOURCE, 'update', body.update()), env(PORT_SOURCE, 'result', body.result())];
    const fromPanel = [env(PORT_SOURCE, 'command', { ...body.command(), frameId: 0, documentId: 'i1' })];
    for (const m of sample(fromBridge, parseBridgeToWorker)) bridgeClient.postMessage(m);
    for (const m of sample(fromPanel, parsePanelToWorker)) panelClient.postMessage(m);
    await new Promise((r) => setTimeout(r, 0));
    expect(router.dropped.snapshot()).toEqual({ 'bridge-schema': RUNS, 'panel-schema': RUNS });
    expect(atBridge, 'no command routed').toEqual([]);
    expect(atPanel, 'nothing relayed').toEqual([]);
  });

  test('panel transport (worker → panel)', async () => {
    const [client, server] = createPortPair('p');
    const transport = createPortTransport({ tabId: asTabId(1)!, connect: () => client });
    const seen: TransportUpdate[] = [];
    transport.connect((u) => seen.push(u));
    const valid = [
      env(PORT_SOURCE, 'welcome', { tabId: 1, frames: [] }),
      env(PORT_SOURCE, 'update', { frameId: 0, ...body.update() }),
      env(PORT_SOURCE, 'result', body.result()),
    ];
    for (const m of sample(valid, parseWorkerToPanel)) server.postMessage(m);
    await new Promise((r) => setTimeout(r, 0));
    expect(transport.dropped.total).toBe(RUNS);
    expect(seen.filter((u) => u.type !== 'connection'), 'nothing shown').toEqual([]);
    transport.close();
  });
});

describe('what the guards accept holds nothing outside the schema', () => {
  test('valid messages with arbitrary extra keys come out exactly as the valid message', () => {
    const valid = [
      env(BRIDGE_SOURCE, 'command', body.command()),
      env(PAGE_SOURCE, 'update', body.update()),
      env(PAGE_SOURCE, 'result', body.result()),
    ];
    const guards = [parseBridgeMessage, parsePageMessage, parsePageMessage];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.dictionary(fc.string().filter((k) => !['source', 'v', 'kind', 'id', 'sessionId', 'command', 'args', 'update', 'result', '__proto__'].includes(k)), fc.anything()),
        (i, extra) => {
          const out = guards[i]!({ ...extra, ...valid[i]! });
          expect(out).toEqual(valid[i]);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
