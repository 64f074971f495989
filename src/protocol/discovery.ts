import { PORT_SOURCE, PROTOCOL_VERSION, asTabId, parseRequestId, type TabId } from './messages.js';
import { INVALID, arr, bool, int, lit, nullable, obj, safeParse, str, tagged, tuple, type Parser } from './schema.js';

/**
 * Discovery's own request/response over a port (spec §9, §11), for browsers whose DevTools pages cannot read the
 * inspected page themselves (Firefox gives a DevTools panel neither `scripting` nor `cookies` nor `permissions`):
 *
 *   panel  --port "discovery:<tabId>"-->  background   runs page-reader.ts in the tab / asks the cookies API,
 *          <--the answer, to that port only--          keeps nothing.
 *
 * One port per panel, so an answer can only reach the panel that asked; nothing is broadcast. Both directions are
 * parsed with the guards below like every other wire message (unknown keys stripped, every string and list bounded):
 * the background checks what the panel asks, the panel checks what comes back (it carries the page's own values).
 */

const DISCOVERY_PORT_PREFIX = 'session-panel:discovery:';

export function discoveryPortName(tabId: TabId): string {
  return `${DISCOVERY_PORT_PREFIX}${tabId}`;
}
/** The tab id in a discovery port's name, or null when the name is not one. */
export function tabIdFromDiscoveryPortName(name: string): TabId | null {
  if (!name.startsWith(DISCOVERY_PORT_PREFIX)) return null;
  const rest = name.slice(DISCOVERY_PORT_PREFIX.length);
  return /^\d{1,12}$/.test(rest) ? asTabId(Number(rest)) : null;
}

// ---- limits: the page reader's own (page-reader.ts), so a reading that passes there passes here --------------------

export const DISCOVERY_LIMITS = {
  /** page-reader.ts READ_LIMIT: longest value read. */
  value: 1024 * 1024,
  /** Storage keys and IndexedDB record names. */
  key: 64 * 1024,
  /** page-reader.ts MAX_KEYS (per storage) and MAX_RECORDS (IndexedDB). */
  entries: 2000,
  records: 500,
  /**
   * An address: page-reader.ts URL_LIMIT, and a listed frame's (fitFrames). Both are sent without their query and
   * fragment, so only a path this long is cut (a reading) or left out (a frame).
   */
  url: 8192,
  /** Frames listed for one tab (fitFrames keeps the first ones: the panel reads a few of them anyway). */
  frames: 1024,
  problems: 16,
  problem: 1024,
  /** Cookies the cookies API may list for one URL (browsers cap a domain at a few hundred). */
  cookies: 1000,
  /**
   * Largest answer the background sends, in bytes of JSON. A reading at the reader's own limits could be far larger
   * than anyone's storage; beyond this the panel gets a plain error instead of a message that big.
   */
  answerBytes: 16 * 1024 * 1024,
} as const;

const REMOVABLE_SOURCES = ['cookie', 'localStorage', 'sessionStorage'] as const;
export type RemovableSource = (typeof REMOVABLE_SOURCES)[number];

/** What a panel may ask. Each names one job; the background adds nothing a panel did not ask for. */
export type DiscoveryRequest =
  /** In the top frame, or in the child frame `frameId` of the same tab. */
  | { readonly op: 'readPage'; readonly reset: boolean; readonly withIndexedDb: boolean; readonly frameId?: number }
  | { readonly op: 'removeFromPage'; readonly source: RemovableSource; readonly key: string; readonly frameId?: number }
  /** The tab's frames as the browser lists them (webNavigation.getAllFrames). */
  | { readonly op: 'frames' }
  | { readonly op: 'syneriseGlobals' }
  | { readonly op: 'cookiesGranted' }
  /** The panel has no permissions API (Firefox's toolbox): the background offers a page where one click grants it. */
  | { readonly op: 'cookiesRequest' }
  | { readonly op: 'cookiesGetAll'; readonly url: string }
  | { readonly op: 'cookiesRemove'; readonly url: string; readonly name: string }
  /** Tell this port (only) when a cookie changes, while `on`. */
  | { readonly op: 'cookiesFollow'; readonly on: boolean };
export type DiscoveryOp = DiscoveryRequest['op'];

