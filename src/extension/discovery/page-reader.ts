/**
 * What the panel runs in the inspected page to read where tokens live, through `scripting.executeScript({ func })`
 * in the extension's isolated world (the page's scripts cannot see or tamper with it), only while a panel is open.
 * Chrome sends a `func` by its source text, so each function here is self-contained: no imports, no helpers from
 * around it (test/extension/discovery-page-reader.test.ts runs them rebuilt from their source to prove it).
 *
 * The reader keeps, in the isolated world only, a fingerprint of what it last returned (cookie string, one hash per
 * storage entry and IndexedDB record), and returns only what changed, so a poll once a second costs reading the
 * storage, not sending it. Values are cut at READ_LIMIT characters; at most MAX_KEYS entries per storage and
 * MAX_RECORDS IndexedDB records are read. These are the limits src/protocol/discovery.ts checks a reading against.
 */

export interface StorageDelta {
  /** Entries whose value is new or changed: [key, value] (value cut at the limit). */
  readonly changed: [string, string][];
  /** Keys that were there last time and are gone. */
  readonly removed: string[];
  /** How many keys the storage holds now (it may hold more than were read). */
  readonly size: number;
}

export interface PageReading {
  /** True when this reading starts from nothing (first read, or reset): changed lists everything. */
  readonly full: boolean;
  readonly at: number;
  /**
   * The document's address without its query and fragment, cut at URL_LIMIT characters: its origin and path are all
   * the panel needs (the cookies API matches a cookie by them), while an OAuth callback carries its tokens in the
   * fragment (or a code in the query), which must not leave the page, and can run past any sensible bound.
   */
  readonly url: string;
  /**
   * The document's origin as the browser computes it (`self.origin` read in the isolated world, where the page's
   * scripts cannot redefine it): `null` for an opaque origin (a sandboxed frame), unlike the URL's. Labels a frame.
   */
  readonly origin?: string;
  /** document.cookie when it changed, else null. */
  readonly cookies: string | null;
  readonly localStorage: StorageDelta | null;
  readonly sessionStorage: StorageDelta | null;
  /** IndexedDB records as JSON text, `database/store/key` → JSON, when read this time (every few readings). */
  readonly indexedDB: { readonly changed: [string, string][]; readonly removed: string[] } | null;
  /** Why a part could not be read (storage blocked, an opaque origin…), as plain words. */
  readonly problems: string[];
}

