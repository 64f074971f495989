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
} from '../../src/protocol/messages.js';
import { createPortPair, type MemoryPort } from '../../src/transport/memory-port.js';
import type { PortSender } from '../../src/transport/port-like.js';

const EXT_ID = 'abcdefghijklmnopabcdefghijklmnop';
const ORIGIN = `chrome-extension://${EXT_ID}/`;
const TAB = asTabId(5)!;

let router: Router;
/** What the router asked the browser to run, in order. */
let injected: string[];

beforeEach(() => {
  vi.useFakeTimers();
  injected = [];
  router = createRouter({
    extensionId: EXT_ID,
    extensionOrigin: ORIGIN,
    graceMs: 1000,
    inject: {
      bridges: (t) => injected.push(`bridges ${t}`),
      bridgeInto: (t, f, d) => injected.push(`bridge ${t}/${f}/${d}`),
      agentInto: (t, f, d) => injected.push(`agent ${t}/${f}/${d}`),
      watchNavigations: (on) => injected.push(`watch ${on}`),
    },
  });
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
/** A bridge's port: it says `ready` first (with or without a linked agent), as bridge-core does. */
const bridge = (frameId = 0, tab: number = TAB, documentId = `D${frameId}`, agent = true) => {
  const b = connect(BRIDGE_PORT_NAME, {
    id: EXT_ID,
    url: `https://app.example/${frameId}`,
    origin: 'https://app.example',
    frameId,
    documentId,
    tab: { id: tab },
  });
  b.client.postMessage(msg('ready', { instance: 'i1', origin: 'https://forged.example', agent }));
  return b;
};
const info = (frameId: number, documentId = `D${frameId}`) => ({ frameId, documentId, origin: 'https://app.example', url: `https://app.example/${frameId}` });
const panel = (tab: TabId = TAB) => connect(panelPortName(tab), { id: EXT_ID, url: `${ORIGIN}src/extension/panel.html` });
const flush = () => vi.advanceTimersByTimeAsync(0);
const msg = (kind: string, body: object) => ({ source: PORT_SOURCE, v: PROTOCOL_VERSION, kind, ...body });
const command = (id: string, frameId = 0, documentId = `D${frameId}`) =>
  msg('command', { id, frameId, documentId, sessionId: 's1', command: 'refreshToken', args: [] });

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
  test('a panel is welcomed with the tab’s frames (origin and document from the sender), bridges attach, scripts go in', async () => {
    const b0 = bridge(0);
    const b1 = bridge(3);
    const other = bridge(0, 99);
    await flush();
    const p = panel();
    await flush();
    expect(p.received.map(parseWorkerToPanel)).toEqual([
      msg('welcome', { tabId: TAB, frames: [info(0), info(3)] }),
    ]);
    expect(b0.received.map(parseWorkerToBridge)).toEqual([msg('attach', {})]);
    expect(b1.received.map(parseWorkerToBridge)).toEqual([msg('attach', {})]);
    expect(other.received, 'another tab hears nothing').toEqual([]);
    expect(injected, 'the bridge into every frame of the tab; navigations followed').toEqual(['watch true', `bridges ${TAB}`]);
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
    await flush();
    const p = panel();
    await flush();
    const b2 = bridge(2);
    await flush();
    b2.client.disconnect();
    await flush();
    expect(p.received.map(parseWorkerToPanel).filter((m) => m?.kind === 'frame')).toEqual([
      msg('frame', { ...info(2), state: 'attached' }),
      msg('frame', { ...info(2), state: 'detached' }),
    ]);
    p.client.disconnect();
    await flush();
    expect(b0.received.map(parseWorkerToBridge).at(-1)).toEqual(msg('detach', {}));
    expect(router.stats()).toEqual({ bridges: 1, panels: 0, waiting: 0 });
  });

  test('a second document in the same frame replaces the first and the panel hears a navigation', async () => {
    const first = bridge(0);
    await flush();
    const p = panel();
    await flush();
    bridge(0, TAB, 'D0-next');
    await flush();
    expect(first.closed(), 'old document’s port closed').toBe(true);
    const frames = p.received.map(parseWorkerToPanel).filter((m) => m?.kind === 'frame').map((m) => m && 'state' in m && m.state);
    expect(frames).toEqual(['detached', 'attached']);
    expect(router.stats().bridges).toBe(1);
  });

  test('scripts run only while a panel is open: commits in its tab get the bridge, a bridge without agent gets one', async () => {
    router.onFrameCommitted({ tabId: TAB, frameId: 0, documentId: 'D0' });
    expect(injected, 'no panel: nothing runs in pages, nothing is followed').toEqual([]);
    const p = panel();
    await flush();
    router.onFrameCommitted({ tabId: TAB, frameId: 2, documentId: 'D2' });
    router.onFrameCommitted({ tabId: 99, frameId: 0, documentId: 'X' }); // another tab: no panel there
    bridge(2, TAB, 'D2', false);
    bridge(0, TAB, 'D0', true);
    await flush();
    expect(injected).toEqual(['watch true', `bridges ${TAB}`, `bridge ${TAB}/2/D2`, `agent ${TAB}/2/D2`]);
    p.client.disconnect();
    await flush();
    expect(injected.at(-1), 'the last panel gone: navigations no longer followed').toBe('watch false');
    router.onFrameCommitted({ tabId: TAB, frameId: 2, documentId: 'D2b' });
    expect(injected.at(-1)).toBe('watch false');
  });

  test('commands belong to a document: a navigation between queue and delivery fails them, never delivers', async () => {
    const p = panel();
    await flush();
    p.received.length = 0;
    p.client.postMessage(command('queued-for-bank', 0, 'BANK'));
    await flush();
    expect(router.stats().waiting).toBe(1);
    const evil = bridge(0, TAB, 'EVIL'); // the frame navigated: another document connects
    await flush();
    p.client.postMessage(command('late-for-bank', 0, 'BANK')); // sent before the panel heard of the navigation
    await flush();
    expect(evil.received.map(parseWorkerToBridge), 'the new document gets no command meant for the old').toEqual([msg('attach', {})]);
    const results = p.received.map(parseWorkerToPanel).filter((m) => m?.kind === 'result');
    expect(results).toEqual([
      msg('result', { id: 'queued-for-bank', result: { ok: false, error: expect.objectContaining({ kind: 'network', message: expect.stringMatching(/document .* has gone/) }) } }),
      msg('result', { id: 'late-for-bank', result: { ok: false, error: expect.objectContaining({ message: expect.stringMatching(/has gone/) }) } }),
    ]);
    expect(router.dropped.snapshot()).toEqual({ 'document-gone': 2 });
    p.client.postMessage(command('for-evil', 0, 'EVIL'));
    await flush();
    expect(evil.received.map(parseWorkerToBridge).at(-1), 'a command for the current document is delivered').toMatchObject({ kind: 'command', id: 'for-evil' });
  });

  test('a bridge that has not said ready is not routed to, and says ready once', async () => {
    const raw = connect(BRIDGE_PORT_NAME, { id: EXT_ID, url: 'https://app.example/', frameId: 0, documentId: 'D0', tab: { id: TAB } });
    raw.client.postMessage(msg('update', { update: { type: 'sessions', sessions: [] } }));
    await flush();
    expect(router.stats().bridges).toBe(0);
    raw.client.postMessage(msg('ready', { instance: 'i', origin: 'null', agent: true }));
    raw.client.postMessage(msg('ready', { instance: 'i', origin: 'null', agent: true }));
    await flush();
    expect(router.stats().bridges).toBe(1);
    expect(router.dropped.snapshot()).toEqual({ 'bridge-not-ready': 1, 'bridge-ready-twice': 1 });
  });

  test('a frame’s origin is the sender’s; the bridge’s own word only where the browser gives none', async () => {
    const p = panel();
    await flush();
    const sandboxed = connect(BRIDGE_PORT_NAME, { id: EXT_ID, url: 'https://app.example/sandboxed', origin: 'null', frameId: 5, documentId: 'D5', tab: { id: TAB } });
    sandboxed.client.postMessage(msg('ready', { instance: 'i5', origin: 'https://app.example', agent: true }));
    const firefox = connect(BRIDGE_PORT_NAME, { id: EXT_ID, url: 'https://app.example/f', frameId: 6, tab: { id: TAB } });
    firefox.client.postMessage(msg('ready', { instance: 'i6', origin: 'null', agent: true }));
    await flush();
    const frames = p.received.map(parseWorkerToPanel).filter((m) => m?.kind === 'frame');
    expect(frames).toEqual([
      msg('frame', { frameId: 5, documentId: 'D5', origin: 'null', url: 'https://app.example/sandboxed', state: 'attached' }),
      msg('frame', { frameId: 6, documentId: 'i6', origin: 'null', url: 'https://app.example/f', state: 'attached' }),
    ]);
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
