import {
  BRIDGE_PORT_NAME,
  DropCounter,
  PAGE_SOURCE,
  makeBridgeMessage,
  makePortMessage,
  parsePageHandover,
  parsePageMessage,
  parseWorkerToBridge,
  type BridgeMessage,
  type BridgeToWorker,
  type WireResult,
  type WorkerToBridge,
} from '../protocol/messages.js';
import {
  FRAME_BURST_BYTES,
  FRAME_BYTES_PER_SECOND,
  LIMITS_WAITING,
  LatestQueue,
  MAX_MESSAGE_BYTES,
  coalesceKey,
  createByteBucket,
  messageBytes,
} from '../protocol/byte-budget.js';
import type { PageUpdate } from '../protocol/messages.js';
import { hopNow, stampHop } from '../protocol/hop-probe.js';
import type { PortConnector, PortLike } from '../transport/port-like.js';

/**
 * The content-script bridge's logic (isolated world), free of chrome APIs so it runs under test.
 *
 * It exists only once a panel opened for its tab (the worker injects it) and relays between the page agent (one end
 * of a MessageChannel the agent hands over in a single window message) and the service worker (a port). It trusts
 * neither: the handover counts only from this very window with our tag, valid shape and exactly one port, and only
 * the first one; page messages only with a valid shape; results only for request ids it forwarded. It remembers
 * recent request ids so a command resent after a worker restart is answered from cache instead of running twice.
 */

/** The bridge's end of the agent's MessageChannel (a MessagePort). */
export interface PagePortLike {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
}

export interface BridgeDeps {
  readonly connect: PortConnector;
  /** Names this bridge's document where the browser gives the worker no documentId (one bridge per document). */
  readonly instance: string;
  /** This document's origin, `self.origin` (the worker prefers the sender's origin). */
  readonly origin: string;
  readonly backoffMs?: readonly number[];
  /** Give up reconnecting after this many failed attempts in a row (extension reloaded or removed). */
  readonly maxAttempts?: number;
  /**
   * Most page messages relayed per second; more are dropped and counted, so a hostile page cannot flood the panel.
   * The agent's coalescing stays far below it (about 60 flushes a second).
   */
  readonly maxPerSecond?: number;
  /** Largest page message relayed, in bytes of JSON (byte-budget.ts). */
  readonly maxMessageBytes?: number;
  /** This frame's byte budget for updates: `perSecond` after a burst of `burst` (byte-budget.ts). */
  readonly bytesPerSecond?: number;
  readonly burstBytes?: number;
  readonly now?: () => number;
  /**
   * Turns what the page posted into a value this world may inspect (browser.ts `pageMessageData`: Firefox shows page
   * objects through Xray wrappers that fail every shape check). Identity when absent (Chrome, tests).
   */
  readonly readPageData?: (data: unknown) => unknown;
}

export interface WindowMessageLike {
  readonly source: unknown;
  readonly data: unknown;
  readonly ports?: readonly unknown[];
}

export interface Bridge {
  /** Connects to the worker (the worker just injected this bridge: a panel is open). */
  start(): void;
  /**
   * The bridge script ran again in this document (a panel opened again): reconnect if quiet. False when this bridge
   * can no longer reach the extension (it was reloaded): the caller starts a fresh bridge.
   */
  wake(): boolean;
  /** Window `message` events; `self` is this window. Only the agent's handover is taken, once. */
  onWindowMessage(event: WindowMessageLike, self: unknown): void;
  /** True once the agent's channel is taken: the window listener can go. */
  hasPage(): boolean;
  readonly dropped: DropCounter;
  /** Updates dropped for the byte bounds (too large, over budget, replaced while waiting, over the message rate). */
  floodDrops(): number;
  isConnected(): boolean;
  isAttached(): boolean;
}

const SEEN_LIMIT = 256;
const DEFAULT_BACKOFF = [0, 100, 250, 500, 1000, 2000, 3000] as const;

const isPagePort = (value: unknown): value is PagePortLike =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as PagePortLike).postMessage === 'function' &&
  typeof (value as PagePortLike).close === 'function';

