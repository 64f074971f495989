import {
  DiscoveryStore,
  frameName,
  framesToRead,
  inFrame,
  isDeletable,
  observeCookie,
  observeCookieString,
  observeIndexedDbRecord,
  observeStorageEntry,
  parseCookieString,
  syneriseFromCookies,
  type Cookie,
  type CookieAccess,
  type DiscoveryFeed,
  type FrameRef,
  type Observation,
  type Place,
  type SyneriseWebInfo,
  webOrigin,
} from '../../discovery/index.js';
import { observeNetwork, type DevtoolsNetworkLike, type NetworkObserver } from './network-observer.js';
import type { PageReading, StorageDelta } from './page-reader.js';

/**
 * The panel's discovery feed (spec §9): owns the store and feeds it while the panel is open, from
 *  - DevTools' network API (network-observer.ts), as requests finish;
 *  - the page, read by page-reader.ts through executeScript at most once a second while the panel is visible
 *    (only what changed comes back), IndexedDB every INDEXED_DB_EVERY readings; with it, up to MAX_FRAMES child
 *    frames of other origins (one per origin), each read the same way by frame id and labelled with its origin;
 *  - the cookies API, when the user granted the optional `cookies` permission: then every cookie, HttpOnly too,
 *    replaces document.cookie as the cookie source, and cookie changes arrive as events.
 * Nothing found leaves the panel: the readings come back to this page as executeScript results, and the store is
 * memory only. Everything stops with stop() (the panel page unloading stops it anyway).
 */
export const POLL_MS = 1000;
export const INDEXED_DB_EVERY = 5;
export const NOTIFY_MS = 250;

export interface DiscoveryBrowser {
  readonly network: DevtoolsNetworkLike | null;
  /** Runs page-reader.ts's readPage in the inspected tab's top frame (isolated world); rejects when it cannot. */
  readPage(reset: boolean, withIndexedDb: boolean): Promise<PageReading>;
  /** Runs removeFromPage there, or in the child frame `frameId`. */
  removeFromPage(source: string, key: string, frameId?: number): Promise<boolean>;
  /** The tab's frames as the browser lists them; absent where the panel cannot list them (then only the top is read). */
  frames?(): Promise<readonly FrameRef[]>;
  /** readPage in one child frame; rejects when that frame cannot be read (gone, not injectable). */
  readFrame?(frameId: number, reset: boolean, withIndexedDb: boolean): Promise<PageReading>;
  /** The Synerise globals (SR, SyneriseTC) in the page's own world. */
  syneriseGlobals(): Promise<[boolean, boolean]>;
  /** The cookies API under the optional permission; null where this browser does not offer it to the panel. */
  readonly cookies: {
    granted(): Promise<boolean>;
    request(): Promise<boolean>;
    getAll(url: string): Promise<Cookie[]>;
    remove(url: string, name: string): Promise<boolean>;
    onChanged(listener: () => void): () => void;
  } | null;
  /** Whether the panel is shown (the poll pauses while it is not). */
  visible(): boolean;
  onVisible(listener: () => void): () => void;
}

export class PanelDiscovery implements DiscoveryFeed {
  readonly store = new DiscoveryStore();
  readonly #browser: DiscoveryBrowser;
  readonly #listeners = new Set<() => void>();
  #network: NetworkObserver | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #reading = false;
  #readings = 0;
  #detail = '';
  #url = '';
  #cookies: Cookie[] = [];
  #globals: [boolean, boolean] = [false, false];
  #access: CookieAccess = 'unavailable';
  /** The last cookies API read failed (the API may appear a moment after the grant): the next reading asks again. */
  #cookiesApiFailed = false;
  #stopCookieEvents: (() => void) | null = null;
  #stopVisible: (() => void) | null = null;
  #notifyQueued = false;
  #stopped = false;
  #reset = true;
  /** Child frames read last time: frame id → the origin its reading reported. */
  #framesRead = new Map<number, string>();
  /** The frame each found frame origin was read in (deletes go there). */
  #frameIds = new Map<string, number>();
  /** Time of the first completed reading (the bench reads "panel open → first list" from it). */
  firstReadingAt: number | null = null;

  constructor(browser: DiscoveryBrowser) {
    this.#browser = browser;
  }

