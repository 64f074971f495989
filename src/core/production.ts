/**
 * The session core for an app's production bundle: `session-panel/core/production` (dist/production.js).
 * The same `createSession` and `Session` as `session-panel/core` (spec §3), without what only development needs:
 *   - no dev backend: `backend` is required (createHttpBackend, or the app's own AuthBackend), so neither the dev
 *     backend nor its signing code is in the app;
 *   - the page hook (spec §4), the operation log's wording, `session.debug` (spec §7) and the HTTP backend's fault
 *     switches (devtools.ts) are loaded by a dynamic import, only for a session with `devtools` on (the default, as
 *     in `session-panel/core`), and are there by its `ready`: a production build sets `devtools: false` and ships
 *     none of them; its session keeps no operation log (`log()` is empty: the log is what the panel shows), its
 *     `session.debug` controls throw a typed error saying they need devtools, and its HTTP backend has no `faults`.
 *     A development build of the same app keeps the panel and the DevTools tab working.
 * Nothing here imports dev-backend.ts, hook.ts or log-format.ts statically (a bundler cannot drop a module another
 * entry re-exports and this one imports lazily: esbuild splits by file), and test/core/production-entry.test.ts
 * checks it.
 */
import { SessionError } from './errors.js';
import { createSessionCore, type DevtoolsParts } from './session.js';
import type { AuthBackend, Session, SessionOptions } from './types.js';

export function createSession(options: SessionOptions & { requestTimeoutMs?: number }): Session {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new SessionError('invalid-argument', 'createSession: options must be an object with a backend');
  }
  if (options.backend === undefined) {
    throw new SessionError(
      'invalid-argument',
      'createSession: session-panel/core/production has no dev backend; pass backend: createHttpBackend(...) (or import session-panel/core for the dev backend)',
    );
  }
  return createSessionCore({ ...options, backend: options.backend, register: attachLazily });
}

/** The devtools parts (devtools.ts), loaded with the first session that has devtools on; never with `false`. */
function attachLazily(session: Session, backend: AuthBackend): Promise<DevtoolsParts> {
  return import('./devtools.js').then((devtools) => devtools.attachDevtools(session, backend));
}

export { createHttpBackend, type HttpBackend, type HttpBackendOptions, type FetchLike } from './http-backend.js';
export { createClientModule, type ClientModule, type ClientModuleError, type OnError, type OnSuccess } from './client-module.js';
export { SessionError, ERROR_CODES, type SessionErrorKind } from './errors.js';
export { uuidFromName, isUuid } from './uuid.js';
export { tokenStatusAt, refreshMarginMs, isSignedInAt } from './token-status.js';
export { decodeJwtParts } from './jwt.js';
export { LIBRARY_VERSION } from './version.js';
export * from './types.js';
