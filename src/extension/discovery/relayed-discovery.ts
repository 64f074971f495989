import {
  discoveryPortName,
  makeAsk,
  parseAnswerValue,
  parseDiscoveryTell,
  type DiscoveryAnswers,
  type DiscoveryOp,
  type DiscoveryRequest,
  type WirePageReading,
} from '../../protocol/discovery.js';
import { DropCounter, type TabId } from '../../protocol/messages.js';
import type { PortConnector, PortLike } from '../../transport/port-like.js';
import type { DiscoveryBrowser } from './panel-discovery.js';
import type { PageReading } from './page-reader.js';

/**
 * The panel's discovery browser when it reads the page through the background (Firefox; browser.ts's
 * readsPageThroughBackground): the page reads and the cookies API become asks over this panel's own discovery port
 * (src/protocol/discovery.ts), answered by background-discovery.ts; DevTools' network API and visibility stay the
 * panel's own (`base`, browser-discovery.ts). PanelDiscovery is the same on both paths.
 *
 * The port opens on the first ask and again after the background stopped (an event page is suspended when idle):
 * asks in flight then fail with a plain reason, PanelDiscovery shows it and reads again on its next tick, and a
 * cookie follow is renewed. Every answer is checked against the op it answers before the panel sees it.
 */

/** How long an ask waits for its answer (a page reading, or the cookies API). */
const ASK_TIMEOUT_MS = 15_000;
/** A permission request waits for the user in another tab (the background answers when they decide). */
const GRANT_TIMEOUT_MS = 11 * 60_000;

export interface RelayOptions {
  readonly tabId: TabId;
  readonly connect: PortConnector;
  /** The panel's own network and visibility (browser-discovery.ts). */
  readonly base: Pick<DiscoveryBrowser, 'network' | 'visible' | 'onVisible'>;
  /** This context's permissions API where it has one: asked directly, within the click (a tab); else the background. */
  readonly askCookiePermission: (() => Promise<boolean>) | null;
  readonly timeoutMs?: number;
}

export interface RelayedDiscovery extends DiscoveryBrowser {
  readonly dropped: DropCounter;
  /** Ports opened so far (tests: a reconnect after the background stopped). */
  connections(): number;
}

interface Pending {
  readonly op: DiscoveryOp;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export function relayedDiscovery(options: RelayOptions): RelayedDiscovery {
  const dropped = new DropCounter();
  const pending = new Map<string, Pending>();
  const cookieListeners = new Set<() => void>();
  let port: PortLike | null = null;
  let connections = 0;

  const onMessage = (raw: unknown): void => {
    const tell = parseDiscoveryTell(raw);
    if (!tell) return dropped.drop('schema');
    if (tell.kind === 'cookies-changed') {
      for (const l of cookieListeners) l();
      return;
    }
    const p = pending.get(tell.id);
    if (!p) return dropped.drop('unknown-id');
    pending.delete(tell.id);
    clearTimeout(p.timer);
    if (!tell.ok) return p.reject(new Error(tell.error));
    const value = parseAnswerValue(p.op, tell.value);
    if (value === null) {
      dropped.drop('answer-schema');
      return p.reject(new Error(`the background’s answer to ${p.op} was not what it should be`));
    }
    p.resolve(value);
  };

  function open(): PortLike {
    if (port) return port;
    const opened = options.connect(discoveryPortName(options.tabId));
    connections++;
    port = opened;
    opened.onMessage.addListener(onMessage);
    opened.onDisconnect.addListener(() => {
      if (port !== opened) return;
      port = null;
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        pending.delete(id);
        p.reject(new Error('the extension’s background stopped; reading again'));
      }
      // Changes may have been missed meanwhile: follow again on a fresh port, and let the listeners read now.
      if (cookieListeners.size) {
        void ask({ op: 'cookiesFollow', on: true }).catch(() => undefined);
        for (const l of cookieListeners) l();
      }
    });
    return opened;
  }

  function ask<K extends DiscoveryOp>(request: Extract<DiscoveryRequest, { op: K }>, timeoutMs = options.timeoutMs ?? ASK_TIMEOUT_MS): Promise<DiscoveryAnswers[K]> {
    return new Promise<DiscoveryAnswers[K]>((resolve, reject) => {
      const id = globalThis.crypto.randomUUID().replace(/-/g, '');
      const timer = setTimeout(() => {
        if (!pending.delete(id)) return;
        reject(new Error(`the extension’s background did not answer (${request.op})`));
      }, timeoutMs);
      pending.set(id, { op: request.op, resolve: resolve as (value: unknown) => void, reject, timer });
      try {
        open().postMessage(makeAsk(id, request));
      } catch (error) {
        pending.delete(id);
        clearTimeout(timer);
        port = null;
        reject(new Error(`could not reach the extension’s background: ${error instanceof Error ? error.message : String(error)}`));
      }
    });
  }

  const asReading = (reading: WirePageReading): PageReading => reading;

  return {
    dropped,
    connections: () => connections,
    network: options.base.network,
    visible: () => options.base.visible(),
    onVisible: (listener) => options.base.onVisible(listener),
    readPage: async (reset, withIndexedDb) => asReading(await ask({ op: 'readPage', reset, withIndexedDb })),
    readFrame: async (frameId, reset, withIndexedDb) => asReading(await ask({ op: 'readPage', reset, withIndexedDb, frameId })),
    frames: () => ask({ op: 'frames' }),
    removeFromPage: (source, key, frameId) =>
      source === 'cookie' || source === 'localStorage' || source === 'sessionStorage'
        ? ask({ op: 'removeFromPage', source, key, ...(frameId !== undefined ? { frameId } : {}) })
        : Promise.reject(new Error(`${source} entries are not deleted from the panel`)),
    syneriseGlobals: () => ask({ op: 'syneriseGlobals' }),
    cookies: {
      granted: () => ask({ op: 'cookiesGranted' }),
      // In a tab the click is here, so the request is too; in Firefox's toolbox the background opens such a tab.
      request: () =>
        options.askCookiePermission ? options.askCookiePermission() : ask({ op: 'cookiesRequest' }, GRANT_TIMEOUT_MS),
      getAll: (url) => ask({ op: 'cookiesGetAll', url }),
      remove: (url, name) => ask({ op: 'cookiesRemove', url, name }),
      onChanged(listener) {
        const first = cookieListeners.size === 0;
        cookieListeners.add(listener);
        if (first) void ask({ op: 'cookiesFollow', on: true }).catch(() => undefined);
        return () => {
          if (!cookieListeners.delete(listener) || cookieListeners.size) return;
          void ask({ op: 'cookiesFollow', on: false }).catch(() => undefined);
        };
      },
    },
  };
}
