import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createDevBackend, createSession, type AuthBackend, type BackendCallContext, type Session, type Token } from '../../src/core/index.js';
import { MapStorage } from './support/map-storage.js';
import { HOUR } from './support/session-fixture.js';

// Issue #14, "tabs whose clocks differ": tabs of one app share one storage, but each reads its own clock. The token
// issuer (the dev backend here) reads the true clock; a tab's `now` option runs ahead of it or not. Before the fix,
// each tab judged expiry from the receipt time the writing tab stored on its own clock: after a tab an hour ahead
// wrote the token, the other tabs handed out dead tokens and showed an hour left.

const open: Session[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.dispose();
});
const delivered = (ms = 40): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const T0 = Date.UTC(2026, 10, 24, 12, 0, 0) + 400;
const TTL_S = 60;

/** `realServer`: an issuer that, like createHttpBackend's server, does not follow a session's debug clock shift. */
function world({ realServer = false } = {}) {
  const issuer = { now: T0 };
  const storage = new MapStorage();
  const namespace = `skew-${randomUUID().slice(0, 8)}`;
  const dev = createDevBackend({ now: () => issuer.now, keyStorage: 'memory', tokenTtlSeconds: TTL_S });
  const unshifted = (context: BackendCallContext | undefined): BackendCallContext | undefined => (context ? { ...context, clockOffsetMs: 0 } : context);
  const backend: AuthBackend = realServer
    ? {
        anonymous: (req, context) => dev.anonymous(req, unshifted(context)),
        refresh: (req, context) => dev.refresh(req, unshifted(context)),
        signIn: (req, context) => dev.signIn(req, unshifted(context)),
        signOut: (req, context) => dev.signOut(req, unshifted(context)),
      }
    : dev;
  const tab = (aheadMs: number): Session => {
    const s = createSession({ backend, storage, namespace, crossTab: true, devtools: false, now: () => issuer.now + aheadMs, requestTimeoutMs: 5000 });
    open.push(s);
    return s;
  };
  return { issuer, tab };
}

const dead = (token: Token, issuerNow: number): boolean => issuerNow >= token.expirationDate.getTime();

describe('tabs whose clocks differ share one storage', () => {
  it('after a tab an hour ahead wrote the token, a tab on the right clock hands out no dead token (40 calls over two lifetimes)', async () => {
    const { issuer, tab } = world();
    const ahead = tab(HOUR);
    await ahead.ready; // its anonymous login: the stored token, written on a clock an hour ahead
    const right = tab(0);
    await right.ready;
    await delivered();
    expect(right.snapshot().token?.tokenString).toBe(ahead.snapshot().token?.tokenString);
    // What the tab on the right clock shows: the token's real time left, not an hour more.
    const snap = right.snapshot();
    expect(Math.abs(snap.token!.expiresAt - snap.now - (snap.token!.exp - issuer.now))).toBeLessThan(1500);
    let deadCount = 0;
    for (let call = 0; call < 40; call++) {
      issuer.now += 3000;
      if (dead(await right.retrieveToken(), issuer.now)) deadCount++;
    }
    expect(deadCount, 'dead tokens handed out by the tab on the right clock').toBe(0);
  });

  it('a tab an hour ahead started after a customer signed in elsewhere: signed in, the same token, no request, no sign-out', async () => {
    const { issuer, tab } = world();
    const right = tab(0);
    await right.ready;
    await right.signIn('ann', 'pw');
    const ahead = tab(HOUR);
    const requests: string[] = [];
    const signedOut: string[] = [];
    ahead.subscribe((e) => e.type === 'request' && requests.push(e.request.target));
    ahead.subscribe((e) => e.type === 'signed-out' && signedOut.push(e.reason));
    await ahead.ready;
    await delivered();
    const snap = ahead.snapshot();
    expect([snap.signedIn, snap.tokenStatus, snap.login]).toEqual([true, 'valid', 'ann']);
    expect(Math.abs(snap.token!.expiresAt - snap.now - (snap.token!.exp - issuer.now))).toBeLessThan(1500);
    const handed = await ahead.retrieveToken();
    expect(handed.tokenString).toBe(right.snapshot().token!.tokenString);
    expect(requests, 'requests of the tab an hour ahead').toEqual([]);
    expect(signedOut, 'the tab an hour ahead never said the customer was signed out').toEqual([]);
    // And once the real lifetime is over, that tab says so instead of handing out the dead token.
    issuer.now += TTL_S * 1000 + 1000;
    await expect(ahead.retrieveToken()).rejects.toMatchObject({ kind: 'session-expired' });
  });

  it('a tab that measured the issuer itself keeps its own view when a tab an hour ahead refreshes', async () => {
    const { issuer, tab } = world();
    const right = tab(0);
    await right.ready; // measured: its own anonymous login
    const ahead = tab(HOUR);
    await ahead.ready;
    await delivered();
    issuer.now += 10_000;
    const refreshed = await ahead.refreshToken();
    await delivered();
    const snap = right.snapshot();
    expect(snap.token?.tokenString).toBe(refreshed.tokenString);
    expect(Math.abs(snap.token!.expiresAt - snap.now - (snap.token!.exp - issuer.now))).toBeLessThan(1500);
    issuer.now = refreshed.expirationDate.getTime() + 1;
    const handed = await right.retrieveToken();
    expect(dead(handed, issuer.now), 'handed out a dead token').toBe(false);
  });

  it('a tab an hour ahead asked for a token before ready (as the Client facade does) says no sign-out either', async () => {
    const { tab } = world();
    const right = tab(0);
    await right.ready;
    await right.signIn('ann', 'pw');
    const ahead = tab(HOUR);
    const signedOut: string[] = [];
    ahead.subscribe((e) => e.type === 'signed-out' && signedOut.push(e.reason));
    const early = ahead.retrieveToken(); // before `ready`: start-up and this call wait for the peers' estimate together
    const also = ahead.retrieveToken();
    expect((await early).tokenString).toBe(right.snapshot().token!.tokenString);
    expect((await also).tokenString).toBe(right.snapshot().token!.tokenString);
    await ahead.ready;
    expect(signedOut, 'the tab an hour ahead never said the customer was signed out').toEqual([]);
  });

  it('after a clock shift and its reset, the tab judges tokens other tabs write by the real clock again', async () => {
    const { issuer, tab } = world({ realServer: true });
    const shifter = tab(0);
    await shifter.ready;
    const other = tab(0);
    await other.ready;
    shifter.debug.shiftClock(HOUR); // QA's time travel: the anonymous token is dead on the shifted clock
    await shifter.retrieveToken(); // a new one, measured on the shifted clock: the issuer looks an hour behind
    shifter.debug.resetClock();
    await delivered();
    issuer.now += 10_000;
    const refreshed = await other.refreshToken(); // written by a tab on the real clock
    await delivered();
    const seen = shifter.snapshot().token!;
    expect(seen.tokenString).toBe(refreshed.tokenString);
    expect(seen.expiresAt - seen.exp, 'ms the shifter believes the token lasts past its exp').toBeLessThanOrEqual(1000);
    issuer.now = seen.exp + 5 * 60_000;
    expect(dead(await shifter.retrieveToken(), issuer.now), 'handed out a dead token').toBe(false);
  });
});
