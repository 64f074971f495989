import type { ReactiveControllerHost } from 'lit';
import type { SessionSnapshot } from '../../src/core/types.js';
import { readHistory } from './log-history.js';
import { LogStore, type PanelLogEntry } from './log-store.js';

/** An exported log loaded back to look at later: its rows in a store of their own, and the state it was exported with. */
export interface ImportedLog {
  readonly name: string;
  readonly exportedAt: string | null;
  readonly store: LogStore;
  readonly snapshot: SessionSnapshot | undefined;
}

export class LogImportError extends Error {
  override readonly name = 'LogImportError';
}

/** Largest export file read (an export of 100,000 rows is about 20 MB). */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

/**
 * Reads the JSON that Export JSON wrote (`{ exportedAt, session, entries }`). Rows that do not look like log rows are
 * left out and counted; a file that is not an export at all is a LogImportError with the reason, and nothing changes.
 */
export function parseLogExport(name: string, text: string, limit: number): { log: ImportedLog; skipped: number } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new LogImportError(`${name} is not JSON`);
  }
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { entries?: unknown }).entries)) {
    throw new LogImportError(`${name} is not a session log export (no "entries" list)`);
  }
  const d = data as { entries: unknown[]; exportedAt?: unknown; session?: unknown };
  const history = readHistory({ preserve: false, rows: d.entries.slice(-limit) });
  const rows: readonly PanelLogEntry[] = history?.rows ?? [];
  const store = new LogStore(Math.max(1, limit));
  for (const row of rows) store.append(row);
  const session = d.session;
  const snapshot = typeof session === 'object' && session !== null && typeof (session as { uuid?: unknown }).uuid === 'string' ? (session as SessionSnapshot) : undefined;
  return {
    log: { name, exportedAt: typeof d.exportedAt === 'string' ? d.exportedAt : null, store, snapshot },
    skipped: Math.min(d.entries.length, limit) - rows.length,
  };
}

/**
 * Import… in the toolbar: reads the chosen file, and while an export is shown it replaces the live log in the
 * timeline and the list (the live log keeps running underneath) until "Back to live log".
 */
export class LogImport {
  imported: ImportedLog | null = null;
  /** Why the last file could not be read, or how many of its rows were left out. */
  error = '';

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly limit: () => number,
    private readonly announce: (text: string) => void,
  ) {}

  open = (file: File): void => {
    if (file.size > MAX_IMPORT_BYTES) return this.#fail(`${file.name} is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB`);
    void file.text().then(
      (text) => {
        try {
          const { log, skipped } = parseLogExport(file.name, text, this.limit());
          this.imported = log;
          this.error = skipped ? `${skipped} rows of ${file.name} were not log rows and were left out` : '';
          this.announce(`Imported ${log.store.size} rows from ${file.name}`);
        } catch (error) {
          this.error = error instanceof LogImportError ? error.message : `${file.name} could not be read`;
        }
        this.host.requestUpdate();
      },
      () => this.#fail(`${file.name} could not be read`),
    );
  };

  back = (): void => {
    this.imported = null;
    this.host.requestUpdate();
  };

  #fail(message: string): void {
    this.error = message;
    this.host.requestUpdate();
  }
}
