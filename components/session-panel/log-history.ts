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

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const optional = (v: unknown, ok: (v: unknown) => boolean): boolean => v === undefined || ok(v);
const isErrorInfo = (v: unknown): boolean => {
  const e = v as Record<string, unknown> | null;
  return typeof e === 'object' && e !== null && finite(e.code) && typeof e.kind === 'string' && typeof e.message === 'string';
};
const isRequest = (v: unknown): boolean => {
  const r = v as Record<string, unknown> | null;
  return (
    typeof r === 'object' && r !== null && typeof r.operation === 'string' && typeof r.target === 'string' && typeof r.ok === 'boolean' &&
    finite(r.durationMs) && finite(r.attempt) && finite(r.at) && optional(r.status, finite) && optional(r.error, isErrorInfo) &&
    optional(r.note, (n) => typeof n === 'string')
  );
};
const isToken = (v: unknown): boolean => {
  const t = v as Record<string, unknown> | null;
  return t === null || (typeof t === 'object' && (t.rlm === 'client' || t.rlm === 'anonymous_client') && finite(t.receivedAt) && finite(t.expiresAt));
};
const isFacts = (v: unknown): boolean => {
  const f = v as Record<string, unknown> | null;
  if (typeof f !== 'object' || f === null) return false;
  const str = (x: unknown): boolean => typeof x === 'string';
  return (
    optional(f.uuid, str) && optional(f.previousUuid, str) && optional(f.token, isToken) &&
    optional(f.login, (l) => l === null || str(l)) && optional(f.request, isRequest)
  );
};

/**
 * A row as the panel writes them, checked to the last field the views read (the timeline draws facts, the requests
 * section lists them): a row edited into something else is left out rather than drawn as NaN or crash a view.
 */
function isRow(r: unknown): r is PanelLogEntry {
  if (typeof r !== 'object' || r === null) return false;
  const e = r as Record<string, unknown>;
  return (
    finite(e.at) && typeof e.kind === 'string' && KINDS.has(e.kind) && typeof e.message === 'string' &&
    optional(e.operation, (o) => typeof o === 'string') && optional(e.durationMs, finite) &&
    optional(e.outcome, (o) => o === 'ok' || o === 'error') && optional(e.error, isErrorInfo) && optional(e.facts, isFacts)
  );
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
