import {
  BRIDGE_PORT_NAME,
  DropCounter,
  LINK_ERRORS,
  asFrameId,
  asTabId,
  makePortMessage,
  parseBridgeHello,
  parseBridgeToWorker,
  parsePanelToWorker,
  tabIdFromPortName,
  type FrameId,
  type FrameInfo,
  type HelloReply,
  type PanelToWorker,
  type TabId,
  type WakeMessage,
  type WorkerToBridge,
  type WorkerToPanel,
} from '../protocol/messages.js';
import type { PortLike, PortSender } from '../transport/port-like.js';

/**
 * The service worker's routing, free of chrome APIs so it runs under test with fake ports.
 *
 * It holds no truth: its maps list the ports that are open right now, and every side rebuilds them by reconnecting
 * when a fresh worker starts (the panel transport resends unanswered requests; bridges resend their full state on
 * attach). Commands for a frame whose bridge has not (re)connected yet wait a short, bounded grace period here and
 * otherwise fail with a clear error; the panel still owns the retry.
 */

export interface RouterOptions {
  /** This extension's id: only its own contexts may connect. */
  readonly extensionId: string;
  /** `chrome-extension://<id>/`: panel ports must come from one of our pages. */
  readonly extensionOrigin: string;
  /** Tells every bridge in a tab to connect (tabs.sendMessage). */
  readonly wakeTab: (tabId: TabId, message: WakeMessage) => void;
  /** How long a command waits for its frame's bridge, and a bridge for a panel. Default 3000 ms. */
  readonly graceMs?: number;
  /** Max commands waiting per tab. */
  readonly maxWaiting?: number;
  /** Dev-only diagnostics. */
  readonly debug?: (message: string) => void;
}

interface Bridge {
  readonly port: PortLike;
  readonly url: string;
}

interface Waiting {
  readonly panel: PortLike;
  readonly message: PanelToWorker;
  readonly timer: ReturnType<typeof setTimeout>;
}

export interface Router {
  onConnect(port: PortLike): void;
  /** Answers a bridge's one-shot hello (runtime.onMessage); undefined when the message is not ours. */
  onHello(message: unknown, sender: PortSender): HelloReply | undefined;
  readonly dropped: DropCounter;
  stats(): { bridges: number; panels: number; waiting: number };
}

export function createRouter(options: RouterOptions): Router {
  const graceMs = options.graceMs ?? 3000;
  const maxWaiting = options.maxWaiting ?? 100;
  const dropped = new DropCounter();
  const debug = options.debug ?? ((): void => {});

  const bridges = new Map<TabId, Map<FrameId, Bridge>>();
  const panels = new Map<TabId, Set<PortLike>>();
  const waiting = new Map<TabId, Waiting[]>();
  const idleBridgeTimers = new Map<TabId, ReturnType<typeof setTimeout>>();

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
  const framesOf = (tabId: TabId): FrameInfo[] =>
    [...(bridges.get(tabId) ?? new Map<FrameId, Bridge>())].map(([frameId, b]) => ({ frameId, url: b.url }));

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
    let frames = bridges.get(tabId);
    if (!frames) bridges.set(tabId, (frames = new Map()));
    const old = frames.get(frameId);
    if (old) {
      // A new document in the same frame (reload, navigation) can connect before the old one's port is gone.
      old.port.disconnect();
      toPanels(tabId, makePortMessage<WorkerToPanel, 'frame'>('frame', { frameId, url: old.url, state: 'detached' }));
    }
    frames.set(frameId, { port, url });
    debug(`bridge ${tabId}/${frameId} connected`);

    port.onMessage.addListener((raw) => {
      const msg = parseBridgeToWorker(raw);
      if (!msg) return dropped.drop('bridge-schema');
      if (msg.kind === 'update') toPanels(tabId, makePortMessage<WorkerToPanel, 'update'>('update', { frameId, update: msg.update }));
      else toPanels(tabId, makePortMessage<WorkerToPanel, 'result'>('result', { id: msg.id, result: msg.result }));
    });
    port.onDisconnect.addListener(() => {
      const current = bridges.get(tabId);
      if (current?.get(frameId)?.port !== port) return;
      current.delete(frameId);
      if (current.size === 0) bridges.delete(tabId);
      toPanels(tabId, makePortMessage<WorkerToPanel, 'frame'>('frame', { frameId, url, state: 'detached' }));
    });

    toPanels(tabId, makePortMessage<WorkerToPanel, 'frame'>('frame', { frameId, url, state: 'attached' }));
    if (panels.get(tabId)?.size) {
      post(port, makePortMessage<WorkerToBridge, 'attach'>('attach', {}));
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
        // Nobody is looking: tell the page to stop streaming and let the bridges disconnect.
        for (const b of bridges.get(tabId)?.values() ?? []) post(b.port, makePortMessage<WorkerToBridge, 'detach'>('detach', {}));
      }
    });

    post(port, makePortMessage<WorkerToPanel, 'welcome'>('welcome', { tabId, frames: framesOf(tabId) }));
    for (const b of bridges.get(tabId)?.values() ?? []) post(b.port, makePortMessage<WorkerToBridge, 'attach'>('attach', {}));
    // Bridges that are not connected (page loaded before the panel opened, or a fresh worker): wake them.
    try {
      options.wakeTab(tabId, makePortMessage<WakeMessage, 'wake'>('wake', {}));
    } catch {
      // No such tab (closed): the panel shows no page.
    }
  }

  function route(tabId: TabId, panel: PortLike, msg: PanelToWorker): void {
    const bridge = bridges.get(tabId)?.get(msg.frameId as FrameId);
    if (bridge) return forward(bridge, msg);
    const list = waiting.get(tabId) ?? [];
    if (list.length >= maxWaiting) {
      dropped.drop('waiting-full');
      post(panel, makePortMessage<WorkerToPanel, 'result'>('result', { id: msg.id, result: { ok: false, error: LINK_ERRORS.noPage() } }));
      return;
    }
    const timer = setTimeout(() => {
      const l = waiting.get(tabId);
      if (!l) return;
      const i = l.findIndex((w) => w.message === msg);
      if (i < 0) return;
      l.splice(i, 1);
      if (l.length === 0) waiting.delete(tabId);
      post(panel, makePortMessage<WorkerToPanel, 'result'>('result', { id: msg.id, result: { ok: false, error: LINK_ERRORS.noPage() } }));
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

  function flushWaiting(tabId: TabId): void {
    const list = waiting.get(tabId);
    if (!list) return;
    const rest: Waiting[] = [];
    for (const w of list) {
      const bridge = bridges.get(tabId)?.get(w.message.frameId as FrameId);
      if (bridge) {
        clearTimeout(w.timer);
        forward(bridge, w.message);
      } else rest.push(w);
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

  function onHello(message: unknown, sender: PortSender): HelloReply | undefined {
    if (!isOurs(sender)) {
      dropped.drop('foreign-message');
      return undefined;
    }
    const hello = parseBridgeHello(message);
    const tabId = asTabId(sender.tab?.id);
    if (!hello || tabId === null) {
      dropped.drop('hello-schema');
      return undefined;
    }
    return makePortMessage<HelloReply, 'hello-reply'>('hello-reply', { connect: (panels.get(tabId)?.size ?? 0) > 0 });
  }

  return {
    onConnect,
    onHello,
    dropped,
    stats: () => ({
      bridges: [...bridges.values()].reduce((n, m) => n + m.size, 0),
      panels: [...panels.values()].reduce((n, s) => n + s.size, 0),
      waiting: [...waiting.values()].reduce((n, l) => n + l.length, 0),
    }),
  };
}
