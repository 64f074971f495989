import { DiscoveryStore, type DiscoveryFeed, type Place } from '../../../src/discovery/index.js';
import { discoveryView } from '../../../components/session-panel/discovery-view.js';
import type { SessionPanel } from '../../../components/session-panel/session-panel.js';

/** Gives the element a feed and the view that shows it, as the extension's panel page does (src/extension/panel.ts). */
export function showFound(el: SessionPanel, feed: DiscoveryFeed): void {
  el.discoveryView = discoveryView;
  el.discovery = feed;
}

/** A discovery feed over a real store, as the extension's panel builds one; emit() tells the panel it changed. */
export function storeFeed(): DiscoveryFeed & { emit(): void; removed: Place[] } {
  const listeners = new Set<() => void>();
  const feed = {
    store: new DiscoveryStore(),
    removed: [] as Place[],
    synerise: () => null,
    subscribe(l: () => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    state: () => ({ reading: true, detail: '' }),
    async remove(place: Place) {
      feed.removed.push(place);
    },
    cookieAccess: () => 'granted' as const,
    requestCookieAccess: async () => true,
    emit() {
      for (const l of listeners) l();
    },
  };
  return feed;
}
