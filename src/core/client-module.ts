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
  const deliver = <T>(method: string, start: () => Promise<T>, onSuccess?: OnSuccess<T>, onError?: OnError): void => {
    // Checked before anything starts: a wrong callback is the caller's bug, said at once rather than later.
    for (const [name, fn] of [['onSuccess', onSuccess], ['onError', onError]] as const) {
      if (fn !== undefined && fn !== null && typeof fn !== 'function') {
        throw new SessionError('invalid-argument', `${name} must be a function`);
      }
    }
    start().then(
      (value) => callSafely(() => onSuccess?.(value)),
      (error: unknown) => {
        const e = toSessionError(error) as ClientModuleError;
        if (typeof onError === 'function') callSafely(() => onError(e));
        else warn(method, e);
      },
    );
  };
  // Fire-and-forget calls have no error callback: a failure is said in the console, as a developer expects.
  const ignore = (method: string, start: () => Promise<unknown>): void => {
    let promise: Promise<unknown>;
    try {
      promise = start();
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.catch((error: unknown) => warn(method, toSessionError(error)));
  };
  return {
    refreshToken: (onSuccess, onError) => deliver('refreshToken', () => session.refreshToken(), onSuccess, onError),
    retrieveToken: (onSuccess, onError) => deliver('retrieveToken', () => session.retrieveToken(), onSuccess, onError),
    getUUID: () => session.getUUID(),
    regenerateUUID: () => ignore('regenerateUUID', () => session.regenerateUUID()),
    regenerateUUIDWithClientIdentifier: (clientIdentifier) =>
      ignore('regenerateUUIDWithClientIdentifier', () => session.regenerateUUIDWithClientIdentifier(clientIdentifier)),
    destroySession: () => ignore('destroySession', () => session.destroySession()),
    isSignedIn: () => session.isSignedIn(),
    signOut: () => ignore('signOut', () => session.signOut()),
  };
}

/**
 * A failure nobody asked to hear about, said once in the console with its code and kind. Only the error's own
 * message is printed: the core's messages never hold a token.
 */
function warn(method: string, error: { readonly code: number; readonly kind: string; readonly message: string }): void {
  console.warn(`Synerise.Client.${method}() failed: ${error.kind} ${error.code}: ${error.message}`);
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
