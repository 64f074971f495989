import { SessionError } from './errors.js';
import { createFaultSwitches } from './faults.js';
import type { ArmFaults } from './http-backend.js';
import type { BackendCall } from './types.js';

/**
 * The HTTP backend's fault injection (HttpBackendOptions.faultInjection): the panel's "fail the next call", "go
 * offline" and "next token expired" for a backend made by createHttpBackend. Development only, so its own module:
 * the full entry arms every HTTP backend at creation; the production entry arms a session's backend when its devtools
 * chunk arrives (devtools.ts). Imports only types from http-backend.ts, so this module never drags the backend (what
 * every page runs) into the devtools chunk, nor the other way round.
 */

/** Request header asking the reference auth server to issue an already-expired token (server/index.ts reads it). */
export const FAULT_HEADER = 'x-session-panel-fault';

const CALLS: readonly BackendCall[] = ['anonymous', 'refresh', 'signIn', 'signOut'];

/** Gives an HTTP backend its fault switches; does nothing for any other backend, one made with faultInjection off, or one already armed. */
export function armHttpFaults(backend: unknown): void {
  const arm = (backend as { [key: symbol]: ArmFaults | undefined } | null)?.[Symbol.for('session-panel:http-backend:arm-faults')];
  if (typeof arm !== 'function') return;
  const switches = createFaultSwitches(CALLS);
  arm(switches, (call, target, headers) => {
    const armed = switches.takeFailure(call);
    if (armed) throw armed;
    if (switches.offline) throw new SessionError('network', `Offline (fault injection): ${target} was not sent`);
    if (!switches.expiredNext || call === 'signOut') return undefined;
    headers[FAULT_HEADER] = 'expired-token';
    return () => switches.consumeExpired();
  });
}
