/**
 * Public types of the session core. Everything here is plain data or an interface: no DOM, no Lit, no chrome.
 * Snapshots, events and log entries are structured-cloneable so they can cross a postMessage or extension port as is.
 */

export const TOKEN_ORIGINS = ['UNKNOWN', 'ANONYMOUS', 'SYNERISE', 'OAUTH', 'SIMPLE_AUTH', 'FACEBOOK', 'GOOGLE', 'APPLE'] as const;
export type TokenOrigin = (typeof TOKEN_ORIGINS)[number];

export const REALMS = ['anonymous_client', 'client'] as const;
/** `anonymous_client` for an anonymous visitor, `client` for a signed-in customer. */
export type Realm = (typeof REALMS)[number];

/** The token as the Synerise SDKs expose it. */
export interface Token {
  readonly tokenString: string;
  /** From the JWT's `exp` claim (seconds). */
  readonly expirationDate: Date;
  readonly origin: TokenOrigin;
  readonly rlm: Realm;
  readonly clientId?: string;
  readonly customId?: string;
}

export const SIGN_OUT_REASONS = [
  'NOT_SPECIFIED',
  'SESSION_EXPIRATION',
  'SECURITY_EXCEPTION',
  'USER_SIGN_OUT',
  'SYSTEM_SIGN_OUT',
  'SESSION_DESTROYED',
  'CLIENT_REJECTED',
  'USER_ACCOUNT_DELETED',
] as const;
export type SignOutReason = (typeof SIGN_OUT_REASONS)[number];

export const SIGN_OUT_MODES = ['SIGN_OUT', 'SIGN_OUT_WITH_SESSION_DESTROY'] as const;
export type SignOutMode = (typeof SIGN_OUT_MODES)[number];

export type TokenStatus = 'none' | 'valid' | 'expiring' | 'expired';

/** A token as stored and shown: plain numbers instead of a Date, plus the times the core judges expiry by. */
export interface TokenRecord {
  readonly tokenString: string;
  readonly origin: TokenOrigin;
  readonly rlm: Realm;
  readonly clientId?: string;
  readonly customId?: string;
  /** `sub` claim: the UUID the token was issued for. */
  readonly sub?: string;
  /** `exp` claim in ms (display only; see expiresAt). */
  readonly exp: number;
  /** `iat` claim in ms, when the token has one. */
  readonly iat?: number;
  /** Session-clock time the token arrived. */
  readonly receivedAt: number;
  /**
   * Session-clock time the token stops being valid: receivedAt + (exp − iat), so a skewed device clock does not
   * make every token look expired (or eternal). Falls back to `exp` when the token has no usable `iat`.
   */
  readonly expiresAt: number;
}

export type OperationName =
  | 'start'
  | 'getUUID'
  | 'retrieveToken'
  | 'refreshToken'
  | 'autoRefresh'
  | 'regenerateUUID'
  | 'regenerateUUIDWithClientIdentifier'
  | 'destroySession'
  | 'signIn'
  | 'signOut'
  | 'expireToken';

/** A serialisable error, as events, logs and the wire carry it. */
export interface ErrorInfo {
  readonly code: number;
  readonly kind: string;
  readonly message: string;
}

export interface BackendRequestInfo {
  readonly operation: 'anonymous' | 'refresh' | 'signIn' | 'signOut';
  /** e.g. `POST /sauth/v3/auth/refresh/client`; the dev backend names its in-memory calls. */
  readonly target: string;
  /** HTTP status when there was one. */
  readonly status?: number;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly attempt: number;
  readonly at: number;
  readonly error?: ErrorInfo;
  /** What else the backend wants a viewer to know about this request (e.g. it answered with an expired token). */
  readonly note?: string;
}

export interface BackendInfo {
  /** `dev` for the embedded backend, `http` for createHttpBackend, `custom` otherwise. */
  readonly kind: string;
  readonly endpoint?: string;
  readonly lastRequest?: BackendRequestInfo;
  /** Present when the backend supports fault injection (see FaultControls). */
  readonly faults?: FaultState;
}

