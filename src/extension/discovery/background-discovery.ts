import {
  DISCOVERY_LIMITS,
  fitFrames,
  makeAnswer,
  makeCookiesChanged,
  malformedAskId,
  parseDiscoveryAsk,
  tabIdFromDiscoveryPortName,
  type DiscoveryRequest,
  type DiscoveryTell,
} from '../../protocol/discovery.js';
import { DropCounter, type TabId } from '../../protocol/messages.js';
import { messageBytes } from '../../protocol/byte-budget.js';
import type { PortLike } from '../../transport/port-like.js';
import { readPage, removeFromPage, syneriseGlobals } from './page-reader.js';

/**
 * The background's half of discovery for panels that cannot read the page themselves (Firefox: protocol in
 * src/protocol/discovery.ts). Free of extension APIs (they come in as `apis`, browser.ts's backgroundDiscoveryApis),
 * so it runs under test with fake ports.
 *
 * For each discovery port (one per panel, named by its tab): every message is parsed; each ask runs page-reader.ts's
 * functions (called, never copied) in that tab's top frame or one of its child frames (by frame id: executeScript
 * reaches only frames of that tab), lists that tab's frames, or asks the cookies API about that tab's own address, and
 * the answer goes back on the same port only. Nothing is kept: no reading, cookie or token outlives its answer here.
 * The cookie-change listener exists only while a port asks to follow, so cookie changes never wake the background.
 */

export interface DiscoveryApis {
  run<T>(tabId: number, frameId: number, world: 'ISOLATED' | 'MAIN', func: (...args: never[]) => T | Promise<T>, args: readonly unknown[]): Promise<T>;
  tabUrl(tabId: number): Promise<string | undefined>;
  frames(tabId: number): Promise<{ frameId: number; parentFrameId: number; url: string }[]>;
  cookiesGranted(): Promise<boolean>;
  cookiesGetAll(url: string): Promise<{ name: string; value: string; httpOnly: boolean }[]>;
  cookiesRemove(url: string, name: string): Promise<boolean>;
  onCookieChanged(listener: () => void): () => void;
  onPermissionsAdded(listener: (permissions: readonly string[]) => void): () => void;
  openTab(path: string): Promise<number | undefined>;
  onTabRemoved(listener: (tabId: number) => void): () => void;
}

export interface DiscoveryServiceOptions {
  readonly extensionId: string;
  /** `moz-extension://<uuid>/` or `chrome-extension://<id>/`: discovery ports must come from one of our pages. */
  readonly extensionOrigin: string;
  readonly apis: DiscoveryApis;
  /** The panel page, opened in a tab when a panel without a permissions API asks for the cookies permission. */
  readonly grantPagePath: (tabId: TabId) => string;
  readonly maxAnswerBytes?: number;
  /** How long a permission request waits for the user before it answers false. Default 10 minutes. */
  readonly grantWaitMs?: number;
}

export interface DiscoveryService {
  /** Takes the port if it is a discovery port (true), else leaves it to the router (false). */
  onConnect(port: PortLike): boolean;
  readonly dropped: DropCounter;
  stats(): { ports: number; following: number; grantsWaiting: number };
}

interface Grant {
  readonly port: PortLike;
  readonly id: string;
  readonly tab: number;
  readonly timer: ReturnType<typeof setTimeout>;
}

