import { ERROR_CODES, SessionError, isSessionErrorKind } from './errors.js';
import type { BackendCall, ErrorInfo, FaultControls, FaultState } from './types.js';

/**
 * Fault switches shared by the dev and HTTP backends: the panel's "fail the next call", "go offline" and "issue an
 * already-expired token". Every change calls `onChange`, which the session turns into a `state` event, so viewers
 * see a switch flipped from page code as well as one flipped from the panel.
 */
export interface FaultSwitches extends FaultControls {
  /** The armed failure for this call, disarmed as it is taken (one-shot). */
  takeFailure(call: BackendCall): SessionError | undefined;
  readonly offline: boolean;
  readonly expiredNext: boolean;
  /** The next token was issued expired: the switch goes back off. */
  consumeExpired(): void;
}

const MAX_MESSAGE = 500;

export function createFaultSwitches(calls: readonly BackendCall[]): FaultSwitches {
  let offline = false;
  let expiredNext = false;
  const failNext: Partial<Record<BackendCall, ErrorInfo>> = {};
  const changed = (): void => {
    try {
      switches.onChange?.(switches.state());
    } catch {
      // A failing listener must not stop the switch from flipping.
    }
  };
  const switches: FaultSwitches = {
    onChange: undefined,
    get offline() {
      return offline;
    },
    get expiredNext() {
      return expiredNext;
    },
    state: (): FaultState => ({ offline, expiredNext, failNext: { ...failNext } }),
    failNext(call, error = {}) {
      if (!calls.includes(call)) throw new SessionError('invalid-argument', `failNext needs one of ${calls.join(', ')}`);
      const kind = isSessionErrorKind(error.kind) ? error.kind : 'backend';
      failNext[call] = {
        kind,
        code: typeof error.code === 'number' && Number.isFinite(error.code) ? error.code : ERROR_CODES[kind],
        message:
          typeof error.message === 'string' && error.message
            ? error.message.slice(0, MAX_MESSAGE)
            : `Injected failure of the next ${call} call`,
      };
      changed();
    },
    setOffline(value) {
      offline = value === true;
      changed();
    },
    issueExpiredNext() {
      expiredNext = true;
      changed();
    },
    clear() {
      offline = false;
      expiredNext = false;
      for (const key of Object.keys(failNext) as BackendCall[]) delete failNext[key];
      changed();
    },
    takeFailure(call) {
      const armed = failNext[call];
      if (!armed) return undefined;
      delete failNext[call];
      changed();
      return new SessionError(isSessionErrorKind(armed.kind) ? armed.kind : 'backend', armed.message, { code: armed.code });
    },
    consumeExpired() {
      if (!expiredNext) return;
      expiredNext = false;
      changed();
    },
  };
  return switches;
}
