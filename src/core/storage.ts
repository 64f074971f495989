import type { IssuerClock } from './issuer-clock.js';
import { tokenRecordFromJwt } from './jwt.js';
import { isUuid } from './uuid.js';
import type { StorageInfo, StorageLike, TokenRecord } from './types.js';

/**
 * Persistence of the session state: one versioned JSON value per namespace, validated field by field on load.
 * Nothing here throws: storage that throws (private mode, quota) degrades to memory and says so, and a value that
 * cannot be read is set aside under a backup key instead of being destroyed.
 */
export const SCHEMA_VERSION = 1;
/** Highest revision a stored state may carry (2^40: a write per millisecond for 34 years). */
export const MAX_REVISION = 2 ** 40;
/** What a device id may look like (createSession's deviceId option follows the same rule). Empty is allowed: the
 * spec's reference vector is computed with an empty device id. */
export const DEVICE_ID = /^[\w-]{0,128}$/;

export interface PersistedState {
  uuid: string;
  token: TokenRecord | null;
  login: string | null;
  customEmail: string | null;
  customIdentifier: string | null;
}

/** A stored state and its revision: every write increments it, so tabs sharing the storage can tell newer from older. */
export interface StoredState {
  readonly state: PersistedState;
  readonly rev: number;
}

export type LoadResult =
  | { readonly kind: 'empty' }
  | { readonly kind: 'ok'; readonly state: PersistedState; readonly rev: number }
  | { readonly kind: 'unreadable'; readonly reason: string; readonly backupKey: string | null };

class MemoryStorage implements StorageLike {
  readonly #map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.#map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.#map.set(key, value);
  }
  removeItem(key: string): void {
    this.#map.delete(key);
  }
}

export class SessionStore {
  #backing: StorageLike;
  #kind: StorageInfo['kind'];
  #persistent = true;
  #degraded = false;
  #note: string | undefined;
  #backupKey: string | undefined;
  readonly #stateKey: string;
  /** The storage asked for, even after this store fell back to memory (the cross-tab lease lives there). */
  readonly shared: StorageLike;
  /** Why the stored value could not be read at the last peek, or null (absent or readable). */
  unreadable: string | null = null;
  #unreadableRaw: string | null = null;
  /** The last stored value this store wrote or parsed, and what it holds. */
  #seen: { readonly raw: string; readonly parsed: StoredState } | null = null;
  /** The estimate #seen was converted with (a newer one converts the same stored value anew). */
  #seenVersion = -1;
  readonly #deviceKey: string;
  /** Converts stored tokens to this session's clock and back (tabs' clocks may differ: issuer-clock.ts). */
  readonly #clock: IssuerClock | undefined;

  /** This session's clock: bounds the receipt time of values written without `endsAt` (see checkToken). */
  readonly #now: (() => number) | undefined;

  constructor(option: 'local' | 'memory' | StorageLike | undefined, namespace: string, clock?: IssuerClock, now?: () => number) {
    this.#clock = clock;
    this.#now = now;
    this.#stateKey = `${namespace}:state`;
    this.#deviceKey = `${namespace}:device-id`;
    if (option === 'memory') {
      this.#backing = new MemoryStorage();
      this.#kind = 'memory';
    } else if (option === undefined || option === 'local') {
      const local = findLocalStorage();
      this.#backing = local ?? new MemoryStorage();
      this.#kind = local ? 'local' : 'memory';
      if (!local && option === 'local') this.#degrade('local storage is not available here');
    } else {
      this.#backing = option;
      this.#kind = 'custom';
    }
    this.shared = this.#backing;
  }

