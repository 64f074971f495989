import type { PanelLogEntry } from './log-store.js';

/**
 * Where the panel keeps its log between page loads, per browser tab: the "Preserve log" choice, and the rows it
 * showed (bounded), with the session they ended with. The embedded element keeps it in sessionStorage (per tab,
 * gone with the tab); the DevTools extension hands the element a store over chrome.storage.session keyed by the
 * inspected tab, so it survives the inspected page's reloads, a second DevTools panel on the tab gets the same
 * history, and nothing lives in the service worker's memory.
 */
export interface PanelHistory {
  readonly preserve: boolean;
  /** The session the rows ended with: the same one again means a second panel on the same page, not a reload. */
  readonly sessionId: string | null;
  readonly rows: readonly PanelLogEntry[];
}

export interface PanelHistoryStore {
  load(): Promise<unknown>;
  save(history: PanelHistory): Promise<void> | void;
}

/** Most rows kept between loads: enough for a long debugging run, small enough to write every second. */
export const MAX_PRESERVED_ROWS = 5000;
const KINDS = new Set(['operation', 'event', 'error', 'request', 'storage', 'connection']);

/**
 * What a store gave back, checked field by field: it was written by some version of the panel, and storage can be
 * edited by hand. Rows that do not look like log rows are left out; anything else unreadable means no history.
 */
export function readHistory(value: unknown): PanelHistory | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.preserve !== 'boolean' || !Array.isArray(v.rows)) return null;
  const sessionId = typeof v.sessionId === 'string' ? v.sessionId : null;
  const rows: PanelLogEntry[] = [];
  for (const r of v.rows.slice(-MAX_PRESERVED_ROWS)) {
    if (isRow(r)) rows.push(r);
  }
  return { preserve: v.preserve, sessionId, rows };
}

function isRow(r: unknown): r is PanelLogEntry {
  if (typeof r !== 'object' || r === null) return false;
  const e = r as Record<string, unknown>;
  return typeof e.at === 'number' && Number.isFinite(e.at) && typeof e.kind === 'string' && KINDS.has(e.kind) && typeof e.message === 'string';
}

/** The embedded element's store: sessionStorage of the page, one key; unavailable storage just remembers nothing. */
export function sessionStorageHistory(key = 'session-panel:log-history'): PanelHistoryStore {
  return {
    load: async () => {
      try {
        const raw = globalThis.sessionStorage?.getItem(key);
        return raw ? (JSON.parse(raw) as unknown) : null;
      } catch {
        return null;
      }
    },
    save: (history) => {
      try {
        globalThis.sessionStorage?.setItem(key, JSON.stringify(history));
      } catch {
        // Full or unavailable (private mode): the history is simply not kept.
      }
    },
  };
}
