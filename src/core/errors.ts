import type { ErrorInfo } from './types.js';

/**
 * Stable error kinds and their numeric codes. Synerise codes where the SDKs have one (3200, 3210, 3220, -104);
 * our own faults get codes in the 9000 range so they never collide with a Synerise code.
 */
export const ERROR_CODES = {
  'unauthorized': 3200,
  'session-expired': 3210,
  'already-signed-out': 3220,
  'invalid-jwt': -104,
  'invalid-argument': 9001,
  'network': 9002,
  'timeout': 9003,
  'backend': 9004,
  'storage': 9005,
  'disposed': 9006,
  'invalid-response': 9007,
  /** The session was destroyed or replaced while the call was in flight; its result was discarded. */
  'superseded': 9009,
  /** A viewer's request was cancelled by its caller (AbortSignal) before the session answered. */
  'aborted': 9010,
  /** A viewer asked for a session that is not (or no longer) on the page. */
  'no-session': 9011,
} as const;

export type SessionErrorKind = keyof typeof ERROR_CODES;

export interface SessionErrorOptions {
  /** Overrides the kind's default code (a backend may answer with its own code). */
  code?: number;
  cause?: unknown;
  /** HTTP status, when the error came from an HTTP answer. */
  status?: number;
}

/** Every error the core rejects with or reports. `kind` is stable and meant for code; `message` is for people. */
export class SessionError extends Error {
  override readonly name = 'SessionError';
  readonly code: number;
  readonly kind: SessionErrorKind;
  readonly status?: number;

  constructor(kind: SessionErrorKind, message: string, options: SessionErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // Untyped callers can pass any string: an unknown kind becomes `backend` rather than a code-less error.
    this.kind = isSessionErrorKind(kind) ? kind : 'backend';
    this.code = options.code ?? ERROR_CODES[this.kind];
    if (options.status !== undefined) this.status = options.status;
  }

  toJSON(): ErrorInfo {
    return { code: this.code, kind: this.kind, message: this.message };
  }
}

export function isSessionErrorKind(value: unknown): value is SessionErrorKind {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

/** Any thrown value as a SessionError; unknown failures from a backend become kind `backend`. */
export function toSessionError(error: unknown, fallbackKind: SessionErrorKind = 'backend'): SessionError {
  if (error instanceof SessionError) return error;
  if (isErrorLike(error)) {
    const kind = isSessionErrorKind(error.kind) ? error.kind : fallbackKind;
    const code = typeof error.code === 'number' ? error.code : undefined;
    return new SessionError(kind, error.message, code === undefined ? { cause: error } : { code, cause: error });
  }
  return new SessionError(fallbackKind, typeof error === 'string' ? error : 'Unknown failure', { cause: error });
}

/** The plain, wire-ready form of an error of this kind, for code that reports failures without throwing. */
export function errorInfoOf(kind: SessionErrorKind, message: string): ErrorInfo {
  return { code: ERROR_CODES[kind], kind, message };
}

export function errorInfo(error: unknown): ErrorInfo {
  return toSessionError(error).toJSON();
}

function isErrorLike(value: unknown): value is { message: string; code?: unknown; kind?: unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}
