import type { LogEntry } from './types.js';

/** A fixed-capacity ring buffer: appending is O(1) and memory stays bounded however long the session runs. */
export class RingLog {
  #items: (LogEntry | undefined)[];
  #start = 0;
  #size = 0;
  #seq = 0;

  constructor(readonly limit: number) {
    this.#items = new Array<LogEntry | undefined>(limit);
  }

  append(entry: Omit<LogEntry, 'seq'>): LogEntry {
    const full: LogEntry = { ...entry, seq: ++this.#seq };
    if (this.limit === 0) return full;
    const index = (this.#start + this.#size) % this.limit;
    this.#items[index] = full;
    if (this.#size < this.limit) this.#size++;
    else this.#start = (this.#start + 1) % this.limit;
    return full;
  }

  /** Oldest first. */
  entries(): LogEntry[] {
    const out: LogEntry[] = [];
    for (let i = 0; i < this.#size; i++) out.push(this.#items[(this.#start + i) % this.limit]!);
    return out;
  }

  clear(): void {
    this.#items = new Array<LogEntry | undefined>(this.limit);
    this.#start = 0;
    this.#size = 0;
  }
}
