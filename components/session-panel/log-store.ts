import type { ErrorInfo, LogEntry } from '../../src/core/types.js';
import { pad2 } from './format.js';

/** One row of the panel's log: the session's own log entries plus what the panel saw (events, connection). */
export interface PanelLogEntry {
  readonly at: number;
  readonly kind: LogEntry['kind'] | 'connection';
  readonly operation?: string;
  readonly message: string;
  readonly durationMs?: number;
  readonly outcome?: 'ok' | 'error';
  readonly error?: ErrorInfo;
}

/**
 * A kind to show, or '' for all. `error` shows every failure: entries of kind `error`, and operations and requests
 * that ended with `outcome: 'error'`.
 */
export type LogKindFilter = PanelLogEntry['kind'] | '';

/**
 * A ring buffer of log rows with an optional live filter. Appending is O(1) whatever the size (the filtered view
 * grows by index, evicted indices are dropped lazily), and memory is bounded by `limit`.
 */
export class LogStore {
  #items: (PanelLogEntry | undefined)[] = [];
  /** Absolute index of the oldest kept row, and of the next row to be appended. */
  #start = 0;
  #end = 0;
  #matches: number[] | null = null;
  #matchStart = 0;
  #text = '';
  #kind: LogKindFilter = '';
  /** Time the relative timestamps count from: the first row ever seen (kept across clear()). */
  origin: number | null = null;

  constructor(readonly limit: number) {}

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

  append(entry: PanelLogEntry): void {
    if (this.limit <= 0) return;
    this.origin ??= entry.at;
    const abs = this.#end++;
    this.#items[abs % this.limit] = entry;
    if (this.#end - this.#start > this.limit) this.#start++;
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

  /** Every kept row, oldest first, whatever the filter. */
  *all(): IterableIterator<PanelLogEntry> {
    for (let abs = this.#start; abs < this.#end; abs++) yield this.#items[abs % this.limit]!;
  }

  /** Oldest first, in the current view. */
  *[Symbol.iterator](): IterableIterator<PanelLogEntry> {
    for (let i = 0; i < this.length; i++) {
      const e = this.at(i);
      if (e) yield e;
    }
  }

  clear(): void {
    this.#items = [];
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
