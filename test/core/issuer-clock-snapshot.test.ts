import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createDevBackend, createSession, type Session } from '../../src/core/index.js';
import { MapStorage } from './support/map-storage.js';
import { HOUR } from './support/session-fixture.js';

// snapshot().issuerClock: each session's estimate of the token issuer's clock (issue #14) as plain data, so the panel
// and the DevTools tab can show where it came from. The issuer (the dev backend) reads `issuer.now`, held still so
// the figures are exact: a request sent and answered at T0 + ahead, a whole-second iat 400 ms before T0.

const open: Session[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.dispose();
});
const delivered = (ms = 40): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const T0 = Date.UTC(2026, 10, 24, 12, 0, 0) + 400;

function world() {
  const issuer = { now: T0 };
  const storage = new MapStorage();
  const namespace = `clock-${randomUUID().slice(0, 8)}`;
  const backend = createDevBackend({ now: () => issuer.now, keyStorage: 'memory', tokenTtlSeconds: 600 });
  const tab = (aheadMs: number, crossTab = true): Session => {
    const s = createSession({ backend, storage, namespace, crossTab, devtools: false, now: () => issuer.now + aheadMs });
    open.push(s);
    return s;
  };
  return { tab };
}

describe('snapshot().issuerClock', () => {
  it('is "none" before the session asked the issuer anything, with no figures', () => {
    const session = world().tab(0, false);
    expect(session.snapshot().issuerClock).toEqual({ source: 'none' });
  });

  it('is "measured" after its own request: 0 when the clocks agree, with the range iat rounding leaves', async () => {
    const session = world().tab(0, false);
    await session.ready; // the anonymous login
    // iat = T0 − 400 ms (whole seconds); the request left and came back at T0: the issuer is 400 ms behind to 600 ms ahead.
    expect(session.snapshot().issuerClock).toEqual({ source: 'measured', offsetMs: 0, minOffsetMs: -400, maxOffsetMs: 600 });
    // It is structured-cloneable data, as the rest of the snapshot.
    expect(structuredClone(session.snapshot().issuerClock)).toEqual(session.snapshot().issuerClock);
  });

  it('is "measured" with the skew of a tab an hour ahead: the end of the range that expires tokens soonest', async () => {
    const session = world().tab(HOUR, false);
    await session.ready;
    expect(session.snapshot().issuerClock).toEqual({ source: 'measured', offsetMs: -HOUR + 600, minOffsetMs: -HOUR - 400, maxOffsetMs: -HOUR + 600 });
  });

  it('is "peer" in a tab that took another tab\'s estimate over the round trip, and did not ask the issuer itself', async () => {
    const { tab } = world();
    const ahead = tab(HOUR);
    await ahead.ready; // measured; its token stored for the other tabs
    const right = tab(0);
    const requests: string[] = [];
    right.subscribe((e) => e.type === 'request' && requests.push(e.request.target));
    expect(right.snapshot().issuerClock).toEqual({ source: 'none' });
    await right.ready;
    await delivered();
    expect(requests, 'requests of the tab that took the stored token').toEqual([]);
    // The peer's range (−1 h − 400 ms … −1 h + 600 ms on its clock) moved onto this clock, an hour behind it.
    expect(right.snapshot().issuerClock).toEqual({ source: 'peer', offsetMs: 0, minOffsetMs: -400, maxOffsetMs: 600 });
  });
});
