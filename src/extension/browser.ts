/**
 * The one module that touches webextension-polyfill (and through it the extension APIs). Everything else in the
 * extension imports from here, so the polyfill can be dropped once every target browser ships `browser` natively:
 * only this file changes. Not for the MAIN-world script, where no extension API exists.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import type { PortConnector, PortLike } from '../transport/port-like.js';

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

/** Opens ports to our service worker. */
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
