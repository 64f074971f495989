import { describe, expect, test } from 'vitest';
import { createBridge } from '../../src/extension/bridge-core.js';
import {
  BRIDGE_PORT_NAME,
  PORT_SOURCE,
  PROTOCOL_VERSION,
  makePageMessage,
  type BridgeMessage,
} from '../../src/protocol/messages.js';
import { createPortPair, type MemoryPort } from '../../src/transport/memory-port.js';

const port = (kind: string, body: object = {}) => ({ source: PORT_SOURCE, v: PROTOCOL_VERSION, kind, ...body });
const flush = () => new Promise((r) => setTimeout(r, 0));

function setup(connectReply = true) {
  const self = {};
  const toPage: BridgeMessage[] = [];
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
    hello: async () => port('hello-reply', { connect: connectReply }),
    postToPage: (m) => toPage.push(m),
    backoffMs: [0],
  });
  return { bridge, self, toPage, servers, fromBridge, connects: () => connects };
}

describe('content-script bridge', () => {
  test('connects only when the worker says a panel is open, or when woken', async () => {
    const quiet = setup(false);
    await quiet.bridge.start();
    expect(quiet.connects()).toBe(0);
    quiet.bridge.onRuntimeMessage({ kind: 'wake' });
    expect(quiet.connects(), 'a malformed wake does nothing').toBe(0);
    quiet.bridge.onRuntimeMessage(port('wake'));
    expect(quiet.connects()).toBe(1);

    const eager = setup(true);
    await eager.bridge.start();
    expect(eager.connects()).toBe(1);
  });

  test('window messages count only from this window, with our tag and shape, and only while attached', async () => {
    const { bridge, self, servers, fromBridge, toPage } = setup();
    await bridge.start();
    const update = makePageMessage('update', { update: { type: 'sessions', sessions: [] } });
    bridge.onWindowMessage({ source: self, data: update }, self);
    expect(bridge.dropped.snapshot()).toEqual({ 'not-attached': 1 });

    servers[0]!.postMessage(port('attach'));
    await flush();
    expect(toPage.map((m) => m.kind)).toEqual(['attach']);
    bridge.onWindowMessage({ source: {}, data: update }, self); // another window or frame
    bridge.onWindowMessage({ source: self, data: { hello: 'other library' } }, self);
    bridge.onWindowMessage({ source: self, data: { ...update, v: 9 } }, self);
    bridge.onWindowMessage({ source: self, data: makePageMessage('result', { id: 'never-sent', result: { ok: true, value: null } }) }, self);
    bridge.onWindowMessage({ source: self, data: update }, self);
    await flush();
    expect(fromBridge).toEqual([port('update', { update: { type: 'sessions', sessions: [] } })]);
    expect(bridge.dropped.snapshot()).toEqual({ 'not-attached': 1, 'other-window': 1, 'not-ours': 1, 'page-schema': 1, 'unknown-id': 1 });
  });

  test('a ready page is re-attached; the worker going away detaches the page and the bridge reconnects', async () => {
    const { bridge, self, servers, toPage } = setup();
    await bridge.start();
    servers[0]!.postMessage(port('attach'));
    await flush();
    bridge.onWindowMessage({ source: self, data: makePageMessage('ready', { hook: true }) }, self);
    expect(toPage.map((m) => m.kind)).toEqual(['attach', 'attach']);
    servers[0]!.disconnect(); // the worker stopped
    await flush();
    await flush();
    expect(toPage.at(-1)?.kind).toBe('detach');
    expect(servers.length, 'reconnected').toBe(2);
    expect(bridge.isConnected()).toBe(true);
  });

  test('detach from the worker: the page stops and the bridge lets its port go without reconnecting', async () => {
    const { bridge, servers, toPage } = setup();
    await bridge.start();
    servers[0]!.postMessage(port('attach'));
    servers[0]!.postMessage(port('detach'));
    await flush();
    await flush();
    expect(toPage.map((m) => m.kind)).toEqual(['attach', 'detach']);
    expect(bridge.isConnected()).toBe(false);
    expect(servers.length).toBe(1);
  });

  test('a page flooding valid messages is cut off at the rate limit, and let through again the next second', async () => {
    let t = 0;
    const fromBridge: unknown[] = [];
    const bridge = createBridge({
      connect: (name) => {
        const [client, server] = createPortPair(name);
        server.onMessage.addListener((m) => fromBridge.push(m));
        queueMicrotask(() => server.postMessage(port('attach')));
        return client;
      },
      hello: async () => port('hello-reply', { connect: true }),
      postToPage: () => {},
      maxPerSecond: 100,
      now: () => t,
    });
    await bridge.start();
    await flush();
    const self = {};
    const update = makePageMessage('update', { update: { type: 'sessions', sessions: [] } });
    for (let i = 0; i < 150; i++) bridge.onWindowMessage({ source: self, data: update }, self);
    t = 1000;
    for (let i = 0; i < 10; i++) bridge.onWindowMessage({ source: self, data: update }, self);
    await flush();
    expect(fromBridge.length).toBe(110);
    expect(bridge.dropped.snapshot()).toEqual({ rate: 50 });
  });

  test('gives up after repeated connect failures (extension reloaded or removed)', async () => {
    let tries = 0;
    const bridge = createBridge({
      connect: () => {
        tries++;
        throw new Error('Extension context invalidated.');
      },
      hello: async () => port('hello-reply', { connect: true }),
      postToPage: () => {},
      backoffMs: [0],
      maxAttempts: 5,
    });
    await bridge.start();
    await new Promise((r) => setTimeout(r, 30));
    expect(tries).toBe(6);
    expect(bridge.isConnected()).toBe(false);
  });
});
