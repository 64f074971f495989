import type { Realm } from '../../src/core/types.js';
import type { PanelLogEntry } from './log-store.js';

/*
 * The timeline's model: what the session's log says about its life, as bars (each token it held, from arrival to
 * expiry or replacement) and marks (refreshes, identity changes, failures), kept up to date one log row at a time,
 * and a view of it for one time range and width: only what falls in the range, downsampled so that however many
 * rows the log holds, the picture has at most a few items per pixel column. No DOM, no Lit: tested in plain Node.
 */

export const MARK_KINDS = ['refresh', 'regenerate', 'destroy', 'sign-in', 'sign-out', 'failure'] as const;
export type MarkKind = (typeof MARK_KINDS)[number];

export interface TimelineBar {
  readonly realm: Realm;
  readonly start: number;
  /** Expiry, or when the token was replaced or cleared, whichever came first. */
  end: number;
  /** Still the session's token (its end is its expiry, maybe in the future). */
  current: boolean;
  /** The log row that brought the token. */
  readonly entry: PanelLogEntry;
}

export interface TimelineMark {
  readonly kind: MarkKind;
  readonly at: number;
  readonly entry: PanelLogEntry;
}

/** A bar or mark as drawn: several that fall into one pixel column are one item with a count. */
export interface ViewBar {
  readonly realm: Realm;
  readonly start: number;
  readonly end: number;
  readonly current: boolean;
  readonly count: number;
  readonly entry: PanelLogEntry;
}
export interface ViewMark {
  readonly kind: MarkKind;
  readonly at: number;
  /** The last mark merged into this one (at ≤ lastAt), for the text equivalent's range. */
  readonly lastAt: number;
  readonly count: number;
  readonly entry: PanelLogEntry;
}
export interface TimelineView {
  readonly start: number;
  readonly end: number;
  readonly bars: readonly ViewBar[];
  readonly marks: readonly ViewMark[];
}

const REFRESH_OPS = new Set(['refreshToken', 'autoRefresh']);
const REGENERATE_OPS = new Set(['regenerateUUID', 'regenerateUUIDWithClientIdentifier']);

/** The mark a log row makes, if any. Sign-in and sign-out come from the session's events (any cause: expiry, another tab). */
export function markKindOf(e: PanelLogEntry): MarkKind | null {
  if (e.kind === 'error' || (e.kind === 'operation' && e.outcome === 'error')) return 'failure';
  if (e.kind === 'operation' && e.outcome === 'ok' && e.operation) {
    if (REFRESH_OPS.has(e.operation)) return 'refresh';
    if (REGENERATE_OPS.has(e.operation)) return 'regenerate';
    if (e.operation === 'destroySession') return 'destroy';
  }
  if (e.kind === 'event' && e.facts && 'login' in e.facts) return e.facts.login === null ? 'sign-out' : 'sign-in';
  return null;
}

export class TimelineModel {
  readonly bars: TimelineBar[] = [];
  readonly marks: TimelineMark[] = [];
  /** Earliest time any row was seen at (the "all" zoom starts here). */
  first: number | null = null;

  /** At most about `limit` bars and `limit` marks are kept (the log's own limit): the oldest go first. */
  constructor(readonly limit = Number.POSITIVE_INFINITY) {}

  /** Takes one log row. O(1) for rows in time order; a late row (rare: reattaches) is put in its place. */
  append(e: PanelLogEntry): void {
    if (this.first === null || e.at < this.first) this.first = e.at;
    const token = e.facts?.token;
    if (token !== undefined) this.#token(e, token);
    const kind = markKindOf(e);
    if (kind) insertSorted(this.marks, { kind, at: e.at, entry: e }, (m) => m.at);
    // Trimmed in steps of a quarter, so the cost stays O(1) per row on average.
    for (const items of [this.marks, this.bars] as TimelineItemList[]) {
      if (items.length > this.limit * 1.25) items.splice(0, items.length - this.limit);
    }
  }

  /**
   * Forgets what lies wholly before `at` (the log let those rows go): marks before it, and bars that ended before it,
   * bar the current token's. One splice per list: the log calls it in steps, not per row.
   */
  dropBefore(at: number): void {
    this.marks.splice(0, lowerBound(this.marks, at, (m) => m.at));
    let n = 0;
    while (n < this.bars.length && this.bars[n]!.end < at && !this.bars[n]!.current) n++;
    this.bars.splice(0, n);
  }

  /** Forgets every bar and mark whose row `gone` picks (rare: the log's byte bound, see LogStore). */
  removeWhere(gone: (entry: PanelLogEntry) => boolean): void {
    for (const items of [this.bars, this.marks] as { entry: PanelLogEntry }[][]) {
      const kept = items.filter((item) => !gone(item.entry));
      items.length = 0;
      items.push(...kept);
    }
  }

