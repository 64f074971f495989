import type { PanelLogEntry } from './log-store.js';

/*
 * What the panel keeps is bounded in bytes, not only in rows (issue #9, item 1): a page may send rows as long as the
 * wire protocol allows, as fast as the extension's byte budgets let it, for as long as it likes. A row's size is the
 * length of its JSON text, the same measure as the transport's byte budgets (src/protocol/byte-budget.ts) and close to
 * what the row costs to keep. The oldest rows go first; how many went is counted and said in the log's heading.
 */

/** Most bytes one session's log (with what its timeline alone still holds) keeps. */
export const SESSION_LOG_BYTES = 8 * 1024 * 1024;
/** Most bytes all logs of one panel keep together (every session of every frame, and rows held while paused). */
export const PANEL_LOG_BYTES = 32 * 1024 * 1024;
/** Most bytes of rows carried to the next page (Preserve log, the history a second panel starts with). */
export const CARRIED_LOG_BYTES = 2 * 1024 * 1024;

/** Bytes of a row's JSON text (0 for one that has none: such a row cannot come from a transport). */
export function rowBytes(entry: PanelLogEntry): number {
  try {
    return JSON.stringify(entry)?.length ?? 0;
  } catch {
    return 0;
  }
}

/** The newest rows of `rows` whose bytes add up to at most `limit`, oldest first. */
export function newestWithin(rows: readonly PanelLogEntry[], limit: number): PanelLogEntry[] {
  let bytes = 0;
  let i = rows.length;
  while (i > 0) {
    const b = rowBytes(rows[i - 1]!);
    if (bytes + b > limit) break;
    bytes += b;
    i--;
  }
  return rows.slice(i);
}

/** "1.5 MiB", "312 KiB", "90 B": for the log's heading. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(bytes >= 10 * 1024 * 1024 ? 0 : 1)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} B`;
}
