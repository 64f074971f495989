import {
  BRIDGE_PORT_NAME,
  DropCounter,
  LINK_ERRORS,
  asFrameId,
  asTabId,
  makePortMessage,
  parseBridgeToWorker,
  parsePanelToWorker,
  tabIdFromPortName,
  type FrameId,
  type FrameInfo,
  type PanelToWorker,
  type TabId,
  type WorkerToBridge,
  type WorkerToPanel,
} from '../protocol/messages.js';
import {
  LIMITS_WAITING,
  LatestQueue,
  MAX_MESSAGE_BYTES,
  TAB_BURST_BYTES,
  TAB_BYTES_PER_SECOND,
  coalesceKey,
  createByteBucket,
  messageBytes,
  type ByteBucket,
} from '../protocol/byte-budget.js';
import type { PageUpdate } from '../protocol/messages.js';
import { hopNow, stampHop } from '../protocol/hop-probe.js';
import { FRAMES_PER_TAB, FRAMES_WITH_SESSIONS, FRAME_PLACE_GRACE_MS, FramePlaces } from '../protocol/frame-cap.js';
import type { PortLike, PortSender } from '../transport/port-like.js';

/**
 * The service worker's routing, free of chrome APIs so it runs under test with fake ports.
 *
 * It holds no truth: its maps list the ports that are open right now, and every side rebuilds them by reconnecting
 * when a fresh worker starts (the panel transport resends unanswered requests; bridges resend their full state on
 * attach). It also decides what runs in the page, and when: nothing until a panel opens for a tab; then the bridge in
 * every frame of that tab, the page agent in every document whose bridge has none, and the bridge again in each
 * document that commits in that tab while a panel is open (docs/extension.md, "Only while a panel is open").
 *
 * Commands are bound to a document: a command for a frame's document is delivered only to that document's bridge;
 * when a different document has replaced it (reload, navigation) the command fails as `documentGone`, never reaching
 * the newcomer. Commands for a frame whose bridge has not (re)connected yet wait a short, bounded grace period.
 */

/** What the router asks the browser to run in pages (scripting.executeScript in background.ts). */
export interface Injector {
  /** The bridge in every frame of the tab (a panel opened). Bridges already there reconnect instead of doubling. */
  bridges(tabId: TabId): void;
  /** The bridge in one document that committed in a tab with a panel open. */
  bridgeInto(tabId: TabId, frameId: FrameId, documentId: string | undefined): void;
  /** The page agent in the document of a bridge that has none linked. */
  agentInto(tabId: TabId, frameId: FrameId, documentId: string | undefined): void;
  /** Follow frame commits (webNavigation) only while some panel is open, so page loads never wake the worker. */
  watchNavigations(on: boolean): void;
}

export interface RouterOptions {
  /** This extension's id: only its own contexts may connect. */
  readonly extensionId: string;
  /** `chrome-extension://<id>/`: panel ports must come from one of our pages. */
  readonly extensionOrigin: string;
  readonly inject: Injector;
  /** How long a command waits for its frame's bridge, and a bridge for a panel. Default 3000 ms. */
  readonly graceMs?: number;
  /** Max commands waiting per tab. */
  readonly maxWaiting?: number;
  /** Dev-only diagnostics. */
  readonly debug?: (message: string) => void;
  /** Each tab's byte budget for page updates to its panels: `perSecond` after a burst of `burst` (byte-budget.ts). */
  readonly tabBytesPerSecond?: number;
  readonly tabBurstBytes?: number;
  readonly maxMessageBytes?: number;
  readonly now?: () => number;
  /** Frames per tab whose sessions are followed, the top frame included (frame-cap.ts). */
  readonly maxFramesWithSessions?: number;
  /** Frames per tab with a bridge kept at all. */
  readonly maxFrames?: number;
  /** How long a followed frame keeps its place after its document went. */
  readonly framePlaceGraceMs?: number;
}

interface FrameUpdate {
  readonly frameId: FrameId;
  readonly update: PageUpdate;
}

/**
 * One tab's share of the worker: its own byte budget and its own bounded queue of latest states, so a tab that
 * floods spends only its own budget and another tab's updates go out at once (fairness by construction); what waits
 * is delivered round-robin between tabs. Drop counts per frame: the bridge's (reported) and the worker's own.
 */
interface TabFlow {
  readonly bucket: ByteBucket;
  readonly latest: LatestQueue<FrameUpdate>;
  readonly drops: Map<FrameId, { bridge: number; worker: number }>;
  readonly dirty: Set<FrameId>;
}