export function createDiscoveryService(options: DiscoveryServiceOptions): DiscoveryService {
  const { apis } = options;
  const maxAnswerBytes = options.maxAnswerBytes ?? DISCOVERY_LIMITS.answerBytes;
  const dropped = new DropCounter();
  const ports = new Set<PortLike>();
  const following = new Set<PortLike>();
  const grants = new Set<Grant>();
  let stopCookieEvents: (() => void) | null = null;
  let stopGrantEvents: (() => void) | null = null;

  const post = (port: PortLike, message: DiscoveryTell): void => {
    if (!ports.has(port)) return; // it went away while we worked: the answer is dropped with it
    try {
      port.postMessage(message);
    } catch {
      // closed meanwhile
    }
  };

  const followCookies = (): void => {
    if (following.size > 0 && !stopCookieEvents) {
      stopCookieEvents = apis.onCookieChanged(() => {
        for (const p of following) post(p, makeCookiesChanged());
      });
    } else if (following.size === 0 && stopCookieEvents) {
      stopCookieEvents();
      stopCookieEvents = null;
    }
  };

  const endGrant = (grant: Grant, granted: boolean): void => {
    if (!grants.delete(grant)) return;
    clearTimeout(grant.timer);
    post(grant.port, makeAnswer(grant.id, { ok: true, value: granted }));
    unwatchGrantsIfNone();
  };
  const unwatchGrantsIfNone = (): void => {
    if (grants.size === 0 && stopGrantEvents) {
      stopGrantEvents();
      stopGrantEvents = null;
    }
  };
  const watchGrants = (): void => {
    if (stopGrantEvents) return;
    const offAdded = apis.onPermissionsAdded((added) => {
      if (added.includes('cookies')) for (const g of [...grants]) endGrant(g, true);
    });
    const offRemoved = apis.onTabRemoved((tabId) => {
      for (const g of [...grants]) if (g.tab === tabId) void apis.cookiesGranted().catch(() => false).then((granted) => endGrant(g, granted));
    });
    stopGrantEvents = () => {
      offAdded();
      offRemoved();
    };
  };

  /** The tab's own address, which every cookie ask must be about (a panel asks only for the page it inspects). */
  async function sameSite(tabId: TabId, url: string): Promise<void> {
    const current = await apis.tabUrl(tabId);
    if (current === undefined) throw new Error('this tab’s address is not available to the extension');
    if (originOf(current) !== originOf(url)) throw new Error('the page changed meanwhile');
  }

  async function answer(tabId: TabId, port: PortLike, id: string, request: DiscoveryRequest): Promise<unknown> {
    switch (request.op) {
      case 'readPage':
        return apis.run(tabId, request.frameId ?? 0, 'ISOLATED', readPage, [request.reset, request.withIndexedDb]);
      case 'removeFromPage':
        return apis.run(tabId, request.frameId ?? 0, 'ISOLATED', removeFromPage, [request.source, request.key]);
      case 'frames':
        return fitFrames(await apis.frames(tabId));
      case 'syneriseGlobals':
        return apis.run(tabId, 0, 'MAIN', syneriseGlobals, []);
      case 'cookiesGranted':
        return apis.cookiesGranted();
      case 'cookiesGetAll':
        await sameSite(tabId, request.url);
        return apis.cookiesGetAll(request.url);
      case 'cookiesRemove':
        await sameSite(tabId, request.url);
        return apis.cookiesRemove(request.url, request.name);
      case 'cookiesFollow':
        if (request.on) following.add(port);
        else following.delete(port);
        followCookies();
        return request.on;
      case 'cookiesRequest': {
        if (await apis.cookiesGranted()) return true;
        // permissions.request needs a click in the asking page; Firefox's DevTools pages have no permissions API,
        // and a click there is no user gesture here. So the panel page opens as a tab, where one click grants it;
        // this ask is answered when the permission is added, the tab is closed, or after grantWaitMs.
        // Failing to open it fails the ask at once (the panel says why), rather than waiting for a tab nobody sees.
        watchGrants();
        let tab: number | undefined;
        try {
          tab = await apis.openTab(options.grantPagePath(tabId));
        } catch (error) {
          unwatchGrantsIfNone();
          throw new Error(`could not open the permission page: ${reason(error)}`);
        }
        if (tab === undefined) {
          unwatchGrantsIfNone();
          throw new Error('could not open the permission page');
        }
        const grant: Grant = {
          port,
          id,
          tab,
          timer: setTimeout(() => endGrant(grant, false), options.grantWaitMs ?? 10 * 60_000),
        };
        grants.add(grant);
        watchGrants(); // again: another grant that ended while this tab opened may have stopped the listeners
        return PENDING;
      }
    }
  }

  function onConnect(port: PortLike): boolean {
    const tabId = tabIdFromDiscoveryPortName(port.name);
    if (tabId === null) return false;
    const sender = port.sender;
    if (sender?.id !== options.extensionId || typeof sender.url !== 'string' || !sender.url.startsWith(options.extensionOrigin)) {
      dropped.drop('foreign-port');
      port.disconnect();
      return true;
    }
    ports.add(port);
    port.onMessage.addListener((raw) => {
      const ask = parseDiscoveryAsk(raw);
      if (!ask) {
        dropped.drop('schema');
        // One of our asks whose request is not one we take (an address over the limit, a field of the wrong type):
        // answered, so the panel hears why now instead of waiting out its timeout. Anything else gets no word back.
        const id = malformedAskId(raw);
        if (id !== null) post(port, makeAnswer(id, { ok: false, error: 'the request was malformed' }));
        return;
      }
      answer(tabId, port, ask.id, ask.request).then(
        (value) => {
          if (value === PENDING) return;
          if (messageBytes(value) > maxAnswerBytes) {
            dropped.drop('too-large');
            return post(port, makeAnswer(ask.id, { ok: false, error: `the page holds more than the ${Math.round(maxAnswerBytes / 1048576)} MiB a reading may carry` }));
          }
          post(port, makeAnswer(ask.id, { ok: true, value: value ?? null }));
        },
        (error: unknown) => post(port, makeAnswer(ask.id, { ok: false, error: reason(error) })),
      );
    });
    port.onDisconnect.addListener(() => {
      ports.delete(port);
      if (following.delete(port)) followCookies();
      for (const g of [...grants]) if (g.port === port) endGrant(g, false);
    });
    return true;
  }

  return {
    onConnect,
    dropped,
    stats: () => ({ ports: ports.size, following: following.size, grantsWaiting: grants.size }),
  };
}

/** Marks an ask answered later (a permission request waiting for the user). */
const PENDING: unique symbol = Symbol('pending');

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return `invalid:${url}`;
  }
}

/** The browser's reason, as plain words of bounded length (it may quote the page's address). */
function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 1024) || 'failed';
}
