/**
 * The "Session" panel page. Runs while the panel is open in DevTools (or in an ordinary tab as
 * panel.html?tabId=N, for tests and for people who prefer a window). Owns the view's end of the link: it mounts
 * <session-panel> unchanged over a port transport to the inspected tab, and follows DevTools' theme.
 */
import { defineSessionPanel } from '../../components/session-panel/define.js';
import { asTabId } from '../protocol/messages.js';
import { createPortTransport } from '../transport/port.js';
import { devtoolsThemeName, inspectedTabId, onDevtoolsThemeChanged, cookiePermissionAskerHere, readsPageThroughBackground, runtimeConnector } from './browser.js';
import { tabHistoryStore } from './panel-history.js';
import { themeForDevtools } from './devtools-theme.js';
import { PanelDiscovery } from './discovery/panel-discovery.js';
import { browserDiscovery } from './discovery/browser-discovery.js';
import { relayedDiscovery } from './discovery/relayed-discovery.js';
import { discoveryView } from '../../components/session-panel/discovery-view.js';

defineSessionPanel();


const query = new URLSearchParams(location.search).get('tabId');
const tabId = asTabId(inspectedTabId() ?? (query !== null && /^\d+$/.test(query) ? Number(query) : undefined));
const panel = document.querySelector('session-panel');

if (tabId === null || !panel) {
  const p = document.createElement('p');
  p.id = 'problem';
  p.textContent = 'No inspected tab: open this page from DevTools, or as panel.html?tabId=<tab id>.';
  document.body.replaceChildren(p);
} else {
  const applyTheme = (name: string | undefined): void => {
    const theme = themeForDevtools(name);
    panel.theme = theme;
    document.body.dataset.theme = theme;
  };
  applyTheme(devtoolsThemeName());
  onDevtoolsThemeChanged(applyTheme);
  const transport = createPortTransport({ tabId, connect: runtimeConnector });
  // Preserve log and the log's history live per inspected tab, outside this page and the worker (panel-history.ts).
  panel.historyStore = tabHistoryStore(tabId);
  panel.transport = transport;
  // Tokens on the page without our core (spec §9): read only while this panel page lives, kept only here.
  // Firefox's DevTools pages cannot script the page or use cookies: there the background reads for this panel.
  const direct = browserDiscovery(tabId);
  const discovery = new PanelDiscovery(
    readsPageThroughBackground() ? relayedDiscovery({ tabId, connect: runtimeConnector, base: direct, askCookiePermission: cookiePermissionAskerHere() }) : direct,
  );
  // The discovery UI comes from here, not with the element: apps and the drop-in never get a feed (discovery-view.ts).
  panel.discoveryView = discoveryView;
  panel.discovery = discovery;
  discovery.start();
  addEventListener('pagehide', () => discovery.stop());
  Object.defineProperty(window, '__sessionPanelDiscovery', {
    value: { firstReadingAt: () => discovery.firstReadingAt, tokens: () => discovery.store.size, requests: () => discovery.store.requestsObserved },
  });
  // Tests and the bench read link health from here; it holds no token.
  Object.defineProperty(window, '__sessionPanelLink', {
    value: { state: () => transport.state(), connections: () => transport.connections(), pending: () => transport.pendingCount(), dropped: () => transport.dropped.total },
  });
}