const url = str(DISCOVERY_LIMITS.url);
const frameId = int(0, 2 ** 40);
const parseRequest = tagged('op', {
  readPage: obj({ reset: bool, withIndexedDb: bool }, { frameId }),
  removeFromPage: obj({ source: lit(...REMOVABLE_SOURCES), key: str(DISCOVERY_LIMITS.key) }, { frameId }),
  frames: obj({}),
  syneriseGlobals: obj({}),
  cookiesGranted: obj({}),
  cookiesRequest: obj({}),
  cookiesGetAll: obj({ url }),
  cookiesRemove: obj({ url, name: str(4096) }),
  cookiesFollow: obj({ on: bool }),
}) as Parser<DiscoveryRequest>;

export interface DiscoveryAsk {
  readonly source: typeof PORT_SOURCE;
  readonly v: typeof PROTOCOL_VERSION;
  readonly kind: 'ask';
  readonly id: string;
  readonly request: DiscoveryRequest;
}

export type DiscoveryTell =
  | { readonly source: typeof PORT_SOURCE; readonly v: typeof PROTOCOL_VERSION; readonly kind: 'answer'; readonly id: string; readonly ok: true; readonly value: unknown }
  | { readonly source: typeof PORT_SOURCE; readonly v: typeof PROTOCOL_VERSION; readonly kind: 'answer'; readonly id: string; readonly ok: false; readonly error: string }
  /** A cookie changed somewhere (no name, no value: the panel reads again what it may). */
  | { readonly source: typeof PORT_SOURCE; readonly v: typeof PROTOCOL_VERSION; readonly kind: 'cookies-changed' };

const head = obj({ source: lit(PORT_SOURCE), v: lit(PROTOCOL_VERSION) });
const guard =
  <T>(p: Parser<T>) =>
  (value: unknown): T | null => {
    const x = safeParse(p, value);
    return x === INVALID ? null : x;
  };

/** The background's guard for what a panel sends. */
export const parseDiscoveryAsk = guard<DiscoveryAsk>((v) => {
  if (head(v) === INVALID) return INVALID;
  const body = obj({ kind: lit('ask'), id: parseRequestId, request: parseRequest })(v);
  return body === INVALID ? INVALID : { source: PORT_SOURCE, v: PROTOCOL_VERSION, ...body };
});

/**
 * The id of a message that is one of our asks in all but its request (an address over the limit, a field of the
 * wrong type), else null: the background answers such an ask with an error rather than leaving it to time out.
 */
export function malformedAskId(v: unknown): string | null {
  const ask = safeParse(obj({ source: lit(PORT_SOURCE), v: lit(PROTOCOL_VERSION), kind: lit('ask'), id: parseRequestId }), v);
  return ask === INVALID ? null : ask.id;
}

/**
 * The panel's guard for what the background sends. The answer's value is checked afterwards against the op it
 * answers (parseAnswerValue), since only the asking side knows which op an id was for.
 */
export const parseDiscoveryTell = guard<DiscoveryTell>((v) => {
  if (head(v) === INVALID) return INVALID;
  const ok = obj({ kind: lit('answer'), id: parseRequestId, ok: lit(true) })(v);
  if (ok !== INVALID) return { source: PORT_SOURCE, v: PROTOCOL_VERSION, ...ok, value: (v as { value?: unknown }).value };
  const failed = obj({ kind: lit('answer'), id: parseRequestId, ok: lit(false), error: str(2048) })(v);
  if (failed !== INVALID) return { source: PORT_SOURCE, v: PROTOCOL_VERSION, ...failed };
  const changed = obj({ kind: lit('cookies-changed') })(v);
  return changed === INVALID ? INVALID : { source: PORT_SOURCE, v: PROTOCOL_VERSION, kind: 'cookies-changed' };
});

export function makeAsk(id: string, request: DiscoveryRequest): DiscoveryAsk {
  return { source: PORT_SOURCE, v: PROTOCOL_VERSION, kind: 'ask', id, request };
}
export function makeAnswer(id: string, result: { ok: true; value: unknown } | { ok: false; error: string }): DiscoveryTell {
  return { source: PORT_SOURCE, v: PROTOCOL_VERSION, kind: 'answer', id, ...result };
}
export function makeCookiesChanged(): DiscoveryTell {
  return { source: PORT_SOURCE, v: PROTOCOL_VERSION, kind: 'cookies-changed' };
}

// ---- answer values, per op -------------------------------------------------------------------------------------

/** page-reader.ts's PageReading, field for field (a field added there without one here fails to compile below). */
export interface WirePageReading {
  readonly full: boolean;
  readonly at: number;
  readonly url: string;
  readonly origin?: string;
  readonly cookies: string | null;
  readonly localStorage: WireStorageDelta | null;
  readonly sessionStorage: WireStorageDelta | null;
  readonly indexedDB: { readonly changed: [string, string][]; readonly removed: string[] } | null;
  readonly problems: string[];
}
export interface WireStorageDelta {
  readonly changed: [string, string][];
  readonly removed: string[];
  readonly size: number;
}
export interface WireCookie {
  readonly name: string;
  readonly value: string;
  readonly httpOnly: boolean;
}

