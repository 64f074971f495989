import type { SessionSnapshot } from '../core/types.js';
import type { CommandArgs, CommandName, CommandResult } from '../protocol/commands.js';
import {
  DropCounter,
  LINK_ERRORS,
  makePortMessage,
  panelPortName,
  parseWorkerToPanel,
  resultFits,
  type FrameInfo,
  type PageUpdate,
  type PanelToWorker,
  type TabId,
  type WorkerToPanel,
} from '../protocol/messages.js';
import { messageBytes } from '../protocol/byte-budget.js';
import { hopNow, stampHop } from '../protocol/hop-probe.js';
import { framesNotFollowedLine } from '../protocol/frame-cap.js';
import type { PortConnector, PortLike } from './port-like.js';
import type {
  ConnectionState,
  RequestOptions,
  SessionSummary,
  SessionTransport,
  TransportListener,
  TransportUpdate,
} from './types.js';

/**
 * The SessionTransport of the DevTools panel: a port named after the inspected tab, to the service worker, which
 * routes to the page's bridge. The worker may be stopped at any time; this side owns everything that must survive
 * that: it reconnects with bounded backoff, keeps every unanswered request and sends it again after reconnecting
 * (the bridge answers a repeated id from its cache instead of running the command twice), and times requests out.
 */

export interface PortTransportOptions {
  readonly tabId: TabId;
  readonly connect: PortConnector;
  /** Per-request timeout when the caller gives none. */
  readonly timeoutMs?: number;
  /** Delays before reconnect attempts; the last one repeats. */
  readonly backoffMs?: readonly number[];
  /** How long frames missing from a fresh worker's welcome may take to come back before they are dropped. */
  readonly frameGraceMs?: number;
  /** Random request ids. */
  readonly newId?: () => string;
  /** Most bytes of one frame's snapshots kept (default FRAME_SNAPSHOT_BYTES). */
  readonly frameSnapshotBytes?: number;
}

export interface PortTransport extends SessionTransport {
  readonly kind: 'port';
  /** Messages from the worker that were outside the schema, by reason. */
  readonly dropped: DropCounter;
  /** Requests sent and not answered yet. */
  pendingCount(): number;
  /** Current link state. */
  state(): ConnectionState;
  /** How many times a worker has welcomed this transport (1 + reconnections after worker restarts). */
  connections(): number;
  /** Stops for good: closes the port, fails pending requests. */
  close(): void;
}

interface Pending {
  readonly command: CommandName;
  readonly message: PanelToWorker;
  readonly resolve: (result: CommandResult<CommandName>) => void;
  readonly cleanup: () => void;
}

interface Frame {
  url: string;
  /** The frame's document, as the worker records it: commands are bound to it. */
  documentId: string;
  /** Its origin from the browser's record (`null` when opaque). */
  origin: string;
  /** The sessions this frame announced, with the page's own ids. */
  sessions: readonly SessionSummary[];
  /** Updates of this document dropped by the byte bounds so far, as the worker last reported. */
  drops: number;
  /** Bytes (JSON) of the latest snapshot of each of its sessions, which the panel keeps: at most FRAME_SNAPSHOT_BYTES. */
  readonly snapshotBytes: Map<string, number>;
  /** Snapshots of this frame left out because its sessions together were over FRAME_SNAPSHOT_BYTES. */
  snapshotsLeftOut: number;
  /** When that was last said in the log (at most once a second, as the byte bounds' drops). */
  snapshotsSaidAt: number;
  /** False after a worker restart until the frame's bridge shows up again. */
  confirmed: boolean;
}

/** Where a session the viewer knows by its transport id lives: its frame, and its id in that frame's page. */
interface SessionRef {
  readonly frameId: number;
  readonly documentId: string;
  readonly sessionId: string;
}

