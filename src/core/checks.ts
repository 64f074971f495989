import { SessionError } from './errors.js';

/** Small argument checks shared by the session and the backends: each failure is an `invalid-argument` SessionError. */

export interface StringRule {
  /** Accept the empty string (a device id may be empty, a login may not). */
  allowEmpty?: boolean;
  /** Longest accepted length. */
  max?: number;
}

export function requireString(value: unknown, name: string, rule: StringRule = {}): string {
  if (typeof value !== 'string' || (!rule.allowEmpty && value.length === 0)) {
    throw new SessionError('invalid-argument', `${name} must be a ${rule.allowEmpty ? '' : 'non-empty '}string`);
  }
  if (rule.max !== undefined && value.length > rule.max) {
    throw new SessionError('invalid-argument', `${name} is ${value.length} characters long (limit ${rule.max})`);
  }
  return value;
}

/** Milliseconds from a monotonic clock for durations (wall-clock jumps must not make a call look negative). */
export function monotonicNow(): number {
  return globalThis.performance?.now() ?? Date.now();
}
