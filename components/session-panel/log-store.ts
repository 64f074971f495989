import type { BackendRequestInfo, ErrorInfo, LogEntry, LogFacts } from '../../src/core/types.js';
import { pad2 } from './format.js';
import { markKindOf, TimelineModel } from './timeline-model.js';
import { rowBytes, SESSION_LOG_BYTES } from './retention.js';

/** How far back a late row is moved to its place in time; beyond that it is appended as it came. */
const MAX_REORDER = 4096;
/** How many of the newest backend requests a store keeps at hand (the details pane lists them). */
export const RECENT_REQUESTS = 8;
/**
 * Bytes of let-go rows the timeline may still hold before it is trimmed to the log's oldest row: trimming is a splice,
 * so it is done in steps, and what waits for it is counted in `retainedBytes` meanwhile.
 */
const TIMELINE_TRIM_BYTES = 64 * 1024;

/** One row of the panel's log: the session's own log entries plus what the panel saw (events, connection). */
export interface PanelLogEntry {
  readonly at: number;
  readonly kind: LogEntry['kind'] | 'connection';
  readonly operation?: string;
  readonly message: string;
  readonly durationMs?: number;
  readonly outcome?: 'ok' | 'error';
  readonly error?: ErrorInfo;
  /** Structured form of the line (the core's, see LogFacts): the timeline and "state after" read it. */
  readonly facts?: LogFacts;
}

/**
 * A kind to show, or '' for all. `error` shows every failure: entries of kind `error`, and operations and requests
 * that ended with `outcome: 'error'`.
 */
export type LogKindFilter = PanelLogEntry['kind'] | '';

/**
 * A ring buffer of log rows with an optional live filter. Appending is O(1) whatever the size (the filtered view
 * grows by index, evicted indices are dropped lazily), and memory is bounded by `limit` rows and by `byteLimit`
 * bytes (retention.ts): the rows kept, plus the rows already let go that the timeline still draws, never exceed it.
 * Rows let go are counted (`letGo`, `letGoBytes`) for the panel to say so.
 */
export class LogStore {
  #items: (PanelLogEntry | undefined)[] = [];
  /** Bytes of each kept row, in the same slots as #items. */
  #sizes: number[] = [];
  #bytes = 0;
  /** Bytes of let-go rows the timeline still holds (bars and marks made from them), until it is next trimmed. */
  #timelineBytes = 0;
  #letGo = 0;
  #letGoBytes = 0;
  /** Absolute index of the oldest kept row, and of the next row to be appended. */
  #start = 0;
  #end = 0;
  #matches: number[] | null = null;
  #matchStart = 0;
  #text = '';
  #kind: LogKindFilter = '';
  /** Time the relative timestamps count from: the first row ever seen (kept across clear()). */
  origin: number | null = null;
  /** The timeline's model over the same rows, kept in step with every append and clear. */
  readonly timeline: TimelineModel;
  /** The newest requests among the rows (from their facts), oldest first: kept as rows come, so no scan. */
  #requests: BackendRequestInfo[] = [];

  constructor(
    readonly limit: number,
    readonly byteLimit: number = SESSION_LOG_BYTES,
  ) {
    this.timeline = new TimelineModel(limit);
  }

  /** Bytes this log holds: its rows, and rows it let go that its timeline still draws. At most `byteLimit`. */
  get retainedBytes(): number {
    return this.#bytes + this.#timelineBytes;
  }

  /** Rows let go (the oldest first) to stay within `limit` and `byteLimit`, since the log was made or cleared. */
  get letGo(): number {
    return this.#letGo;
  }

  /** Bytes of those rows. */
  get letGoBytes(): number {
    return this.#letGoBytes;
  }

  get size(): number {
    return this.#end - this.#start;
  }

  /** Rows in the current (filtered) view. */
  get length(): number {
    return this.#matches ? this.#matches.length - this.#matchStart : this.size;
  }

  /** Row `i` of the current view, oldest first. */
  at(i: number): PanelLogEntry | undefined {
    const abs = this.#matches ? this.#matches[this.#matchStart + i] : this.#start + i;
    return abs === undefined || abs < this.#start || abs >= this.#end ? undefined : this.#items[abs % this.limit];
  }