export interface StorageInfo {
  readonly kind: 'local' | 'memory' | 'custom';
  /** False for memory storage, and when the requested storage threw and the session fell back to memory. */
  readonly persistent: boolean;
  /** True only in the second case: the storage asked for failed, so state is not being kept (see `note`). */
  readonly degraded: boolean;
  /** Why the session is not persisting, or what was set aside on load. */
  readonly note?: string;
  /** Key of a backup of an unreadable stored value, when one was kept. */
  readonly backupKey?: string;
}

/** Plain, serialisable state of a session at one instant of the session's clock. */
export interface SessionSnapshot {
  /** Instance id of this session object (unique per page load), used by the page hook and the panel's picker. */
  readonly id: string;
  readonly namespace: string;
  readonly libraryVersion: string;
  readonly uuid: string;
  readonly deviceId: string;
  readonly token: TokenRecord | null;
  readonly tokenStatus: TokenStatus;
  /** Effective refresh margin for the current token: min(refreshWindowSeconds, lifetime / 2), in ms. */
  readonly refreshMarginMs: number;
  readonly login: string | null;
  readonly signedIn: boolean;
  readonly customEmail: string | null;
  readonly customIdentifier: string | null;
  /** Session clock when the snapshot was taken, so a viewer can run a countdown against its own clock. */
  readonly now: number;
  readonly ready: boolean;
  readonly disposed: boolean;
  readonly autoRefresh: boolean;
  readonly refreshWindowSeconds: number;
  /** How far debug.shiftClock has moved the session's clock ahead of its `now` option, in ms (0: real time). */
  readonly clockOffsetMs: number;
  readonly storage: StorageInfo;
  readonly backend: BackendInfo;
  /** Operations under way. */
  readonly pending: readonly OperationName[];
  /** Present when the session shares its storage with other tabs (the `crossTab` option). */
  readonly crossTab?: CrossTabInfo;
  /**
   * How this session estimates the token issuer's clock against its own (tabs' clocks may differ). Always present in
   * this version's snapshots; absent only in those of older library copies, which a viewer (the extension) may meet.
   */
  readonly issuerClock?: IssuerClockInfo;
}

/**
 * This session's estimate of how far the token issuer's clock (the one writing `iat` and `exp`) runs ahead of the
 * session's clock, which every expiry rule uses to read tokens other tabs stored.
 */
export interface IssuerClockInfo {
  /**
   * `measured`: from this session's own token requests; `peer`: from another tab's estimate, over a round trip;
   * `none`: no estimate yet, so stored tokens are read on the writer's clock (right for tabs of one browser).
   */
  readonly source: 'measured' | 'peer' | 'none';
  /**
   * The offset expiry is judged by, in ms (negative: the issuer runs behind): 0 when the clocks agree as far as can be
   * told, else the end of the range that makes tokens expire soonest. Absent with source `none`.
   */
  readonly offsetMs?: number;
  /** The range the offset lies in (request time and iat's whole seconds blur it), in ms. Absent with source `none`. */
  readonly minOffsetMs?: number;
  readonly maxOffsetMs?: number;
}

/** How a session shares its storage with other tabs. */
export interface CrossTabInfo {
  /** Tabs with this session open, this one included. */
  readonly tabs: number;
  /** How refreshes and anonymous logins are kept to one at a time across tabs. */
  readonly lock: 'web-locks' | 'lease';
  /** Session id of the tab that did the last refresh or anonymous login this tab knows of (maybe this one), or null. */
  readonly lastTokenBy: string | null;
  /** What that was. */
  readonly lastTokenCause: 'refresh' | 'anonymous' | null;
}