const value = str(DISCOVERY_LIMITS.value);
const key = str(DISCOVERY_LIMITS.key);
const pairs = (max: number) => arr(tuple(key, value), max) as Parser<[string, string][]>;
const storageDelta: Parser<WireStorageDelta> = obj({
  changed: pairs(DISCOVERY_LIMITS.entries),
  removed: arr(key, DISCOVERY_LIMITS.entries * 2),
  size: int(0),
});
/** document.cookie: at most a few hundred cookies of 4 KB each in any browser. */
const cookieString = str(DISCOVERY_LIMITS.value);
const parsePageReading: Parser<WirePageReading> = obj(
  {
    full: bool,
    at: int(0),
    url,
    cookies: nullable(cookieString),
    localStorage: nullable(storageDelta),
    sessionStorage: nullable(storageDelta),
    indexedDB: nullable(obj({ changed: pairs(DISCOVERY_LIMITS.records), removed: arr(key, DISCOVERY_LIMITS.records * 2) })),
    problems: arr(str(DISCOVERY_LIMITS.problem), DISCOVERY_LIMITS.problems),
  },
  { origin: str(512) },
);
export interface WireFrame {
  readonly frameId: number;
  readonly parentFrameId: number;
  readonly url: string;
}
/** A tab's frames: browsers list every frame, a page of ads can have hundreds; the panel reads a few of them. */
const parseFrames: Parser<WireFrame[]> = arr(obj({ frameId, parentFrameId: int(-1, 2 ** 40), url }), DISCOVERY_LIMITS.frames);
const parseCookies: Parser<WireCookie[]> = arr(obj({ name: str(4096), value: str(DISCOVERY_LIMITS.value), httpOnly: bool }), DISCOVERY_LIMITS.cookies);
const parseGlobals = tuple(bool, bool) as Parser<[boolean, boolean]>;

/**
 * A tab's frames as the browser lists them, made fit for the panel (both paths: Chrome's panel lists them itself,
 * Firefox's through the background, whose answer must pass parseFrames): each address without its query and fragment
 * (tokens ride there, an OAuth callback's in its fragment; the panel needs only a frame's origin), a frame whose
 * address is still over the limit left out rather than the whole list refused, and at most the first
 * DISCOVERY_LIMITS.frames.
 */
export function fitFrames(frames: readonly WireFrame[]): WireFrame[] {
  const out: WireFrame[] = [];
  for (const f of frames) {
    if (out.length >= DISCOVERY_LIMITS.frames) break;
    const address = withoutQueryOrFragment(f.url);
    if (address.length <= DISCOVERY_LIMITS.url) out.push({ frameId: f.frameId, parentFrameId: f.parentFrameId, url: address });
  }
  return out;
}

/** `https://a.example/cb?code=1#access_token=…` → `https://a.example/cb` (as page-reader.ts does in the page). */
function withoutQueryOrFragment(url: string): string {
  return url.split(/[?#]/, 1)[0] ?? '';
}

/** What each op's answer must be. */
export interface DiscoveryAnswers {
  readPage: WirePageReading;
  removeFromPage: boolean;
  frames: WireFrame[];
  syneriseGlobals: [boolean, boolean];
  cookiesGranted: boolean;
  cookiesRequest: boolean;
  cookiesGetAll: WireCookie[];
  cookiesRemove: boolean;
  cookiesFollow: boolean;
}
const ANSWER_PARSERS: { readonly [K in DiscoveryOp]: Parser<DiscoveryAnswers[K]> } = {
  readPage: parsePageReading,
  removeFromPage: bool,
  frames: parseFrames,
  syneriseGlobals: parseGlobals,
  cookiesGranted: bool,
  cookiesRequest: bool,
  cookiesGetAll: parseCookies,
  cookiesRemove: bool,
  cookiesFollow: bool,
};

/** An answer's value checked against the op it answers; null when it is not what that op returns. */
export function parseAnswerValue<K extends DiscoveryOp>(op: K, value: unknown): DiscoveryAnswers[K] | null {
  const x = safeParse(ANSWER_PARSERS[op] as Parser<DiscoveryAnswers[K]>, value);
  return x === INVALID ? null : x;
}
