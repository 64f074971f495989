import type { LogEntry, SessionEvent } from './types.js';

/**
 * Turns a session event into a log line. Lines never carry a token string: tokens are described by realm and expiry.
 * A failure's line names its kind and code once, as `<kind> <code>` (the entry's `error` carries them too, for
 * filters and exports): viewers show the message as it is and add neither.
 * Returns null for events that are not worth a line of their own.
 */
export function describeEvent(event: SessionEvent): Omit<LogEntry, 'seq'> | null {
  const at = event.at;
  switch (event.type) {
    case 'ready':
      return { at, kind: 'event', message: 'session ready' };
    case 'uuid-changed':
      return { at, kind: 'event', message: `UUID changed to ${event.uuid} (was ${event.previous})`, facts: { uuid: event.uuid, previousUuid: event.previous } };
    case 'token-changed': {
      const t = event.token;
      return {
        at,
        kind: 'event',
        message: t ? `new ${t.rlm} token, expires ${new Date(t.exp).toISOString()}` : 'token cleared',
        facts: { token: t ? { rlm: t.rlm, receivedAt: t.receivedAt, expiresAt: t.expiresAt } : null },
      };
    }
    case 'signed-in':
      return { at, kind: 'event', message: `signed in as ${event.login}`, facts: { login: event.login } };
    case 'signed-out':
      return { at, kind: 'event', message: `signed out (${event.reason})`, facts: { login: null } };
    case 'error':
      return {
        at,
        kind: event.error.kind === 'storage' ? 'storage' : 'error',
        message: `${event.error.kind} ${event.error.code}: ${event.error.message}`,
        error: event.error,
        ...(event.operation ? { operation: event.operation } : {}),
      };
    case 'operation-start':
      // The start-up is not an operation a developer called: it reads as what it does ("start started" did not).
      return { at, kind: 'operation', operation: event.operation, message: event.operation === 'start' ? 'session start-up: getting a token' : `${event.operation} started` };
    case 'operation-end': {
      const base = { at, kind: 'operation' as const, operation: event.operation, durationMs: event.durationMs, outcome: event.outcome };
      const name = event.operation === 'start' ? 'session start-up' : event.operation;
      return event.error
        ? { ...base, error: event.error, message: `${name} failed: ${event.error.kind} ${event.error.code}: ${event.error.message}` }
        : { ...base, message: `${name} done${event.result ? `: ${event.result}` : ''}` };
    }
    case 'request': {
      const r = event.request;
      const status = r.status !== undefined ? ` ${r.status}` : '';
      const outcome = r.ok ? `ok${r.note ? ` (${r.note})` : ''}` : `failed${r.error ? ` (${r.error.kind} ${r.error.code})` : ''}`;
      return {
        at,
        kind: 'request',
        message: `${r.target}${status} ${outcome} in ${r.durationMs.toFixed(1)} ms${r.attempt > 1 ? ` (attempt ${r.attempt})` : ''}`,
        durationMs: r.durationMs,
        outcome: r.ok ? 'ok' : 'error',
        ...(r.error ? { error: r.error } : {}),
        facts: { request: r },
      };
    }
    case 'state':
      return { at, kind: 'event', message: event.what };
    case 'disposed':
      return { at, kind: 'event', message: 'session disposed' };
  }
}