export type SessionEvent =
  | { readonly type: 'ready'; readonly at: number }
  | { readonly type: 'uuid-changed'; readonly at: number; readonly uuid: string; readonly previous: string }
  | { readonly type: 'token-changed'; readonly at: number; readonly token: TokenRecord | null }
  | { readonly type: 'signed-in'; readonly at: number; readonly login: string }
  | { readonly type: 'signed-out'; readonly at: number; readonly reason: SignOutReason }
  | { readonly type: 'error'; readonly at: number; readonly error: ErrorInfo; readonly operation?: OperationName }
  | { readonly type: 'operation-start'; readonly at: number; readonly id: number; readonly operation: OperationName }
  | {
      readonly type: 'operation-end';
      readonly at: number;
      readonly id: number;
      readonly operation: OperationName;
      readonly durationMs: number;
      readonly outcome: 'ok' | 'error';
      /** A short, token-free description of the result (`"true"`, a UUID, "token until 12:00:00"). */
      readonly result?: string;
      readonly error?: ErrorInfo;
    }
  | { readonly type: 'request'; readonly at: number; readonly request: BackendRequestInfo }
  | { readonly type: 'state'; readonly at: number; readonly what: string }
  | { readonly type: 'disposed'; readonly at: number };

export type SessionEventType = SessionEvent['type'];

export type LogKind = 'operation' | 'event' | 'error' | 'request' | 'storage';

/**
 * What a log line says in structured form, for viewers that draw or replay the session's history (the panel's
 * timeline, "state after this entry"). Never a token string: a token is its realm and times.
 */
export interface LogFacts {
  /** The UUID the session moved to, and the one it left (uuid-changed). */
  readonly uuid?: string;
  readonly previousUuid?: string;
  /** The token the session holds from here on, or null when it was cleared (token-changed). */
  readonly token?: { readonly rlm: Realm; readonly receivedAt: number; readonly expiresAt: number } | null;
  /** The customer signed in from here on, or null once signed out (signed-in, signed-out). */
  readonly login?: string | null;
  /** A backend request as the backend reported it (request). */
  readonly request?: BackendRequestInfo;
}

/** One line of the bounded operation log. Never contains a token string. */
export interface LogEntry {
  /** Monotonic per session; survives the ring buffer dropping old entries, so gaps show what was dropped. */
  readonly seq: number;
  readonly at: number;
  readonly kind: LogKind;
  readonly operation?: OperationName;
  readonly message: string;
  readonly durationMs?: number;
  readonly outcome?: 'ok' | 'error';
  readonly error?: ErrorInfo;
  readonly facts?: LogFacts;
}

/**
 * What a session hands its backend with each call. Several sessions may share one backend, so each call carries its
 * own reporting and cancellation instead of a slot on the backend.
 */
export interface BackendCallContext {
  /** Report each request (every attempt) of this call here; the session logs it. */
  readonly onRequest?: (info: BackendRequestInfo) => void;
  /** Aborted when the caller no longer wants the answer (session disposed, call timed out). */
  readonly signal?: AbortSignal;
  /**
   * How far the calling session's clock runs ahead of real time (debug.shiftClock). A backend that can (the dev
   * backend) issues and checks this call's tokens on the shifted clock; a real server cannot and ignores it.
   */
  readonly clockOffsetMs?: number;
}

/** Where tokens come from. Tokens are JWT strings. */
export interface AuthBackend {
  anonymous(req: { uuid: string; deviceId: string }, context?: BackendCallContext): Promise<string>;
  refresh(req: { token: string }, context?: BackendCallContext): Promise<string>;
  signIn(req: { login: string; password: string; uuid: string; deviceId: string }, context?: BackendCallContext): Promise<string>;
  signOut(req: { token: string; mode: SignOutMode }, context?: BackendCallContext): Promise<void>;
  /** Optional: what the panel shows about this backend. */
  describe?(): BackendInfo;
  /** Optional: fault injection, shown in the panel only when present. */
  readonly faults?: FaultControls;
  /** Optional: a listener for every request of every caller (app-level logging); sessions use the call context. */
  onRequest?: ((info: BackendRequestInfo) => void) | undefined;
}

export type BackendCall = 'anonymous' | 'refresh' | 'signIn' | 'signOut';

export interface FaultState {
  readonly offline: boolean;
  /** Calls that will fail next, with the error each gets. */
  readonly failNext: Readonly<Partial<Record<BackendCall, ErrorInfo>>>;
  /** The next token issued will already be expired. */
  readonly expiredNext: boolean;
  /** Lifetime of the tokens issued next, in seconds, when the backend lets a viewer change it (the dev backend). */
  readonly tokenTtlSeconds?: number;
}

