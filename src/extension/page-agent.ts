import type { SessionHook } from '../core/hook.js';
import type { Session, SessionEvent } from '../core/types.js';
import { executeCommand } from '../protocol/commands.js';
import {
  DropCounter,
  LIMITS,
  LINK_ERRORS,
  makePageMessage,
  parseBridgeMessage,
  parsePageUpdate,
  type CommandBody,
  type PageMessage,
  type PageUpdate,
  type WireResult,
} from '../protocol/messages.js';
import { INVALID, safeParse } from '../protocol/schema.js';
import { MAX_MESSAGE_BYTES, messageBytes } from '../protocol/byte-budget.js';
import type { LogEntry } from '../core/types.js';
import type { SessionSummary } from '../transport/types.js';

/**
 * The MAIN-world agent's logic: reads the page hook (spec §4), streams state to the bridge while a panel is
 * attached, and runs the panel's commands in the page's own core (executeCommand). Free of window globals so it
 * runs under test with a real core.
 *
 * Streaming is pushed and coalesced: events and "this session changed" marks collect in bounded buffers and go out
 * at most once per `minIntervalMs` (the first change after a quiet spell goes out at once, in a microtask). Each
 * flush sends the events (the newest LIMITS.eventsPerBatch) and then one snapshot per changed session, so a burst of
 * any size ends on the final state and no queue grows without bound.
 */

export interface PageAgentOptions {
  /** The page hook, or how to get it: called on the first attach or command only, so a page nobody inspects is untouched. */
  readonly hook: SessionHook | (() => SessionHook);
  readonly post: (message: PageMessage) => void;
  readonly minIntervalMs?: number;
  readonly now?: () => number;
}

export interface PageAgent {
  /** A window message's data, already checked to come from this window. */
  onMessage(data: unknown): void;
  readonly dropped: DropCounter;
  /** Events left out of batches because a burst overflowed the buffer. */
  eventsOverflowed(): number;
  flushes(): number;
  isAttached(): boolean;
  dispose(): void;
}

interface Watched {
  readonly session: Session;
  readonly unsubscribe: () => void;
  events: SessionEvent[];
  /** Events left out of the next batch because a burst overflowed it (said in a note at the batch's head). */
  skipped: number;
}

/** After a count: the note heading a batch that a burst overflowed. */
export const SKIPPED_NOTE = 'earlier events left out by the DevTools extension (burst); the snapshot is current';
/** After a count: the note heading a log replay cut to the message byte limit. */
export const LOG_CUT_NOTE = 'earlier log entries left out by the DevTools extension: the history is larger than its 1 MiB message limit (the newest entries are shown)';
/** Room kept under MAX_MESSAGE_BYTES for the message's envelope and the note. */
const LOG_ENVELOPE_BYTES = 1024;

/**
 * The newest entries of a log replay whose message fits MAX_MESSAGE_BYTES, headed by a note saying how many older
 * ones were left out (a message over the limit is dropped whole by the bridge and the worker). `entries` as given
 * when it fits.
 */
export function fitLogReplay(entries: readonly LogEntry[]): readonly LogEntry[] {
  const sizes = entries.map((e) => messageBytes(e) + 1); // + the comma between items
  const total = sizes.reduce((n, b) => n + b, 0);
  if (total + LOG_ENVELOPE_BYTES <= MAX_MESSAGE_BYTES) return entries;
  let bytes = 0;
  let first = entries.length;
  while (first > 0 && bytes + sizes[first - 1]! + LOG_ENVELOPE_BYTES <= MAX_MESSAGE_BYTES) bytes += sizes[--first]!;
  const kept = entries.slice(first);
  const head = kept[0] ?? entries[entries.length - 1]!;
  const note: LogEntry = { seq: head.seq - 1, at: head.at, kind: 'event', message: `${first} ${LOG_CUT_NOTE}` };
  return [note, ...kept];
}

/** Room kept under MAX_MESSAGE_BYTES for a batch message's envelope. */
const BATCH_ENVELOPE_BYTES = 256;

/**
 * Splits a flush's updates, in order, into batches that each fit one message: at most LIMITS.batch updates and
 * MAX_MESSAGE_BYTES of JSON with the envelope (the bridge and the worker drop a larger message whole). An update too
 * large on its own goes alone (and is dropped as too large, as it would be anyway).
 */
