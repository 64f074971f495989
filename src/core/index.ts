/**
 * The session core's public API (dist/core.js, the package's "./core" export). Pure TypeScript: it runs unchanged
 * in Node ≥ 20 and in browsers, and imports no Lit, no DOM-only globals and no `chrome`.
 */
import { createDebugControls } from './debug-controls.js';
import { createDevBackend } from './dev-backend.js';
import { SessionError } from './errors.js';
import { getSessionHook } from './hook.js';
import { createHttpBackend as createHttpBackendUnarmed, type HttpBackend, type HttpBackendOptions } from './http-backend.js';
import { armHttpFaults } from './http-faults.js';
import { describeEvent } from './log-format.js';
import { createSessionCore } from './session.js';
import type { Session, SessionOptions } from './types.js';

/**
 * A customer session; without a `backend` option it uses the embedded dev backend, and with `devtools` on (the
 * default) it is on the page hook at once. For an app's production bundle, `session-panel/core/production`
 * (production.ts) has the same API without the dev backend and with the page hook loaded lazily.
 */
export function createSession(options: SessionOptions & { requestTimeoutMs?: number } = {}): Session {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new SessionError('invalid-argument', 'createSession: options must be an object');
  }
  // Only a missing backend means "the dev backend"; `backend: null` is a mistake and is reported as one.
  const backend = options.backend === undefined ? createDevBackend(typeof options.now === 'function' ? { now: options.now } : {}) : options.backend;
  // An HTTP backend made by the production entry's createHttpBackend gets its fault switches here too.
  armHttpFaults(backend);
  return createSessionCore({
    ...options,
    backend,
    describe: describeEvent,
    debugControls: createDebugControls,
    register: (session) => getSessionHook().register(session),
  });
}

/** An AuthBackend over HTTP (http-backend.ts), its fault injection armed at once unless `faultInjection: false`. */
export function createHttpBackend(options: HttpBackendOptions): HttpBackend {
  const backend = createHttpBackendUnarmed(options);
  armHttpFaults(backend);
  return backend;
}

export { createDevBackend, type DevBackend, type DevBackendOptions } from './dev-backend.js';
export type { PublicJwk } from './dev-signing.js';
export { createClientModule, type ClientModule, type ClientModuleError, type OnError, type OnSuccess } from './client-module.js';
export { SessionError, ERROR_CODES, type SessionErrorKind } from './errors.js';
export { uuidFromName, isUuid } from './uuid.js';
export { tokenStatusAt, refreshMarginMs, isSignedInAt } from './token-status.js';
export { decodeJwtParts } from './jwt.js';
export { getSessionHook, findSessionHook, HOOK_KEY, type SessionHook } from './hook.js';
export { LIBRARY_VERSION } from './version.js';
export * from './types.js';
export type { HttpBackend, HttpBackendOptions, FetchLike } from './http-backend.js';
