/**
 * What the recognisers find and what the discovery store keeps. Plain data: no chrome, no DOM, so the same types
 * serve the page-side scanner, the panel's network observer and the tests.
 */

/** Where a token was found. The words are the contract's (spec §9). */
export type DiscoverySource = 'cookie' | 'localStorage' | 'sessionStorage' | 'indexedDB' | 'network';

export const DISCOVERY_SOURCES: readonly DiscoverySource[] = ['cookie', 'localStorage', 'sessionStorage', 'indexedDB', 'network'];

/** What a token is for, as far as its claims and the key it sat under tell. */
export type TokenKind = 'access' | 'id';

/** A request seen by DevTools' network API, named by its URL path (never its query, which may hold secrets). */
export interface RequestInfo {
  readonly method: string;
  /** Origin and path of the URL, e.g. `https://auth.example/oauth/token`. */
  readonly url: string;
  /** The URL path alone, the request's name in the list. */
  readonly path: string;
  readonly status: number;
  /** ms since the epoch. */
  readonly startedAt: number;
  readonly endedAt: number;
}

/** One place a token sits, or passed through. */
export interface Place {
  readonly source: DiscoverySource;
  /** Cookie name, storage key, `database/store/key` for IndexedDB, the URL path for a request. */
  readonly key: string;
  /** Where inside the value: a JSON path (`currentSession.access_token`), a header (`Authorization`), or '' for the whole value. */
  readonly path: string;
  /** network only: whether the request sent the token or its response brought it. */
  readonly direction?: 'sent' | 'received';
  /** cookie only: true when read through the cookies API with the HttpOnly flag, false when scripts can read it. */
  readonly httpOnly?: boolean;
  /**
   * Set when the place is in a child frame's storage or cookies: that frame's origin as the browser records it
   * (`null` for an opaque origin). Absent for the top page and for requests.
   */
  readonly frame?: string;
}

/** A JWT a recogniser found, with where. */
export interface Found {
  readonly token: string;
  readonly place: Place;
  /** A kind the key names (`id_token`, `accessToken`, a bearer header); the claims may say more. */
  readonly keyKind?: TokenKind;
}

/** A non-JWT credential beside the tokens (a refresh token, an opaque access token): named, never kept. */
export interface OpaqueMention {
  readonly place: Place;
  /** The key it sat under, e.g. `refresh_token`. */
  readonly name: string;
  readonly length: number;
}

/**
 * Everything one container holds now: one cookie, one storage entry, one IndexedDB record, or one request. The store
 * replaces what it knew about the container with this, which is how it learns that a token left a place.
 */
export interface Observation {
  readonly source: DiscoverySource;
  /** Same meaning as Place.key. */
  readonly key: string;
  /** ms since the epoch. */
  readonly at: number;
  readonly found: readonly Found[];
  readonly opaque: readonly OpaqueMention[];
  /** network only. */
  readonly request?: RequestInfo;
  /** A child frame's container: its origin (see Place.frame). */
  readonly frame?: string;
}

/** The Synerise Web SDK on the page: its profile UUID and whether the SDK itself is loaded. */
export interface SyneriseWebInfo {
  /** The `_snrs_uuid` cookie: the profile UUID. */
  readonly uuid: string | null;
  /** `key:value` pairs of the `_snrs_p` cookie (uuid, permUuid, visits…), bounded. */
  readonly profile: readonly (readonly [string, string])[];
  /** The SDK's globals seen on the page. */
  readonly globals: { readonly SR: boolean; readonly SyneriseTC: boolean };
}
