import type { ErrorInfo, SignOutMode } from '../../src/core/types.js';

/**
 * The events <session-panel> dispatches. One class per event, each with a `session-` prefixed name, readonly
 * payload fields and fixed options (bubbles, composed), so an embedding page can listen from anywhere.
 * None carries a token string, with one exception: `session-export`'s `json` holds the tokens in clear when the
 * user ticked "include tokens" (`redacted` is then false). It bubbles and is composed like the others, so any
 * listener on the page, in or out of the shadow root, can read them.
 */

/** The panel's actions, as named in `session-error` and the operation log. */
export type PanelAction =
  | 'refresh'
  | 'retrieve'
  | 'regenerate'
  | 'destroy'
  | 'sign-in'
  | 'sign-out'
  | 'copy'
  | 'fault'
  | 'clock';

const init = { bubbles: true, composed: true } as const;

/** Fired when the panel binds to a session (or loses it: `sessionId` is null). */
export class SessionBindEvent extends Event {
  static readonly eventName = 'session-bind';
  constructor(readonly sessionId: string | null) {
    super(SessionBindEvent.eventName, init);
  }
}

/** Fired after a token refresh asked from the panel succeeded. */
export class SessionRefreshEvent extends Event {
  static readonly eventName = 'session-refresh';
  constructor(readonly expiresAt: number | null) {
    super(SessionRefreshEvent.eventName, init);
  }
}

/** Fired after a token retrieval asked from the panel succeeded. */
export class SessionRetrieveEvent extends Event {
  static readonly eventName = 'session-retrieve';
  constructor(readonly expiresAt: number | null) {
    super(SessionRetrieveEvent.eventName, init);
  }
}

/** Fired after Regenerate UUID finished; `changed` is false when the session refused (signed in). */
export class SessionRegenerateEvent extends Event {
  static readonly eventName = 'session-regenerate';
  constructor(
    readonly seed: string | null,
    readonly changed: boolean,
  ) {
    super(SessionRegenerateEvent.eventName, init);
  }
}

/** Cancelable request fired before the panel destroys a session; `preventDefault()` keeps the session. */
export class SessionDestroyEvent extends Event {
  static readonly eventName = 'session-destroy';
  constructor(readonly sessionId: string) {
    super(SessionDestroyEvent.eventName, { ...init, cancelable: true });
  }
}

/** Fired after the session was destroyed (new UUID, new anonymous token). */
export class SessionDestroyedEvent extends Event {
  static readonly eventName = 'session-destroyed';
  constructor(readonly sessionId: string) {
    super(SessionDestroyedEvent.eventName, init);
  }
}

/** Fired after a sign-in from the panel succeeded. */
export class SessionSignInEvent extends Event {
  static readonly eventName = 'session-sign-in';
  constructor(readonly login: string) {
    super(SessionSignInEvent.eventName, init);
  }
}

/** Fired after a sign-out from the panel succeeded. */
export class SessionSignOutEvent extends Event {
  static readonly eventName = 'session-sign-out';
  constructor(readonly mode: SignOutMode) {
    super(SessionSignOutEvent.eventName, init);
  }
}

/** Fired after the panel copied a value to the clipboard (the value itself is not in the event). */
export class SessionCopyEvent extends Event {
  static readonly eventName = 'session-copy';
  constructor(readonly what: 'uuid' | 'token') {
    super(SessionCopyEvent.eventName, init);
  }
}

/**
 * Cancelable: fired with the JSON of a log export before the panel downloads it; cancel to handle it yourself.
 * `json` has tokens redacted unless "include tokens" was ticked (`redacted` false): then it carries them in clear.
 */
export class SessionExportEvent extends Event {
  static readonly eventName = 'session-export';
  constructor(
    readonly json: string,
    readonly redacted: boolean,
  ) {
    super(SessionExportEvent.eventName, { ...init, cancelable: true });
  }
}

/** Fired when an action asked from the panel failed, with the error as the session reported it. */
export class SessionErrorEvent extends Event {
  static readonly eventName = 'session-error';
  constructor(
    readonly action: PanelAction,
    readonly error: ErrorInfo,
  ) {
    super(SessionErrorEvent.eventName, init);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'session-bind': SessionBindEvent;
    'session-refresh': SessionRefreshEvent;
    'session-retrieve': SessionRetrieveEvent;
    'session-regenerate': SessionRegenerateEvent;
    'session-destroy': SessionDestroyEvent;
    'session-destroyed': SessionDestroyedEvent;
    'session-sign-in': SessionSignInEvent;
    'session-sign-out': SessionSignOutEvent;
    'session-copy': SessionCopyEvent;
    'session-export': SessionExportEvent;
    'session-error': SessionErrorEvent;
  }
}
