/**
 * The one module that touches webextension-polyfill (and through it the extension APIs). Everything else in the
 * extension imports from here, so the polyfill can be dropped once every target browser ships `browser` natively:
 * only this file changes. Not for the MAIN-world script, where no extension API exists. Browser differences (scripting,
 * webNavigation, senders) live here too.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import type { PortConnector, PortLike } from '../transport/port-like.js';
import type { DiscoveryApis } from './discovery/background-discovery.js';

export const ext = browser;
export type MessageSender = Runtime.MessageSender;

/** A polyfill port seen through the small PortLike interface the transports and the router use. */
export function adaptPort(port: Runtime.Port): PortLike {
  const wrap = new Map<(message: unknown) => void, (message: unknown) => void>();
  const sender = port.sender;
  return {
    name: port.name,
    ...(sender
      ? {
          sender: {
            ...(sender.id !== undefined ? { id: sender.id } : {}),
            ...(sender.url !== undefined ? { url: sender.url } : {}),
            ...(sender.frameId !== undefined ? { frameId: sender.frameId } : {}),
            ...(sender.documentId !== undefined ? { documentId: sender.documentId } : {}),
            // The sender's origin (Chrome 80+): the browser's record, `null` for an opaque origin. Not in the types.
            ...(typeof (sender as { origin?: unknown }).origin === 'string' ? { origin: (sender as { origin: string }).origin } : {}),
            ...(sender.tab ? { tab: sender.tab.id !== undefined ? { id: sender.tab.id } : {} } : {}),
          },
        }
      : {}),
    postMessage: (message) => port.postMessage(message),
    disconnect: () => port.disconnect(),
    onMessage: {
      addListener(listener) {
        const w = (message: unknown): void => listener(message);
        wrap.set(listener, w);
        port.onMessage.addListener(w);
      },
      removeListener(listener) {
        const w = wrap.get(listener);
        if (w) port.onMessage.removeListener(w);
        wrap.delete(listener);
      },
    },
    onDisconnect: {
      addListener: (listener) => port.onDisconnect.addListener(listener),
      removeListener: (listener) => port.onDisconnect.removeListener(listener),
    },
  };
}

/**
 * A page's message data as this content script may read it. Firefox shows a page's object through an Xray wrapper
 * (its prototype is not this realm's Object.prototype, so every shape check would drop it): copy it into this realm
 * first. Chrome already hands the isolated world its own structured clone, so there it is returned as it is
 * (`cloneInto` exists only in Firefox content scripts). `undefined` when it cannot be copied: dropped as not ours.
 */
export function pageMessageData(data: unknown): unknown {
  if (typeof (globalThis as { cloneInto?: unknown }).cloneInto !== 'function') return data;
  try {
    return structuredClone(data);
  } catch {
    return undefined;
  }
}

/** Opens ports to our service worker (Chrome) or event page (Firefox). */
export const runtimeConnector: PortConnector = (name) => adaptPort(browser.runtime.connect({ name }));

/** The inspected tab, in a DevTools context; undefined elsewhere (the panel page opened in a normal tab). */
export function inspectedTabId(): number | undefined {
  return browser.devtools?.inspectedWindow?.tabId;
}

/** DevTools' theme (`default` or `dark`), when running inside DevTools. */
export function devtoolsThemeName(): string | undefined {
  return browser.devtools?.panels?.themeName;
}

/** Calls back when DevTools' theme changes, where the browser reports it (Firefox; Chrome reloads the panel). */
export function onDevtoolsThemeChanged(listener: (themeName: string) => void): void {
  browser.devtools?.panels?.onThemeChanged?.addListener(listener);
}

export function createDevtoolsPanel(title: string, iconPath: string, pagePath: string): Promise<unknown> {
  return browser.devtools.panels.create(title, iconPath, pagePath);
}

// ---- running our scripts in pages (only while a panel is open; see router.ts) ---------------------------------

/** Where to run a script: a whole tab (every frame), or one document (by documentId where known, else by frame). */
export type ScriptTarget =
  | { readonly tabId: number; readonly allFrames: true }
  | { readonly tabId: number; readonly frameId: number; readonly documentId?: string | undefined };

/**
 * Runs one of our built script files in pages: scripting.executeScript, `world` MAIN for the page agent (Chrome ≥ 111,
 * Firefox ≥ 128). Pages we may not script (the Web Store, other extensions, a frame gone meanwhile) reject: nothing
 * to do there, so the rejection is swallowed.
 */
export function runScript(target: ScriptTarget, file: string, world: 'MAIN' | 'ISOLATED'): Promise<void> {
  const where =
    'allFrames' in target
      ? { tabId: target.tabId, allFrames: true }
      : target.documentId !== undefined
        ? { tabId: target.tabId, documentIds: [target.documentId] }
        : { tabId: target.tabId, frameIds: [target.frameId] };
  return browser.scripting
    .executeScript({ target: where, files: [file], world, injectImmediately: true })
    .then(() => undefined, () => undefined);
}

/** A document committed in a frame of some tab (webNavigation.onCommitted). */
export interface CommittedFrame {
  readonly tabId: number;
  readonly frameId: number;
  readonly documentId?: string;
}

/**
 * Follows frame commits while `on`. Added and removed at runtime, never at the worker's top level: a listener left
 * registered would wake the worker on every page load in every tab (Chrome keeps it across worker restarts).
 */
export function followCommits(listener: (frame: CommittedFrame) => void): (on: boolean) => void {
  const wrapped = (d: { tabId: number; frameId: number; documentId?: string }): void =>
    listener({ tabId: d.tabId, frameId: d.frameId, ...(d.documentId ? { documentId: d.documentId } : {}) });
  return (on) => {
    const event = browser.webNavigation?.onCommitted;
    if (!event) return;
    if (on && !event.hasListener(wrapped)) event.addListener(wrapped);
    else if (!on) event.removeListener(wrapped);
  };
}

