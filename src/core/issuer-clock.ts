import type { IssuerClockInfo, TokenRecord } from './types.js';

/**
 * How far the token issuer's clock (the one that writes `iat` and `exp`) runs ahead of this session's clock, so that
 * tabs whose clocks differ can share stored tokens (issue #14). A stored token carries its end on the issuer's clock
 * (`endsAt`, from `exp`), never only on the writing tab's clock; each tab converts it to its own clock with its own
 * estimate, so no tab trusts another tab's clock:
 * - **measured**: from this session's own token requests: the token was issued between the moment the request left
 *   and its answer, and a whole-second `iat` is the issue time rounded down;
 * - **peer**: from another tab's estimate, carried over a round trip on the cross-tab channel (this tab asks, the peer
 *   answers with its clock and its estimate; the peer's clock read lies between asking and hearing);
 * - neither: the writer's own conversion is taken as stored, i.e. this tab assumes the writer's clock (true for tabs
 *   of one browser, which share the system clock, and for a reload of the same tab).
 * The estimate is an interval; expiry is judged with 0 when the clocks agree as far as can be told (the interval
 * holds 0: the skew is within the request time and iat's rounding), else with the end that makes tokens expire
 * soonest on this tab: a token is never handed out past `exp`, and past receipt + lifetime by at most the interval's
 * width (the request's duration plus iat's rounding).
 */
export interface OffsetInterval {
  /** Least the issuer's clock may run ahead of this clock, ms (negative: it runs behind). */
  readonly lo: number;
  /** Most it may run ahead, ms. */
  readonly hi: number;
}

export type ClockSource = 'measured' | 'peer' | 'none';

/** A whole-second `iat` is the issue time rounded down: up to this much earlier than the token was made. */
const IAT_ROUNDING_MS = 1000;
/** A peer's answer slower than this says too little about its clock (the interval would hide that much skew). */
export const MAX_PEER_ROUND_TRIP_MS = 1000;
/** Offsets beyond this (about 3 years) are nonsense (a forged message, a broken clock) and are not taken. */
const MAX_OFFSET_MS = 1e11;

export class IssuerClock {
  #own: OffsetInterval | null = null;
  #peer: OffsetInterval | null = null;
  /** Ends on the issuer's clock of the records converted from stored values (they pass through this tab unchanged). */
  readonly #ends = new WeakMap<TokenRecord, number>();
  /** Bumped whenever the estimate changes: conversions made before are redone. */
  version = 0;

  /** A token this session asked for itself: sent at `sentAt`, answered at `receivedAt` (session clock), `iat` in ms. */
  measure(sentAt: number, receivedAt: number, iatMs: number): void {
    const rounding = Number.isInteger(iatMs / 1000) ? IAT_ROUNDING_MS : 0;
    const next = { lo: iatMs - Math.max(sentAt, receivedAt), hi: iatMs + rounding - Math.min(sentAt, receivedAt) };
    // The offset holds still between requests, so each measurement narrows it (iat's rounding falls differently each
    // time); one that does not overlap the estimate means a clock moved (a jump, an NTP step): start from it.
    const own = this.#own;
    const lo = own ? Math.max(own.lo, next.lo) : next.lo;
    const hi = own ? Math.min(own.hi, next.hi) : next.hi;
    this.#set('own', lo <= hi ? { lo, hi } : next);
  }

  /**
   * Another tab's estimate `peer` (against its clock, which read `peerNow` when it answered), heard at `heardAt` after
   * this tab asked at `askedAt`: the peer's clock minus this one lies between peerNow − heardAt and peerNow − askedAt.
   * Own measurements win over peers'.
   */
  fromPeer(peer: OffsetInterval, peerNow: number, askedAt: number, heardAt: number): void {
    if (this.#own || !(heardAt >= askedAt) || heardAt - askedAt > MAX_PEER_ROUND_TRIP_MS) return;
    if (![peer.lo, peer.hi, peerNow].every(Number.isFinite) || peer.lo > peer.hi) return;
    this.#set('peer', { lo: peer.lo + peerNow - heardAt, hi: peer.hi + peerNow - askedAt });
  }

  get source(): ClockSource {
    return this.#own ? 'measured' : this.#peer ? 'peer' : 'none';
  }

  /** The estimate other tabs may derive theirs from (measured or peer-derived), or null. */
  get interval(): OffsetInterval | null {
    return this.#own ?? this.#peer;
  }

  /** The estimate as a snapshot shows it (plain data). */
  info(): IssuerClockInfo {
    const i = this.interval;
    return i ? { source: this.source, offsetMs: this.offset()!, minOffsetMs: i.lo, maxOffsetMs: i.hi } : { source: 'none' };
  }

  /** The offset expiry is judged by, or null without an estimate (see the class comment). */
  offset(): number | null {
    const i = this.interval;
    if (!i) return null;
    return i.lo <= 0 && i.hi > 0 ? 0 : i.hi;
  }

  /**
   * When a record this tab holds stops being usable on the issuer's clock (stored for other tabs), if known. Fixed
   * once found: a later estimate moves the record on this clock (relocalize), not its end.
   */
  endOf(record: TokenRecord): number | undefined {
    const known = this.#ends.get(record);
    if (known !== undefined) return known;
    const offset = this.offset();
    if (offset === null) return undefined;
    const end = Math.min(record.exp, record.expiresAt + offset);
    this.#ends.set(record, end);
    return end;
  }

  /**
   * A record as another tab (or an earlier page) stored it, converted to this session's clock: it ends at `endsAt`
   * on the issuer's clock, and its lifetime (expiresAt − receivedAt, which sets the refresh margin) is kept.
   */
  localize(stored: TokenRecord, endsAt: number | undefined): TokenRecord {
    const offset = this.offset();
    if (endsAt === undefined) return stored; // written without one (an older version): the writer's clock it is
    const record = offset === null ? stored : { ...stored, receivedAt: endsAt - offset - (stored.expiresAt - stored.receivedAt), expiresAt: endsAt - offset };
    this.#ends.set(record, endsAt);
    return record;
  }

  /** A converted record again with the current estimate (the same object when nothing changes). */
  relocalize(record: TokenRecord): TokenRecord {
    const endsAt = this.#ends.get(record);
    if (endsAt === undefined) return record;
    const next = this.localize(record, endsAt);
    return next.expiresAt === record.expiresAt ? record : next;
  }

  /**
   * Drops both estimates (the session's clock was shifted by hand, debug.shiftClock/resetClock): what was measured on
   * the old clock is wrong on the new one by the shift, unless the backend followed the shift (the dev backend does, a
   * real server does not), so neither is kept, nor offered to other tabs, until the next request measures again.
   * Ends already found stay: they are on the issuer's clock.
   */
  forget(): void {
    if (!this.#own && !this.#peer) return;
    this.#own = null;
    this.#peer = null;
    this.version++;
  }

  #set(which: 'own' | 'peer', interval: OffsetInterval): void {
    if (Math.abs(interval.lo) > MAX_OFFSET_MS || Math.abs(interval.hi) > MAX_OFFSET_MS) return;
    const before = this.offset();
    if (which === 'own') this.#own = interval;
    else this.#peer = interval;
    if (this.offset() !== before) this.version++;
  }
}
