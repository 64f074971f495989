import {
  BRIDGE_PORT_NAME,
  BRIDGE_SOURCE,
  DropCounter,
  PAGE_SOURCE,
  makeBridgeMessage,
  makePortMessage,
  parseHelloReply,
  parsePageMessage,
  parseWakeMessage,
  parseWorkerToBridge,
  type BridgeHello,
  type BridgeMessage,
  type BridgeToWorker,
  type WireResult,
  type WorkerToBridge,
} from '../protocol/messages.js';
import type { PortConnector, PortLike } from '../transport/port-like.js';

/**
 * The content-script bridge's logic (isolated world), free of chrome APIs so it runs under test.
 *
 * It relays between the page (window messages from our MAIN-world script) and the service worker (a port), and
 * trusts neither: window messages count only from this very window with our source tag and a valid shape, results
 * only for request ids it forwarded. It connects only while a panel is open for its tab, and it remembers recent
 * request ids so a command resent after a worker restart is answered from cache instead of running twice.
 */

export interface BridgeDeps {
  readonly connect: PortConnector;
  /** One-shot hello to the worker; resolves with its reply (or anything, it is validated). */
  readonly hello: (message: BridgeHello) => Promise<unknown>;
  readonly postToPage: (message: BridgeMessage) => void;
  readonly backoffMs?: readonly number[];
  /** Give up reconnecting after this many failed attempts in a row (extension reloaded or removed). */
  readonly maxAttempts?: number;
  /**
   * Most page messages relayed per second; more are dropped and counted, so a hostile page cannot flood the panel.
   * The agent's coalescing stays far below it (about 60 flushes a second).
   */
  readonly maxPerSecond?: number;
  readonly now?: () => number;
}

export interface WindowMessageLike {
  readonly source: unknown;
  readonly data: unknown;
}

export interface Bridge {
  start(): Promise<void>;
  /** Window `message` events; `self` is this window, so messages from other windows and frames are dropped. */
  onWindowMessage(event: WindowMessageLike, self: unknown): void;
  /** runtime.onMessage from the worker (tabs.sendMessage): a panel opened, connect. */
  onRuntimeMessage(message: unknown): void;
  readonly dropped: DropCounter;
  isConnected(): boolean;
  isAttached(): boolean;
}

const SEEN_LIMIT = 256;
const DEFAULT_BACKOFF = [0, 100, 250, 500, 1000, 2000, 3000] as const;

export function createBridge(deps: BridgeDeps): Bridge {
  const backoff = deps.backoffMs && deps.backoffMs.length ? deps.backoffMs : DEFAULT_BACKOFF;
  const maxAttempts = deps.maxAttempts ?? 20;
  const maxPerSecond = deps.maxPerSecond ?? 1000;
  const now = deps.now ?? Date.now;
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
  /** Recent request ids: running, or done with the result to resend for a repeated id. */
  const seen = new Map<string, 'running' | WireResult>();

  let port: PortLike | null = null;
  let wanted = false;
  let attached = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const toPage = (message: BridgeMessage): void => {
    try {
      deps.postToPage(message);
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
    if (port || !wanted) return;
    let p: PortLike;
    try {
      p = deps.connect(BRIDGE_PORT_NAME);
    } catch {
      retry();
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
      if (attached) {
        attached = false;
        toPage(makeBridgeMessage('detach', {}));
      }
      if (wanted) retry();
    });
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
        remember(msg.id, 'running');
        toPage(makeBridgeMessage('command', { id: msg.id, sessionId: msg.sessionId, command: msg.command, args: msg.args }));
        return;
      }
    }
  };

  return {
    dropped,
    isConnected: () => port !== null,
    isAttached: () => attached,
    async start() {
      try {
        const reply = parseHelloReply(await deps.hello(makePortMessage<BridgeHello, 'hello'>('hello', {})));
        if (reply?.connect) {
          wanted = true;
          open();
        }
      } catch {
        // The worker could not answer; a panel that opens later wakes us.
      }
    },
    onRuntimeMessage(message) {
      if (!parseWakeMessage(message)) return dropped.drop('wake-schema');
      wanted = true;
      attempt = 0;
      open();
    },
    onWindowMessage(event, self) {
      let data: unknown;
      let source: unknown;
      try {
        data = event.data;
        source = event.source;
      } catch {
        return dropped.drop('unreadable');
      }
      const tag = typeof data === 'object' && data !== null ? (data as { source?: unknown }).source : undefined;
      if (tag === BRIDGE_SOURCE) return; // our own messages to the page
      if (tag !== PAGE_SOURCE) return dropped.drop('not-ours');
      if (source !== self) return dropped.drop('other-window');
      const msg = parsePageMessage(data);
      if (!msg) return dropped.drop('page-schema');
      if (msg.kind !== 'ready' && !withinRate()) return dropped.drop('rate');
      switch (msg.kind) {
        case 'ready':
          if (attached) toPage(makeBridgeMessage('attach', {}));
          return;
        case 'update':
          if (!attached) return dropped.drop('not-attached');
          return toWorker(makePortMessage<BridgeToWorker, 'update'>('update', { update: msg.update }));
        case 'result':
          if (seen.get(msg.id) !== 'running') return dropped.drop('unknown-id');
          remember(msg.id, msg.result);
          return toWorker(makePortMessage<BridgeToWorker, 'result'>('result', { id: msg.id, result: msg.result }));
      }
    },
  };
}
