import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { SessionSnapshot } from '../../src/core/types.js';
import type { ConnectionState, SessionSummary, SessionTransport, TransportUpdate } from '../../src/transport/types.js';
import { describeEvent } from '../../src/core/log-format.js';
import { LogStore, type LogKindFilter, type PanelLogEntry } from './log-store.js';
import { MAX_PRESERVED_ROWS, readHistory, type PanelHistory, type PanelHistoryStore } from './log-history.js';
import { CARRIED_LOG_BYTES, newestWithin, PANEL_LOG_BYTES, SESSION_LOG_BYTES } from './retention.js';

/** The line a preserved log gets where one page's rows end and the next page's begin. */
export const RELOAD_LINE = 'Page reloaded or navigated: the rows above are from before (Preserve log is on)';
/** How long row changes wait before the history is written (one write per burst). */
const SAVE_DELAY_MS = 1000;

/** A row's identity for merging the same history arriving twice (a replay of rows already shown live). */
const rowKey = (e: PanelLogEntry): string => `${e.at}|${e.kind}|${e.message}`;

/** Byte bounds of what the panel keeps (retention.ts); tests pass small ones. */
export interface RetentionLimits {
  /** Per session: its log with what its timeline still holds (and, separately, the rows held while paused). */
  readonly session: number;
  /** All logs and held rows of the panel together. */
  readonly panel: number;
}

/** The carried rows of a page that went away: the newest MAX_PRESERVED_ROWS within CARRIED_LOG_BYTES. */
const carried = (rows: readonly PanelLogEntry[]): PanelLogEntry[] => newestWithin(rows.slice(-MAX_PRESERVED_ROWS), CARRIED_LOG_BYTES);

/** The session the panel shows: its latest snapshot (if one arrived yet) and the local time it arrived. */
export interface SelectedSession {
  readonly id: string;
  readonly snapshot: SessionSnapshot | undefined;
  readonly receivedAt: number;
}

/**
 * Keeps the panel connected to a SessionTransport while the host is in the document: the sessions to pick from,
 * each one's latest snapshot (with the local time it arrived, for countdowns) and each one's bounded log.
 * Connects in hostConnected, stops in hostDisconnected (as @lit/context's consumer subscribes and unsubscribes).
 */
