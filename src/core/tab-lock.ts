import { monotonicNow } from './checks.js';
import type { StorageLike } from './types.js';

/**
 * One flight across tabs: the lock a session holds while it refreshes or obtains an anonymous token, so N tabs that
 * need a token at once send one request and the others take its result from the storage (auth0-spa-js and supabase
 * auth-js do the same; see docs/cross-tab.md).
 *
 * - Web Locks (`navigator.locks`) where the platform has them: the browser releases a lock whose tab closes or
 *   crashes, and queues waiters fairly.
 * - Elsewhere, a lease in the shared storage: `{ holder, until }` under one key, taken when absent or past `until`,
 *   confirmed by reading it back after a short settle (storage has no compare-and-swap), removed on release.
 *
 * A holder that never lets go (a frozen tab keeps its Web Lock; a crashed one leaves its lease) blocks a waiter for
 * at most `waitMs`, the request timeout: then the waiter steps over it (steals the Web Lock when the same holder still
 * has it, takes the lease over). The holder's late answer, if it ever comes, meets the session's commit guard.
 */
export interface FlightLock {
  readonly kind: 'web-locks' | 'lease';
  /**
   * Runs `work` holding the lock; waits at most `waitMs` for another holder. `work` is told whether another tab held
   * the lock when this one asked (its result may be on its way: storage and messages between tabs are asynchronous).
   * `work`'s outcome is returned as is.
   */
  run<T>(work: (contended: boolean) => Promise<T>, waitMs: number): Promise<T>;
  /** How many tabs hold a presence lock of this namespace (Web Locks only; null where it cannot be known). */
  countTabs(): Promise<number | null>;
  /** How many other tabs hold one (this tab's own presence may not be granted yet: it is never counted); null as above. */
  countOtherTabs(): Promise<number | null>;
  /** Releases this tab's presence lock. */
  close(): void;
}

interface LockInfo {
  readonly name?: string;
  readonly clientId?: string;
}

/** The part of the Web Locks API used here (LockManager). */
interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal; steal?: boolean; ifAvailable?: boolean }, callback: (lock: unknown) => Promise<unknown>): Promise<unknown>;
  query?(): Promise<{ held?: LockInfo[]; pending?: LockInfo[] }>;
}

/** A lease older than its `until` (or unreadable) is free. Kept short: the holder's request has its own timeout. */
interface Lease {
  readonly holder: string;
  readonly until: number;
}

/** Storage has no compare-and-swap: two tabs may write the lease at once; after this long the last write stands. */
const LEASE_SETTLE_MS = 10;
/** How often a lease waiter looks again (also woken by `wake()`, when a holder says it let go). */
const LEASE_POLL_MS = 25;

export function webLockManager(): LockManagerLike | null {
  try {
    const scope = globalThis as { navigator?: { locks?: LockManagerLike } };
    const locks = scope.navigator?.locks;
    return locks && typeof locks.request === 'function' ? locks : null;
  } catch {
    return null;
  }
}

export interface FlightLockOptions {
  /** Lock (and lease key) name; one per namespace. */
  readonly name: string;
  /** This tab's identity in a lease. */
  readonly holder: string;
  /** The shared storage for the lease, when there are no Web Locks. */
  readonly storage: StorageLike;
  /** The session clock (lease expiry). */
  readonly now: () => number;
  /** Web Locks, or null for the lease (tests pass null to exercise the lease where Web Locks exist). */
  readonly locks?: LockManagerLike | null;
}

export function createFlightLock(options: FlightLockOptions): FlightLock {
  const locks = options.locks === undefined ? webLockManager() : options.locks;
  return locks ? webLock(locks, options.name, options.holder) : leaseLock(options);
}

