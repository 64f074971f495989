import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createRouter, type Router } from '../../src/extension/router.js';
import { FRAMES_WITH_SESSIONS, FramePlaces, framesNotFollowedLine } from '../../src/protocol/frame-cap.js';
import { BRIDGE_PORT_NAME, PORT_SOURCE, PROTOCOL_VERSION, asTabId, panelPortName } from '../../src/protocol/messages.js';
import { createPortPair, type MemoryPort } from '../../src/transport/memory-port.js';
import { createPortTransport } from '../../src/transport/port.js';
import type { TransportUpdate } from '../../src/transport/types.js';

/**
 * The number of frames followed per tab is bounded (frame-cap.ts): a page with hundreds of iframes with sessions
 * cannot grow the worker's and the panel's per-frame state; the top frame and the frames shown keep their place;
 * what is not followed is counted and said in the panel in one line.
 */

describe('FramePlaces', () => {
  test('the top frame always has its place; the others share the rest; each newcomer over the limit is counted once', () => {
    const p = new FramePlaces(3, 1000, () => 0);
    expect([1, 2, 3, 4].map((f) => p.admit(f))).toEqual([true, true, false, false]);
    expect(p.admit(0), 'the top frame, with the others full').toBe(true);
    expect(p.admit(3)).toBe(false);
    expect(p.refused(), 'frames 3 and 4, each once').toBe(2);
    expect(p.follows(1) && p.follows(2) && p.follows(0)).toBe(true);
    expect(p.follows(3)).toBe(false);
    expect(p.held()).toBe(3);
  });

  test('a followed frame whose document went keeps its place for the grace period, then the place is free', () => {
    let t = 0;
    const p = new FramePlaces(3, 1000, () => t);
    p.admit(1);
    p.admit(2);
    p.release(2); // frame 2 reloads
    expect(p.admit(5), 'its place is kept for it').toBe(false);
    t = 500;
    expect(p.admit(2), 'the frame’s next document gets it back').toBe(true);
    p.release(2);
    t = 1600;
    expect(p.admit(5), 'after the grace period the place goes to a newcomer').toBe(true);
    expect(p.refused(), 'frame 5 counted once, then followed: no longer counted').toBe(0);
    expect(p.admit(2)).toBe(false);
  });

  test('the panel line names the count and the limit', () => {
    expect(framesNotFollowedLine(1, 32)).toBe(
      'Not following 1 more frame of this page: at most 32 frames with sessions per tab (the top page and the frames shown keep their place)',
    );
    expect(framesNotFollowedLine(168)).toMatch(/^Not following 168 more frames of this page: at most 32 frames/);
    expect(FRAMES_WITH_SESSIONS).toBe(32);
  });
});

const EXT_ID = 'abcdefghijklmnopabcdefghijklmnop';
const ORIGIN = `chrome-extension://${EXT_ID}/`;
const TAB = 5;
const msg = (kind: string, body: object = {}) => ({ source: PORT_SOURCE, v: PROTOCOL_VERSION, kind, ...body });
const sessionsOf = (frameId: number, n = 1) => ({
  type: 'sessions',
  sessions: Array.from({ length: n }, (_, i) => ({ id: `f${frameId}-s${i}`, namespace: `f${frameId}`, uuid: `u${frameId}-${i}` })),
});

