import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createRouter, type Router } from '../../src/extension/router.js';
import {
  BRIDGE_PORT_NAME,
  PORT_SOURCE,
  PROTOCOL_VERSION,
  asTabId,
  panelPortName,
  parseWorkerToBridge,
  parseWorkerToPanel,
  type TabId,
  type WakeMessage,
} from '../../src/protocol/messages.js';
import { createPortPair, type MemoryPort } from '../../src/transport/memory-port.js';
import type { PortSender } from '../../src/transport/port-like.js';

const EXT_ID = 'abcdefghijklmnopabcdefghijklmnop';
const ORIGIN = `chrome-extension://${EXT_ID}/`;
const TAB = asTabId(5)!;

let router: Router;
let wakes: [TabId, WakeMessage][];

beforeEach(() => {
  vi.useFakeTimers();
  wakes = [];
  router = createRouter({ extensionId: EXT_ID, extensionOrigin: ORIGIN, graceMs: 1000, wakeTab: (t, m) => wakes.push([t, m]) });
});
afterEach(() => vi.useRealTimers());

/** Connects a port to the router; returns the client end (what the bridge or panel holds). */
function connect(name: string, sender: PortSender): { client: MemoryPort; received: unknown[]; closed: () => boolean } {
  const [client, server] = createPortPair(name, sender);
  const received: unknown[] = [];
  let closed = false;
  client.onMessage.addListener((m) => received.push(m));
  client.onDisconnect.addListener(() => (closed = true));
  router.onConnect(server);
  return { client, received, closed: () => closed };
}
const bridge = (frameId = 0, tab: number = TAB) =>
  connect(BRIDGE_PORT_NAME, { id: EXT_ID, url: `https://app.example/${frameId}`, frameId, tab: { id: tab } });
const panel = (tab: TabId = TAB) => connect(panelPortName(tab), { id: EXT_ID, url: `${ORIGIN}src/extension/panel.html` });
const flush = () => vi.advanceTimersByTimeAsync(0);
const msg = (kind: string, body: object) => ({ source: PORT_SOURCE, v: PROTOCOL_VERSION, kind, ...body });
const command = (id: string, frameId = 0) => msg('command', { id, frameId, sessionId: 's1', command: 'refreshToken', args: [] });

describe('who may connect', () => {
  test('ports from other extensions, pages posing as panels, bridges without a tab and unknown names are refused', async () => {
    const foreign = connect(panelPortName(TAB), { id: 'someone-else', url: `${ORIGIN}x.html` });
    const fakePanel = connect(panelPortName(TAB), { id: EXT_ID, url: 'https://evil.example/' });
    const noTab = connect(BRIDGE_PORT_NAME, { id: EXT_ID, url: 'https://app.example/' });
    const odd = connect('whatever', { id: EXT_ID, url: `${ORIGIN}x.html` });
    const badTab = connect('session-panel:panel:12x', { id: EXT_ID, url: `${ORIGIN}x.html` });
    await flush();
    for (const p of [foreign, fakePanel, noTab, odd, badTab]) expect(p.closed(), 'disconnected').toBe(true);
    expect(router.dropped.snapshot()).toEqual({ 'foreign-port': 1, 'unknown-port': 3, 'bridge-without-tab': 1 });
    expect(router.stats()).toEqual({ bridges: 0, panels: 0, waiting: 0 });
  });
});

