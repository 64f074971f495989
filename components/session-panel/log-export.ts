import type { SessionSnapshot } from '../../src/core/types.js';
import type { PanelLogEntry } from './log-store.js';

const JWT_PATTERN = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;

/**
 * The log export: the session's state and the log rows as JSON. Unless `includeTokens`, tokens are redacted twice
 * over: every `tokenString` field, and anything shaped like a JWT anywhere else (a token quoted in a message).
 */
export function logExportJson(snapshot: SessionSnapshot | null, entries: readonly PanelLogEntry[], at: number, includeTokens: boolean): string {
  const data = { exportedAt: new Date(at).toISOString(), session: snapshot, entries };
  const json = JSON.stringify(
    data,
    (key, value: unknown) => (!includeTokens && key === 'tokenString' && typeof value === 'string' ? '[redacted]' : value),
    2,
  );
  return includeTokens ? json : json.replace(JWT_PATTERN, '[redacted]');
}

/** Downloads `json` as session-log-<time>.json through a temporary link in `root` (the page's DOM is not touched). */
export function downloadLogExport(json: string, at: number, root: ParentNode): void {
  const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `session-log-${new Date(at).toISOString().replace(/[:.]/g, '-')}.json`;
  root.appendChild(a);
  a.click();
  a.remove();
  // Revoked a turn later rather than at once, so the download the click started can still read the URL.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