interface Bridge {
  readonly port: PortLike;
  readonly info: FrameInfo;
}

interface Waiting {
  readonly panel: PortLike;
  readonly message: PanelToWorker;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** A document that committed in a tab (webNavigation.onCommitted). */
export interface FrameCommit {
  readonly tabId: number;
  readonly frameId: number;
  readonly documentId?: string;
}

export interface Router {
  onConnect(port: PortLike): void;
  /** A document committed in some tab: if a panel is open for that tab, the bridge goes into it. */
  onFrameCommitted(commit: FrameCommit): void;
  readonly dropped: DropCounter;
  stats(): { bridges: number; panels: number; waiting: number };
  /** Per tab with a panel: frames followed (places held, kept ones included) and frames not followed so far. */
  frameStats(): { tabs: number; followed: number; refused: number };
  /** Tabs with flow state (budget, waiting updates, drop counts) and the bytes of updates waiting for budget. */
  flowStats(): { tabs: number; queuedBytes: number; queuedUpdates: number };
}

/** How often, at most, a tab's panels hear how many frames are not followed (a page adding frames one by one). */
const PLACES_REPORT_MS = 500;

export function createRouter(options: RouterOptions): Router {
  const graceMs = options.graceMs ?? 3000;
  const maxWaiting = options.maxWaiting ?? 100;
  const dropped = new DropCounter();
  const debug = options.debug ?? ((): void => {});
  const inject = options.inject;

  const bridges = new Map<TabId, Map<FrameId, Bridge>>();
  const panels = new Map<TabId, Set<PortLike>>();
  const waiting = new Map<TabId, Waiting[]>();
  const idleBridgeTimers = new Map<TabId, ReturnType<typeof setTimeout>>();
  let watching = false;
  const now = options.now ?? Date.now;
  const maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const flows = new Map<TabId, TabFlow>();
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let reportTimer: ReturnType<typeof setTimeout> | undefined;
  /** Where the next round-robin round starts, so no tab is always served first. */
  let turn = 0;
  const maxFramesWithSessions = options.maxFramesWithSessions ?? FRAMES_WITH_SESSIONS;
  const maxFrames = options.maxFrames ?? FRAMES_PER_TAB;
  /** Each tab's places for frames with sessions (frame-cap.ts); released when the tab's last panel closes. */
  const places = new Map<TabId, FramePlaces>();
  const placesOf = (tabId: TabId): FramePlaces => {
    let p = places.get(tabId);
    if (!p) places.set(tabId, (p = new FramePlaces(maxFramesWithSessions, options.framePlaceGraceMs ?? FRAME_PLACE_GRACE_MS, now)));
    return p;
  };
  const placesSaid = new Map<TabId, number>();
  /** Bridges let go for the frame limit (their last messages may still arrive). */
  const letGo = new WeakSet<Bridge>();
  let placesTimer: ReturnType<typeof setTimeout> | undefined;

  const post = (port: PortLike, message: WorkerToPanel | WorkerToBridge): void => {
    try {
      port.postMessage(message);
    } catch {
      // The port closed meanwhile; its onDisconnect cleans up.
    }
  };
  const toPanels = (tabId: TabId, message: WorkerToPanel): void => {
    for (const p of panels.get(tabId) ?? []) post(p, message);
  };
  const framesOf = (tabId: TabId): FrameInfo[] => [...(bridges.get(tabId)?.values() ?? [])].map((b) => b.info);
  const panelCount = (): number => [...panels.values()].reduce((n, s) => n + s.size, 0);
  const watch = (): void => {
    const on = panelCount() > 0;
    if (on === watching) return;
    watching = on;
    try {
      inject.watchNavigations(on);
    } catch {
      // The API is missing (a test double, an old browser): panels still work on pages open when they connect.
    }
  };
  const safely = (what: string, run: () => void): void => {
    try {
      run();
    } catch {
      dropped.drop(`inject-${what}`);
    }
  };

  const isOurs = (sender: PortSender | undefined): boolean => sender?.id === options.extensionId;

  function onConnect(port: PortLike): void {
    const sender = port.sender;
    if (!isOurs(sender)) {
      dropped.drop('foreign-port');
      port.disconnect();
      return;
    }
    if (port.name === BRIDGE_PORT_NAME) return connectBridge(port, sender!);
    const tabId = tabIdFromPortName(port.name);
    if (tabId !== null && typeof sender?.url === 'string' && sender.url.startsWith(options.extensionOrigin)) {
      return connectPanel(port, tabId);
    }
    dropped.drop('unknown-port');
    port.disconnect();
  }

  function connectBridge(port: PortLike, sender: PortSender): void {
    const tabId = asTabId(sender.tab?.id);
    const frameId = asFrameId(sender.frameId);
    if (tabId === null || frameId === null) {
      dropped.drop('bridge-without-tab');
      port.disconnect();
      return;
    }
    const url = typeof sender.url === 'string' ? sender.url.slice(0, 2048) : '';
    let bridge: Bridge | null = null;

    port.onMessage.addListener((raw) => {
      const arrived = hopNow();
      const msg = parseBridgeToWorker(raw);
      if (!msg) return dropped.drop('bridge-schema');
      if (msg.kind === 'ready') {
        if (bridge) return dropped.drop('bridge-ready-twice');
        // The browser's record first: documentId and origin from the sender; the bridge's own word only where the
        // browser gives none (a bridge is our code in its own world, so its word is still not the page's).
        const documentId = typeof sender.documentId === 'string' && sender.documentId ? sender.documentId : msg.instance;
        const origin = typeof sender.origin === 'string' && sender.origin ? sender.origin : msg.origin;
        const known = bridges.get(tabId);
        if (frameId !== 0 && !known?.has(frameId) && (known?.size ?? 0) >= maxFrames) {
          // The tab has all the frames the worker keeps: this one is not followed (its agent never starts).
          dropped.drop('frame-cap');
          placesOf(tabId).refuse(frameId);
          reportPlaces();
          post(port, makePortMessage<WorkerToBridge, 'detach'>('detach', {}));
          return;
        }
        bridge = { port, info: { frameId, documentId, origin: origin.slice(0, 512), url } };
        register(tabId, bridge);
        if (!msg.agent) safely('agent', () => inject.agentInto(tabId, frameId, sender.documentId));
        return;
      }
      if (!bridge) return dropped.drop('bridge-not-ready');
      if (msg.kind === 'update' || msg.kind === 'updates') {
        if (!followed(tabId, bridge, msg.kind === 'update' ? [msg.update] : msg.updates)) return;
        if (msg.kind === 'update') relay(tabId, frameId, msg.update, arrived);
        else relayBatch(tabId, frameId, msg.updates, arrived);
      }
      else if (msg.kind === 'drops') countDrops(tabId, frameId, 'bridge', msg.count);
      else toPanels(tabId, makePortMessage<WorkerToPanel, 'result'>('result', { id: msg.id, result: msg.result }));
    });
    port.onDisconnect.addListener(() => {
      const current = bridges.get(tabId);
      if (!bridge || current?.get(frameId)?.port !== port) return;
      current.delete(frameId);
      if (current.size === 0) bridges.delete(tabId);
      places.get(tabId)?.release(frameId);
      forgetFrame(tabId, frameId);
      toPanels(tabId, makePortMessage<WorkerToPanel, 'frame'>('frame', { ...bridge.info, state: 'detached' }));
    });
  }

  function register(tabId: TabId, bridge: Bridge): void {
    const frameId = bridge.info.frameId as FrameId;
    let frames = bridges.get(tabId);
    if (!frames) bridges.set(tabId, (frames = new Map()));
    const old = frames.get(frameId);
    if (old) {
      // A new document in the same frame (reload, navigation) can connect before the old one's port is gone.
      old.port.disconnect();
      places.get(tabId)?.release(frameId);
      forgetFrame(tabId, frameId);
      toPanels(tabId, makePortMessage<WorkerToPanel, 'frame'>('frame', { ...old.info, state: 'detached' }));
    }
    frames.set(frameId, bridge);
    debug(`bridge ${tabId}/${frameId} connected`);
    toPanels(tabId, makePortMessage<WorkerToPanel, 'frame'>('frame', { ...bridge.info, state: 'attached' }));
    if (panels.get(tabId)?.size) {
      post(bridge.port, makePortMessage<WorkerToBridge, 'attach'>('attach', {}));
      flushWaiting(tabId);
    } else {
      // Reconnected after a worker restart, but no panel came back: let the bridge go quiet after a while.
      armIdleBridges(tabId);
    }
  }

  function connectPanel(port: PortLike, tabId: TabId): void {
    let set = panels.get(tabId);
    if (!set) panels.set(tabId, (set = new Set()));
    set.add(port);
    clearTimeout(idleBridgeTimers.get(tabId));
    idleBridgeTimers.delete(tabId);
    debug(`panel for tab ${tabId} connected`);
    watch();

    port.onMessage.addListener((raw) => {
      const msg = parsePanelToWorker(raw);
      if (!msg) return dropped.drop('panel-schema');
      route(tabId, port, msg);
    });
    port.onDisconnect.addListener(() => {
      const s = panels.get(tabId);
      if (!s?.delete(port)) return;
      for (const w of waiting.get(tabId) ?? []) if (w.panel === port) clearTimeout(w.timer);
      const rest = (waiting.get(tabId) ?? []).filter((w) => w.panel !== port);
      if (rest.length) waiting.set(tabId, rest);
      else waiting.delete(tabId);
      if (s.size === 0) {
        panels.delete(tabId);
        flows.delete(tabId); // nobody to deliver to: what waited and the counts go
        places.delete(tabId);
        placesSaid.delete(tabId);

        // Nobody is looking: tell the page to stop streaming and let the bridges disconnect.
        for (const b of bridges.get(tabId)?.values() ?? []) post(b.port, makePortMessage<WorkerToBridge, 'detach'>('detach', {}));
      }
      watch();
    });

    post(port, makePortMessage<WorkerToPanel, 'welcome'>('welcome', { tabId, frames: framesOf(tabId) }));
    const refused = places.get(tabId)?.refused() ?? 0;
    if (refused > 0) post(port, makePortMessage<WorkerToPanel, 'unfollowed'>('unfollowed', { count: refused, limit: maxFramesWithSessions }));
    for (const b of bridges.get(tabId)?.values() ?? []) post(b.port, makePortMessage<WorkerToBridge, 'attach'>('attach', {}));
    // Frames whose bridge is not connected (the panel just opened, or a fresh worker): the bridge goes in now, or an
    // existing one (a panel was open before) reconnects.
    safely('bridges', () => inject.bridges(tabId));
  }

  /**
   * Whether a frame's updates go on: a frame that lists sessions must hold one of the tab's places (frame-cap.ts).
   * Over the limit, the frame is let go: the panels hear it detached, its bridge is told to detach (its agent goes
   * quiet), what it had waiting goes, and it is counted for the panel's line.
   */
  function followed(tabId: TabId, bridge: Bridge, updates: readonly PageUpdate[]): boolean {
    if (letGo.has(bridge)) return false; // what it sent before it heard it was let go
    const frameId = bridge.info.frameId as FrameId;
    const p = placesOf(tabId);
    if (p.follows(frameId) || !updates.some((u) => u.type === 'sessions' && u.sessions.length > 0)) return true;
    if (p.admit(frameId)) return true;
    dropped.drop('frame-cap');
    letGo.add(bridge);
    const frames = bridges.get(tabId);
    if (frames?.get(frameId) === bridge) {
      frames.delete(frameId);
      if (frames.size === 0) bridges.delete(tabId);
    }
    forgetFrame(tabId, frameId);
    toPanels(tabId, makePortMessage<WorkerToPanel, 'frame'>('frame', { ...bridge.info, state: 'detached' }));
    post(bridge.port, makePortMessage<WorkerToBridge, 'detach'>('detach', {}));
    reportPlaces();
    return false;
  }

  /** Each tab's count of frames not followed, to its panels when it changed (at most one message per tab per PLACES_REPORT_MS). */
  function reportPlaces(): void {
    if (placesTimer !== undefined) return;
    placesTimer = setTimeout(() => {
      placesTimer = undefined;
      for (const [tabId, p] of places) {
        const count = p.refused();
        if (count === (placesSaid.get(tabId) ?? 0)) continue;
        placesSaid.set(tabId, count);
        toPanels(tabId, makePortMessage<WorkerToPanel, 'unfollowed'>('unfollowed', { count, limit: maxFramesWithSessions }));
      }
    }, PLACES_REPORT_MS);
  }

  function flowOf(tabId: TabId): TabFlow {
    let flow = flows.get(tabId);
    if (!flow) {
      flow = {
        bucket: createByteBucket(options.tabBytesPerSecond ?? TAB_BYTES_PER_SECOND, options.tabBurstBytes ?? TAB_BURST_BYTES, now),
        latest: new LatestQueue<FrameUpdate>(LIMITS_WAITING * 4, 4 * maxMessageBytes),
        drops: new Map(),
        dirty: new Set(),
      };
      flows.set(tabId, flow);
    }
    return flow;
  }

  const deliver = (tabId: TabId, { frameId, update }: FrameUpdate): void => {
    stampHop('worker-out', update);
    toPanels(tabId, makePortMessage<WorkerToPanel, 'update'>('update', { frameId, update }));
  };

  /** A page update for a tab's panels: at once within the tab's budget, else its latest state waits (bounded). */
  function relay(tabId: TabId, frameId: FrameId, update: PageUpdate, arrived?: number): void {
    if (!panels.get(tabId)?.size) return; // nobody looking (the bridge is told to detach)
    stampHop('worker-in', update, arrived);
    const bytes = messageBytes(update);
    if (bytes > maxMessageBytes) return countDrops(tabId, frameId, 'worker', 1, 'too-large');
    const flow = flowOf(tabId);
    if (flow.latest.size === 0 && flow.bucket.take(bytes)) return deliver(tabId, { frameId, update });
    const key = coalesceKey(update);
    if (key === null) return countDrops(tabId, frameId, 'worker', 1, 'over-budget');
    countDrops(tabId, frameId, 'worker', flow.latest.put(`${frameId}:${key}`, { frameId, update }, bytes), 'coalesced');
    scheduleFlush();
  }

  /**
   * A flush's batch for a tab's panels: on as one message when nothing of the tab waits and its budget has the bytes
   * now, else item by item as relay does (the same bounds: snapshots and lists coalesce, history is dropped).
   */
  function relayBatch(tabId: TabId, frameId: FrameId, updates: readonly PageUpdate[], arrived?: number): void {
    if (!panels.get(tabId)?.size) return;
    for (const u of updates) stampHop('worker-in', u, arrived);
    const bytes = messageBytes(updates);
    if (bytes > maxMessageBytes) return countDrops(tabId, frameId, 'worker', updates.length, 'too-large');
    const flow = flowOf(tabId);
    if (flow.latest.size === 0 && flow.bucket.take(bytes)) {
      for (const u of updates) stampHop('worker-out', u);
      return toPanels(tabId, makePortMessage<WorkerToPanel, 'updates'>('updates', { frameId, updates }));
    }
    for (const u of updates) relay(tabId, frameId, u);
  }

  function scheduleFlush(): void {
    if (flushTimer !== undefined) return;
    let wait = Infinity;
    for (const flow of flows.values()) {
      const first = flow.latest.peek();
      if (first) wait = Math.min(wait, flow.bucket.waitMs(first.bytes));
    }
    if (wait === Infinity) return;
    flushTimer = setTimeout(flushRoundRobin, Math.max(10, wait));
  }

  /** One waiting update per tab per round, while budgets allow, starting with a different tab each time. */
  function flushRoundRobin(): void {
    flushTimer = undefined;
    const tabs = [...flows.keys()];
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (let i = 0; i < tabs.length; i++) {
        const tabId = tabs[(turn + i) % tabs.length]!;
        const flow = flows.get(tabId);
        const first = flow?.latest.peek();
        if (!flow || !first || !flow.bucket.take(first.bytes)) continue;
        flow.latest.shift();
        deliver(tabId, first.item);
        progressed = true;
      }
    }
    turn = tabs.length ? (turn + 1) % tabs.length : 0;
    scheduleFlush();
  }

