// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { issuerClockText } from '../../components/session-panel/clock-section.js';
import { createSession } from '../../src/core/index.js';
import type { AuthBackend } from '../../src/core/types.js';
import { panelFor, realSession } from './helpers/fixture.js';

// The Clock section's line on the token issuer's clock (snapshot().issuerClock, issue #14): where the estimate comes
// from and what it says, on real sessions and the real dev backend.

const HOUR = 3_600_000;
/** A signed span as the line writes it ("−400 ms", "+1 s", "−1 h 1 s"): the range's bounds depend on request timing. */
const SPAN = '[−+](\\d+ ms|(\\d+ h)? ?(\\d+ min)? ?(\\d+ s)?)';

describe("the Clock section's issuer clock line", () => {
  it('after the session\'s own request on a clock that agrees: measured, agrees, with its range', async () => {
    const { session } = await realSession();
    const { h } = await panelFor(session);
    expect(session.snapshot().issuerClock?.source).toBe('measured');
    expect(h.field('issuer-clock')).toMatch(new RegExp(`^Token issuer's clock: agrees with the session's \\(measured from this session's requests; ${SPAN} to ${SPAN}\\)\\.$`));
  });

  it('on a session clock an hour ahead of the issuer: the issuer is shown an hour behind', async () => {
    const { session } = await realSession({ now: () => Date.now() + HOUR });
    const { h } = await panelFor(session);
    expect(h.field('issuer-clock')).toMatch(new RegExp(`^Token issuer's clock: (1 h|59 min 59 s) behind the session's \\(measured from this session's requests; −(1 h|59 min 59 s)( \\d+ s)? to −(1 h|59 min 59 s)\\)\\.$`));
  });

  it('before any answer from the issuer: no estimate yet', async () => {
    const silent: AuthBackend = {
      anonymous: () => new Promise<string>(() => {}),
      refresh: () => new Promise<string>(() => {}),
      signIn: () => new Promise<string>(() => {}),
      signOut: async () => {},
    };
    const session = createSession({ backend: silent, storage: 'memory', devtools: false, requestTimeoutMs: 60_000 });
    try {
      const { h } = await panelFor(session);
      expect(h.field('issuer-clock')).toBe("Token issuer's clock: no estimate yet (stored tokens are read on the clock of the tab that wrote them).");
    } finally {
      session.dispose();
    }
  });

  it('words a peer tab\'s estimate and an issuer ahead', () => {
    expect(issuerClockText({ source: 'peer', offsetMs: 0, minOffsetMs: -400, maxOffsetMs: 600 })).toBe(
      "Token issuer's clock: agrees with the session's (from another tab's estimate; −400 ms to +600 ms).",
    );
    expect(issuerClockText({ source: 'measured', offsetMs: 125_000, minOffsetMs: 124_000, maxOffsetMs: 125_000 })).toBe(
      "Token issuer's clock: 2 min 5 s ahead of the session's (measured from this session's requests; +2 min 4 s to +2 min 5 s).",
    );
  });
});