export function packBatches(updates: readonly PageUpdate[], maxBytes = MAX_MESSAGE_BYTES): PageUpdate[][] {
  const out: PageUpdate[][] = [];
  let current: PageUpdate[] = [];
  let bytes = 0;
  for (const u of updates) {
    const b = messageBytes(u) + 1; // + the comma between items
    if (current.length > 0 && (current.length >= LIMITS.batch || bytes + b + BATCH_ENVELOPE_BYTES > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(u);
    bytes += b;
  }
  if (current.length) out.push(current);
  return out;
}

/** After a count: the note heading a batch from which events outside the wire protocol were left out. */
export const DROPPED_NOTE = 'events left out by the DevTools extension (outside the wire protocol); the snapshot is current';

export function createPageAgent(options: PageAgentOptions): PageAgent {
  let resolved: SessionHook | null = null;
  const hookOf = (): SessionHook => (resolved ??= typeof options.hook === 'function' ? options.hook() : options.hook);
  const minInterval = options.minIntervalMs ?? 16;
  const now = options.now ?? (() => performance.now());
  const dropped = new DropCounter();
  const watched = new Map<string, Watched>();
  const dirty = new Set<string>();
  let sessionsDirty = false;
  let attached = false;
  let unhook: (() => void) | null = null;
  let scheduled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastFlush = -Infinity;
  let overflowed = 0;
  let flushCount = 0;

  const post = (message: PageMessage): void => {
    try {
      options.post(message);
    } catch {
      dropped.drop('uncloneable'); // a session handed us something postMessage cannot copy
    }
  };
  /**
   * Fits an update to the schema the bridge checks, then sends it: strings over their limit are cut (ending in "…"),
   * list items outside the schema are left out one by one, each counted in `dropped` (string-cut, array-item, …), so
   * one odd event or log line cannot hold back the rest. Only an update whose own fields are outside the schema
   * (a snapshot without a uuid, say) is dropped whole (outgoing-schema). What is sent passes the strict parser.
   */
  const sendUpdate = (update: PageUpdate): void => {
    const fitted = fitUpdate(update);
    if (fitted) post(makePageMessage('update', { update: fitted }));
  };
  /** The update as sendUpdate would send it (fitted to the schema), or null when it is dropped whole (counted). */
  const fitUpdate = (update: PageUpdate): PageUpdate | null => {
    let fitted = safeParse(parsePageUpdate, update, dropped);
    if (
      fitted !== INVALID &&
      fitted.type === 'events' &&
      update.type === 'events' &&
      fitted.events.length < Math.min(update.events.length, LIMITS.eventsPerBatch)
    ) {
      // Said in the panel's log too (there is room: a batch with a left-out event is under the limit).
      const left = update.events.length - fitted.events.length;
      const at = fitted.events[0]?.at ?? Date.now();
      fitted = { ...fitted, events: [{ type: 'state', at, what: `${left} ${DROPPED_NOTE}` }, ...fitted.events] };
    }
    if (fitted === INVALID) {
      dropped.drop('outgoing-schema');
      return null;
    }
    if (fitted.type === 'log') {
      const entries = fitLogReplay(fitted.entries);
      if (entries !== fitted.entries) {
        dropped.drop('log-cut', fitted.entries.length - (entries.length - 1));
        fitted = { ...fitted, entries: [...entries] };
      }
    }
    return fitted;
  };
  /** A flush's updates, fitted, in order: sent as few messages as the byte and count limits allow (packBatches). */
  const sendBatch = (list: readonly PageUpdate[]): void => {
    const fitted = list.map(fitUpdate).filter((u): u is PageUpdate => u !== null);
    for (const batch of packBatches(fitted)) {
      post(batch.length === 1 ? makePageMessage('update', { update: batch[0]! }) : makePageMessage('updates', { updates: batch }));
    }
  };

  const summary = (s: Session): SessionSummary | null => {
    try {
      const snap = s.snapshot();
      return { id: s.id, namespace: snap.namespace, uuid: snap.uuid };
    } catch {
      return null;
    }
  };

  const sessionsUpdate = (): PageUpdate => {
    const sessions: SessionSummary[] = [];
    for (const w of watched.values()) {
      const s = summary(w.session);
      if (s) sessions.push(s);
    }
    return { type: 'sessions', sessions: sessions.slice(0, LIMITS.sessions) };
  };
  const sendSessions = (): void => sendUpdate(sessionsUpdate());
  const snapshotUpdate = (w: Watched): PageUpdate | null => {
    try {
      return { type: 'snapshot', sessionId: w.session.id, snapshot: w.session.snapshot() };
    } catch {
      dropped.drop('snapshot-threw');
      return null;
    }
  };
  const sendSnapshot = (w: Watched): void => {
    const u = snapshotUpdate(w);
    if (u) sendUpdate(u);
  };
  const sendLog = (w: Watched): void => {
    try {
      sendUpdate({ type: 'log', sessionId: w.session.id, entries: w.session.log().slice(-LIMITS.logEntries) });
    } catch {
      dropped.drop('log-threw');
    }
  };

  const flush = (): void => {
    scheduled = false;
    timer = undefined;
    if (!attached) return;
    lastFlush = now();
    flushCount++;
    // One batch per flush (in this order), so a page change is one message on every hop, not one per update.
    const batch: PageUpdate[] = [];
    if (sessionsDirty) {
      sessionsDirty = false;
      batch.push(sessionsUpdate());
    }
    for (const id of [...dirty]) {
      dirty.delete(id);
      const w = watched.get(id);
      if (!w) continue;
      if (w.events.length) {
        const events = w.events;
        w.events = [];
        if (w.skipped > 0) {
          events.unshift({ type: 'state', at: events[0]!.at, what: `${w.skipped} ${SKIPPED_NOTE}` });
          w.skipped = 0;
        }
        batch.push({ type: 'events', sessionId: id, events });
      }
      const snap = snapshotUpdate(w);
      if (snap) batch.push(snap);
    }
    sendBatch(batch);
  };

  const schedule = (): void => {
    if (scheduled || !attached) return;
    scheduled = true;
    const wait = lastFlush + minInterval - now();
    if (wait <= 0) queueMicrotask(flush);
    else timer = setTimeout(flush, wait);
  };

  const onEvent = (w: Watched, event: SessionEvent): void => {
    w.events.push(event);
    // One slot stays free for the note that says how many were left out.
    const excess = w.events.length - (LIMITS.eventsPerBatch - 1);
    if (excess > 0) {
      w.events.splice(0, excess);
      w.skipped += excess;
      overflowed += excess;
    }
    if (event.type === 'uuid-changed' || event.type === 'disposed') sessionsDirty = true;
    dirty.add(w.session.id);
    schedule();
  };

  /** Follows the hook's list. With `announce`, the new list goes out at once, then each new session's state. */
  const sync = (list: readonly Session[], announce: boolean): void => {
    const ids = new Set(list.map((s) => s.id));
    for (const [id, w] of watched) {
      if (ids.has(id)) continue;
      w.unsubscribe();
      watched.delete(id);
      dirty.delete(id);
    }
    const fresh: Watched[] = [];
    for (const session of list) {
      if (watched.has(session.id)) continue;
      const w: Watched = { session, unsubscribe: () => {}, events: [], skipped: 0 };
      try {
        (w as { unsubscribe: () => void }).unsubscribe = session.subscribe((event) => onEvent(w, event));
      } catch {
        dropped.drop('subscribe-threw');
        continue;
      }
      watched.set(session.id, w);
      fresh.push(w);
    }
    if (!announce || !attached) return;
    sessionsDirty = false;
    sendSessions();
    for (const w of fresh) {
      sendSnapshot(w);
      sendLog(w);
    }
  };

  const attach = (): void => {
    const first = !attached;
    attached = true;
    const hook = hookOf();
    if (first) unhook = hook.subscribe((list) => sync(list, true));
    sync(hook.list(), false);
    // A (re)attaching panel gets the whole picture: list, then each session's state and log so far.
    sessionsDirty = false;
    sendSessions();
    for (const w of watched.values()) {
      w.events = [];
      w.skipped = 0;
      sendSnapshot(w);
      sendLog(w);
    }
  };

  const detach = (): void => {
    attached = false;
    unhook?.();
    unhook = null;
    for (const w of watched.values()) w.unsubscribe();
    watched.clear();
    dirty.clear();
    clearTimeout(timer);
    scheduled = false;
  };

  const run = async (body: CommandBody): Promise<void> => {
    const session = hookOf().get(body.sessionId);
    const result: WireResult = session
      ? ((await executeCommand(session, body.command, body.args)) as WireResult)
      : { ok: false, error: LINK_ERRORS.unknownSession(body.sessionId) };
    post(makePageMessage('result', { id: body.id, result }));
  };

  return {
    dropped,
    eventsOverflowed: () => overflowed,
    flushes: () => flushCount,
    isAttached: () => attached,
    onMessage(data) {
      const msg = parseBridgeMessage(data);
      if (!msg) return dropped.drop('bridge-schema');
      if (msg.kind === 'attach') attach();
      else if (msg.kind === 'detach') detach();
      else void run(msg);
    },
    dispose: detach,
  };
}