export interface FaultControls {
  state(): FaultState;
  /** The next call of this kind fails with this error (kind/code default to a backend fault). */
  failNext(call: BackendCall, error?: { code?: number; kind?: string; message?: string }): void;
  setOffline(offline: boolean): void;
  /** The next token issued (any call) is already expired. */
  issueExpiredNext(): void;
  clear(): void;
  /** Optional (the dev backend): the lifetime in seconds of the tokens issued next; `null` restores the configured one. */
  setTokenTtl?(seconds: number | null): void;
  /** Set by the session: called after every change, so viewers hear of switches flipped from page code too. */
  onChange?: ((state: FaultState) => void) | undefined;
}

/** A Storage-like object: localStorage, sessionStorage, or anything with these three methods. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface SessionOptions {
  /** Default: the embedded dev backend (createDevBackend()). */
  backend?: AuthBackend;
  /** Default: local storage when it exists, else memory. */
  storage?: 'local' | 'memory' | StorageLike;
  /** Storage key prefix and the name shown in the panel's picker. Default `session-panel`. */
  namespace?: string;
  /** Overrides the persisted per-profile device id. */
  deviceId?: string;
  /** Clock in ms. Default Date.now. */
  now?: () => number;
  /** Refresh a token before use when it is this close to expiry (capped at half its lifetime). Default 1800. */
  refreshWindowSeconds?: number;
  /** Refresh automatically before a token is used. Default true. */
  autoRefresh?: boolean;
  /** Register on globalThis.__SESSION_PANEL__. Default true. */
  devtools?: boolean;
  /** Size of the operation log ring buffer. Default 500. */
  logLimit?: number;
  /**
   * Keep sessions of this namespace in other tabs in step (a sign-out, destroy or refresh in one tab reaches the
   * others through a BroadcastChannel). Default: on with local storage, off otherwise.
   */
  crossTab?: boolean;
}

export type SessionListener = (event: SessionEvent) => void;

export interface Session {
  /** Instance id (see SessionSnapshot.id). */
  readonly id: string;
  /** Resolves once persisted state is loaded and an anonymous token is in place (or failed to arrive). Never rejects. */
  readonly ready: Promise<void>;
  getUUID(): string;
  retrieveToken(): Promise<Token>;
  refreshToken(): Promise<Token>;
  regenerateUUID(): Promise<boolean>;
  regenerateUUIDWithClientIdentifier(clientIdentifier: string): Promise<boolean>;
  destroySession(): Promise<void>;
  getUUIDForAuthentication(authID: string): string;
  signIn(login: string, password: string): Promise<void>;
  signOut(mode?: SignOutMode): Promise<void>;
  isSignedIn(): boolean;
  snapshot(): SessionSnapshot;
  subscribe(listener: SessionListener): () => void;
  log(): readonly LogEntry[];
  dispose(): void;
  /** Devtools-only controls. */
  readonly debug: SessionDebug;
}

export interface SessionDebug {
  /** Make the current token expire now (session clock), as if its time had run out. */
  expireToken(): void;
  /** The backend's fault controls, when it has them. */
  readonly faults: FaultControls | null;
  /** Empty the session's own log. */
  clearLog(): void;
  /**
   * Moves the session's clock forward by `ms` (cumulative; `ms` must be a finite number ≥ 0, else `invalid-argument`),
   * so QA sees expiry without waiting. Every expiry rule is judged on the shifted clock, and the dev backend issuing
   * this session's tokens follows it. `snapshot().clockOffsetMs` is the total shift.
   */
  shiftClock(ms: number): void;
  /** Back to real time: the shift goes back to 0. */
  resetClock(): void;
  /**
   * The keys this session uses in its storage (state, device id, the backup of an unreadable value when one was kept)
   * with their raw values, every token in them masked.
   */
  storageEntries(): readonly StorageEntry[];
}

/** One key of a session's storage and its raw value (null: nothing stored under it), tokens masked. */
export interface StorageEntry {
  readonly key: string;
  readonly value: string | null;
}
