import { decodeIfJwt } from './jwt-shape.js';
import { tokenFacts, type TokenFacts } from './token-facts.js';
import type { DiscoverySource, Found, Observation, OpaqueMention, Place, RequestInfo } from './types.js';

/**
 * The panel's memory of what it found: each distinct JWT once, every place it sits or passed through, when it was
 * first and last seen, which request brought it, and which request sent it after it expired. Fed observations
 * (recognisers.ts), read as sessions (sessions.ts). Everything is bounded, so a page with thousands of storage keys
 * and requests costs a fixed amount: at most MAX_TOKENS tokens (past that, the least recently seen that no longer sit
 * anywhere go first, down to 90 %), MAX_PLACES places per token, MAX_CONTAINERS cookies/entries/records followed, and requests
 * are counted, not kept (a place per request path, not per request).
 */
export const MAX_TOKENS = 500;
export const MAX_PLACES = 32;
export const MAX_CONTAINERS = 2000;
export const MAX_LINKS = 16;
export const MAX_OPAQUE = 64;
/** Requests remembered per token for the timeline (the latest; older ones are only counted in their place). */
export const MAX_TRAFFIC = 64;

/** One request that carried a token: sent it (Authorization, Cookie) or brought it (a response body). */
export interface TokenTraffic {
  readonly request: RequestInfo;
  readonly direction: 'sent' | 'received';
}

export interface PlaceRecord {
  readonly place: Place;
  readonly firstSeen: number;
  lastSeen: number;
  /** How often it was seen there (requests to one path add up). */
  count: number;
  /** When the token left this place (the entry changed or was removed); null while it is still there. */
  goneAt: number | null;
  /** network: the latest request through this place. */
  request?: RequestInfo;
}

export interface TokenEntry {
  readonly token: string;
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
  readonly facts: TokenFacts;
  readonly firstSeen: number;
  lastSeen: number;
  /** True when the panel saw it arrive (a response, or a change to an entry it already followed), not just found it. */
  readonly arrivedLive: boolean;
  readonly places: Map<string, PlaceRecord>;
  /** The first response that brought it. */
  broughtBy: RequestInfo | null;
  /** The first request that sent it after its `exp`. */
  sentAfterExpiry: RequestInfo | null;
  /** Tokens found in the same value or the same response (an access token and its id token). */
  readonly links: Set<string>;
  /** The latest requests that carried it, oldest first, at most about MAX_TRAFFIC (the timeline draws them). */
  readonly traffic: TokenTraffic[];
}

function placeKey(place: Place): string {
  return `${place.source}\u0000${place.key}\u0000${place.path}\u0000${place.direction ?? ''}\u0000${place.frame ?? ''}`;
}

function containerKey(source: DiscoverySource, key: string, frame: string | undefined): string {
  return `${source}\u0000${key}\u0000${frame ?? ''}`;
}

/** What one followed container holds now, and which container it is (a frame's, or the top page's). */
interface Container {
  readonly source: DiscoverySource;
  readonly key: string;
  readonly frame: string | undefined;
  readonly tokens: Set<string>;
}

export class DiscoveryStore {
  readonly #tokens = new Map<string, TokenEntry>();
  /** What each followed cookie / entry / record holds now (only containers that hold a token are kept). */
  readonly #containers = new Map<string, Container>();
  /** Containers seen at least once, so a token appearing in one later counts as arriving live. */
  readonly #seenContainers = new Set<string>();
  readonly #opaque = new Map<string, OpaqueMention>();
  #requests = 0;
  #version = 0;

  /** Grows on every change, so a view re-derives its list only when something changed. */
  get version(): number {
    return this.#version;
  }

  get requestsObserved(): number {
    return this.#requests;
  }

  get size(): number {
    return this.#tokens.size;
  }

  tokens(): IterableIterator<TokenEntry> {
    return this.#tokens.values();
  }

  get(token: string): TokenEntry | undefined {
    return this.#tokens.get(token);
  }