function webLock(locks: LockManagerLike, name: string, holder: string): FlightLock {
  // Presence: every tab holds a lock of its own for its lifetime, so `query()` counts the live tabs (the browser drops
  // the lock of a tab that closed or crashed, where a message-based census would keep counting it).
  const presencePrefix = `${name}:tab:`;
  let releasePresence: (() => void) | undefined;
  const held = new Promise<void>((resolve) => (releasePresence = resolve));
  const ownPresence = `${presencePrefix}${holder}`;
  locks.request(ownPresence, {}, () => held).catch(() => {});

  async function countPresence(othersOnly: boolean): Promise<number | null> {
    try {
      const state = await locks.query?.();
      if (!state?.held) return null;
      return state.held.filter((l) => typeof l.name === 'string' && l.name.startsWith(presencePrefix) && !(othersOnly && l.name === ownPresence)).length;
    } catch {
      return null;
    }
  }

  async function holderNow(): Promise<string | undefined> {
    try {
      return (await locks.query?.())?.held?.find((l) => l.name === name)?.clientId;
    } catch {
      return undefined;
    }
  }

  return {
    kind: 'web-locks',
    async run<T>(work: (contended: boolean) => Promise<T>, waitMs: number): Promise<T> {
      // Free right now: take it without queueing (and know nobody else just did the work).
      let free = false;
      const quick = (await locks.request(name, { ifAvailable: true }, async (lock) => {
        if (lock === null) return undefined;
        free = true;
        return { value: await work(false) };
      })) as { value: T } | undefined;
      if (free && quick) return quick.value;
      // Asked alongside the request, not before it: a tab's place in the queue is taken the moment it asks.
      let before = holderNow();
      for (;;) {
        const controller = new AbortController();
        let granted = false;
        const timer = setTimeout(() => controller.abort(), Math.max(0, waitMs));
        try {
          return (await locks.request(name, { signal: controller.signal }, () => {
            granted = true;
            clearTimeout(timer);
            return work(true);
          })) as T;
        } catch (error) {
          if (granted || !controller.signal.aborted) throw error;
        } finally {
          clearTimeout(timer);
        }
        // Waited the whole request timeout. The same holder still has it: it is frozen or hung, so step over it.
        // A different holder means the queue moved on (a live tab whose turn came): wait for it like anyone.
        const was = await before;
        const now = await holderNow();
        if (now === undefined || now === was) {
          return (await locks.request(name, { steal: true }, () => work(true))) as T;
        }
        before = Promise.resolve(now);
      }
    },
    countTabs: () => countPresence(false),
    countOtherTabs: () => countPresence(true),
    close() {
      releasePresence?.();
    },
  };
}

function leaseLock(options: FlightLockOptions): FlightLock {
  const key = `${options.name}:lease`;
  const { storage, holder, now } = options;
  // Calls from this tab queue here first: the lease tells tabs apart, not calls of one tab.
  let queue: Promise<unknown> = Promise.resolve();

  const read = (): Lease | null => {
    try {
      const raw: unknown = storage.getItem(key);
      if (typeof raw !== 'string') return null;
      const value = JSON.parse(raw) as Partial<Lease> | null;
      return value && typeof value.holder === 'string' && typeof value.until === 'number' ? { holder: value.holder, until: value.until } : null;
    } catch {
      return null;
    }
  };
  const write = (lease: Lease): boolean => {
    try {
      storage.setItem(key, JSON.stringify(lease));
      return true;
    } catch {
      return false; // full or refusing storage: no lease to be had, run without one
    }
  };
  const release = (): void => {
    try {
      if (read()?.holder === holder) storage.removeItem(key);
    } catch {
      // nothing to release
    }
  };

  /** Takes the lease; resolves whether another tab held it meanwhile. */
  async function acquire(waitMs: number): Promise<boolean> {
    const started = monotonicNow();
    for (let contended = false; ; contended = true) {
      const lease = read();
      const overdue = monotonicNow() - started >= waitMs;
      if (!lease || lease.until <= now() || lease.holder === holder || overdue) {
        if (!write({ holder, until: now() + waitMs })) return contended;
        await sleep(LEASE_SETTLE_MS);
        if (read()?.holder === holder || overdue) return contended;
      }
      await sleep(LEASE_POLL_MS);
    }
  }

  return {
    kind: 'lease',
    run<T>(work: (contended: boolean) => Promise<T>, waitMs: number): Promise<T> {
      const turn = queue.then(async () => {
        const contended = await acquire(waitMs);
        try {
          return await work(contended);
        } finally {
          release();
        }
      });
      queue = turn.catch(() => {});
      return turn;
    },
    countTabs: () => Promise.resolve(null),
    countOtherTabs: () => Promise.resolve(null),
    close: release,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
