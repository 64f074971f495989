import type { LogEntry, SessionEvent, SessionSnapshot } from '../core/types.js';
import type { CommandArgs, CommandName, CommandResult } from '../protocol/commands.js';

/**
 * The seam between <session-panel> and a session. The element talks only to this interface, so the same element
 * runs over a direct, in-page implementation (the drop-in tag) and over an extension port (the DevTools tab).
 */
export interface SessionSummary {
  /**
   * The id to pass to `request` and that updates carry: unique among this transport's sessions. The direct transport
   * uses the session's own id; the port transport `<frameId>:<session id>`, since two frames may use the same id.
   */
  readonly id: string;
  readonly namespace: string;
  readonly uuid: string;
  /**
   * Where the session lives when it is not the top page (extension: the frame's origin, e.g. `https://ads.example`,
   * taken from the browser's record of the frame, never from the page). Absent for the top page. Show it in a picker:
   * an iframe of another origin may announce a session that looks like the page's own.
   */
  readonly frame?: string;
  /**
   * With `frame`: whether the frame's origin differs from the top page's (opaque origins always differ). The panel
   * asks before a password goes to such a session. Absent: treat as differing.
   */
  readonly crossOrigin?: boolean;
}

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export type TransportUpdate =
  /** The sessions the viewer can pick from. Sent first on connect and after every change. */
  | { readonly type: 'sessions'; readonly sessions: readonly SessionSummary[] }
  /** The latest state of one session (coalesced: a burst of changes may yield one snapshot). */
  | { readonly type: 'snapshot'; readonly sessionId: string; readonly snapshot: SessionSnapshot }
  /** Events in the order the session emitted them. */
  | { readonly type: 'events'; readonly sessionId: string; readonly events: readonly SessionEvent[] }
  /** The session's own log so far, sent when a viewer attaches so the log starts with history. */
  | { readonly type: 'log'; readonly sessionId: string; readonly entries: readonly LogEntry[] }
  /** Link state (extension: service-worker restarts, page reloads); `detail` goes into the viewer's log. */
  | { readonly type: 'connection'; readonly state: ConnectionState; readonly detail?: string };

export type TransportListener = (update: TransportUpdate) => void;

export interface RequestOptions {
  readonly signal?: AbortSignal;
  /** Reject as `timeout` after this long. Default: the transport's own. */
  readonly timeoutMs?: number;
}

export interface SessionTransport {
  readonly kind: 'direct' | 'port';
  /** Starts delivering updates (the current sessions first); returns the function that stops them. */
  connect(listener: TransportListener): () => void;
  /** Asks the session to run a command. Never rejects: failures, timeouts and aborts are `{ ok: false }`. */
  request<C extends CommandName>(
    sessionId: string,
    command: C,
    args: CommandArgs<C>,
    options?: RequestOptions,
  ): Promise<CommandResult<C>>;
}