  opaque(): OpaqueMention[] {
    return [...this.#opaque.values()];
  }

  /** One container as it is now: what it holds replaces what it held. Returns whether anything changed. */
  observe(obs: Observation): boolean {
    const before = this.#version;
    if (obs.request) this.#requests++;
    const isNetwork = obs.source === 'network';
    const ckey = containerKey(obs.source, obs.key, obs.frame);
    const followedBefore = this.#seenContainers.has(ckey);
    if (!isNetwork) this.#follow(ckey);
    const now = new Set<string>();
    for (const found of obs.found) {
      const entry = this.#entry(found, obs.at, isNetwork ? found.place.direction === 'received' : followedBefore);
      if (!entry) continue;
      now.add(entry.token);
      this.#place(entry, found.place, obs.at, obs.request);
      if (obs.request && found.place.direction) this.#traffic(entry, obs.request, found.place.direction);
      if (obs.request && found.place.direction === 'received' && !entry.broughtBy) entry.broughtBy = obs.request;
      if (obs.request && found.place.direction === 'sent' && !entry.sentAfterExpiry && entry.facts.exp !== null && obs.request.startedAt >= entry.facts.exp) {
        entry.sentAfterExpiry = obs.request;
        this.#version++;
      }
    }
    this.#link(now);
    if (!isNetwork) this.#replaceContainer(ckey, { source: obs.source, key: obs.key, frame: obs.frame, tokens: now }, obs.at);
    for (const mention of obs.opaque) this.#mention(mention);
    this.#evict();
    return this.#version !== before;
  }

  /**
   * A full scan of one source (every cookie, every entry of a storage, every record read) of the top page, or of
   * the child frame whose origin `frame` names: each observation as above, and every followed container of that
   * source and frame the scan did not list is now empty (removed). Other frames' containers are left as they are.
   */
  scan(source: Exclude<DiscoverySource, 'network'>, observations: readonly Observation[], at: number, frame?: string): boolean {
    const before = this.#version;
    const listed = new Set<string>();
    for (const obs of observations) {
      listed.add(containerKey(obs.source, obs.key, obs.frame));
      this.observe(obs);
    }
    for (const [ckey, c] of [...this.#containers]) {
      if (c.source !== source || c.frame !== frame || listed.has(ckey)) continue;
      this.#replaceContainer(ckey, { ...c, tokens: new Set() }, at);
    }
    return this.#version !== before;
  }

  /** The frame origins whose containers hold a token now (a frame that went away is scanned empty with them). */
  frames(): Set<string> {
    const out = new Set<string>();
    for (const c of this.#containers.values()) if (c.frame !== undefined) out.add(c.frame);
    return out;
  }

  /** Forgets everything (the inspected page navigated to another site, or the user asked). */
  clear(): void {
    this.#tokens.clear();
    this.#containers.clear();
    this.#seenContainers.clear();
    this.#opaque.clear();
    this.#requests = 0;
    this.#version++;
  }

  #follow(ckey: string): void {
    if (this.#seenContainers.has(ckey)) return;
    if (this.#seenContainers.size >= MAX_CONTAINERS * 4) this.#seenContainers.clear(); // bounded; only "live" marks suffer
    this.#seenContainers.add(ckey);
  }

  #entry(found: Found, at: number, live: boolean): TokenEntry | null {
    const known = this.#tokens.get(found.token);
    if (known) {
      if (at > known.lastSeen) known.lastSeen = at;
      return known;
    }
    const parts = decodeIfJwt(found.token);
    if (!parts) return null;
    const entry: TokenEntry = {
      token: found.token,
      header: parts.header,
      claims: parts.claims,
      facts: tokenFacts(parts, found.keyKind),
      firstSeen: at,
      lastSeen: at,
      arrivedLive: live,
      places: new Map(),
      broughtBy: null,
      sentAfterExpiry: null,
      links: new Set(),
      traffic: [],
    };
    this.#tokens.set(found.token, entry);
    this.#version++;
    return entry;
  }

  #place(entry: TokenEntry, place: Place, at: number, request: RequestInfo | undefined): void {
    const key = placeKey(place);
    const known = entry.places.get(key);
    if (known) {
      known.lastSeen = Math.max(known.lastSeen, at);
      known.count++;
      if (request) known.request = request;
      if (known.goneAt !== null) {
        known.goneAt = null;
        this.#version++;
      }
      if (request) this.#version++; // the request count and time shown change
      return;
    }
    if (entry.places.size >= MAX_PLACES) {
      // Drop the place seen longest ago: a token sent to many paths keeps its latest ones.
      let oldest: string | null = null;
      let oldestAt = Infinity;
      for (const [k, r] of entry.places) if (r.lastSeen < oldestAt) [oldest, oldestAt] = [k, r.lastSeen];
      if (oldest !== null) entry.places.delete(oldest);
    }
    entry.places.set(key, { place, firstSeen: at, lastSeen: at, count: 1, goneAt: null, ...(request ? { request } : {}) });
    this.#version++;
  }

  #traffic(entry: TokenEntry, request: RequestInfo, direction: 'sent' | 'received'): void {
    const last = entry.traffic.at(-1);
    if (last?.request === request) return; // one request naming the token twice (header and cookie) is one request
    entry.traffic.push({ request, direction });
    // Trimmed a quarter at a time, so 10,000 requests cost a splice every 16 of them, not one each.
    if (entry.traffic.length > MAX_TRAFFIC * 1.25) entry.traffic.splice(0, entry.traffic.length - MAX_TRAFFIC);
  }

  #link(tokens: Set<string>): void {
    if (tokens.size < 2) return;
    for (const a of tokens) {
      const entry = this.#tokens.get(a);
      if (!entry) continue;
      for (const b of tokens) if (b !== a && entry.links.size < MAX_LINKS && !entry.links.has(b)) {
        entry.links.add(b);
        this.#version++;
      }
    }
  }

