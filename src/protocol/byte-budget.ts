import type { PageUpdate } from './messages.js';

/**
 * Byte bounds shared by the bridge (per frame) and the worker's router (per tab), so a page flooding schema-valid
 * updates cannot grow the panel's memory or starve another tab (issue #9, item 1).
 *
 * Sizes are the length of a message's JSON text (what the message costs to carry and keep: ports serialise it), taken
 * after parsing, so what is measured is exactly what passes on. Budgets are token buckets in bytes: a burst up to
 * `burst`, then `perSecond`. Over budget, an update that only says "the latest state" (a snapshot, the session list)
 * is coalesced: only the newest one per key waits for budget, the ones it replaces are dropped and counted; event and
 * log batches over budget are dropped and counted (the next snapshot carries the state they led to).
 */

/** Largest message relayed, in bytes of JSON: a full log replay (2,000 entries) of ordinary sessions fits. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Per frame, in the bridge. */
export const FRAME_BYTES_PER_SECOND = 2 * 1024 * 1024;
export const FRAME_BURST_BYTES = 4 * 1024 * 1024;
/** Per tab, in the worker. */
export const TAB_BYTES_PER_SECOND = 4 * 1024 * 1024;
export const TAB_BURST_BYTES = 8 * 1024 * 1024;

/** Most updates waiting for budget at once (the session list and one snapshot per session the schema allows). */
export const LIMITS_WAITING = 65;

/** Bytes of `value`'s JSON text; Infinity when it has none (it then never fits a cap). */
export function messageBytes(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? Infinity;
  } catch {
    return Infinity;
  }
}

/** The key under which an update may replace an older one still waiting, or null when it carries history. */
export function coalesceKey(update: PageUpdate): string | null {
  if (update.type === 'sessions') return 'sessions';
  if (update.type === 'snapshot') return `snapshot:${update.sessionId}`;
  return null;
}

export interface ByteBucket {
  /** Takes `bytes` if the budget has them now. */
  take(bytes: number): boolean;
  /** Milliseconds until `bytes` would fit (0 when they do now). */
  waitMs(bytes: number): number;
}

export function createByteBucket(perSecond: number, burst: number, now: () => number): ByteBucket {
  let tokens = burst;
  let at = now();
  const refill = (): void => {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - at) * perSecond) / 1000);
    at = t;
  };
  return {
    take(bytes) {
      refill();
      if (bytes > tokens) return false;
      tokens -= bytes;
      return true;
    },
    waitMs(bytes) {
      refill();
      return bytes <= tokens ? 0 : Math.ceil(((bytes - tokens) * 1000) / perSecond);
    },
  };
}

export interface Waiting<T> {
  readonly item: T;
  readonly bytes: number;
}

/**
 * What waits for budget: the newest item per coalescing key, bounded in entries and bytes. `put` returns how many
 * items it dropped (the one it replaced, or the newcomer when full).
 */
export class LatestQueue<T> {
  readonly #items = new Map<string, Waiting<T>>();
  #bytes = 0;
  constructor(
    readonly maxEntries: number,
    readonly maxBytes: number,
  ) {}
  get size(): number {
    return this.#items.size;
  }
  get bytes(): number {
    return this.#bytes;
  }
  put(key: string, item: T, bytes: number): number {
    const old = this.#items.get(key);
    let dropped = 0;
    if (old) {
      this.#items.delete(key);
      this.#bytes -= old.bytes;
      dropped++;
    }
    if (this.#items.size >= this.maxEntries || this.#bytes + bytes > this.maxBytes) return dropped + 1;
    this.#items.set(key, { item, bytes });
    this.#bytes += bytes;
    return dropped;
  }
  peek(): Waiting<T> | undefined {
    return this.#items.values().next().value;
  }
  shift(): Waiting<T> | undefined {
    const first = this.#items.entries().next().value;
    if (!first) return undefined;
    this.#items.delete(first[0]);
    this.#bytes -= first[1].bytes;
    return first[1];
  }
  /** Removes every item `matches` picks; returns how many. */
  removeWhere(matches: (item: T) => boolean): number {
    let n = 0;
    for (const [k, w] of [...this.#items]) if (matches(w.item)) {
      this.#items.delete(k);
      this.#bytes -= w.bytes;
      n++;
    }
    return n;
  }
  clear(): void {
    this.#items.clear();
    this.#bytes = 0;
  }
}
