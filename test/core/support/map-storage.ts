import type { StorageLike } from '../../../src/core/types.js';

/** A Storage-like over a Map, so tests can read and tamper with exactly what a session stored. */
export class MapStorage implements StorageLike {
  readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
}