  function countDrops(tabId: TabId, frameId: FrameId, side: 'bridge' | 'worker', count: number, reason?: string): void {
    if (side === 'worker' && count <= 0) return;
    if (!panels.get(tabId)?.size) return;
    const flow = flowOf(tabId);
    let d = flow.drops.get(frameId);
    if (!d) flow.drops.set(frameId, (d = { bridge: 0, worker: 0 }));
    if (side === 'bridge') d.bridge = count;
    else {
      d.worker += count;
      dropped.drop(`flood-${reason ?? 'drop'}`, count);
    }
    flow.dirty.add(frameId);
    if (reportTimer === undefined) reportTimer = setTimeout(reportDrops, side === 'bridge' ? 0 : 1000);
  }

  /** The running drop count per frame to the tab's panels, at most about once a second. */
  function reportDrops(): void {
    reportTimer = undefined;
    for (const [tabId, flow] of flows) {
      for (const frameId of flow.dirty) {
        const d = flow.drops.get(frameId);
        if (d) toPanels(tabId, makePortMessage<WorkerToPanel, 'drops'>('drops', { frameId, count: d.bridge + d.worker }));
      }
      flow.dirty.clear();
    }
  }

  /** A frame's document went away: what it had waiting and its counts go with it. */
  function forgetFrame(tabId: TabId, frameId: FrameId): void {
    const flow = flows.get(tabId);
    if (!flow) return;
    flow.latest.removeWhere((u) => u.frameId === frameId);
    flow.drops.delete(frameId);
    flow.dirty.delete(frameId);
  }