  start(): void {
    if (this.#browser.network) this.#network = observeNetwork(this.#browser.network, (o) => this.#observe(o));
    this.#stopVisible = this.#browser.onVisible(() => this.#schedule(0));
    void this.#initCookieAccess();
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#network?.stop();
    this.#stopCookieEvents?.();
    this.#stopVisible?.();
  }

  synerise(): SyneriseWebInfo | null {
    return syneriseFromCookies(this.#cookies, { SR: this.#globals[0], SyneriseTC: this.#globals[1] });
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  state(): { reading: boolean; detail: string } {
    return { reading: this.firstReadingAt !== null, detail: this.#detail };
  }

  cookieAccess(): CookieAccess {
    return this.#access;
  }

  async requestCookieAccess(): Promise<boolean> {
    const cookies = this.#browser.cookies;
    if (!cookies) return false;
    const granted = await cookies.request();
    if (granted) await this.#initCookieAccess();
    return granted;
  }

  async remove(place: Place): Promise<void> {
    const cookies = this.#browser.cookies;
    let done: boolean;
    const frameId = place.frame === undefined ? undefined : this.#frameIds.get(place.frame);
    if (place.frame !== undefined && frameId === undefined) throw new Error(`${frameName(place.frame)} is not on the page any more`);
    if (frameId !== undefined && isDeletable(place)) done = await this.#browser.removeFromPage(place.source, place.key, frameId);
    else if (place.source === 'cookie' && this.#access === 'granted' && cookies && this.#url) done = await cookies.remove(this.#url, place.key);
    else if (place.source === 'cookie' || place.source === 'localStorage' || place.source === 'sessionStorage') done = await this.#browser.removeFromPage(place.source, place.key);
    else throw new Error(`${place.source} entries are not deleted from the panel`);
    if (!done) throw new Error(place.source === 'cookie' ? 'the cookie is still there (set for another path or domain, or HttpOnly)' : 'the entry is still there');
    await this.#readNow();
  }

  /** Reads the page now (after a delete, or when the panel is shown again), then goes on polling. */
  async #readNow(): Promise<void> {
    clearTimeout(this.#timer);
    await this.#tick();
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), delay);
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#reading) return;
    if (!this.#browser.visible()) return; // resumed by onVisible
    this.#reading = true;
    try {
      const withIdb = this.#readings % INDEXED_DB_EVERY === 0;
      const reset = this.#reset;
      const reading = await this.#browser.readPage(reset, withIdb);
      this.#reset = false;
      if (withIdb || reading.full) this.#globals = await this.#browser.syneriseGlobals().catch(() => this.#globals);
      await this.#apply(reading);
      const problems = [...reading.problems, ...(await this.#readFrames(reset, withIdb, reading.at))];
      this.#readings++;
      this.firstReadingAt ??= Date.now();
      this.#setDetail(problems.length ? `Could not read: ${problems.join('; ')}` : '');
    } catch (error) {
      this.#setDetail(`Cannot read this page: ${error instanceof Error ? error.message : String(error)}`);
      this.#reset = true; // a new document (or none): start again from nothing
    } finally {
      this.#reading = false;
      this.#schedule(POLL_MS);
    }
  }

  async #apply(reading: PageReading): Promise<void> {
    const origin = originOf(reading.url);
    if (this.#url && originOf(this.#url) !== origin) {
      this.store.clear(); // another site: what was found there is not this page's
      this.#framesRead.clear(); // and its frames are read afresh
    }
    this.#url = reading.url;
    const at = reading.at;
    if (this.#access === 'granted' && this.#browser.cookies) {
      if (reading.full || reading.cookies !== null || this.#cookiesApiFailed) await this.#readCookiesApi(at);
    } else if (reading.cookies !== null) {
      this.#cookies = parseCookieString(reading.cookies);
      this.store.scan('cookie', observeCookieString(reading.cookies, at), at);
    }
    this.#storages(reading, undefined);
    this.#notify();
  }

  /**
   * The child frames: listed by the browser, chosen by framesToRead (other origins, one per origin, bounded), each
   * read by frame id, all at once; one that fails is skipped (it may be loading or gone). Each reading is stored
   * under the origin the frame reported; a frame origin read before and not now has gone, and so has what it held.
   * Returns the frames' problems (opaque origins have no storage to read: not a problem worth a note).
   */
  async #readFrames(reset: boolean, withIdb: boolean, at: number): Promise<string[]> {
    const { frames, readFrame } = this.#browser;
    if (!frames || !readFrame) return [];
    let chosen: FrameRef[] = [];
    try {
      chosen = framesToRead(await frames.call(this.#browser), this.#url);
    } catch {
      return []; // the tab is navigating: next time
    }
    const readings = await Promise.allSettled(chosen.map((f) => readFrame.call(this.#browser, f.frameId, reset || !this.#framesRead.has(f.frameId), withIdb)));
    const read = new Map<number, string>();
    const kept = new Set<string>();
    const problems: string[] = [];
    readings.forEach((result, i) => {
      const frame = chosen[i]!;
      if (result.status === 'rejected') {
        // Not read this time: what it held stays as it was (read afresh next time).
        const origin = this.#originOfFrame(frame.frameId) ?? webOrigin(frame.url);
        if (origin !== null) kept.add(origin);
        return;
      }
      const reading = result.value;
      const origin = reading.origin ?? webOrigin(reading.url) ?? 'null';
      if (kept.has(origin) || [...read.values()].includes(origin)) return; // another frame of that origin was read
      read.set(frame.frameId, origin);
      kept.add(origin);
      this.#storages(reading, origin);
      // Named briefly: a page of ads has many frames the browser denies storage to (third-party storage blocking).
      if (origin !== 'null' && reading.problems.length) problems.push(`${frameName(origin)}: ${reading.problems.map((p) => p.split(':')[0]).join(', ')} not readable`);
    });
    for (const origin of new Set([...this.#framesRead.values(), ...this.store.frames()])) {
      if (kept.has(origin)) continue;
      for (const source of ['cookie', 'localStorage', 'sessionStorage', 'indexedDB'] as const) this.store.scan(source, [], at, origin);
    }
    this.#framesRead = read;
    this.#frameIds = new Map([...read].map(([id, origin]) => [origin, id]));
    if (chosen.length) this.#notify();
    return problems;
  }

  #originOfFrame(frameId: number): string | null {
    return this.#framesRead.get(frameId) ?? null;
  }

  /**
   * Web storage and IndexedDB of one reading, and for a child frame (`frame` its origin) its document.cookie too
   * (the top page's cookies are read above, through the cookies API when granted).
   */
  #storages(reading: PageReading, frame: string | undefined): void {
    const at = reading.at;
    const mark = (o: Observation): Observation => (frame === undefined ? o : inFrame(o, frame));
    if (frame !== undefined && reading.cookies !== null) this.store.scan('cookie', observeCookieString(reading.cookies, at).map(mark), at, frame);
    this.#storage('localStorage', reading.localStorage, reading.full, at, frame);
    this.#storage('sessionStorage', reading.sessionStorage, reading.full, at, frame);
    if (reading.indexedDB) {
      const observations = reading.indexedDB.changed.map(([name, json]) => mark(idbObservation(name, json, at)));
      if (reading.full) this.store.scan('indexedDB', observations, at, frame);
      else {
        for (const o of observations) this.store.observe(o);
        for (const name of reading.indexedDB.removed) this.store.observe(mark({ source: 'indexedDB', key: name, at, found: [], opaque: [] }));
      }
    }
  }

  #storage(source: 'localStorage' | 'sessionStorage', delta: StorageDelta | null, full: boolean, at: number, frame: string | undefined): void {
    if (!delta) return;
    const mark = (o: Observation): Observation => (frame === undefined ? o : inFrame(o, frame));
    const observations = delta.changed.map(([key, value]) => mark(observeStorageEntry(source, key, value, at)));
    if (full) this.store.scan(source, observations, at, frame);
    else {
      for (const o of observations) this.store.observe(o);
      for (const key of delta.removed) this.store.observe(mark(observeStorageEntry(source, key, null, at)));
    }
  }

  async #initCookieAccess(): Promise<void> {
    const cookies = this.#browser.cookies;
    if (!cookies) {
      this.#access = 'unavailable';
      return this.#notify();
    }
    const granted = await cookies.granted().catch(() => false);
    this.#access = granted ? 'granted' : 'not-granted';
    if (granted && !this.#stopCookieEvents) {
      this.#stopCookieEvents = cookies.onChanged(() => void this.#readCookiesApi(Date.now()).then(() => this.#notify()));
      if (this.#url) await this.#readCookiesApi(Date.now());
    }
    this.#notify();
  }

  async #readCookiesApi(at: number): Promise<void> {
    const cookies = this.#browser.cookies;
    if (!cookies || !this.#url) return;
    try {
      this.#cookies = await cookies.getAll(this.#url);
      this.#cookiesApiFailed = false;
      this.store.scan('cookie', this.#cookies.map((c) => observeCookie(c, at)), at);
    } catch (error) {
      this.#cookiesApiFailed = true;
      this.#setDetail(`Could not read cookies: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #observe(observation: Observation): void {
    if (this.store.observe(observation)) this.#notify();
  }

  #setDetail(detail: string): void {
    if (detail === this.#detail) return;
    this.#detail = detail;
    this.#notify();
  }

  /**
   * At most one notification per NOTIFY_MS, however many requests finished meanwhile: each one re-renders the list,
   * and a page making hundreds of requests a second must not make the panel render hundreds of times.
   */
  #notify(): void {
    if (this.#notifyQueued) return;
    this.#notifyQueued = true;
    setTimeout(() => {
      this.#notifyQueued = false;
      for (const listener of this.#listeners) listener();
    }, NOTIFY_MS);
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function idbObservation(name: string, json: string, at: number): Observation {
  const [database = '', store = '', ...rest] = name.split('/');
  let value: unknown = null;
  try {
    value = JSON.parse(json) as unknown;
  } catch {
    value = json; // cut at the read limit: scanned as text
  }
  return observeIndexedDbRecord(database, store, rest.join('/'), value, at);
}
