import { findInStructured, findInText, MAX_JSON_CHARS } from './find-in-value.js';
import type { Found, Observation, OpaqueMention, RequestInfo } from './types.js';

/**
 * The recognisers: what the browser hands over (a cookie string, a storage entry, an IndexedDB record, a HAR entry
 * from DevTools' network API) in, one Observation per container out. Pure functions: the extension's context files
 * only feed them.
 */

/** At most this many cookies are read from one cookie string. */
export const MAX_COOKIES = 1000;

export interface Cookie {
  readonly name: string;
  readonly value: string;
  /** Known only through the cookies API; document.cookie never shows HttpOnly cookies. */
  readonly httpOnly?: boolean;
}

/** `document.cookie` (or a request's Cookie header) → its cookies, in order, bounded. Never throws. */
export function parseCookieString(cookieString: string): Cookie[] {
  const out: Cookie[] = [];
  for (const pair of cookieString.split(';')) {
    if (out.length >= MAX_COOKIES) break;
    const eq = pair.indexOf('=');
    const name = (eq < 0 ? '' : pair.slice(0, eq)).trim();
    const value = (eq < 0 ? pair : pair.slice(eq + 1)).trim();
    if (name || value) out.push({ name, value });
  }
  return out;
}

export function observeCookie(cookie: Cookie, at: number): Observation {
  const { found, opaque } = findInText(cookie.value, {
    source: 'cookie',
    key: cookie.name,
    httpOnly: cookie.httpOnly === true,
  }, cookie.name);
  return { source: 'cookie', key: cookie.name, at, found, opaque };
}

/** Every cookie of a cookie string, one observation each (cookies without a token included: they may have lost one). */
export function observeCookieString(cookieString: string, at: number): Observation[] {
  return parseCookieString(cookieString).map((cookie) => observeCookie(cookie, at));
}

export function observeStorageEntry(source: 'localStorage' | 'sessionStorage', key: string, value: string | null, at: number): Observation {
  if (value === null) return { source, key, at, found: [], opaque: [] };
  const { found, opaque } = findInText(value, { source, key }, key);
  return { source, key, at, found, opaque };
}

/** An IndexedDB record as the structured clone the page reads (`database/store/key` names it). */
export function observeIndexedDbRecord(database: string, store: string, recordKey: string, value: unknown, at: number): Observation {
  const key = `${database}/${store}/${recordKey}`;
  const { found, opaque } = findInStructured(value, { source: 'indexedDB', key });
  return { source: 'indexedDB', key, at, found, opaque };
}

/** The part of a HAR entry (chrome.devtools.network.onRequestFinished) the recognisers read. */
export interface HarEntryLike {
  readonly startedDateTime: string;
  /** Total time in ms. */
  readonly time: number;
  readonly request: {
    readonly method: string;
    readonly url: string;
    readonly headers: readonly { readonly name: string; readonly value: string }[];
    readonly postData?: { readonly mimeType?: string; readonly text?: string } | undefined;
  };
  readonly response: {
    readonly status: number;
    readonly headers: readonly { readonly name: string; readonly value: string }[];
    readonly content: { readonly mimeType?: string; readonly size?: number };
  };
}

/** Paths of token endpoints (OAuth/OIDC, Supabase, Firebase, Auth0, Clerk): only their bodies are fetched and read. */
const TOKEN_ENDPOINT = /(token|oauth|auth|session|login|sign-?in|refresh|connect|identity|verify|jwt)/i;
/** Response bodies above this are never fetched. */
export const MAX_BODY_BYTES = 256 * 1024;

/** Request names: the URL path, the part of the URL the contract names a request by. */
export function requestInfo(entry: HarEntryLike): RequestInfo {
  const startedAt = Date.parse(entry.startedDateTime);
  const start = Number.isFinite(startedAt) ? startedAt : 0;
  let url = entry.request.url;
  let path = url;
  try {
    const parsed = new URL(entry.request.url);
    url = `${parsed.origin}${parsed.pathname}`;
    path = parsed.pathname;
  } catch {
    // not a URL: named by what DevTools gave
  }
  return {
    method: entry.request.method,
    url: url.slice(0, 2048),
    path: path.slice(0, 1024),
    status: entry.response.status,
    startedAt: start,
    endedAt: start + (Number.isFinite(entry.time) && entry.time > 0 ? entry.time : 0),
  };
}

/** Whether the response body is worth fetching (getContent): JSON, not huge, from a token endpoint. */
export function wantsResponseBody(entry: HarEntryLike): boolean {
  const mime = entry.response.content.mimeType ?? headerValue(entry.response.headers, 'content-type') ?? '';
  if (!/json/i.test(mime)) return false;
  const size = entry.response.content.size ?? 0;
  if (size > MAX_BODY_BYTES) return false;
  let path = entry.request.url;
  try {
    path = new URL(entry.request.url).pathname;
  } catch {
    // keep the raw URL
  }
  return TOKEN_ENDPOINT.test(path) || /grant_type=/.test(entry.request.postData?.text ?? '');
}

function headerValue(headers: HarEntryLike['request']['headers'], name: string): string | undefined {
  return headers.find((h) => h.name.toLowerCase() === name)?.value;
}

/** Response JSON keys that hold tokens (OAuth's `access_token`/`id_token`, `token`, Firebase's `idToken`). */
const BODY_TOKEN_KEY = /(^|\.)(access_?token|accesstoken|id_?token|idtoken|token|jwt)$/i;

/**
 * One request: bearer tokens in its Authorization header and JWTs in its Cookie header (sent), and tokens under
 * `access_token` / `id_token` / `token` at any depth of its JSON response body (received). `body` is what
 * `getContent` gave (null when not fetched).
 */
export function observeHarEntry(entry: HarEntryLike, body: string | null): Observation {
  const request = requestInfo(entry);
  const found: Found[] = [];
  const opaque: OpaqueMention[] = [];
  const key = request.path;
  for (const header of entry.request.headers.slice(0, 200)) {
    const name = header.name.toLowerCase();
    if (name === 'authorization' && /^bearer\s/i.test(header.value)) {
      const r = findInText(header.value, { source: 'network', key, direction: 'sent' });
      for (const f of r.found) found.push({ ...f, place: { ...f.place, path: 'Authorization' }, keyKind: 'access' });
      if (r.found.length === 0) opaque.push({ place: { source: 'network', key, path: 'Authorization', direction: 'sent' }, name: 'Authorization', length: header.value.length - 7 });
    } else if (name === 'cookie') {
      for (const cookie of parseCookieString(header.value)) {
        const r = findInText(cookie.value, { source: 'network', key, direction: 'sent' }, cookie.name);
        for (const f of r.found) found.push({ ...f, place: { ...f.place, path: `Cookie ${cookie.name}` } });
      }
    }
  }
  if (body !== null && body.length <= MAX_JSON_CHARS) {
    const parsed = parseJson(body);
    if (parsed !== undefined) {
      const r = findInStructured(parsed, { source: 'network', key, direction: 'received' });
      // Only the token keys count in a body: a JWT in, say, a list of audit records is not this page's session.
      for (const f of r.found) if (BODY_TOKEN_KEY.test(f.place.path)) found.push(f);
      opaque.push(...r.opaque);
    }
  }
  return { source: 'network', key, at: request.endedAt || request.startedAt, found, opaque, request };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