  /**
   * Adds a row in time order. Rows nearly always come in order (O(1)); a late one (history replayed after a
   * reattach, a link line stamped before the replay arrived) is moved back to its place, so the log reads in time
   * order whatever order its sources spoke in.
   */
  append(entry: PanelLogEntry): void {
    if (this.limit <= 0) return;
    const bytes = rowBytes(entry);
    if (bytes > this.byteLimit) return this.#count(bytes); // one row over the whole budget: never kept
    this.origin = this.origin === null ? entry.at : Math.min(this.origin, entry.at);
    const last = this.#end > this.#start ? this.#items[(this.#end - 1) % this.limit]! : null;
    if (last && entry.at < last.at) {
      if (!this.#insertLate(entry, bytes)) return;
    } else {
      if (this.size >= this.limit) this.shed();
      const abs = this.#end++;
      this.#items[abs % this.limit] = entry;
      this.#sizes[abs % this.limit] = bytes;
      this.#bytes += bytes;
      const m = this.#matches;
      if (m) {
        if (this.#matches_(entry)) m.push(abs);
        while (this.#matchStart < m.length && m[this.#matchStart]! < this.#start) this.#matchStart++;
        // Compact now and then so the index array stays bounded too (amortised O(1)).
        if (this.#matchStart > 1024 && this.#matchStart * 2 > m.length) {
          this.#matches = m.slice(this.#matchStart);
          this.#matchStart = 0;
        }
      }
    }
    this.timeline.append(entry);
    const request = entry.facts?.request;
    if (request) this.#noteRequest(entry.at, request);
    while (this.retainedBytes > this.byteLimit && this.size > 0) this.shed();
    // Rows gone and still over: only the timeline's hold on let-go rows is left, and it goes now.
    if (this.retainedBytes > this.byteLimit) this.#trimTimeline();
  }

  /**
   * Lets the oldest row go (counted). The panel's overall budget calls it too, on its largest log. Returns the
   * bytes it freed (0 when empty).
   */
  shed(): number {
    if (this.size === 0) return 0;
    const slot = this.#start % this.limit;
    const entry = this.#items[slot]!;
    const bytes = this.#sizes[slot]!;
    this.#items[slot] = undefined;
    this.#start++;
    this.#bytes -= bytes;
    const m = this.#matches;
    // The filtered view must not count the row any more (it reads `length` before the next append).
    if (m) while (this.#matchStart < m.length && m[this.#matchStart]! < this.#start) this.#matchStart++;
    this.#count(bytes);
    if (entry.facts?.token || markKindOf(entry)) {
      // The timeline drew this row: it holds it until it is trimmed, and that counts too.
      this.#timelineBytes += bytes;
      if (this.#timelineBytes >= TIMELINE_TRIM_BYTES || this.size === 0) this.#trimTimeline();
    }
    return bytes;
  }

  #count(bytes: number): void {
    this.#letGo++;
    this.#letGoBytes += bytes;
  }

  /** Drops what the timeline holds from before the oldest kept row (bar the token bar still open at that time). */
  #trimTimeline(): void {
    const oldest = this.size ? this.#items[this.#start % this.limit]!.at : Number.POSITIVE_INFINITY;
    this.timeline.dropBefore(oldest);
    // What the timeline still holds of rows let go: the token bar open at `oldest`, and rows of that very time
    // (equal timestamps) that went while others of the same time stayed.
    const keptAtOldest = new Set<PanelLogEntry>();
    for (let abs = this.#start; abs < this.#end && this.#items[abs % this.limit]!.at === oldest; abs++) keptAtOldest.add(this.#items[abs % this.limit]!);
    const letGo = (e: PanelLogEntry): boolean => e.at < oldest || (e.at === oldest && !keptAtOldest.has(e));
    let held = 0;
    // Every bar: a late row's bar starts at its token's arrival, which may be after the row (bars are few: one per token).
    for (const b of this.timeline.bars) if (letGo(b.entry)) held += rowBytes(b.entry);
    for (const m of this.timeline.marks) {
      if (m.at > oldest) break;
      if (letGo(m.entry)) held += rowBytes(m.entry);
    }
    if (this.#bytes + held > this.byteLimit) {
      // Still over (a small budget, or several late token bars): the timeline lets go of what the log let go.
      this.timeline.removeWhere(letGo);
      held = 0;
    }
    this.#timelineBytes = held;
  }

  /** The newest backend requests, newest first (at most RECENT_REQUESTS). */
  recentRequests(): BackendRequestInfo[] {
    return [...this.#requests].reverse();
  }

  #noteRequest(at: number, request: BackendRequestInfo): void {
    const list = this.#requests;
    const lastAt = list.length ? list[list.length - 1]!.at : -Infinity;
    list.push(request);
    if (at < lastAt) list.sort((a, b) => a.at - b.at); // a late row (rare); the list is tiny
    if (list.length > RECENT_REQUESTS) list.shift();
  }

  /** Puts a late row at its place; false when it is older than every kept row of a full log (let go at once). */
  #insertLate(entry: PanelLogEntry, bytes: number): boolean {
    let pos = this.#end;
    const floor = Math.max(this.#start, this.#end - MAX_REORDER);
    while (pos > floor && this.#items[(pos - 1) % this.limit]!.at > entry.at) pos--;
    if (this.size >= this.limit) {
      if (pos === this.#start) {
        this.#count(bytes);
        return false;
      }
      this.shed();
    }
    for (let abs = this.#end; abs > pos; abs--) {
      this.#items[abs % this.limit] = this.#items[(abs - 1) % this.limit];
      this.#sizes[abs % this.limit] = this.#sizes[(abs - 1) % this.limit]!;
    }
    this.#items[pos % this.limit] = entry;
    this.#sizes[pos % this.limit] = bytes;
    this.#bytes += bytes;
    this.#end++;
    if (this.#matches) this.setFilter(this.#text, this.#kind); // indices moved: rebuilt (rare)
    return true;
  }

  /** Every kept row, oldest first, whatever the filter. */
  *all(): IterableIterator<PanelLogEntry> {
    for (let abs = this.#start; abs < this.#end; abs++) yield this.#items[abs % this.limit]!;
  }

  /** Every kept row, newest first, whatever the filter (stop early for "the last few"). */
  *newestFirst(): IterableIterator<PanelLogEntry> {
    for (let abs = this.#end - 1; abs >= this.#start; abs--) yield this.#items[abs % this.limit]!;
  }

  /** Oldest first, in the current view. */
  *[Symbol.iterator](): IterableIterator<PanelLogEntry> {
    for (let i = 0; i < this.length; i++) {
      const e = this.at(i);
      if (e) yield e;
    }
  }

  /** Position of `entry` in the current view, or -1 (searched from the newest: selections are mostly recent). */
  indexOf(entry: PanelLogEntry): number {
    for (let i = this.length - 1; i >= 0; i--) if (this.at(i) === entry) return i;
    return -1;
  }

  clear(): void {
    this.timeline.clear();
    this.#requests = [];
    this.#items = [];
    this.#sizes = [];
    this.#bytes = this.#timelineBytes = this.#letGo = this.#letGoBytes = 0;
    this.#start = this.#end = 0;
    if (this.#matches) this.#matches = [];
    this.#matchStart = 0;
  }

  setFilter(text: string, kind: LogKindFilter): void {
    this.#text = text.trim().toLowerCase();
    this.#kind = kind;
    this.#matchStart = 0;
    if (!this.#text && !kind) {
      this.#matches = null;
      return;
    }
    const m: number[] = [];
    for (let abs = this.#start; abs < this.#end; abs++) if (this.#matches_(this.#items[abs % this.limit]!)) m.push(abs);
    this.#matches = m;
  }

  #matches_(e: PanelLogEntry): boolean {
    if (this.#kind && !(e.kind === this.#kind || (this.#kind === 'error' && e.outcome === 'error'))) return false;
    if (!this.#text) return true;
    return `${e.operation ?? ''} ${e.message} ${e.error ? `${e.error.code} ${e.error.kind}` : ''}`.toLowerCase().includes(this.#text);
  }
}

/** `+mm:ss.SSS` (or `+h:mm:ss.SSS`) from `origin`. */
export function relativeStamp(at: number, origin: number): string {
  const ms = Math.max(0, Math.round(at - origin));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const body = `${pad2(m)}:${pad2(s)}.${String(ms % 1000).padStart(3, '0')}`;
  return `+${h ? `${h}:` : ''}${body}`;
}
