import { describe, expect, test } from 'vitest';
import { createBridge, type PagePortLike } from '../../src/extension/bridge-core.js';
import {
  BRIDGE_PORT_NAME,
  PAGE_SOURCE,
  PORT_SOURCE,
  PROTOCOL_VERSION,
  makePageHandover,
  makePageMessage,
  type BridgeMessage,
} from '../../src/protocol/messages.js';
import { createPortPair, type MemoryPort } from '../../src/transport/memory-port.js';

const port = (kind: string, body: object = {}) => ({ source: PORT_SOURCE, v: PROTOCOL_VERSION, kind, ...body });
const flush = () => new Promise((r) => setTimeout(r, 0));

/** The bridge's end of an agent's channel: records what the bridge sends; `say` is the agent speaking. */
function pagePort(): PagePortLike & { sent: BridgeMessage[]; closed: boolean; say(data: unknown): void } {
  const p = {
    sent: [] as BridgeMessage[],
    closed: false,
    onmessage: null as PagePortLike['onmessage'],
    postMessage(m: unknown) {
      p.sent.push(structuredClone(m) as BridgeMessage);
    },
    close() {
      p.closed = true;
    },
    say(data: unknown) {
      p.onmessage?.({ data: structuredClone(data) });
    },
  };
  return p;
}

function setup(options: { maxPerSecond?: number; now?: () => number } = {}) {
  const self = {};
  const servers: MemoryPort[] = [];
  const fromBridge: unknown[] = [];
  let connects = 0;
  const bridge = createBridge({
    connect: (name) => {
      connects++;
      expect(name).toBe(BRIDGE_PORT_NAME);
      const [client, server] = createPortPair(name);
      server.onMessage.addListener((m) => fromBridge.push(m));
      servers.push(server);
      return client;
    },
    instance: 'inst1',
    origin: 'https://app.example',
    backoffMs: [0],
    ...options,
  });
  const page = pagePort();
  const handOver = (p: PagePortLike = page, source: unknown = self) =>
    bridge.onWindowMessage({ source, data: makePageHandover(), ports: [p] }, self);
  return { bridge, self, page, handOver, servers, fromBridge, connects: () => connects };
}

