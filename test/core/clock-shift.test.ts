import { describe, expect, it } from 'vitest';
import { createSession } from '../../src/core/index.js';
import { executeCommand } from '../../src/protocol/commands.js';
import { rejection } from './support/rejection.js';
import { HOUR, MINUTE, claimsOf, readySession } from './support/session-fixture.js';

/** spec §7: session.debug.shiftClock(ms) moves the session's clock, and its dev backend's, forward. */
describe('session.debug.shiftClock', () => {
  it('refuses anything but a finite number ≥ 0 with invalid-argument, and leaves the clock alone', async () => {
    const { session } = await readySession();
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5', null, undefined]) {
      let thrown: unknown;
      try {
        session.debug.shiftClock(bad as number);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, `shiftClock(${String(bad)})`).toMatchObject({ kind: 'invalid-argument', code: 9001 });
    }
    expect(session.snapshot().clockOffsetMs, 'no shift after refused calls').toBe(0);
  });

  it('is cumulative; snapshot().clockOffsetMs and snapshot().now report the shifted clock; each shift is logged', async () => {
    const { session, clock } = await readySession();
    expect(session.snapshot().clockOffsetMs, 'real time at first').toBe(0);
    session.debug.shiftClock(MINUTE);
    session.debug.shiftClock(10 * MINUTE);
    const snap = session.snapshot();
    expect(snap.clockOffsetMs, 'total shift').toBe(11 * MINUTE);
    expect(snap.now, 'snapshot time on the shifted clock').toBe(clock.t + 11 * MINUTE);
    const lines = session.log().map((e) => e.message);
    expect(lines, 'the log says what moved').toContain('clock shifted +1 min (now +1 min ahead)');
    expect(lines).toContain('clock shifted +10 min (now +11 min ahead)');
  });

  it('judges every expiry rule on the shifted clock: status, auto-refresh inside the margin', async () => {
    const { session, backend } = await readySession({ refreshWindowSeconds: 600 });
    expect(session.snapshot().tokenStatus).toBe('valid');
    session.debug.shiftClock(HOUR - 5 * MINUTE); // inside the 10 min margin
    expect(session.snapshot().tokenStatus, '5 min before expiry on the shifted clock').toBe('expiring');
    const before = backend.calls.refresh;
    await session.retrieveToken();
    expect(backend.calls.refresh, 'retrieveToken refreshed automatically').toBe(before + 1);
    expect(session.snapshot().tokenStatus, 'the refreshed token is valid').toBe('valid');
  });

  it('after shiftClock(lifetime) an anonymous token is expired and retrieveToken() gets a new one, issued on the shifted clock', async () => {
    const { session, clock } = await readySession();
    const first = session.snapshot().token!;
    session.debug.shiftClock(HOUR);
    expect(session.snapshot().tokenStatus, 'expired after a shift of its lifetime').toBe('expired');
    const token = await session.retrieveToken();
    expect(token.tokenString, 'a new token').not.toBe(first.tokenString);
    expect(claimsOf(token.tokenString).iat, 'the dev backend issued it on the shifted clock').toBe((clock.t + HOUR) / 1000);
    expect(token.expirationDate.getTime(), 'exp one lifetime after the shifted now').toBe(clock.t + 2 * HOUR);
    expect(session.snapshot().tokenStatus).toBe('valid');
  });

  it('after shiftClock(lifetime) a customer token is expired: retrieveToken() and refreshToken() reject with 3210', async () => {
    const { session } = await readySession();
    await session.signIn('ann', 'pw');
    session.debug.shiftClock(HOUR);
    expect(session.snapshot().signedIn, 'no longer signed in').toBe(false);
    expect(await rejection(session.retrieveToken())).toMatchObject({ code: 3210, kind: 'session-expired' });
    expect(await rejection(session.refreshToken())).toMatchObject({ code: 3210, kind: 'session-expired' });
  });

  it('the dev backend follows the shift: a refresh half-way through issues from the shifted now', async () => {
    const { session, clock } = await readySession();
    session.debug.shiftClock(30 * MINUTE);
    const token = await session.refreshToken();
    expect(claimsOf(token.tokenString).iat, 'iat on the shifted clock').toBe((clock.t + 30 * MINUTE) / 1000);
  });

  it('the dev backend refuses, on the shifted clock, a token that expired there (even if the session let it through)', async () => {
    const { backend, clock } = await readySession();
    const jwt = await backend.anonymous({ uuid: '11111111-2222-4333-8444-555555555555', deviceId: 'd' });
    expect(await rejection(backend.refresh({ token: jwt }, { clockOffsetMs: HOUR }))).toMatchObject({ code: 3210 });
    expect(claimsOf(await backend.refresh({ token: jwt }, { clockOffsetMs: 0 })).iat).toBe(clock.t / 1000);
  });

  it('resetClock() goes back to real time and says so', async () => {
    const { session, clock } = await readySession();
    session.debug.shiftClock(HOUR);
    session.debug.resetClock();
    expect(session.snapshot().clockOffsetMs).toBe(0);
    expect(session.snapshot().now).toBe(clock.t);
    expect(session.log().at(-1)?.message).toBe('clock back to real time');
  });

  it('works in the default createSession() too (its own dev backend follows)', async () => {
    const session = createSession({ storage: 'memory', devtools: false });
    await session.ready;
    session.debug.shiftClock(HOUR);
    const token = await session.retrieveToken();
    expect(token.expirationDate.getTime() - Date.now(), 'exp about two hours from real now').toBeGreaterThan(HOUR + 59 * MINUTE);
    session.dispose();
  });

  it('a disposed session refuses to shift', async () => {
    const { session } = await readySession();
    session.dispose();
    expect(() => session.debug.shiftClock(1000)).toThrow(expect.objectContaining({ kind: 'disposed' }) as Error);
  });
});