describe('routing per tab', () => {
  test('a panel is welcomed with the tab’s frames, bridges are told to attach and the tab is woken', async () => {
    const b0 = bridge(0);
    const b1 = bridge(3);
    const other = bridge(0, 99);
    const p = panel();
    await flush();
    expect(p.received.map(parseWorkerToPanel)).toEqual([
      msg('welcome', { tabId: TAB, frames: [{ frameId: 0, url: 'https://app.example/0' }, { frameId: 3, url: 'https://app.example/3' }] }),
    ]);
    expect(b0.received.map(parseWorkerToBridge)).toEqual([msg('attach', {})]);
    expect(b1.received.map(parseWorkerToBridge)).toEqual([msg('attach', {})]);
    expect(other.received, 'another tab hears nothing').toEqual([]);
    expect(wakes).toEqual([[TAB, msg('wake', {})]]);
  });

  test('commands go to the named frame only; results and updates come back with the frame from the sender', async () => {
    const b0 = bridge(0);
    const b3 = bridge(3);
    const p = panel();
    await flush();
    b0.received.length = b3.received.length = p.received.length = 0;

    p.client.postMessage(command('r1', 3));
    await flush();
    expect(b3.received).toEqual([msg('command', { id: 'r1', sessionId: 's1', command: 'refreshToken', args: [] })]);
    expect(b0.received).toEqual([]);

    // A bridge cannot claim another frame: the frameId field it sends is not part of its schema and is dropped.
    b3.client.postMessage({ ...msg('update', { update: { type: 'sessions', sessions: [] } }), frameId: 0 });
    b3.client.postMessage(msg('result', { id: 'r1', result: { ok: true, value: null } }));
    await flush();
    expect(p.received).toEqual([
      msg('update', { frameId: 3, update: { type: 'sessions', sessions: [] } }),
      msg('result', { id: 'r1', result: { ok: true, value: null } }),
    ]);
  });

  test('a command for a frame not connected yet waits for its bridge, or fails after the grace period', async () => {
    const p = panel();
    await flush();
    p.received.length = 0;
    p.client.postMessage(command('early'));
    p.client.postMessage(command('never', 8));
    await flush();
    expect(router.stats().waiting).toBe(2);

    const b0 = bridge(0);
    await flush();
    expect(b0.received.map(parseWorkerToBridge)).toEqual([
      msg('attach', {}),
      msg('command', { id: 'early', sessionId: 's1', command: 'refreshToken', args: [] }),
    ]);
    await vi.advanceTimersByTimeAsync(1000);
    const results = p.received.map(parseWorkerToPanel).filter((m) => m?.kind === 'result');
    expect(results).toEqual([msg('result', { id: 'never', result: { ok: false, error: expect.objectContaining({ kind: 'network' }) } })]);
    expect(router.stats().waiting).toBe(0);
  });

  test('the last panel leaving tells the bridges to detach; a bridge leaving is reported to the panel', async () => {
    const b0 = bridge(0);
    const p = panel();
    await flush();
    const b2 = bridge(2);
    await flush();
    b2.client.disconnect();
    await flush();
    expect(p.received.map(parseWorkerToPanel).filter((m) => m?.kind === 'frame')).toEqual([
      msg('frame', { frameId: 2, url: 'https://app.example/2', state: 'attached' }),
      msg('frame', { frameId: 2, url: 'https://app.example/2', state: 'detached' }),
    ]);
    p.client.disconnect();
    await flush();
    expect(b0.received.map(parseWorkerToBridge).at(-1)).toEqual(msg('detach', {}));
    expect(router.stats()).toEqual({ bridges: 1, panels: 0, waiting: 0 });
  });

  test('a second document in the same frame replaces the first and the panel hears a navigation', async () => {
    const first = bridge(0);
    const p = panel();
    await flush();
    bridge(0);
    await flush();
    expect(first.closed(), 'old document’s port closed').toBe(true);
    const frames = p.received.map(parseWorkerToPanel).filter((m) => m?.kind === 'frame').map((m) => m && 'state' in m && m.state);
    expect(frames).toEqual(['detached', 'attached']);
    expect(router.stats().bridges).toBe(1);
  });

  test('hello: a bridge learns whether a panel is open for its tab', () => {
    const sender = { id: EXT_ID, tab: { id: TAB } };
    expect(router.onHello(msg('hello', {}), sender)).toEqual(msg('hello-reply', { connect: false }));
    panel();
    expect(router.onHello(msg('hello', {}), sender)).toEqual(msg('hello-reply', { connect: true }));
    expect(router.onHello(msg('hello', {}), { id: 'other', tab: { id: TAB } })).toBeUndefined();
    expect(router.onHello({ kind: 'hello' }, sender)).toBeUndefined();
    expect(router.dropped.snapshot()).toEqual({ 'foreign-message': 1, 'hello-schema': 1 });
  });

  test('malformed panel and bridge messages are dropped and counted, and route nothing', async () => {
    const b0 = bridge(0);
    const p = panel();
    await flush();
    b0.received.length = p.received.length = 0;
    p.client.postMessage({ ...command('ok'), command: 'eval' });
    p.client.postMessage({ ...command('ok'), args: 'not-an-array' });
    p.client.postMessage({ ...command('ok'), v: 0 });
    b0.client.postMessage(msg('result', { id: 'x', result: { ok: 'yes' } }));
    b0.client.postMessage(msg('update', { update: { type: 'snapshot', sessionId: 's', snapshot: {} } }));
    await flush();
    expect(b0.received).toEqual([]);
    expect(p.received).toEqual([]);
    expect(router.dropped.snapshot()).toEqual({ 'panel-schema': 3, 'bridge-schema': 2 });
  });
});