export class BindingController implements ReactiveController {
  sessions: readonly SessionSummary[] = [];
  connection: ConnectionState = 'connecting';
  connectionDetail = '';
  /** True once the transport sent its first list of sessions (before that: "connecting", not "looking"). */
  listed = false;
  readonly snapshots = new Map<string, { readonly snapshot: SessionSnapshot; readonly receivedAt: number }>();
  readonly logs = new Map<string, LogStore>();
  /** Entries held back while the log is paused, per session (bounded like a log: rows and bytes). */
  readonly held = new Map<string, LogStore>();
  paused = false;
  /**
   * Every connection line (a `connection` update with a detail), bounded by the log limit: each session's log gets
   * them, also a session that appears later, and they survive the session's history replay.
   */
  readonly #connectionLog: PanelLogEntry[] = [];
  /** The log filter, applied to every log, including those made later (a new session, a new log limit). */
  #filter: { readonly text: string; readonly kind: LogKindFilter } = { text: '', kind: '' };
  #transport: SessionTransport | null = null;
  #stop: (() => void) | null = null;
  #connected = false;
  /** "Preserve log": keep the rows of a page that went away in the next page's log (off by default, as in Network). */
  preserve = false;
  /**
   * Rows waiting for the next session's log: what the history store gave back at start, or the log of the session
   * that just went away. The same session again takes them as they are (a second panel on one page); another one
   * takes them only while Preserve log is on, after RELOAD_LINE.
   */
  #carry: { readonly sessionId: string | null; readonly rows: readonly PanelLogEntry[] } | null = null;
  /** The session whose log the panel shows (the history is written for it). */
  #shownId: string | null = null;
  #history: PanelHistoryStore | null = null;
  #historyLoaded = false;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly logLimit: () => number,
    /** Clock for the panel's own rows (connection and reload lines): the shown session's clock, so rows sort right. */
    private readonly now: () => number = Date.now,
    readonly limits: RetentionLimits = { session: SESSION_LOG_BYTES, panel: PANEL_LOG_BYTES },
  ) {
    host.addController(this);
  }

  /** Bytes every log and held row of this panel keep together (at most `limits.panel`). */
  retainedBytes(): number {
    let total = 0;
    for (const store of this.logs.values()) total += store.retainedBytes;
    for (const store of this.held.values()) total += store.retainedBytes;
    return total;
  }

  /**
   * Keeps the panel within `limits.panel`: the largest log (or held rows) lets its oldest row go, again until it
   * fits. A quiet session's short log is the last to lose anything while a flooding one is larger.
   */
  #withinPanelBudget(): void {
    let total = this.retainedBytes();
    while (total > this.limits.panel) {
      let largest: LogStore | null = null;
      for (const store of [...this.logs.values(), ...this.held.values()]) {
        if (store.size > 0 && (!largest || store.retainedBytes > largest.retainedBytes)) largest = store;
      }
      if (!largest) return;
      const before = largest.retainedBytes;
      largest.shed();
      total -= before - largest.retainedBytes;
    }
  }

  /** Where the log is kept between page loads (set before connecting; null: not kept). */
  useHistory(store: PanelHistoryStore | null): void {
    if (store === this.#history) return;
    this.#history = store;
    this.#historyLoaded = false;
    if (this.#connected) this.#loadHistory();
  }

  /** Ticks or unticks Preserve log; remembered in the history store (per browser or DevTools tab). */
  setPreserve(on: boolean): void {
    this.preserve = on;
    this.#saveSoon(0);
    this.host.requestUpdate();
  }

  /** Call on each render with the session shown: a newly shown session's log gets the carried rows. */
  show(sessionId: string | null): void {
    if (sessionId === this.#shownId) return;
    this.#shownId = sessionId;
    if (sessionId !== null) this.#applyCarry(sessionId);
    this.#saveSoon();
  }

  get transport(): SessionTransport | null {
    return this.#transport;
  }

  use(transport: SessionTransport | null): void {
    if (transport === this.#transport) return;
    this.#disconnect();
    this.#transport = transport;
    if (this.#connected) this.#connect();
  }

  hostConnected(): void {
    this.#connected = true;
    globalThis.addEventListener?.('pagehide', this.#flush);
    this.#loadHistory();
    this.#connect();
  }

  hostDisconnected(): void {
    this.#connected = false;
    globalThis.removeEventListener?.('pagehide', this.#flush);
    this.#flush();
    this.#disconnect();
  }

  /**
   * The session `sessionId` names, else the first one of the top page; null while there is none. A session of
   * another frame is never chosen by itself (only when the user picks it): an iframe can announce a look-alike of
   * the page's session while the page has none yet, and what the user types is meant for the page.
   */
  selected(sessionId: string | null): SelectedSession | null {
    const summary = this.sessions.find((s) => s.id === sessionId) ?? this.sessions.find((s) => s.frame === undefined);
    if (!summary) return null;
    const entry = this.snapshots.get(summary.id);
    return { id: summary.id, snapshot: entry?.snapshot, receivedAt: entry?.receivedAt ?? 0 };
  }

  log(sessionId: string): LogStore {
    let store = this.logs.get(sessionId);
    if (!store) {
      store = this.#newStore();
      this.logs.set(sessionId, store);
      this.#merge(store, this.#connectionLog);
    }
    return store;
  }

  /** Adds `rows` to `store` except those it already holds (counted, so two equal rows stay two), in time order. */
  #merge(store: LogStore, rows: readonly PanelLogEntry[]): void {
    if (rows.length === 0) return;
    const have = new Map<string, number>();
    for (const e of store.all()) have.set(rowKey(e), (have.get(rowKey(e)) ?? 0) + 1);
    for (const e of rows) {
      const k = rowKey(e);
      const n = have.get(k) ?? 0;
      if (n > 0) have.set(k, n - 1);
      else store.append(e);
    }
  }

  #loadHistory(): void {
    const store = this.#history;
    if (!store || this.#historyLoaded) return;
    void Promise.resolve()
      .then(() => store.load())
      .catch(() => null)
      .then((raw) => {
        if (store !== this.#history) return;
        this.#historyLoaded = true;
        const history = readHistory(raw);
        if (!history) return;
        this.preserve = history.preserve;
        this.#carry = { sessionId: history.sessionId, rows: history.rows };
        // The session's log may already be shown (the history answered late): its rows go in now, in time order.
        if (this.#shownId !== null) this.#applyCarry(this.#shownId);
        this.host.requestUpdate();
      });
  }

  /**
   * Gives the carried rows to the log of `sessionId`, now shown: as they are for the same session (a second panel on
   * one page), after RELOAD_LINE for another while Preserve log is on, or not at all (the new page starts afresh).
   */
  #applyCarry(sessionId: string): void {
    const carry = this.#carry;
    if (!carry) return;
    this.#carry = null;
    if (carry.sessionId !== sessionId && !this.preserve) return;
    const store = this.log(sessionId);
    const current = [...store.all()];
    store.clear();
    for (const e of carry.rows) store.append(e);
    if (carry.sessionId !== sessionId && carry.rows.length) {
      store.append({ at: Math.max(carry.rows.at(-1)!.at, current[0]?.at ?? this.now()), kind: 'connection', message: RELOAD_LINE });
    }
    this.#merge(store, current);
    this.#withinPanelBudget();
  }

  /** Writes the history after a burst of changes (or at once with 0). */
  #saveSoon(delay = SAVE_DELAY_MS): void {
    if (!this.#history || !this.#historyLoaded) return;
    if (delay === 0) return this.#flush();
    if (this.#saveTimer === undefined) this.#saveTimer = setTimeout(this.#flush, delay);
  }

  #flush = (): void => {
    clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    const store = this.#history;
    if (!store || !this.#historyLoaded) return;
    const shown = this.#shownId;
    const log = shown !== null ? this.logs.get(shown) : undefined;
    const rows = log ? carried([...log.all()]) : (this.#carry?.rows ?? []);
    const history: PanelHistory = { preserve: this.preserve, sessionId: log ? shown : (this.#carry?.sessionId ?? null), rows };
    try {
      void Promise.resolve(store.save(history)).catch(() => undefined);
    } catch {
      // A store that cannot write loses the history, never the panel.
    }
  };

  /** A session's log changed outside append (cleared): the kept history follows. */
  changed(sessionId: string): void {
    if (sessionId === this.#shownId) this.#saveSoon();
  }

  /** Filters every session's log, now and from now on. */
  setFilter(text: string, kind: LogKindFilter): void {
    this.#filter = { text, kind };
    for (const store of this.logs.values()) store.setFilter(text, kind);
    this.host.requestUpdate();
  }

  /** Adds a row to a session's log (or to what is held while paused). */
  append(sessionId: string, entry: PanelLogEntry): void {
    if (this.paused) {
      let held = this.held.get(sessionId);
      if (!held) this.held.set(sessionId, (held = new LogStore(this.logLimit(), this.limits.session)));
      held.append(entry);
    } else this.log(sessionId).append(entry);
    this.#withinPanelBudget();
    if (sessionId === this.#shownId) this.#saveSoon();
    this.host.requestUpdate();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) {
      for (const [id, held] of this.held) {
        const store = this.log(id);
        for (const e of held.all()) store.append(e);
      }
      this.held.clear();
      this.#withinPanelBudget();
    }
    this.host.requestUpdate();
  }

  /** Rebuilds every log with a new limit (keeps what fits, still filtered). */
  resize(): void {
    for (const [id, old] of this.logs) {
      const store = this.#newStore();
      store.origin = old.origin;
      for (const e of old.all()) store.append(e);
      this.logs.set(id, store);
    }
    this.#connectionLog.splice(0, Math.max(0, this.#connectionLog.length - this.logLimit()));
  }

  #newStore(): LogStore {
    const store = new LogStore(this.logLimit(), this.limits.session);
    if (this.#filter.text || this.#filter.kind) store.setFilter(this.#filter.text, this.#filter.kind);
    return store;
  }

  #connect(): void {
    if (!this.#transport || this.#stop) return;
    this.connection = 'connecting';
    this.listed = false;
    this.#stop = this.#transport.connect((update) => this.#onUpdate(update));
  }

  #disconnect(): void {
    clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    this.#stop?.();
    this.#stop = null;
    this.sessions = [];
    this.listed = false;
    this.snapshots.clear();
    this.logs.clear();
    this.held.clear();
    this.#connectionLog.length = 0;
  }

  #onUpdate(update: TransportUpdate): void {
    switch (update.type) {
      case 'connection':
        if (update.detail) {
          // Every one, whether or not the state changed or a session is listed yet (later logs start with them).
          const entry: PanelLogEntry = { at: this.now(), kind: 'connection', message: update.detail };
          this.#connectionLog.push(entry);
          if (this.#connectionLog.length > this.logLimit()) this.#connectionLog.shift();
          for (const id of this.logs.keys()) this.append(id, entry);
        }
        this.connection = update.state;
        this.connectionDetail = update.detail ?? '';
        break;
      case 'sessions': {
        this.sessions = update.sessions;
        this.listed = true;
        this.connection = 'connected';
        const ids = new Set(update.sessions.map((s) => s.id));
        for (const id of [...this.snapshots.keys()]) if (!ids.has(id)) this.snapshots.delete(id);
        // What a session's document took with it is released with it: rows held while paused too.
        for (const id of [...this.held.keys()]) if (!ids.has(id)) this.held.delete(id);
        for (const id of [...this.logs.keys()]) {
          if (ids.has(id)) continue;
          // The page went away with the session shown: its rows wait for the next page's session (Preserve log).
          if (id === this.#shownId) {
            this.#carry = { sessionId: id, rows: carried([...this.logs.get(id)!.all()]) };
            this.#shownId = null;
          }
          this.logs.delete(id);
        }
        break;
      }
      case 'snapshot':
        this.snapshots.set(update.sessionId, { snapshot: update.snapshot, receivedAt: Date.now() });
        break;
      case 'log': {
        // History replay on attach: merged into what the panel has (rows it showed live are not repeated; the
        // connection lines and rows preserved from earlier pages, which only the panel has, stay), in time order.
        const store = this.log(update.sessionId);
        this.#merge(store, update.entries.map(({ seq: _seq, ...entry }) => entry));
        this.#withinPanelBudget();
        if (update.sessionId === this.#shownId) this.#saveSoon();
        break;
      }
      case 'events':
        for (const event of update.events) {
          // The same wording as the session's own log, so replayed and live rows read alike.
          const entry = describeEvent(event);
          if (entry) this.append(update.sessionId, entry);
        }
        break;
    }
    this.host.requestUpdate();
  }
}