describe('content-script bridge', () => {
  test('connects when started and says ready first: its instance, its origin, and whether an agent is linked', async () => {
    const { bridge, fromBridge, handOver, servers } = setup();
    bridge.start();
    await flush();
    expect(fromBridge).toEqual([port('ready', { instance: 'inst1', origin: 'https://app.example', agent: false })]);
    handOver();
    servers[0]!.disconnect(); // the worker stopped; the bridge reconnects and says it has its agent now
    await flush();
    await flush();
    expect(fromBridge.at(-1)).toEqual(port('ready', { instance: 'inst1', origin: 'https://app.example', agent: true }));
  });

  test('the handover counts once, only from this window, with our tag, shape and exactly one port', async () => {
    const { bridge, self, page, handOver, servers } = setup();
    bridge.start();
    const other = pagePort();
    handOver(other, {}); // another window or frame
    bridge.onWindowMessage({ source: self, data: { ...makePageHandover(), v: 9 }, ports: [other] }, self);
    bridge.onWindowMessage({ source: self, data: makePageHandover(), ports: [] }, self);
    bridge.onWindowMessage({ source: self, data: makePageHandover(), ports: [other, other] }, self);
    bridge.onWindowMessage({ source: self, data: { hello: 'the page’s own traffic' }, ports: [] }, self);
    expect(bridge.hasPage()).toBe(false);
    handOver(page);
    handOver(other); // a second handover (a page script, or a second agent): ignored
    expect(bridge.hasPage()).toBe(true);
    expect(bridge.dropped.snapshot()).toEqual({ 'other-window': 1, 'handover-schema': 1, 'handover-port': 2, 'handover-again': 1 });
    servers[0]!.postMessage(port('attach'));
    await flush();
    expect(page.sent.map((m) => m.kind), 'only the adopted channel hears the bridge').toEqual(['attach']);
    expect(other.sent).toEqual([]);
  });

  test('page messages count only with a valid shape, while attached, and results only for ids it forwarded', async () => {
    const { bridge, page, handOver, servers, fromBridge } = setup();
    bridge.start();
    handOver();
    await flush();
    fromBridge.length = 0;
    const update = makePageMessage('update', { update: { type: 'sessions', sessions: [] } });
    page.say(update);
    expect(bridge.dropped.snapshot()).toEqual({ 'not-attached': 1 });
    servers[0]!.postMessage(port('attach'));
    await flush();
    page.say({ ...update, v: 9 });
    page.say({ ...update, source: 'someone' });
    page.say(makePageMessage('result', { id: 'never-sent', result: { ok: true, value: null } }));
    page.say(update);
    await flush();
    expect(fromBridge).toEqual([port('update', { update: { type: 'sessions', sessions: [] } })]);
    expect(bridge.dropped.snapshot()).toEqual({ 'not-attached': 1, 'page-schema': 2, 'unknown-id': 1 });
  });

  test('an attach that came before the agent reaches it at the handover; the worker going away detaches the page', async () => {
    const { bridge, page, handOver, servers } = setup();
    bridge.start();
    servers[0]!.postMessage(port('attach'));
    await flush();
    handOver();
    expect(page.sent.map((m) => m.kind)).toEqual(['attach']);
    servers[0]!.disconnect(); // the worker stopped
    await flush();
    await flush();
    expect(page.sent.at(-1)?.kind).toBe('detach');
    expect(servers.length, 'reconnected').toBe(2);
    expect(bridge.isConnected()).toBe(true);
  });

  test('detach from the worker: the page stops and the bridge lets its port go; woken again (panel reopened) it reconnects', async () => {
    const { bridge, page, handOver, servers, connects } = setup();
    bridge.start();
    handOver();
    servers[0]!.postMessage(port('attach'));
    servers[0]!.postMessage(port('detach'));
    await flush();
    await flush();
    expect(page.sent.map((m) => m.kind)).toEqual(['attach', 'detach']);
    expect(bridge.isConnected()).toBe(false);
    expect(servers.length).toBe(1);
    expect(bridge.wake(), 'still reachable').toBe(true);
    expect(connects()).toBe(2);
  });

  test('commands reach the page once; a repeated id is answered from cache', async () => {
    const { bridge, page, handOver, servers, fromBridge } = setup();
    bridge.start();
    handOver();
    servers[0]!.postMessage(port('attach'));
    const command = port('command', { id: 'r1', sessionId: 's', command: 'refreshToken', args: [] });
    servers[0]!.postMessage(command);
    await flush();
    expect(page.sent.map((m) => m.kind)).toEqual(['attach', 'command']);
    page.say(makePageMessage('result', { id: 'r1', result: { ok: true, value: null } }));
    servers[0]!.postMessage(command);
    await flush();
    expect(page.sent.filter((m) => m.kind === 'command').length, 'ran once').toBe(1);
    expect(fromBridge.filter((m) => (m as { kind: string }).kind === 'result').length).toBe(2);
  });

  test('a page flooding valid messages is cut off at the rate limit, and let through again the next second', async () => {
    let t = 0;
    const { bridge, page, handOver, servers, fromBridge } = setup({ maxPerSecond: 100, now: () => t });
    bridge.start();
    handOver();
    servers[0]!.postMessage(port('attach'));
    await flush();
    fromBridge.length = 0;
    const update = makePageMessage('update', { update: { type: 'sessions', sessions: [] } });
    for (let i = 0; i < 150; i++) page.say(update);
    t = 1000;
    for (let i = 0; i < 10; i++) page.say(update);
    await flush();
    expect(fromBridge.length).toBe(110);
    expect(bridge.dropped.snapshot()).toEqual({ rate: 50 });
  });

  test('an extension that was reloaded: connect throws, the bridge is dead and says so when woken', () => {
    let tries = 0;
    const bridge = createBridge({
      connect: () => {
        tries++;
        throw new Error('Extension context invalidated.');
      },
      instance: 'i',
      origin: 'https://app.example',
    });
    bridge.start();
    expect(tries).toBe(1);
    expect(bridge.isConnected()).toBe(false);
    expect(bridge.wake(), 'the caller starts a fresh bridge').toBe(false);
    expect(PAGE_SOURCE).toBe('session-panel:page');
  });
});