/**
 * The id the viewer knows a session by: frame and page session id together. A page (or an iframe of another origin)
 * picks its session ids itself, so the same id in two frames must stay two sessions: an iframe announcing the top
 * page's id neither replaces its state nor receives its commands. Frame ids are digits, so the first ':' splits.
 */
export function transportSessionId(frameId: number, sessionId: string): string {
  return `${frameId}:${sessionId}`;
}

/**
 * What the picker shows for a session outside the top frame: the frame's origin as the browser records it (the
 * bridge port's sender), never its URL: a sandboxed frame's URL names the embedding site, its origin is opaque.
 */
export function frameLabel(origin: string): string {
  if (origin === 'null') return 'sandboxed frame (opaque origin)';
  try {
    const u = new URL(origin);
    return u.origin !== 'null' && u.origin === origin ? u.origin : 'a frame of unknown origin';
  } catch {
    return 'a frame of unknown origin';
  }
}

/**
 * Most bytes (JSON) of the latest snapshots of one frame's sessions the panel keeps. An ordinary snapshot is a few KB
 * (64 sessions of them fit many times over); a frame whose sessions together go over it gets no further snapshot kept
 * (the one it had stays), counted and said in the log.
 */
export const FRAME_SNAPSHOT_BYTES = 2 * 1024 * 1024;

/** The line the panel shows when a frame's snapshots went over FRAME_SNAPSHOT_BYTES. */
export function snapshotsLeftOutLine(count: number, frame: string, limit = FRAME_SNAPSHOT_BYTES): string {
  return `Left out ${count} snapshot${count === 1 ? '' : 's'} from ${frame}: its sessions together are over the panel's ${formatLimit(limit)} per frame (the sessions shown may be out of date)`;
}

const formatLimit = (bytes: number): string => (bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${Math.round(bytes / 1024)} KiB`);

/** The one line the panel shows about updates the byte bounds dropped. */
export function droppedLine(total: number): string {
  return `Dropped ${total} update${total === 1 ? '' : 's'} from this page: it sent more than the extension's byte limits allow (the latest state is still shown)`;
}

const DEFAULT_BACKOFF = [0, 50, 100, 200, 400, 800, 1600, 3000] as const;
const RECONNECTED = 'Reconnected to the extension service worker after it stopped';

function randomId(): string {
  return globalThis.crypto.randomUUID().replace(/-/g, '');
}