export function createBridge(deps: BridgeDeps): Bridge {
  const backoff = deps.backoffMs && deps.backoffMs.length ? deps.backoffMs : DEFAULT_BACKOFF;
  const maxAttempts = deps.maxAttempts ?? 20;
  const maxPerSecond = deps.maxPerSecond ?? 1000;
  const now = deps.now ?? Date.now;
  const readPageData = deps.readPageData ?? ((data: unknown): unknown => data);
  let windowStart = -Infinity;
  let inWindow = 0;
  const withinRate = (): boolean => {
    const t = now();
    if (t - windowStart >= 1000) {
      windowStart = t;
      inWindow = 0;
    }
    return ++inWindow <= maxPerSecond;
  };
  const dropped = new DropCounter();
  const maxMessageBytes = deps.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const bucket = createByteBucket(deps.bytesPerSecond ?? FRAME_BYTES_PER_SECOND, deps.burstBytes ?? FRAME_BURST_BYTES, now);
  /** Latest snapshot / session list waiting for budget, per key; bounded (byte-budget.ts). */
  const latest = new LatestQueue<PageUpdate>(LIMITS_WAITING, 2 * maxMessageBytes);
  let floods = 0;
  let reported = 0;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let reportTimer: ReturnType<typeof setTimeout> | undefined;
  const floodDrop = (reason: string, count = 1): void => {
    if (count <= 0) return;
    dropped.drop(reason, count);
    floods += count;
    if (reportTimer === undefined) reportTimer = setTimeout(report, 1000);
  };
  /** Tells the worker the running count, at most once a second, so the panel can say it. */
  const report = (): void => {
    reportTimer = undefined;
    if (floods === reported || !port) return;
    reported = floods;
    toWorker(makePortMessage<BridgeToWorker, 'drops'>('drops', { count: floods }));
  };
  const relayUpdate = (update: PageUpdate, bytes: number): void => {
    if (latest.size === 0 && bucket.take(bytes)) {
      stampHop('bridge-out', update);
      toWorker(makePortMessage<BridgeToWorker, 'update'>('update', { update }));
      return;
    }
    const key = coalesceKey(update);
    // History (events, log) over budget is not kept: the next snapshot carries the state it led to.
    if (key === null) return floodDrop('over-budget');
    floodDrop('coalesced', latest.put(key, update, bytes));
    scheduleFlush();
  };
  /**
   * A flush's batch: on as one message when nothing waits and the budget has its bytes now (the usual case), else
   * item by item as relayUpdate does (snapshots and lists coalesce, history is dropped), so the bounds are the same.
   */
  const relayBatch = (updates: readonly PageUpdate[], bytes: number): void => {
    if (latest.size === 0 && bucket.take(bytes)) {
      for (const u of updates) stampHop('bridge-out', u);
      toWorker(makePortMessage<BridgeToWorker, 'updates'>('updates', { updates }));
      return;
    }
    for (const u of updates) relayUpdate(u, messageBytes(u));
  };
  const scheduleFlush = (): void => {
    const first = latest.peek();
    if (!first || flushTimer !== undefined) return;
    flushTimer = setTimeout(flushLatest, Math.max(10, bucket.waitMs(first.bytes)));
  };
  const flushLatest = (): void => {
    flushTimer = undefined;
    for (let w = latest.peek(); w && bucket.take(w.bytes); w = latest.peek()) {
      latest.shift();
      stampHop('bridge-out', w.item);
      if (attached) toWorker(makePortMessage<BridgeToWorker, 'update'>('update', { update: w.item }));
    }
    scheduleFlush();
  };
  /** Recent request ids: running, or done with the result to resend for a repeated id. */
  const seen = new Map<string, 'running' | WireResult>();

  let port: PortLike | null = null;
  let page: PagePortLike | null = null;
  let wanted = false;
  let attached = false;
  let dead = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const toPage = (message: BridgeMessage): void => {
    try {
      page?.postMessage(message);
    } catch {
      // The page is going away.
    }
  };
  const toWorker = (message: BridgeToWorker): void => {
    try {
      port?.postMessage(message);
    } catch {
      // Disconnected meanwhile; the panel resends what it still waits for.
    }
  };

  const remember = (id: string, value: 'running' | WireResult): void => {
    seen.delete(id);
    seen.set(id, value);
    while (seen.size > SEEN_LIMIT) seen.delete(seen.keys().next().value!);
  };

  const open = (): void => {
    clearTimeout(timer);
    if (port || !wanted || dead) return;
    let p: PortLike;
    try {
      p = deps.connect(BRIDGE_PORT_NAME);
    } catch {
      // "Extension context invalidated": this bridge belongs to an extension that was reloaded or removed.
      dead = true;
      wanted = false;
      return;
    }
    port = p;
    p.onMessage.addListener((raw) => {
      const msg = parseWorkerToBridge(raw);
      if (!msg) return dropped.drop('worker-schema');
      attempt = 0;
      onWorker(msg);
    });
    p.onDisconnect.addListener(() => {
      if (port !== p) return;
      port = null;
      latest.clear();
      if (attached) {
        attached = false;
        toPage(makeBridgeMessage('detach', {}));
      }
      if (wanted) retry();
    });
    toWorker(makePortMessage<BridgeToWorker, 'ready'>('ready', { instance: deps.instance, origin: deps.origin, agent: page !== null }));
  };

  const retry = (): void => {
    if (attempt >= maxAttempts) {
      wanted = false;
      return;
    }
    const delay = backoff[Math.min(attempt, backoff.length - 1)]!;
    attempt++;
    clearTimeout(timer);
    timer = setTimeout(open, delay);
  };

  const onWorker = (msg: WorkerToBridge): void => {
    switch (msg.kind) {
      case 'attach':
        attached = true;
        toPage(makeBridgeMessage('attach', {}));
        return;
      case 'detach': {
        attached = false;
        latest.clear();
        wanted = false;
        toPage(makeBridgeMessage('detach', {}));
        const p = port;
        port = null;
        p?.disconnect();
        return;
      }
      case 'command': {
        const prior = seen.get(msg.id);
        if (prior === 'running') return dropped.drop('duplicate-running');
        if (prior) return toWorker(makePortMessage<BridgeToWorker, 'result'>('result', { id: msg.id, result: prior }));
        if (!page) return dropped.drop('no-agent'); // the panel times out; a reload is the user's fix
        remember(msg.id, 'running');
        toPage(makeBridgeMessage('command', { id: msg.id, sessionId: msg.sessionId, command: msg.command, args: msg.args }));
        return;
      }
    }
  };

  const onPageMessage = (data: unknown): void => {
    const arrived = hopNow();
    if (!withinRate()) return floodDrop('rate');
    const msg = parsePageMessage(data);
    if (!msg) return dropped.drop('page-schema');
    const bytes = messageBytes(msg);
    if (bytes > maxMessageBytes) return floodDrop('too-large', msg.kind === 'updates' ? msg.updates.length : 1);
    switch (msg.kind) {
      case 'update':
        if (!attached) return dropped.drop('not-attached');
        stampHop('bridge-in', msg.update, arrived);
        return relayUpdate(msg.update, bytes);
      case 'updates':
        if (!attached) return dropped.drop('not-attached');
        for (const u of msg.updates) stampHop('bridge-in', u, arrived);
        return relayBatch(msg.updates, bytes);
      case 'result':
        if (seen.get(msg.id) !== 'running') return dropped.drop('unknown-id');
        remember(msg.id, msg.result);
        return toWorker(makePortMessage<BridgeToWorker, 'result'>('result', { id: msg.id, result: msg.result }));
    }
  };

  return {
    dropped,
    floodDrops: () => floods,
    isConnected: () => port !== null,
    isAttached: () => attached,
    hasPage: () => page !== null,
    start() {
      wanted = true;
      attempt = 0;
      open();
    },
    wake() {
      if (dead) return false;
      wanted = true;
      attempt = 0;
      open();
      return !dead;
    },
    onWindowMessage(event, self) {
      let data: unknown;
      let source: unknown;
      let ports: readonly unknown[] | undefined;
      try {
        data = readPageData(event.data);
        source = event.source;
        ports = event.ports;
      } catch {
        return dropped.drop('unreadable');
      }
      const tag = typeof data === 'object' && data !== null ? (data as { source?: unknown }).source : undefined;
      if (tag !== PAGE_SOURCE) return; // the page's own traffic: none of our business, not even counted
      if (page) return dropped.drop('handover-again');
      if (source !== self) return dropped.drop('other-window');
      if (!parsePageHandover(data)) return dropped.drop('handover-schema');
      const offered = ports?.length === 1 ? ports[0] : undefined;
      if (!isPagePort(offered)) return dropped.drop('handover-port');
      page = offered;
      page.onmessage = (e) => onPageMessage(readPageData(e.data));
      if (attached) toPage(makeBridgeMessage('attach', {}));
    },
  };
}
