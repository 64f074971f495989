import type { DiscoveryStore } from './store.js';
import type { Place, SyneriseWebInfo } from './types.js';

/**
 * What a view needs from whoever feeds the discovery store (the extension panel's observers; a test): the store,
 * change notifications, and the few actions. Lives here, beside the store, so the element imports no extension code.
 */
export type CookieAccess = 'granted' | 'not-granted' | 'unavailable';

/** Places a delete can act on: a cookie or a web storage entry (IndexedDB records and requests are left alone). */
export function isDeletable(place: Place): boolean {
  return place.source === 'cookie' || place.source === 'localStorage' || place.source === 'sessionStorage';
}

export interface DiscoveryFeed {
  readonly store: DiscoveryStore;
  /** The Synerise Web SDK on the page, or null. */
  synerise(): SyneriseWebInfo | null;
  /** Calls back after every change; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  /** Whether the page is being read now, and why not when it is not (shown as a note). */
  state(): { readonly reading: boolean; readonly detail: string };
  /** Deletes the cookie or storage entry at `place` in the page; rejects with a message the view shows. */
  remove(place: Place): Promise<void>;
  /** The optional `cookies` permission, for HttpOnly cookies. */
  cookieAccess(): CookieAccess;
  /** Asks for it (must run from the click itself); resolves whether it was granted. */
  requestCookieAccess(): Promise<boolean>;
}