describe('clock and lifetime commands (what the panel sends)', () => {
  it('shiftClock, resetClock and setTokenTtl run through executeCommand; bad arguments are typed errors', async () => {
    const { session } = await readySession();
    expect(await executeCommand(session, 'shiftClock', [MINUTE])).toEqual({ ok: true, value: null });
    expect(session.snapshot().clockOffsetMs).toBe(MINUTE);
    expect(await executeCommand(session, 'shiftClock', [-5])).toMatchObject({ ok: false, error: { kind: 'invalid-argument' } });
    expect(await executeCommand(session, 'shiftClock', ['5'])).toMatchObject({ ok: false, error: { kind: 'invalid-argument' } });
    expect(await executeCommand(session, 'resetClock', [])).toEqual({ ok: true, value: null });
    expect(session.snapshot().clockOffsetMs).toBe(0);
    expect(await executeCommand(session, 'setTokenTtl', [120])).toEqual({ ok: true, value: null });
    expect(session.snapshot().backend.faults?.tokenTtlSeconds, 'the lifetime shows in the snapshot').toBe(120);
    expect(await executeCommand(session, 'setTokenTtl', [0])).toMatchObject({ ok: false, error: { kind: 'invalid-argument' } });
  });

  it('setTokenTtl sets the lifetime of the next tokens; null restores the configured one', async () => {
    const { session } = await readySession();
    await executeCommand(session, 'setTokenTtl', [90]);
    const short = await session.refreshToken();
    const c = claimsOf(short.tokenString);
    expect((c.exp as number) - (c.iat as number), '90 s token').toBe(90);
    await executeCommand(session, 'setTokenTtl', [null]);
    expect(session.snapshot().backend.faults?.tokenTtlSeconds).toBe(3600);
  });
});

describe('dev backend fault wording and timing', () => {
  it('an injected timeout hangs until the session gives up (its requestTimeoutMs), not at once', async () => {
    const { session } = await readySession({ requestTimeoutMs: 40 });
    session.debug.faults!.failNext('refresh', { kind: 'timeout', message: 'Injected timeout' });
    const error = await rejection(session.refreshToken());
    // Today's code failed at once with the injected message; a hanging backend ends with the session's own timeout.
    expect(error).toMatchObject({ kind: 'timeout', message: 'The backend did not answer the refresh call within 40 ms' });
  });

  it('an already-expired token: the request line says so, the refresh fails as invalid-response and the old token stays', async () => {
    const { session } = await readySession();
    const before = session.snapshot().token!.tokenString;
    session.debug.faults!.issueExpiredNext();
    expect(await rejection(session.refreshToken())).toMatchObject({ kind: 'invalid-response' });
    const snap = session.snapshot();
    expect(snap.token?.tokenString, 'the current token is kept').toBe(before);
    expect(snap.backend.lastRequest, 'the request line tells the same story').toMatchObject({
      ok: true,
      note: 'answered with an already-expired token (fault injection)',
    });
  });
});