/** Runs in the page (isolated world). `reset` forgets what was returned before; `withIndexedDb` reads IndexedDB too. */
export async function readPage(reset: boolean, withIndexedDb: boolean): Promise<PageReading> {
  const READ_LIMIT = 1024 * 1024;
  const MAX_KEYS = 2000;
  const MAX_RECORDS = 500;
  const MAX_DATABASES = 20;
  const URL_LIMIT = 8192;
  const g = globalThis as unknown as { __sessionPanelSeen?: { cookies: string | null; storages: Record<string, Map<string, number>>; idb: Map<string, number> } };
  const full = reset || !g.__sessionPanelSeen;
  if (full || !g.__sessionPanelSeen) g.__sessionPanelSeen = { cookies: null, storages: {}, idb: new Map() };
  const seen = g.__sessionPanelSeen;
  const problems: string[] = [];
  const hash = (text: string): number => {
    let h = 2166136261 ^ text.length;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    return h >>> 0;
  };
  const cut = (text: string): string => (text.length > READ_LIMIT ? text.slice(0, READ_LIMIT) : text);

  let cookies: string | null = null;
  try {
    const now = document.cookie;
    if (now !== seen.cookies) {
      seen.cookies = now;
      cookies = now;
    }
  } catch (error) {
    problems.push(`cookies: ${error instanceof Error ? error.message : String(error)}`);
  }

  const readStorage = (name: 'localStorage' | 'sessionStorage'): StorageDelta | null => {
    let storage: Storage;
    try {
      storage = name === 'localStorage' ? window.localStorage : window.sessionStorage;
    } catch (error) {
      problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
    const before = seen.storages[name] ?? new Map<string, number>();
    const after = new Map<string, number>();
    const changed: [string, string][] = [];
    const size = storage.length;
    for (let i = 0; i < size && i < MAX_KEYS; i++) {
      const key = storage.key(i);
      if (key === null) continue;
      const value = storage.getItem(key) ?? '';
      const h = hash(value);
      after.set(key, h);
      if (before.get(key) !== h) changed.push([key, cut(value)]);
    }
    const removed = [...before.keys()].filter((k) => !after.has(k));
    seen.storages[name] = after;
    return changed.length || removed.length || full ? { changed, removed, size } : null;
  };
  const local = readStorage('localStorage');
  const session = readStorage('sessionStorage');

  let indexedDB: PageReading['indexedDB'] = null;
  // A new document (or a reset) is read in full at once, IndexedDB included.
  if ((withIndexedDb || full) && typeof window.indexedDB?.databases === 'function') {
    const after = new Map<string, number>();
    const changed: [string, string][] = [];
    let records = 0;
    try {
      const databases = (await window.indexedDB.databases()).slice(0, MAX_DATABASES);
      for (const info of databases) {
        if (!info.name || records >= MAX_RECORDS) continue;
        // Open without a version: an existing database opens as it is, and is closed at once if the page upgrades it.
        const db = await new Promise<IDBDatabase | null>((resolve) => {
          const open = window.indexedDB.open(info.name as string);
          open.onsuccess = () => resolve(open.result);
          open.onerror = () => resolve(null);
          open.onblocked = () => resolve(null);
          open.onupgradeneeded = () => {
            // It did not exist after all (deleted meanwhile): do not leave an empty database behind.
            open.transaction?.abort();
          };
        });
        if (!db) continue;
        db.onversionchange = () => db.close();
        try {
          for (const storeName of Array.from(db.objectStoreNames)) {
            if (records >= MAX_RECORDS) break;
            const pairs = await new Promise<[IDBValidKey, unknown][]>((resolve) => {
              try {
                const store = db.transaction(storeName, 'readonly').objectStore(storeName);
                const keys = store.getAllKeys(null, MAX_RECORDS - records);
                const values = store.getAll(null, MAX_RECORDS - records);
                values.onsuccess = () => resolve((keys.result ?? []).map((k, i) => [k, values.result[i]]));
                values.onerror = () => resolve([]);
              } catch {
                resolve([]);
              }
            });
            for (const [key, value] of pairs) {
              records++;
              let json: string;
              try {
                json = JSON.stringify(value) ?? 'null';
              } catch {
                continue; // cyclic or not JSON-representable
              }
              const name = `${info.name}/${storeName}/${typeof key === 'string' ? key : JSON.stringify(key)}`;
              const h = hash(json);
              after.set(name, h);
              if (seen.idb.get(name) !== h) changed.push([name, cut(json)]);
            }
          }
        } finally {
          db.close();
        }
      }
    } catch (error) {
      problems.push(`indexedDB: ${error instanceof Error ? error.message : String(error)}`);
    }
    const removed = [...seen.idb.keys()].filter((k) => !after.has(k));
    seen.idb = after;
    indexedDB = changed.length || removed.length || full ? { changed, removed } : null;
  }
  const url = (location.href.split(/[?#]/, 1)[0] ?? '').slice(0, URL_LIMIT);
  return { full, at: Date.now(), url, origin: self.origin, cookies, localStorage: local, sessionStorage: session, indexedDB, problems };
}

/** Runs in the page (isolated world): deletes one cookie (every path and domain it may be set on) or storage entry. */
export function removeFromPage(source: string, key: string): boolean {
  if (source === 'localStorage') {
    window.localStorage.removeItem(key);
    return window.localStorage.getItem(key) === null;
  }
  if (source === 'sessionStorage') {
    window.sessionStorage.removeItem(key);
    return window.sessionStorage.getItem(key) === null;
  }
  if (source === 'cookie') {
    const parts = location.pathname.split('/');
    const paths = parts.map((_, i) => parts.slice(0, i + 1).join('/') || '/');
    const host = location.hostname.split('.');
    const domains = ['', ...host.map((_, i) => host.slice(i).join('.')).filter((d) => d.includes('.'))];
    for (const path of new Set(paths))
      for (const domain of domains) document.cookie = `${key}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=${path}${domain ? `; domain=${domain}` : ''}`;
    return !document.cookie.split(';').some((c) => c.trim().startsWith(`${key}=`));
  }
  return false;
}

/** Runs in the page's own world (MAIN): only whether the Synerise Web SDK's globals exist, nothing of their content. */
export function syneriseGlobals(): [boolean, boolean] {
  const has = (name: string): boolean => {
    try {
      return typeof (window as unknown as Record<string, unknown>)[name] !== 'undefined';
    } catch {
      return true; // a getter that throws: something is there
    }
  };
  return [has('SR'), has('SyneriseTC')];
}
