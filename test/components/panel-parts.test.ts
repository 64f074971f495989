// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { SessionSnapshot } from '../../src/core/types.js';
import { memoizedDecode } from '../../components/session-panel/claims-view.js';
import { pad2 } from '../../components/session-panel/format.js';
import { logExportJson } from '../../components/session-panel/log-export.js';
import { sessionNow, tokenStatus } from '../../components/session-panel/session-clock.js';
import { realSession } from './helpers/fixture.js';

// The pure pieces split out of <session-panel>: what the badge, the countdown and the export are computed from.

async function snapshotWithToken(): Promise<SessionSnapshot> {
  const { session } = await realSession({ ttl: 120 });
  const snap = session.snapshot();
  expect(snap.token, 'the session has a token').toBeTruthy();
  return snap;
}

describe('session clock', () => {
  it('token status: valid, expiring within the refresh margin, expired at expiry; none without a token', async () => {
    const snap = await snapshotWithToken();
    const expiresAt = snap.token!.expiresAt;
    expect(tokenStatus(undefined, 0), 'no snapshot yet').toBeNull();
    expect(tokenStatus({ ...snap, token: null }, 0), 'no token').toBe('none');
    expect(tokenStatus(snap, expiresAt - snap.refreshMarginMs - 1), 'just outside the margin').toBe('valid');
    expect(tokenStatus(snap, expiresAt - snap.refreshMarginMs), 'at the margin').toBe('expiring');
    expect(tokenStatus(snap, expiresAt - 1), 'a millisecond left').toBe('expiring');
    expect(tokenStatus(snap, expiresAt), 'at expiry').toBe('expired');
  });

  it("session time is the snapshot's time plus the local time since it arrived, never earlier", async () => {
    const snap = await snapshotWithToken();
    const selected = { id: 'a', snapshot: snap, receivedAt: 10_000 };
    expect(sessionNow(selected, 12_500), '2.5 s after it arrived').toBe(snap.now + 2_500);
    expect(sessionNow(selected, 9_000), 'a local clock that went back').toBe(snap.now);
    expect(sessionNow(null, 42), 'no session: the local clock').toBe(42);
    expect(sessionNow({ id: 'a', snapshot: undefined, receivedAt: 0 }, 42), 'no snapshot yet: the local clock').toBe(42);
  });
});

describe('log export', () => {
  it('redacts tokenString fields and JWT-shaped text anywhere unless tokens are included', async () => {
    const snap = await snapshotWithToken();
    const token = snap.token!.tokenString;
    const entries = [{ at: 1, kind: 'event' as const, message: `page logged ${token}` }];
    const redacted = logExportJson(snap, entries, 0, false);
    expect(redacted, 'no token anywhere').not.toContain(token);
    const data = JSON.parse(redacted) as { exportedAt: string; session: { token: { tokenString: string } }; entries: { message: string }[] };
    expect(data.session.token.tokenString, 'field redacted').toBe('[redacted]');
    expect(data.entries[0]?.message, 'token quoted in a message redacted').toBe('page logged [redacted]');
    expect(data.exportedAt, 'export time').toBe('1970-01-01T00:00:00.000Z');
    expect(logExportJson(snap, entries, 0, true), 'included on request').toContain(token);
    expect(JSON.parse(logExportJson(null, [], 0, false)), 'no session').toEqual({ exportedAt: '1970-01-01T00:00:00.000Z', session: null, entries: [] });
  });
});

describe('helpers', () => {
  it('memoizedDecode decodes a token once and again only when the token changes', async () => {
    const snap = await snapshotWithToken();
    const decode = memoizedDecode();
    const first = decode(snap.token!.tokenString);
    expect(first.ok, 'decoded').toBe(true);
    expect(decode(snap.token!.tokenString), 'same token: the same result object').toBe(first);
    expect(decode('not a token'), 'another token: decoded anew').not.toBe(first);
  });

  it('pad2 pads to two digits', () => {
    expect([0, 7, 10, 59].map(pad2)).toEqual(['00', '07', '10', '59']);
  });
});