describe('router: frames followed per tab', () => {
  let router: Router;
  beforeEach(() => {
    vi.useFakeTimers();
    router = createRouter({
      extensionId: EXT_ID,
      extensionOrigin: ORIGIN,
      inject: { bridges: () => {}, bridgeInto: () => {}, agentInto: () => {}, watchNavigations: () => {} },
      maxFramesWithSessions: 3,
      maxFrames: 6,
      framePlaceGraceMs: 1000,
    });
  });
  afterEach(() => vi.useRealTimers());
  const later = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

  function connect(name: string, sender: object) {
    const [client, server] = createPortPair(name, sender as never);
    const received: { kind: string; [k: string]: unknown }[] = [];
    let closed = false;
    client.onMessage.addListener((m) => received.push(m as never));
    client.onDisconnect.addListener(() => (closed = true));
    router.onConnect(server);
    return { client, received, closed: () => closed };
  }
  const panel = () => connect(panelPortName(asTabId(TAB)!), { id: EXT_ID, url: `${ORIGIN}src/extension/panel.html` });
  const bridge = (frameId: number, documentId = `D${frameId}`) => {
    const b = connect(BRIDGE_PORT_NAME, { id: EXT_ID, url: `https://app.example/${frameId}`, origin: 'https://app.example', frameId, documentId, tab: { id: TAB } });
    b.client.postMessage(msg('ready', { instance: 'i', origin: 'x', agent: true }));
    return b;
  };
  const updatesFrom = (p: ReturnType<typeof panel>) =>
    p.received.filter((m) => m.kind === 'update').map((m) => m.frameId as number);
  const said = (p: ReturnType<typeof panel>) => p.received.filter((m) => m.kind === 'unfollowed').map((m) => [m.count, m.limit]);

  test('frames listing sessions past the limit are let go: detached for the panel, told to detach, counted and said', async () => {
    const p = panel();
    const frames = [0, 1, 2, 3, 4].map((f) => bridge(f));
    await later();
    frames.forEach((b, f) => b.client.postMessage(msg('update', { update: sessionsOf(f) })));
    await later();
    expect(updatesFrom(p), 'the top frame and two others').toEqual([0, 1, 2]);
    const detached = p.received.filter((m) => m.kind === 'frame' && m.state === 'detached').map((m) => m.frameId);
    expect(detached).toEqual([3, 4]);
    for (const f of [3, 4]) expect(frames[f]!.received.at(-1)).toEqual(msg('detach'));
    expect(frames[1]!.received.some((m) => m.kind === 'detach')).toBe(false);
    // What a let-go frame still sends (before it heard) goes nowhere.
    frames[3]!.client.postMessage(msg('update', { update: { type: 'snapshot', sessionId: 'f3-s0', snapshot: {} } }));
    frames[3]!.client.postMessage(msg('update', { update: sessionsOf(3, 2) }));
    await later(600);
    expect(updatesFrom(p)).toEqual([0, 1, 2]);
    expect(said(p), 'one report for the burst of frames').toEqual([[2, 3]]);
    expect(router.frameStats()).toEqual({ tabs: 1, followed: 3, refused: 2 });
    expect(router.dropped.snapshot()['frame-cap']).toBe(2);
  });

  test('frames without sessions take no place; a frame listing none and then some is followed if there is room', async () => {
    const p = panel();
    const b0 = bridge(0);
    const quiet = [1, 2, 3].map((f) => bridge(f));
    await later();
    b0.client.postMessage(msg('update', { update: sessionsOf(0) }));
    quiet.forEach((b) => b.client.postMessage(msg('update', { update: { type: 'sessions', sessions: [] } })));
    await later();
    expect(updatesFrom(p)).toEqual([0, 1, 2, 3]);
    quiet[2]!.client.postMessage(msg('update', { update: sessionsOf(3) }));
    quiet[1]!.client.postMessage(msg('update', { update: sessionsOf(2) }));
    quiet[0]!.client.postMessage(msg('update', { update: sessionsOf(1) }));
    await later(600);
    expect(updatesFrom(p).slice(4), 'frames 3 and 2 came first').toEqual([3, 2]);
    expect(said(p)).toEqual([[1, 3]]);
  });

  test('the top frame is followed with every place taken, and a shown frame that reloads gets its place back', async () => {
    const p = panel();
    const b1 = bridge(1);
    const b2 = bridge(2);
    await later();
    b1.client.postMessage(msg('update', { update: sessionsOf(1) }));
    b2.client.postMessage(msg('update', { update: sessionsOf(2) }));
    await later();
    const b0 = bridge(0);
    await later();
    b0.client.postMessage(msg('update', { update: sessionsOf(0) }));
    await later();
    expect(updatesFrom(p)).toEqual([1, 2, 0]);
    // Frame 2 (say the one the user picked) navigates; a newcomer arrives at the same moment.
    b2.client.disconnect();
    const b2next = bridge(2, 'D2-next');
    const newcomer = bridge(4);
    await later();
    newcomer.client.postMessage(msg('update', { update: sessionsOf(4) }));
    b2next.client.postMessage(msg('update', { update: sessionsOf(2) }));
    await later();
    expect(updatesFrom(p).slice(3)).toEqual([2]);
    expect(newcomer.received.at(-1)).toEqual(msg('detach'));
  });

  test('past the frames kept per tab a bridge is told to detach at once, never listed; all of it goes with the last panel', async () => {
    const p = panel();
    const bs = [0, 1, 2, 3, 4, 5, 6, 7].map((f) => bridge(f));
    await later();
    for (const f of [6, 7]) expect(bs[f]!.received).toEqual([msg('detach')]);
    expect(router.stats().bridges).toBe(6);
    const attached = p.received.filter((m) => m.kind === 'frame' && m.state === 'attached').map((m) => m.frameId);
    expect(attached).toEqual([0, 1, 2, 3, 4, 5]);
    await later(600);
    expect(said(p)).toEqual([[2, 3]]);
    // A second panel for the tab hears the count at once.
    const p2 = panel();
    await later();
    expect(p2.received.map((m) => m.kind).slice(0, 2)).toEqual(['welcome', 'unfollowed']);
    p.client.disconnect();
    p2.client.disconnect();
    await later();
    expect(router.frameStats()).toEqual({ tabs: 0, followed: 0, refused: 0 });
  });
});

describe('port transport: the frames-not-followed line', () => {
  test('said in the log once per higher count, only while connected', async () => {
    const [client, server] = createPortPair('x');
    const transport = createPortTransport({ tabId: asTabId(1)!, connect: () => client });
    const updates: TransportUpdate[] = [];
    transport.connect((u) => updates.push(u));
    const post = (m: object) => (server as MemoryPort).postMessage(msg((m as { kind: string }).kind, m));
    post({ kind: 'unfollowed', count: 3, limit: 32 }); // before the welcome: not connected yet
    post({ kind: 'welcome', tabId: 1, frames: [] });
    post({ kind: 'unfollowed', count: 5, limit: 32 });
    post({ kind: 'unfollowed', count: 5, limit: 32 });
    post({ kind: 'unfollowed', count: 4, limit: 32 });
    post({ kind: 'unfollowed', count: 9, limit: 32 });
    await new Promise((r) => setTimeout(r, 10));
    const lines = updates.flatMap((u) => (u.type === 'connection' && u.detail?.startsWith('Not following') ? [u.detail] : []));
    expect(lines).toEqual([framesNotFollowedLine(5, 32), framesNotFollowedLine(9, 32)]);
    transport.close();
  });
});
