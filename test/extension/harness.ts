import { runInNewContext } from 'node:vm';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { getSessionHook, type SessionHook } from '../../src/core/hook.js';
import { createSession } from '../../src/core/index.js';
import type { Session } from '../../src/core/types.js';
import { createBridge, type Bridge, type PagePortLike } from '../../src/extension/bridge-core.js';
import { createPageAgent, type PageAgent } from '../../src/extension/page-agent.js';
import { createRouter, type Injector, type Router } from '../../src/extension/router.js';
import { asTabId, makePageHandover, type TabId } from '../../src/protocol/messages.js';
import { MemoryRuntime } from '../../src/transport/memory-port.js';
import { createPortTransport, type PortTransport, type PortTransportOptions } from '../../src/transport/port.js';
import type { TransportUpdate } from '../../src/transport/types.js';

/**
 * The whole extension chain in memory, with real sessions from the real core: page agent ⇄ (a real MessageChannel,
 * handed over in one window message) ⇄ bridge ⇄ (MemoryRuntime ports) ⇄ router ⇄ port transport. No chrome API.
 * Injection is simulated as the browser does it: nothing runs in a document until the router asks (a panel opened,
 * or a document committed while a panel is open); the bridge first, then the agent for a bridge that has none.
 */

export const EXT_ID = 'abcdefghijklmnopabcdefghijklmnop';

/**
 * Which browser's background routing the chain simulates. `firefox` (set by test/extension/firefox-routing.test.ts
 * before it loads the shared suites): senders and commits carry no documentId and no origin (Firefox has neither),
 * scripts are injected by frame id, and the page's window messages arrive as objects of another realm (what a
 * Firefox content script sees through Xray wrappers), which the bridge copies into its own (browser.ts
 * pageMessageData) before it validates them.
 */
export const flavour: { firefox: boolean } = { firefox: false };
/** Copies a value into a fresh realm (its objects have that realm's Object.prototype), as JSON: handovers are plain. */
const intoPageRealm = runInNewContext('(text) => JSON.parse(text)') as (text: string) => unknown;
export const EXT_ORIGIN = `chrome-extension://${EXT_ID}/`;
export const PANEL_URL = `${EXT_ORIGIN}src/extension/panel.html`;

type WindowListener = (event: { source: unknown; data: unknown; ports: readonly unknown[] }) => void;

export interface LoadOptions {
  /** The document's origin as the browser records it (default: the URL's; 'null' for a sandboxed frame). */
  readonly origin?: string;
}

export class Frame {
  readonly hook: SessionHook;
  readonly window: object = {};
  readonly documentId: string;
  alive = true;
  bridgeRuns = 0;
  agentRuns = 0;
  /** What a page script would see of window messages (ours included). */
  readonly windowMessages: unknown[] = [];
  private bridgeInstance: Bridge | null = null;
  private agentInstance: PageAgent | null = null;
  readonly listeners: WindowListener[] = [];
  readonly channels: MessagePort[] = [];
  readonly ports: { sever(): void }[] = [];

  constructor(
    readonly frameId: number,
    readonly url: string,
    readonly origin: string,
    serial: number,
  ) {
    this.hook = getSessionHook(this.window);
    this.documentId = `doc${serial}`;
  }

  get bridge(): Bridge {
    if (!this.bridgeInstance) throw new Error(`no bridge injected in frame ${this.frameId}`);
    return this.bridgeInstance;
  }
  get agent(): PageAgent {
    if (!this.agentInstance) throw new Error(`no agent injected in frame ${this.frameId}`);
    return this.agentInstance;
  }
  hasBridge(): boolean {
    return this.bridgeInstance !== null;
  }
  hasAgent(): boolean {
    return this.agentInstance !== null;
  }

  /** window.postMessage to this very window: every listener sees it, asynchronously. */
  postWindow(data: unknown, ports: readonly unknown[] = []): void {
    const copy = flavour.firefox ? foreign(data) : structuredClone(data);
    this.windowMessages.push(copy);
    setTimeout(() => {
      if (!this.alive) return;
      for (const l of [...this.listeners]) l({ source: this.window, data: copy, ports });
    }, 0);
  }

  runBridge(runtime: MemoryRuntime, tabId: TabId): void {
    if (!this.alive) return;
    this.bridgeRuns++;
    if (this.bridgeInstance?.wake()) return;
    const sender = flavour.firefox
      ? { id: EXT_ID, url: this.url, frameId: this.frameId, tab: { id: tabId } }
      : { id: EXT_ID, url: this.url, frameId: this.frameId, tab: { id: tabId }, documentId: this.documentId, origin: this.origin };
    const bridge = createBridge({
      connect: (name) => {
        const p = runtime.connect(name, sender);
        this.ports.push(p);
        return p;
      },
      instance: `inst-${this.documentId}`,
      origin: this.origin,
      backoffMs: [0, 5, 10],
      ...(flavour.firefox ? { readPageData: (d: unknown) => structuredClone(d) } : {}),
    });
    this.bridgeInstance = bridge;
    const listener: WindowListener = (event) => bridge.onWindowMessage(event, this.window);
    this.listeners.push(listener);
    bridge.start();
  }

  runAgent(): void {
    if (!this.alive) return;
    this.agentRuns++;
    const channel = new MessageChannel();
    this.channels.push(channel.port1, channel.port2);
    const agent = createPageAgent({ hook: this.hook, post: (m) => channel.port1.postMessage(m) });
    channel.port1.on('message', (data: unknown) => this.alive && agent.onMessage(data));
    this.agentInstance ??= agent; // a second agent in one document stays unlinked (the bridge takes one channel)
    this.postWindow(makePageHandover(), [nodePort(channel.port2)]);
  }

