import { SessionError, toSessionError } from './errors.js';
import type { Session, Token } from './types.js';

/** The error shape the Synerise SDK callbacks receive: an Error with a numeric code. */
export interface ClientModuleError extends Error {
  readonly code: number;
  readonly kind: string;
}

export type OnSuccess<T> = (value: T) => void;
export type OnError = (error: ClientModuleError) => void;

/** The Synerise SDK `Client` module's shapes, over a Session. */
export interface ClientModule {
  refreshToken(onSuccess?: OnSuccess<Token>, onError?: OnError): void;
  retrieveToken(onSuccess?: OnSuccess<Token>, onError?: OnError): void;
  getUUID(): string;
  regenerateUUID(): void;
  regenerateUUIDWithClientIdentifier(clientIdentifier: string): void;
  destroySession(): void;
  isSignedIn(): boolean;
  signOut(): void;
}

/**
 * A callback facade with exactly the seed's shapes, so the SDK docs' examples run verbatim with
 * `const Synerise = { Client: createClientModule(session) }`. Fire-and-forget operations (regenerate, destroy,
 * signOut) return nothing, as in the SDK; their failures still reach the session's error events and log.
 */
export function createClientModule(session: Session): ClientModule {
  if (typeof session !== 'object' || session === null || typeof session.getUUID !== 'function') {
    throw new SessionError('invalid-argument', 'createClientModule expects a session from createSession()');
  }
  const deliver = <T>(start: () => Promise<T>, onSuccess?: OnSuccess<T>, onError?: OnError): void => {
    // Checked before anything starts: a wrong callback is the caller's bug, said at once rather than later.
    for (const [name, fn] of [['onSuccess', onSuccess], ['onError', onError]] as const) {
      if (fn !== undefined && fn !== null && typeof fn !== 'function') {
        throw new SessionError('invalid-argument', `${name} must be a function`);
      }
    }
    start().then(
      (value) => callSafely(() => onSuccess?.(value)),
      (error: unknown) => callSafely(() => onError?.(toSessionError(error) as ClientModuleError)),
    );
  };
  const ignore = (promise: Promise<unknown>): void => {
    promise.catch(() => undefined); // reported through the session's events and log
  };
  return {
    refreshToken: (onSuccess, onError) => deliver(() => session.refreshToken(), onSuccess, onError),
    retrieveToken: (onSuccess, onError) => deliver(() => session.retrieveToken(), onSuccess, onError),
    getUUID: () => session.getUUID(),
    regenerateUUID: () => ignore(session.regenerateUUID()),
    regenerateUUIDWithClientIdentifier: (clientIdentifier) =>
      ignore(session.regenerateUUIDWithClientIdentifier(clientIdentifier)),
    destroySession: () => ignore(session.destroySession()),
    isSignedIn: () => session.isSignedIn(),
    signOut: () => ignore(session.signOut()),
  };
}

/** A throwing user callback must not become an unhandled rejection inside the library. */
function callSafely(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
