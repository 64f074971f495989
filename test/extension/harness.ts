import { getSessionHook, type SessionHook } from '../../src/core/hook.js';
import { createSession } from '../../src/core/index.js';
import type { Session } from '../../src/core/types.js';
import { createBridge, type Bridge } from '../../src/extension/bridge-core.js';
import { createPageAgent, type PageAgent } from '../../src/extension/page-agent.js';
import { createRouter, type Router } from '../../src/extension/router.js';
import { asTabId, type TabId, type WakeMessage } from '../../src/protocol/messages.js';
import { MemoryRuntime } from '../../src/transport/memory-port.js';
import { createPortTransport, type PortTransport, type PortTransportOptions } from '../../src/transport/port.js';
import type { TransportUpdate } from '../../src/transport/types.js';

/**
 * The whole extension chain in memory, with real sessions from the real core: page agent ⇄ (window messages,
 * structured-cloned, async) ⇄ bridge ⇄ (MemoryRuntime ports) ⇄ router ⇄ port transport. No chrome API.
 */

export const EXT_ID = 'abcdefghijklmnopabcdefghijklmnop';
export const EXT_ORIGIN = `chrome-extension://${EXT_ID}/`;
export const PANEL_URL = `${EXT_ORIGIN}src/extension/panel.html`;

export interface Frame {
  readonly hook: SessionHook;
  readonly agent: PageAgent;
  readonly bridge: Bridge;
  readonly window: object;
  /** Kills this document (reload/navigation): its bridge port drops, nothing more comes from it. */
  unload(): void;
}

export class Chain {
  readonly routers: Router[] = [];
  readonly runtime: MemoryRuntime;
  readonly frames = new Map<string, Frame>();
  readonly tabId: TabId = asTabId(7)!;
  readonly sessions: Session[] = [];

  constructor(readonly graceMs = 200) {
    this.runtime = new MemoryRuntime(() => {
      const router = createRouter({
        extensionId: EXT_ID,
        extensionOrigin: EXT_ORIGIN,
        graceMs: this.graceMs,
        wakeTab: (tabId, message) => this.wake(tabId, message),
      });
      this.routers.push(router);
      return (port) => router.onConnect(port);
    });
  }

  get router(): Router {
    return this.routers[this.routers.length - 1]!;
  }

  private wake(tabId: TabId, message: WakeMessage): void {
    if (tabId !== this.tabId) return;
    for (const f of this.frames.values()) queueMicrotask(() => f.bridge.onRuntimeMessage(structuredClone(message)));
  }

  /** A document in frame `frameId` of the tab, with its own hook (its own window). */
  async load(frameId = 0, url = 'https://app.example/'): Promise<Frame> {
    const win = {};
    const hook = getSessionHook(win);
    let alive = true;
    const ports: { sever(): void }[] = [];
    const sender = { id: EXT_ID, url, frameId, tab: { id: this.tabId } };
    let agent: PageAgent;
    const bridge = createBridge({
      connect: (name) => {
        const p = this.runtime.connect(name, sender);
        ports.push(p);
        return p;
      },
      hello: async (message) => (alive ? this.router.onHello(structuredClone(message), sender) : undefined),
      postToPage: (message) => {
        const copy = structuredClone(message);
        setTimeout(() => alive && agent.onMessage(copy), 0);
      },
      backoffMs: [0, 5, 10],
    });
    agent = createPageAgent({
      hook,
      post: (message) => {
        const copy = structuredClone(message);
        setTimeout(() => alive && bridge.onWindowMessage({ source: win, data: copy }, win), 0);
      },
    });
    const frame: Frame = {
      hook,
      agent,
      bridge,
      window: win,
      unload: () => {
        alive = false;
        agent.dispose();
        for (const p of ports) p.sever();
        this.frames.delete(key);
      },
    };
    const key = `${frameId}`;
    this.frames.get(key)?.unload();
    this.frames.set(key, frame);
    await bridge.start();
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
