import { discoveryApis, ext } from '../browser.js';
import { fitFrames } from '../../protocol/discovery.js';
import type { FrameRef } from '../../discovery/index.js';
import type { DiscoveryBrowser } from './panel-discovery.js';
import type { DevtoolsNetworkLike, FinishedRequest } from './network-observer.js';
import { readPage, removeFromPage, syneriseGlobals, type PageReading } from './page-reader.js';

/**
 * The browser side of the panel's discovery, for the Session panel page. Chrome lets a DevTools panel page call
 * extension APIs directly (scripting, cookies, permissions: checked in test/e2e/discovery.e2e.ts), so the readings
 * come straight back to the panel as executeScript results: no message to the service worker or anyone else.
 * Where a browser does not offer an API to the panel (Firefox gives DevTools pages only devtools.*, runtime and
 * extension), that part reports itself unavailable instead of failing.
 */
export function browserDiscovery(tabId: number): DiscoveryBrowser {
  const scripting = ext.scripting as typeof ext.scripting | undefined;
  const run = <T>(world: 'ISOLATED' | 'MAIN', func: (...args: never[]) => T | Promise<T>, args: unknown[], frameId = 0): Promise<T> =>
    scripting ? discoveryApis.run(tabId, frameId, world, func, args) : Promise.reject(new Error('this browser does not let the panel read the page'));
  const permissions = ext.permissions as typeof ext.permissions | undefined;
  const network = devtoolsNetwork();
  return {
    network,
    readPage: (reset, withIndexedDb) => run<PageReading>('ISOLATED', readPage, [reset, withIndexedDb]),
    removeFromPage: (source, key, frameId = 0) => run<boolean>('ISOLATED', removeFromPage, [source, key], frameId),
    // Child frames: the tab's frames as the browser lists them (as the background lists them for Firefox's panel),
    // each read on its own by frame id (a frame that went away meanwhile fails alone, not the whole reading).
    async frames(): Promise<FrameRef[]> {
      if (!(ext.webNavigation as typeof ext.webNavigation | undefined)) return [];
      return fitFrames(await discoveryApis.frames(tabId));
    },
    readFrame: (frameId, reset, withIndexedDb) => run<PageReading>('ISOLATED', readPage, [reset, withIndexedDb], frameId),
    syneriseGlobals: () => run<[boolean, boolean]>('MAIN', syneriseGlobals, []),
    // The cookies API through the same calls the background makes for Firefox's panel; only the request is the
    // panel's own, and must be called from the click itself: Chrome asks the user only within a user gesture.
    cookies: permissions
      ? {
          granted: () => discoveryApis.cookiesGranted(),
          request: () => permissions.request({ permissions: ['cookies'] }),
          getAll: (url) => discoveryApis.cookiesGetAll(url),
          remove: (url, name) => discoveryApis.cookiesRemove(url, name),
          onChanged: (listener) => discoveryApis.onCookieChanged(listener),
        }
      : null,
    visible: () => document.visibilityState !== 'hidden',
    onVisible(listener) {
      const l = (): void => {
        if (document.visibilityState !== 'hidden') listener();
      };
      document.addEventListener('visibilitychange', l);
      return () => document.removeEventListener('visibilitychange', l);
    },
  };
}

/**
 * DevTools' network API with getContent as a promise. The callback API is wrapped by hand: through
 * webextension-polyfill, Chrome's getContent never delivered a body in our e2e runs, while the callback form does
 * (Firefox's `chrome` namespace has the same callback form).
 */
function devtoolsNetwork(): DevtoolsNetworkLike | null {
  const raw = (globalThis as { chrome?: typeof chrome }).chrome?.devtools?.network;
  if (!raw) return null;
  const wrapped = new Map<(request: FinishedRequest) => void, (request: chrome.devtools.network.Request) => void>();
  return {
    onRequestFinished: {
      addListener(listener) {
        const w = (request: chrome.devtools.network.Request): void =>
          listener({
            ...(request as unknown as FinishedRequest),
            getContent: () => new Promise((resolve) => request.getContent((content, encoding) => resolve([content, encoding]))),
          });
        wrapped.set(listener, w);
        raw.onRequestFinished.addListener(w);
      },
      removeListener(listener) {
        const w = wrapped.get(listener);
        if (w) raw.onRequestFinished.removeListener(w);
        wrapped.delete(listener);
      },
    },
    getHAR: () => new Promise((resolve) => raw.getHAR((log) => resolve(log as unknown as { entries?: FinishedRequest[] }))),
  };
}