  function onFrameCommitted(commit: FrameCommit): void {
    const tabId = asTabId(commit.tabId);
    const frameId = asFrameId(commit.frameId);
    if (tabId === null || frameId === null || !panels.get(tabId)?.size) return;
    safely('bridge', () => inject.bridgeInto(tabId, frameId, commit.documentId));
  }

  const fail = (panel: PortLike, msg: PanelToWorker, error: 'noPage' | 'documentGone'): void => {
    if (error === 'documentGone') dropped.drop('document-gone');
    post(panel, makePortMessage<WorkerToPanel, 'result'>('result', { id: msg.id, result: { ok: false, error: LINK_ERRORS[error]() } }));
  };

  function route(tabId: TabId, panel: PortLike, msg: PanelToWorker): void {
    const bridge = bridges.get(tabId)?.get(msg.frameId as FrameId);
    if (bridge) return bridge.info.documentId === msg.documentId ? forward(bridge, msg) : fail(panel, msg, 'documentGone');
    const list = waiting.get(tabId) ?? [];
    if (list.length >= maxWaiting) {
      dropped.drop('waiting-full');
      return fail(panel, msg, 'noPage');
    }
    const timer = setTimeout(() => {
      const l = waiting.get(tabId);
      if (!l) return;
      const i = l.findIndex((w) => w.message === msg);
      if (i < 0) return;
      l.splice(i, 1);
      if (l.length === 0) waiting.delete(tabId);
      fail(panel, msg, 'noPage');
    }, graceMs);
    list.push({ panel, message: msg, timer });
    waiting.set(tabId, list);
  }