  clear(): void {
    this.bars.length = 0;
    this.marks.length = 0;
    this.first = null;
  }

  #token(e: PanelLogEntry, token: NonNullable<PanelLogEntry['facts']>['token']): void {
    const last = this.bars.at(-1);
    if (last && last.start > e.at) {
      // A late row about an older token: draw it where it belongs, ended by the next bar.
      if (!token) return;
      const next = this.bars.find((b) => b.start > e.at)!;
      insertSorted(this.bars, { realm: token.rlm, start: token.receivedAt, end: Math.min(token.expiresAt, next.start), current: false, entry: e }, (b) => b.start);
      return;
    }
    if (last?.current) {
      last.end = Math.min(last.end, e.at);
      last.current = false;
    }
    if (token) this.bars.push({ realm: token.rlm, start: Math.min(token.receivedAt, e.at), end: token.expiresAt, current: true, entry: e });
  }

  /**
   * What to draw for [start, end] on `width` pixel columns: bars and marks that overlap the range, with everything
   * that shares a column (per realm, per mark kind) merged into one item. Cost: a binary search plus the items in
   * range, and at most a few items per column come out, whatever the log's size.
   */
  view(start: number, end: number, width: number): TimelineView {
    const span = Math.max(1, end - start);
    const column = span / Math.max(1, Math.floor(width));
    const bars: ViewBar[] = [];
    // Bars are sorted by start and do not overlap, so the ones ending after `start` begin near the first that starts after it.
    let i = Math.max(0, lowerBound(this.bars, start, (b) => b.start) - 1);
    const open: Partial<Record<Realm, { -readonly [K in keyof ViewBar]: ViewBar[K] }>> = {};
    for (; i < this.bars.length; i++) {
      const b = this.bars[i]!;
      if (b.start > end) break;
      if (b.end < start) continue;
      const prev = open[b.realm];
      // Merge into the previous bar of the realm when both are narrower than a column and touch within one.
      if (prev && b.end - b.start < column && prev.end - prev.start < column * 2 && b.start - prev.end < column) {
        prev.end = Math.max(prev.end, b.end);
        prev.count++;
        prev.current ||= b.current;
        continue;
      }
      const item = { realm: b.realm, start: b.start, end: b.end, current: b.current, count: 1, entry: b.entry };
      bars.push(item);
      open[b.realm] = item;
    }
    const marks: ViewMark[] = [];
    const lastIn: Partial<Record<MarkKind, { -readonly [K in keyof ViewMark]: ViewMark[K] }>> = {};
    for (let j = lowerBound(this.marks, start, (m) => m.at); j < this.marks.length; j++) {
      const m = this.marks[j]!;
      if (m.at > end) break;
      const prev = lastIn[m.kind];
      if (prev && m.at - prev.at < column * 3) {
        prev.count++;
        prev.lastAt = m.at;
        continue;
      }
      const item = { kind: m.kind, at: m.at, lastAt: m.at, count: 1, entry: m.entry };
      marks.push(item);
      lastIn[m.kind] = item;
    }
    return { start, end, bars, marks };
  }
}

type TimelineItemList = unknown[];

/** Index of the first item whose key is ≥ `value` (items sorted by key). */
function lowerBound<T>(items: readonly T[], value: number, key: (item: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(items[mid]!) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Appends, or for a late item inserts at its place (after equal keys, so rows keep their order). */
function insertSorted<T>(items: T[], item: T, key: (item: T) => number): void {
  const k = key(item);
  if (items.length === 0 || key(items[items.length - 1]!) <= k) {
    items.push(item);
    return;
  }
  let i = items.length - 1;
  while (i > 0 && key(items[i - 1]!) > k) i--;
  items.splice(i, 0, item);
}

/** The zoom choices: the last 5 minutes, the last hour, or everything the log holds. */
export const ZOOMS = { '5 min': 5 * 60_000, '1 h': 3_600_000, all: Number.POSITIVE_INFINITY } as const;
export type Zoom = keyof typeof ZOOMS;

/** The range a zoom shows at session time `now`: up to now, with a little room after it to see what runs out next. */
export function zoomRange(model: Pick<TimelineModel, 'first'>, zoom: Zoom, now: number): { start: number; end: number } {
  const windowMs = ZOOMS[zoom];
  const start = Number.isFinite(windowMs) ? now - windowMs : Math.min(model.first ?? now - 60_000, now - 60_000);
  const span = now - start;
  return { start, end: now + span * 0.15 };
}