  unload(): void {
    this.alive = false;
    this.agentInstance?.dispose();
    for (const c of this.channels) c.close();
    for (const p of this.ports) p.sever();
  }
}

/** Node's MessagePort speaks on('message', data); the bridge expects a DOM MessagePort's onmessage with an event. */
function nodePort(port: MessagePort): PagePortLike {
  let handler: ((event: { data: unknown }) => void) | null = null;
  port.on('message', (data: unknown) => handler?.({ data }));
  return {
    postMessage: (m) => port.postMessage(m),
    close: () => port.close(),
    get onmessage() {
      return handler;
    },
    set onmessage(h) {
      handler = h;
    },
  };
}

/** Firefox gives no documentId: a script aimed at a frame runs in whatever document is there. */
const sameDocument = (f: Frame, documentId: string | undefined): boolean => (flavour.firefox ? documentId === undefined : f.documentId === documentId);

/** A structured copy made in another realm: its prototype is not this realm's Object.prototype. */
const foreign = (data: unknown): unknown => intoPageRealm(JSON.stringify(data));

export class Chain {
  readonly routers: Router[] = [];
  readonly runtime: MemoryRuntime;
  readonly frames = new Map<number, Frame>();
  readonly tabId: TabId = asTabId(7)!;
  readonly sessions: Session[] = [];
  /** Whether the router currently follows frame commits (webNavigation). */
  watching = false;
  readonly injections: string[] = [];
  private serial = 0;

  constructor(readonly graceMs = 200) {
    this.runtime = new MemoryRuntime(() => {
      const router = createRouter({ extensionId: EXT_ID, extensionOrigin: EXT_ORIGIN, graceMs: this.graceMs, inject: this.injector() });
      this.routers.push(router);
      return (port) => router.onConnect(port);
    });
  }

  private injector(): Injector {
    const later = (run: () => void): void => void setTimeout(run, 0);
    return {
      bridges: (tabId) => {
        this.injections.push(`bridges ${tabId}`);
        if (tabId === this.tabId) later(() => this.frames.forEach((f) => f.runBridge(this.runtime, this.tabId)));
      },
      bridgeInto: (tabId, frameId, documentId) => {
        this.injections.push(`bridge ${tabId}/${frameId}`);
        const f = this.frames.get(frameId);
        if (tabId === this.tabId && f && sameDocument(f, documentId)) later(() => f.runBridge(this.runtime, this.tabId));
      },
      agentInto: (tabId, frameId, documentId) => {
        this.injections.push(`agent ${tabId}/${frameId}`);
        const f = this.frames.get(frameId);
        if (tabId === this.tabId && f && sameDocument(f, documentId)) later(() => f.runAgent());
      },
      watchNavigations: (on) => {
        this.watching = on;
      },
    };
  }

  get router(): Router {
    return this.routers[this.routers.length - 1]!;
  }

  /** A document commits in frame `frameId` of the tab, with its own hook (its own window); replaces what was there. */
  async load(frameId = 0, url = 'https://app.example/', options: LoadOptions = {}): Promise<Frame> {
    this.frames.get(frameId)?.unload();
    const frame = new Frame(frameId, url, options.origin ?? new URL(url).origin, ++this.serial);
    this.frames.set(frameId, frame);
    if (this.watching) this.router.onFrameCommitted(flavour.firefox ? { tabId: this.tabId, frameId } : { tabId: this.tabId, frameId, documentId: frame.documentId });
    await new Promise((r) => setTimeout(r, 0));
    return frame;
  }

  /** A real session on a frame's hook (memory storage, the dev backend). */
  async addSession(frame: Frame, namespace = 'test'): Promise<Session> {
    const session = createSession({ storage: 'memory', namespace, devtools: false });
    frame.hook.register(session);
    await session.ready;
    this.sessions.push(session);
    return session;
  }

  panel(options: Partial<PortTransportOptions> = {}): { transport: PortTransport; updates: TransportUpdate[]; stop: () => void } {
    const transport = createPortTransport({
      tabId: this.tabId,
      connect: (name) => this.runtime.connect(name, { id: EXT_ID, url: PANEL_URL }),
      backoffMs: [0, 5, 10],
      frameGraceMs: 100,
      timeoutMs: 2000,
      ...options,
    });
    const updates: TransportUpdate[] = [];
    const stop = transport.connect((u) => updates.push(u));
    return { transport, updates, stop };
  }

  dispose(): void {
    for (const f of [...this.frames.values()]) f.unload();
    this.frames.clear();
    for (const s of this.sessions) s.dispose();
  }
}

/** Waits (bounded) until `check` returns a value; for asynchronous message delivery, not for timing. */
export async function eventually<T>(check: () => T | undefined | false, what = 'condition', timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export const lastSnapshot = (updates: readonly TransportUpdate[], sessionId: string) => {
  for (let i = updates.length - 1; i >= 0; i--) {
    const u = updates[i]!;
    if (u.type === 'snapshot' && u.sessionId === sessionId) return u.snapshot;
  }
  return undefined;
};
export const lastSessions = (updates: readonly TransportUpdate[]) => {
  for (let i = updates.length - 1; i >= 0; i--) {
    const u = updates[i]!;
    if (u.type === 'sessions') return u.sessions;
  }
  return undefined;
};