  info(): StorageInfo {
    const info: { -readonly [K in keyof StorageInfo]: StorageInfo[K] } = {
      kind: this.#kind,
      persistent: this.#persistent && this.#kind !== 'memory',
      degraded: this.#degraded,
    };
    if (this.#note !== undefined) info.note = this.#note;
    if (this.#backupKey !== undefined) info.backupKey = this.#backupKey;
    return info;
  }

  /** Problems met while reading or writing; the session turns these into error events. */
  readonly problems: string[] = [];

  load(now: number): LoadResult {
    const raw: unknown = this.#read(this.#stateKey);
    // Some Storage-likes answer undefined for a missing key.
    if (raw === null || raw === undefined) return { kind: 'empty' };
    if (typeof raw !== 'string') {
      this.#note = `stored state was not a string (${typeof raw}); started fresh`;
      return { kind: 'unreadable', reason: `stored value is a ${typeof raw}, not a string`, backupKey: null };
    }
    const parsed = parseStoredState(raw, this.#clock, this.#now?.());
    return typeof parsed === 'string' ? this.#setAside(raw, now, parsed) : { kind: 'ok', state: parsed.state, rev: parsed.rev };
  }

  #setAside(raw: string, now: number, reason: string): LoadResult {
    const backupKey = `${this.#stateKey}:unreadable:${now}`;
    const kept = this.#write(backupKey, raw);
    if (kept) this.#backupKey = backupKey;
    this.#note = `stored state was unreadable (${reason}); started fresh${kept ? `, kept it under "${backupKey}"` : ''}`;
    return { kind: 'unreadable', reason, backupKey: kept ? backupKey : null };
  }

  /** Writes the state under this revision; returns the JSON written (other tabs are sent exactly this). */
  save(state: PersistedState, rev: number): string {
    const json = serialiseState(state, rev, this.#clock);
    this.#write(this.#stateKey, json);
    this.#seen = { raw: json, parsed: { state, rev } };
    this.#seenVersion = this.#clock?.version ?? 0;
    return json;
  }

  /** What the storage holds now (another tab may have written it), or null when there is nothing readable. */
  peek(): StoredState | null {
    let raw: unknown;
    try {
      raw = this.#backing.getItem(this.#stateKey);
    } catch {
      return null;
    }
    this.unreadable = null;
    this.#unreadableRaw = null;
    if (raw === null || raw === undefined) return null;
    if (typeof raw !== 'string') {
      this.unreadable = `the stored value is a ${typeof raw}, not a string`;
      return null;
    }
    // Sessions peek before every operation: an unchanged value is not parsed (and its JWT decoded) again, unless this
    // session's estimate of the issuer's clock changed since (the value then reads differently on this clock).
    const version = this.#clock?.version ?? 0;
    if (this.#seen?.raw === raw && this.#seenVersion === version) return this.#seen.parsed;
    const parsed = parseStoredState(raw, this.#clock, this.#now?.());
    if (typeof parsed === 'string') {
      this.unreadable = parsed;
      this.#unreadableRaw = raw;
      return null;
    }
    this.#seen = { raw, parsed };
    this.#seenVersion = version;
    return parsed;
  }

  /** Keeps the unreadable value the last peek met under a backup key; returns the key, or null if it could not. */
  setAsideUnreadable(now: number): string | null {
    const raw = this.#unreadableRaw;
    this.unreadable = null;
    this.#unreadableRaw = null;
    if (raw === null) return null;
    const backupKey = `${this.#stateKey}:unreadable:${now}`;
    if (!this.#write(backupKey, raw)) return null;
    this.#backupKey = backupKey;
    return backupKey;
  }

  /** The stored device id; an unreadable one is set aside like unreadable state, and reported. */
  deviceId(now: number): string | null {
    const value: unknown = this.#read(this.#deviceKey);
    if (value === null || value === undefined) return null;
    if (typeof value === 'string' && DEVICE_ID.test(value)) return value;
    const backupKey = `${this.#deviceKey}:unreadable:${now}`;
    const kept = typeof value === 'string' && this.#write(backupKey, value);
    this.problems.push(
      `the stored device id was unreadable; a new one was made, so seeded UUIDs change${kept ? ` (old value kept under "${backupKey}")` : ''}`,
    );
    return null;
  }

  /** The keys this session uses in its storage and what each holds now, raw (for the panel's storage view). */
  rawEntries(): { key: string; value: string | null }[] {
    const keys = [this.#stateKey, this.#deviceKey, ...(this.#backupKey ? [this.#backupKey] : [])];
    return keys.map((key) => {
      const value: unknown = this.#read(key);
      return { key, value: typeof value === 'string' ? value : null };
    });
  }

  saveDeviceId(id: string): void {
    this.#write(this.#deviceKey, id);
  }

  #read(key: string): string | null {
    try {
      return this.#backing.getItem(key);
    } catch (error) {
      this.#degrade(`reading storage failed: ${messageOf(error)}`);
      return this.#backing.getItem(key);
    }
  }

  #write(key: string, value: string): boolean {
    try {
      this.#backing.setItem(key, value);
      return true;
    } catch (error) {
      this.#degrade(`writing storage failed: ${messageOf(error)}`);
      this.#backing.setItem(key, value);
      return false;
    }
  }

  /** Falls back to memory for the rest of this session's life; the state keeps working, it just is not kept. */
  #degrade(why: string): void {
    this.problems.push(why);
    this.#degraded = true;
    this.#note = `${why}; the session keeps working in memory`;
    if (this.#persistent) {
      this.#persistent = false;
      this.#backing = new MemoryStorage();
    }
  }
}

/** The page's local storage when it has a usable one (shared by the session store and the dev backend's key). */
export function findLocalStorage(): StorageLike | null {
  try {
    const candidate = (globalThis as { localStorage?: StorageLike }).localStorage;
    return candidate && typeof candidate.getItem === 'function' ? candidate : null;
  } catch {
    return null; // Accessing localStorage itself throws in some sandboxed iframes.
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The stored JSON. A token carries, besides the writer's own receipt and expiry times (on the writer's clock, kept
 * for its lifetime and for tabs with no estimate of their own), `endsAt`: when it stops being usable on the issuer's
 * clock, which every tab converts to its own (issuer-clock.ts).
 */
export function serialiseState(state: PersistedState, rev: number, clock?: IssuerClock): string {
  const endsAt = state.token && clock ? clock.endOf(state.token) : undefined;
  const token = state.token && endsAt !== undefined ? { ...state.token, endsAt } : state.token;
  return JSON.stringify({ v: SCHEMA_VERSION, rev, ...state, token });
}

/** Whether two states say the same thing (field by field, as stored). */
export function sameState(a: PersistedState, b: PersistedState): boolean {
  return serialiseState(a, 0) === serialiseState(b, 0);
}

/**
 * The state in a stored (or announced) JSON value, or a sentence saying why it cannot be used. Everything from
 * outside this session goes through here: local storage, and other tabs' announcements.
 */
export function parseStoredState(raw: string, clock?: IssuerClock, now?: number): StoredState | string {
  const parsed = describeProblem(raw, clock, now);
  if (typeof parsed === 'string') return parsed;
  if (parsed.state.token?.sub !== undefined && parsed.state.token.sub !== parsed.state.uuid) {
    return "the token's subject is not the stored UUID";
  }
  return parsed;
}

function describeProblem(raw: string, clock: IssuerClock | undefined, now: number | undefined): StoredState | string {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const v = value as Record<string, unknown>;
  if (v.v !== SCHEMA_VERSION) return `schema version ${JSON.stringify(v.v) ?? 'missing'}, expected ${SCHEMA_VERSION}`;
  if (!isUuid(v.uuid)) return 'the uuid is not a lowercase UUID';
  for (const key of ['login', 'customEmail', 'customIdentifier'] as const) {
    if (v[key] !== null && typeof v[key] !== 'string') return `"${key}" is neither a string nor null`;
  }
  let token: TokenRecord | null = null;
  if (v.token !== null) {
    const problem = checkToken(v.token, now);
    if (typeof problem === 'string') return problem;
    token = clock ? clock.localize(problem.record, problem.endsAt) : problem.record;
  }
  // Values written before revisions existed count as revision 0.
  const rev = v.rev === undefined ? 0 : v.rev;
  if (typeof rev !== 'number' || !Number.isSafeInteger(rev) || rev < 0) return 'the revision is not a whole number ≥ 0';
  // Far beyond any real count of writes, and far below where rev + 1 stops being exact: a value near
  // Number.MAX_SAFE_INTEGER (tampered or forged) would make the next write unreadable.
  if (rev > MAX_REVISION) return `the revision ${rev} is out of range (at most ${MAX_REVISION})`;
  return {
    rev,
    state: {
      uuid: v.uuid,
      token,
      login: v.login as string | null,
      customEmail: v.customEmail as string | null,
      customIdentifier: v.customIdentifier as string | null,
    },
  };
}

/**
 * A stored token must decode to the same claims it was stored with: anything else was tampered with. A value with
 * `endsAt` is not judged on this tab's clock (the writer's may differ: a tab an hour ahead writes valid values too;
 * issuer-clock.ts converts it). A value without one (an older version's, or a page script's edit) is taken on the
 * writer's clock as it is, so its receipt must not lie more than a day in this tab's future (`now`, when given):
 * otherwise its expiry would be believed long past `exp`.
 */
function checkToken(value: unknown, now: number | undefined): { record: TokenRecord; endsAt: number | undefined } | string {
  if (typeof value !== 'object' || value === null) return 'the token is not an object';
  const t = value as Record<string, unknown>;
  if (typeof t.receivedAt !== 'number' || !Number.isFinite(t.receivedAt)) return 'the token has no receipt time';
  // Receipt and expiry are on one clock (the writer's): a receipt far after the expiry was made up.
  if (typeof t.expiresAt === 'number' && t.receivedAt > t.expiresAt + 24 * 3600_000) return 'the token was received in the future of its expiry';
  if (t.endsAt === undefined && now !== undefined && t.receivedAt > now + 24 * 3600_000) return 'the token was received in the future';
  let decoded: TokenRecord;
  try {
    decoded = tokenRecordFromJwt(t.tokenString, t.receivedAt);
  } catch (error) {
    return `the token does not decode (${messageOf(error)})`;
  }
  // `sub` is checked against the stored UUID by the caller; the record's own copy comes from the claims.
  for (const key of ['rlm', 'origin', 'exp', 'clientId', 'customId'] as const) {
    if (t[key] !== decoded[key]) return `the token's "${key}" does not match its claims`;
  }
  // A stored expiry may be earlier than receipt + lifetime (judged from when the request left, or expired by hand in
  // the panel), never later.
  const upTo = decoded.iat !== undefined ? t.receivedAt + (decoded.exp - decoded.iat) : decoded.expiresAt;
  if (typeof t.expiresAt !== 'number' || !(t.expiresAt <= upTo)) {
    return `the token's "expiresAt" does not match its claims`;
  }
  // The end on the issuer's clock: never after exp (absent in values written before tabs' clocks were told apart).
  if (t.endsAt !== undefined && (typeof t.endsAt !== 'number' || !(t.endsAt <= decoded.exp) || !Number.isFinite(t.endsAt))) {
    return `the token's "endsAt" does not match its claims`;
  }
  return { record: { ...decoded, expiresAt: t.expiresAt }, endsAt: t.endsAt as number | undefined };
}
