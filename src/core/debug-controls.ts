import { SessionError } from './errors.js';
import type { AuthBackend, SessionDebug, StorageEntry, TokenRecord } from './types.js';

/**
 * `session.debug` (spec §7): the controls QA drives from the panel: expire the token now, move the session's clock,
 * the backend's fault switches, the storage view, clearing the log. Development only, so it is its own module: the
 * full entry (index.ts) hands it to every session at once; the production entry loads it with the devtools chunk
 * (devtools.ts), only for a session with `devtools` on. What a control needs of the session it reaches through a
 * DebugHost, so the session keeps no code of it.
 */
export interface DebugHost {
  readonly backend: AuthBackend;
  /** The session's clock. */
  now(): number;
  token(): TokenRecord | null;
  /** Makes `record` the session's token (stored, told to other tabs, a token-changed event). */
  commitToken(record: TokenRecord): void;
  /** A `state` event saying `what`. */
  say(what: string): void;
  clockOffset(): number;
  /** Sets the clock's offset (refused once disposed); when it changed, says `what` as a state event. */
  setClockOffset(offset: number, what: string): void;
  storageEntries(): StorageEntry[];
  clearLog(): void;
}

const JWT_IN_TEXT = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;
const TOKEN_MASK_TEXT = '[token masked]';

export function createDebugControls(host: DebugHost): SessionDebug {
  const faults = host.backend.faults;
  // Viewers hear of switches flipped from page code too (the dev and HTTP backends' fault switches call this).
  if (faults) faults.onChange = () => host.say('backend faults changed');
  return {
    faults: faults ?? null,
    expireToken() {
      const token = host.token();
      const now = host.now();
      if (!token || now >= token.expiresAt) return; // Already expired: moving its expiry to "now" would extend it.
      // Move the receipt time back so that receipt + lifetime = now: the stored record stays consistent with its claims.
      const lifetime = token.expiresAt - token.receivedAt;
      host.commitToken({ ...token, receivedAt: now - lifetime, expiresAt: now });
      host.say('token expired by hand (devtools)');
    },
    clearLog: () => host.clearLog(),
    // Forward only, cumulative; the backend follows the shift through each call's context (`clockOffsetMs`).
    shiftClock(ms) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
        throw new SessionError('invalid-argument', 'shiftClock expects a finite number of milliseconds ≥ 0');
      }
      const offset = host.clockOffset() + ms;
      if (ms > 0) host.setClockOffset(offset, `clock shifted ${formatShift(ms)} (now ${formatShift(offset)} ahead)`);
    },
    resetClock: () => host.setClockOffset(0, 'clock back to real time'),
    // Tokens masked to a fixed length (the mask must not leak their length): the storage view shows shape, not secrets.
    storageEntries: () => host.storageEntries().map(({ key, value }) => ({ key, value: value?.replace(JWT_IN_TEXT, TOKEN_MASK_TEXT) ?? null })),
  };
}

/** "+10 min", "+1 h 5 min", "+45 s", "+250 ms". */
function formatShift(ms: number): string {
  const sign = ms < 0 ? '−' : '+';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${abs} ms`;
  const s = Math.round(abs / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor(s / 60) % 60;
  const sec = s % 60;
  const parts = [h ? `${h} h` : '', m ? `${m} min` : '', sec ? `${sec} s` : ''].filter(Boolean);
  return `${sign}${parts.join(' ')}`;
}
