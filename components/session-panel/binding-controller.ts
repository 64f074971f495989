import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { SessionSnapshot } from '../../src/core/types.js';
import type { ConnectionState, SessionSummary, SessionTransport, TransportUpdate } from '../../src/transport/types.js';
import { describeEvent } from '../../src/core/log-format.js';
import { LogStore, type PanelLogEntry } from './log-store.js';

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
    if (!store) this.logs.set(sessionId, (store = new LogStore(this.logLimit())));
    return store;
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

  /** Rebuilds every log with a new limit (keeps what fits). */
  resize(): void {
    for (const [id, old] of this.logs) {
      const store = new LogStore(this.logLimit());
      store.origin = old.origin;
      old.setFilter('', '');
      for (const e of old) store.append(e);
      this.logs.set(id, store);
    }
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
  }

  #onUpdate(update: TransportUpdate): void {
    switch (update.type) {
      case 'connection':
        if (update.state !== this.connection && this.sessions.length > 0 && update.detail) {
          for (const s of this.sessions) this.append(s.id, { at: Date.now(), kind: 'connection', message: update.detail });
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
        // History replay on attach: the session's own log replaces what the panel had for it.
        const store = this.log(update.sessionId);
        store.clear();
        for (const e of update.entries) {
          const { seq: _seq, ...entry } = e;
          store.append(entry);
        }
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