/**
 * Removes a commit listener that a previous worker left registered (it stopped while a panel was open and never got
 * to remove it): add one and remove it at once, so Chrome drops its record and page loads stop waking the worker.
 * Called once at startup; a panel that (re)connects turns following back on.
 */
export function forgetStaleCommitListener(): void {
  const event = browser.webNavigation?.onCommitted;
  if (!event) return;
  const noop = (): void => {};
  event.addListener(noop);
  event.removeListener(noop);
}

// ---- discovery: reading the inspected page (Chrome's panel directly, Firefox's through the background) -------

/**
 * Whether the panel reads the inspected page through the background (discovery/relayed-discovery.ts on the panel's
 * side, discovery/background-discovery.ts on the background's) rather than itself. Firefox gives a DevTools panel
 * only devtools.*, runtime and extension (no scripting, cookies or permissions; checked in test/e2e/firefox.e2e.ts),
 * so its build always goes through the background, also when the panel page is opened as a tab, where those APIs
 * would exist: one path, the one the toolbox takes, is the one tested. Anywhere else the panel reads directly when it
 * can (Chrome).
 */
export function readsPageThroughBackground(): boolean {
  const manifest = browser.runtime.getManifest() as { browser_specific_settings?: { gecko?: unknown } };
  if (manifest.browser_specific_settings?.gecko !== undefined) return true;
  return (browser as { scripting?: unknown }).scripting === undefined;
}

/**
 * Asks for the optional cookies permission from this context, where it has a permissions API (not Firefox's DevTools
 * pages); null where it has none. Call it from the click itself: browsers grant only within a user gesture.
 */
export function cookiePermissionAskerHere(): (() => Promise<boolean>) | null {
  const permissions = (browser as { permissions?: typeof browser.permissions }).permissions;
  return permissions ? () => permissions.request({ permissions: ['cookies'] }) : null;
}

/**
 * Runs a self-contained function (page-reader.ts) in one frame of a tab and returns its result. Rejects with the
 * browser's reason, in its own words, when the page cannot be scripted.
 */
async function runFunctionInFrame<T>(
  tabId: number,
  frameId: number,
  world: 'ISOLATED' | 'MAIN',
  func: (...args: never[]) => T | Promise<T>,
  args: readonly unknown[],
): Promise<T> {
  const [first] = await browser.scripting.executeScript({
    target: { tabId, frameIds: [frameId] },
    world,
    func: func as () => unknown,
    args: [...args],
  } as Parameters<typeof browser.scripting.executeScript>[0]);
  if (!first) throw new Error('the page did not answer');
  const failure = (first as { error?: unknown }).error;
  if (failure) throw new Error(failure instanceof Error ? failure.message : String(failure));
  return first.result as T;
}

/** The cookies API where the optional permission is granted (the namespace is absent before, in some browsers). */
function cookiesApi(): typeof browser.cookies | undefined {
  return (browser as { cookies?: typeof browser.cookies }).cookies;
}

/**
 * What discovery needs from the browser: all of it for the background's service (background-discovery.ts), which
 * answers Firefox's panel; Chrome's panel, which may call these APIs itself, uses the same calls (browser-discovery.ts:
 * all but the tab and grant ones), so both paths word errors alike; both fit the frame list with
 * src/protocol/discovery.ts's fitFrames.
 */
export const discoveryApis: DiscoveryApis = {
  run: runFunctionInFrame,
  async tabUrl(tabId: number): Promise<string | undefined> {
    return (await browser.tabs.get(tabId).catch(() => undefined))?.url;
  },
  async frames(tabId: number): Promise<{ frameId: number; parentFrameId: number; url: string }[]> {
    const all = (await browser.webNavigation.getAllFrames({ tabId })) ?? [];
    return all.map((f) => ({ frameId: f.frameId, parentFrameId: f.parentFrameId, url: f.url }));
  },
  cookiesGranted: (): Promise<boolean> => browser.permissions.contains({ permissions: ['cookies'] }),
  async cookiesGetAll(url: string): Promise<{ name: string; value: string; httpOnly: boolean }[]> {
    const api = cookiesApi();
    if (!api) throw new Error('the cookies API is not available: the permission is not granted (yet)');
    return (await api.getAll({ url })).map((c) => ({ name: c.name, value: c.value, httpOnly: c.httpOnly }));
  },
  async cookiesRemove(url: string, name: string): Promise<boolean> {
    const api = cookiesApi();
    if (!api) return false;
    return (await api.remove({ url, name })) !== null;
  },
  onCookieChanged(listener: () => void): () => void {
    const api = cookiesApi();
    if (!api) return () => {};
    const l = (): void => listener();
    api.onChanged.addListener(l);
    return () => api.onChanged.removeListener(l);
  },
  onPermissionsAdded(listener: (permissions: readonly string[]) => void): () => void {
    const l = (p: { permissions?: string[] }): void => listener(p.permissions ?? []);
    browser.permissions.onAdded.addListener(l);
    return () => browser.permissions.onAdded.removeListener(l);
  },
  /** Opens one of our pages in a tab beside the inspected one; its tab id. */
  async openTab(path: string): Promise<number | undefined> {
    return (await browser.tabs.create({ url: browser.runtime.getURL(path), active: true })).id;
  },
  onTabRemoved(listener: (tabId: number) => void): () => void {
    const l = (tabId: number): void => listener(tabId);
    browser.tabs.onRemoved.addListener(l);
    return () => browser.tabs.onRemoved.removeListener(l);
  },
};