  #replaceContainer(ckey: string, container: Container, at: number): void {
    const { source, key, frame, tokens: now } = container;
    const before = this.#containers.get(ckey)?.tokens;
    if (before) {
      for (const token of before) {
        if (now.has(token)) continue;
        const entry = this.#tokens.get(token);
        if (!entry) continue;
        for (const record of entry.places.values()) {
          if (record.place.source === source && record.place.key === key && record.place.frame === frame && record.goneAt === null) {
            record.goneAt = at;
            this.#version++;
          }
        }
      }
    }
    if (now.size === 0) this.#containers.delete(ckey);
    else {
      if (!before && this.#containers.size >= MAX_CONTAINERS) return; // followed no further; the token itself is kept
      this.#containers.set(ckey, container);
    }
  }

  #mention(mention: OpaqueMention): void {
    const key = `${placeKey(mention.place)}\u0000${mention.name}`;
    if (this.#opaque.has(key)) return;
    if (this.#opaque.size >= MAX_OPAQUE) return;
    this.#opaque.set(key, mention);
    this.#version++;
  }

  #evict(): void {
    if (this.#tokens.size <= MAX_TOKENS) return;
    // In one pass, down to 90 % (so a flood of new tokens pays for a sort once per 50 tokens, not a scan per token):
    // tokens that sit nowhere any more go first, the least recently seen first; then the least recently seen of all.
    const keep = Math.floor(MAX_TOKENS * 0.9);
    const ranked = [...this.#tokens.values()]
      .map((entry) => ({ entry, present: isPresent(entry) }))
      .sort((a, b) => Number(a.present) - Number(b.present) || a.entry.lastSeen - b.entry.lastSeen);
    for (const { entry } of ranked.slice(0, this.#tokens.size - keep)) {
      this.#tokens.delete(entry.token);
      for (const other of entry.links) this.#tokens.get(other)?.links.delete(entry.token);
    }
    this.#version++;
  }
}

/** Still in a cookie, an entry or a record (requests pass; they do not hold). */
export function isPresent(entry: TokenEntry): boolean {
  for (const record of entry.places.values()) if (record.goneAt === null && record.place.source !== 'network') return true;
  return false;
}