export function createPortTransport(options: PortTransportOptions): PortTransport {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const backoff = options.backoffMs && options.backoffMs.length > 0 ? options.backoffMs : DEFAULT_BACKOFF;
  const frameGraceMs = options.frameGraceMs ?? 3000;
  const newId = options.newId ?? randomId;
  const frameSnapshotBytes = options.frameSnapshotBytes ?? FRAME_SNAPSHOT_BYTES;
  const dropped = new DropCounter();

  const listeners = new Set<TransportListener>();
  const pending = new Map<string, Pending>();
  const frames = new Map<number, Frame>();
  /** Transport session id → frame and page session id. */
  const sessionRefs = new Map<string, SessionRef>();
  /** Latest snapshot per transport session id. */
  const snapshots = new Map<string, SessionSnapshot>();

  let port: PortLike | null = null;
  let link: ConnectionState = 'disconnected';
  let attempt = 0;
  let everConnected = false;
  let welcomes = 0;
  let pageGone = false;
  let announcement: string | null = null;
  /** Frames of the tab the worker said it does not follow (the frame limit), as last said in the log. */
  let unfollowed = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let sweepTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const emit = (update: TransportUpdate): void => {
    for (const l of [...listeners]) {
      try {
        l(update);
      } catch {
        // A broken viewer must not break the link.
      }
    }
  };
  const setLink = (state: ConnectionState, detail?: string): void => {
    link = state;
    emit(detail === undefined ? { type: 'connection', state } : { type: 'connection', state, detail });
  };

  const sessionList = (): SessionSummary[] => {
    const out: SessionSummary[] = [];
    const seen = new Set<string>();
    const ids = [...frames.keys()].sort((a, b) => a - b);
    for (const frameId of ids) {
      const frame = frames.get(frameId)!;
      for (const s of frame.sessions) {
        const id = transportSessionId(frameId, s.id);
        if (seen.has(id)) continue; // a page listing one id twice
        seen.add(id);
        const { frame: _ignored, crossOrigin: _also, ...rest } = s; // where a session lives is the worker's word, never the page's
        const top = frames.get(0)?.origin;
        const crossOrigin = frame.origin === 'null' || top === undefined || top === 'null' || frame.origin !== top;
        out.push(frameId === 0 ? { ...rest, id } : { ...rest, id, frame: frameLabel(frame.origin), crossOrigin });
      }
    }
    return out;
  };
  const emitSessions = (): void => {
    sessionRefs.clear();
    for (const [frameId, frame] of frames) {
      for (const s of frame.sessions) {
        sessionRefs.set(transportSessionId(frameId, s.id), { frameId, documentId: frame.documentId, sessionId: s.id });
      }
    }
    for (const id of [...snapshots.keys()]) if (!sessionRefs.has(id)) snapshots.delete(id);
    emit({ type: 'sessions', sessions: sessionList() });
  };

  const removeFrame = (frameId: number): void => {
    if (!frames.delete(frameId)) return;
    // Requests aimed at a page that went away cannot be answered by it any more.
    for (const [id, p] of pending) if (p.message.frameId === frameId) settle(id, { ok: false, error: LINK_ERRORS.noPage() });
    emitSessions();
  };

  /** Puts a pending line about the link into the viewer's log, right after a session's history replay. */
  const announce = (): void => {
    const detail = announcement;
    if (detail === null) return;
    announcement = null;
    setLink('connected', detail);
  };

  const settle = (id: string, result: CommandResult<CommandName>): void => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    p.cleanup();
    p.resolve(result);
  };

  const send = (message: PanelToWorker): boolean => {
    if (!port || link !== 'connected') return false;
    try {
      port.postMessage(message);
      return true;
    } catch {
      return false; // The port died under us; onDisconnect follows and the request is sent again on reconnect.
    }
  };

  const onMessage = (raw: unknown): void => {
    const arrived = hopNow();
    const msg = parseWorkerToPanel(raw);
    if (!msg) {
      dropped.drop('schema');
      return;
    }
    handle(msg, arrived);
  };

  /** One page update of a frame (alone, or an item of a batch, in order). */
  const onUpdate = (frameId: number, u: PageUpdate, arrived?: number): void => {
    const frame = frames.get(frameId);
    if (!frame) {
      dropped.drop('unknown-frame'); // the worker announces every frame before its updates
      return;
    }
    frame.confirmed = true;
    stampHop('panel-in', u, arrived);
    if (u.type === 'sessions') {
      frame.sessions = u.sessions;
      for (const id of [...frame.snapshotBytes.keys()]) if (!u.sessions.some((x) => x.id === id)) frame.snapshotBytes.delete(id);
      emitSessions();
      return;
    }
    // Updates for sessions this frame did not announce are outside what the panel asked for (another frame's
    // session of the same id included: each frame speaks only for its own sessions).
    if (!frame.sessions.some((s) => s.id === u.sessionId)) {
      dropped.drop('unknown-session');
      return;
    }
    const sessionId = transportSessionId(frameId, u.sessionId);
    if (u.type === 'snapshot') {
      // What the panel keeps of a frame's sessions is bounded in bytes too (issue #9): the snapshots together.
      const bytes = messageBytes(u.snapshot);
      const others = [...frame.snapshotBytes].reduce((n, [id, b]) => (id === u.sessionId ? n : n + b), 0);
      if (others + bytes > frameSnapshotBytes) {
        frame.snapshotsLeftOut++;
        dropped.drop('frame-snapshot-bytes');
        const now = Date.now();
        if (link !== 'connected' || now - frame.snapshotsSaidAt < 1000) return;
        frame.snapshotsSaidAt = now;
        setLink('connected', snapshotsLeftOutLine(frame.snapshotsLeftOut, frameId === 0 ? 'the page' : frameLabel(frame.origin), frameSnapshotBytes));
        return;
      }
      frame.snapshotBytes.set(u.sessionId, bytes);
      snapshots.set(sessionId, u.snapshot);
    }
    emit({ ...u, sessionId });
    if (u.type === 'log' && announcement !== null) announce();
  };

  const handle = (msg: WorkerToPanel, arrived?: number): void => {
    switch (msg.kind) {
      case 'welcome': {
        attempt = 0;
        welcomes++;
        const restart = everConnected;
        everConnected = true;
        for (const f of msg.frames) upsertFrame(f, true);
        if (restart) {
          // A fresh worker: frames it does not know yet get a grace period to reconnect their bridges.
          for (const [id, frame] of frames) if (!msg.frames.some((f) => f.frameId === id)) frame.confirmed = false;
          clearTimeout(sweepTimer);
          sweepTimer = setTimeout(() => {
            for (const [id, frame] of [...frames]) if (!frame.confirmed) removeFrame(id);
            // No history came back in time (no session on the page): a late line would only confuse.
            if (announcement === RECONNECTED) announcement = null;
          }, frameGraceMs);
        }
        if (restart) {
          // Said once the page's history is replayed (the replay would otherwise wipe the line from the log).
          announcement = RECONNECTED;
          setLink('connected');
        } else setLink('connected', 'Connected to the inspected page');
        for (const p of pending.values()) send(p.message);
        return;
      }
      case 'frame': {
        if (msg.state === 'attached') {
          const known = frames.get(msg.frameId);
          upsertFrame(msg, true);
          if (msg.frameId === 0 && pageGone) {
            pageGone = false;
            // Said once the new page's history is in (its log replay would otherwise wipe the line).
            announcement = `Reattached to the page after reload or navigation: ${msg.url}`;
            setLink('connected');
          } else if (!known) emitSessions();
        } else if (msg.frameId === 0) {
          pageGone = true;
          setLink('connecting', 'The page is reloading or navigating; waiting for it');
          for (const id of [...frames.keys()]) removeFrame(id);
        } else removeFrame(msg.frameId);
        return;
      }
      case 'update':
        return onUpdate(msg.frameId, msg.update, arrived);
      case 'updates':
        // One flush of the page, one task here: the viewer renders once for all of it.
        for (const u of msg.updates) onUpdate(msg.frameId, u, arrived);
        return;
      case 'drops': {
        // The byte bounds (byte-budget.ts) dropped updates of a flooding frame: said in the log, one line per report.
        const frame = frames.get(msg.frameId);
        if (!frame) return dropped.drop('unknown-frame');
        if (msg.count <= frame.drops) return;
        frame.drops = msg.count;
        const total = [...frames.values()].reduce((n, f) => n + f.drops, 0);
        if (link === 'connected') setLink('connected', droppedLine(total));
        return;
      }
      case 'unfollowed': {
        // The worker follows at most `limit` frames with sessions per tab (frame-cap.ts): said in one line per report.
        if (msg.count <= unfollowed || link !== 'connected') return;
        unfollowed = msg.count;
        setLink('connected', framesNotFollowedLine(msg.count, msg.limit));
        return;
      }
      case 'result': {
        const p = pending.get(msg.id);
        if (!p) {
          dropped.drop('unknown-id'); // late (timed out, aborted) or answered already
          return;
        }
        if (!resultFits(p.command, msg.result)) {
          dropped.drop('result-shape');
          return;
        }
        settle(msg.id, msg.result);
        return;
      }
    }
  };

  const upsertFrame = (info: FrameInfo, confirmed: boolean): Frame => {
    const existing = frames.get(info.frameId);
    if (existing && existing.documentId === info.documentId) {
      if (info.url) existing.url = info.url;
      existing.confirmed ||= confirmed;
      return existing;
    }
    // A new document in that frame: nothing of the old one's carries over (its sessions are not this one's).
    if (existing) removeFrame(info.frameId);
    const frame: Frame = { url: info.url, documentId: info.documentId, origin: info.origin, sessions: [], confirmed, drops: 0, snapshotBytes: new Map(), snapshotsLeftOut: 0, snapshotsSaidAt: -Infinity };
    frames.set(info.frameId, frame);
    return frame;
  };

  const open = (): void => {
    if (closed || listeners.size === 0) return;
    let p: PortLike;
    try {
      p = options.connect(panelPortName(options.tabId));
    } catch {
      scheduleReconnect();
      return;
    }
    port = p;
    p.onMessage.addListener(onMessage);
    p.onDisconnect.addListener(() => {
      if (port !== p) return;
      port = null;
      if (closed || listeners.size === 0) return;
      setLink('connecting', 'Lost the extension service worker; reconnecting');
      scheduleReconnect();
    });
  };

  const scheduleReconnect = (): void => {
    clearTimeout(reconnectTimer);
    const delay = backoff[Math.min(attempt, backoff.length - 1)]!;
    attempt++;
    reconnectTimer = setTimeout(open, delay);
  };

  const shutdown = (): void => {
    clearTimeout(reconnectTimer);
    clearTimeout(sweepTimer);
    const p = port;
    port = null;
    try {
      p?.disconnect();
    } catch {
      // Already gone.
    }
    link = 'disconnected';
  };

  return {
    kind: 'port',
    dropped,
    pendingCount: () => pending.size,
    state: () => link,
    connections: () => welcomes,
    connect(listener) {
      listeners.add(listener);
      // The current picture first, then live updates.
      listener({ type: 'connection', state: link === 'disconnected' ? 'connecting' : link });
      if (frames.size > 0) {
        listener({ type: 'sessions', sessions: sessionList() });
        for (const [sessionId, snapshot] of snapshots) listener({ type: 'snapshot', sessionId, snapshot });
      }
      if (!port && listeners.size === 1) {
        link = 'connecting';
        attempt = 0;
        open();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) shutdown();
      };
    },
    request<C extends CommandName>(
      sessionId: string,
      command: C,
      args: CommandArgs<C>,
      opts: RequestOptions = {},
    ): Promise<CommandResult<C>> {
      return new Promise<CommandResult<C>>((resolve) => {
        if (closed) return resolve({ ok: false, error: LINK_ERRORS.noPage() });
        if (opts.signal?.aborted) return resolve({ ok: false, error: LINK_ERRORS.aborted() });
        const ref = sessionRefs.get(sessionId);
        if (ref === undefined) return resolve({ ok: false, error: LINK_ERRORS.unknownSession(sessionId) });
        const id = newId();
        const ms = opts.timeoutMs ?? timeoutMs;
        const timer = setTimeout(() => settle(id, { ok: false, error: LINK_ERRORS.timeout(ms) }), ms);
        const onAbort = (): void => settle(id, { ok: false, error: LINK_ERRORS.aborted() });
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        const message = makePortMessage<PanelToWorker, 'command'>('command', {
          id,
          frameId: ref.frameId,
          documentId: ref.documentId,
          sessionId: ref.sessionId,
          command,
          args: [...(args as readonly unknown[])],
        });
        pending.set(id, {
          command,
          message,
          resolve: resolve as (r: CommandResult<CommandName>) => void,
          cleanup: () => {
            clearTimeout(timer);
            opts.signal?.removeEventListener('abort', onAbort);
          },
        });
        send(message);
      });
    },
    close() {
      closed = true;
      listeners.clear();
      shutdown();
      for (const id of [...pending.keys()]) settle(id, { ok: false, error: LINK_ERRORS.noPage() });
    },
  };
}