  function forward(bridge: Bridge, msg: PanelToWorker): void {
    post(
      bridge.port,
      makePortMessage<WorkerToBridge, 'command'>('command', {
        id: msg.id,
        sessionId: msg.sessionId,
        command: msg.command,
        args: msg.args,
      }),
    );
  }

  /** A bridge (re)connected: deliver what waited for its frame, if it is still the same document; fail the rest. */
  function flushWaiting(tabId: TabId): void {
    const list = waiting.get(tabId);
    if (!list) return;
    const rest: Waiting[] = [];
    for (const w of list) {
      const bridge = bridges.get(tabId)?.get(w.message.frameId as FrameId);
      if (!bridge) {
        rest.push(w);
        continue;
      }
      clearTimeout(w.timer);
      if (bridge.info.documentId === w.message.documentId) forward(bridge, w.message);
      else fail(w.panel, w.message, 'documentGone');
    }
    if (rest.length) waiting.set(tabId, rest);
    else waiting.delete(tabId);
  }

  function armIdleBridges(tabId: TabId): void {
    if (idleBridgeTimers.has(tabId)) return;
    idleBridgeTimers.set(
      tabId,
      setTimeout(() => {
        idleBridgeTimers.delete(tabId);
        if (panels.get(tabId)?.size) return;
        for (const b of bridges.get(tabId)?.values() ?? []) post(b.port, makePortMessage<WorkerToBridge, 'detach'>('detach', {}));
      }, graceMs * 2),
    );
  }

  return {
    onConnect,
    onFrameCommitted,
    dropped,
    stats: () => ({
      bridges: [...bridges.values()].reduce((n, m) => n + m.size, 0),
      panels: panelCount(),
      waiting: [...waiting.values()].reduce((n, l) => n + l.length, 0),
    }),
    frameStats: () => ({
      tabs: places.size,
      followed: [...places.values()].reduce((n, p) => n + p.held(), 0),
      refused: [...places.values()].reduce((n, p) => n + p.refused(), 0),
    }),
    flowStats: () => ({
      tabs: flows.size,
      queuedBytes: [...flows.values()].reduce((n, f) => n + f.latest.bytes, 0),
      queuedUpdates: [...flows.values()].reduce((n, f) => n + f.latest.size, 0),
    }),
  };
}
