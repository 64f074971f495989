import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { SessionSnapshot } from '../../src/core/types.js';
import type { ConnectionState, SessionSummary, SessionTransport, TransportUpdate } from '../../src/transport/types.js';
import { describeEvent } from '../../src/core/log-format.js';
import { LogStore, type LogKindFilter, type PanelLogEntry } from './log-store.js';

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
  /** Entries held back while the log is paused, per session (bounded by the log limit). */
  readonly held = new Map<string, PanelLogEntry[]>();
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

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly logLimit: () => number,
  ) {
    host.addController(this);
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
    this.#connect();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#disconnect();
  }

  /** The session `sessionId` names, else the first one offered; null while there is none. */
  selected(sessionId: string | null): SelectedSession | null {
    const summary = this.sessions.find((s) => s.id === sessionId) ?? this.sessions[0];
    if (!summary) return null;
    const entry = this.snapshots.get(summary.id);
    return { id: summary.id, snapshot: entry?.snapshot, receivedAt: entry?.receivedAt ?? 0 };
  }

  log(sessionId: string): LogStore {
    let store = this.logs.get(sessionId);
    if (!store) {
      store = this.#newStore();
      for (const e of this.#connectionLog) store.append(e);
      this.logs.set(sessionId, store);
    }
    return store;
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
      if (!held) this.held.set(sessionId, (held = []));
      held.push(entry);
      if (held.length > this.logLimit()) held.shift();
    } else this.log(sessionId).append(entry);
    this.host.requestUpdate();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) {
      for (const [id, entries] of this.held) for (const e of entries) this.log(id).append(e);
      this.held.clear();
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
    const store = new LogStore(this.logLimit());
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
          const entry: PanelLogEntry = { at: Date.now(), kind: 'connection', message: update.detail };
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
        for (const id of [...this.logs.keys()]) if (!ids.has(id)) this.logs.delete(id);
        break;
      }
      case 'snapshot':
        this.snapshots.set(update.sessionId, { snapshot: update.snapshot, receivedAt: Date.now() });
        break;
      case 'log': {
        // History replay on attach: the session's own log replaces what the panel had for it, except the
        // connection lines, which only the panel has; they are merged back in by time.
        const store = this.log(update.sessionId);
        const kept = [...store.all()].filter((e) => e.kind === 'connection');
        const rows: PanelLogEntry[] = [];
        let k = 0;
        for (const { seq: _seq, ...entry } of update.entries) {
          while (k < kept.length && kept[k]!.at <= entry.at) rows.push(kept[k++]!);
          rows.push(entry);
        }
        rows.push(...kept.slice(k));
        store.clear();
        // Relative times count from the earliest row, which the replay may have moved earlier.
        if (rows[0] && (store.origin === null || rows[0].at < store.origin)) store.origin = rows[0].at;
        for (const e of rows) store.append(e);
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
