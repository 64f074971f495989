/**
 * Model-based tests of the session core (fast-check `fc.commands`).
 *
 * 1. `fc.asyncModelRun`: random sequences of every operation, clock jumps, devtools expiry and backend faults
 *    against the real embedded dev backend (real ES256 JWTs), one operation at a time plus bursts of concurrent
 *    callers. A small model predicts the UUID and the login; invariants are checked after every command.
 * 2. `fc.scheduledModelRun`: operations are started and NOT awaited, and every backend answer is released in an
 *    order chosen by the fast-check scheduler, so refreshes, sign-ins, sign-outs and anonymous acquisitions race
 *    destroys and regenerates. Each committed token must have been requested for the identity that is current
 *    when it is committed (the `#epoch` commit guard), and the settled state must be coherent.
 *
 * Time is an injected clock (`now` given to both the session and the backend); nothing sleeps.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SessionError,
  createDevBackend,
  createSession,
  isUuid,
  uuidFromName,
  type AuthBackend,
  type BackendCall,
  type BackendRequestInfo,
  type DevBackend,
  type Realm,
  type Session,
  type SessionErrorKind,
  type SessionEvent,
  type SignOutMode,
  type Token,
} from '../../src/core/index.js';
import { MapStorage } from './support/map-storage.js';

const T0 = 1_800_000_000_123; // deliberately not on a whole second
const UUID_LOWER = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NS = 'model';
const TTL_S = 600; // 10 min tokens; default window 1800 s → margin capped at 300 s
const WINDOW_MS = 1800 * 1000;

// ---------------------------------------------------------------- shared helpers

interface Clock {
  now: number;
}


function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

function expectKind(error: unknown, kind: SessionErrorKind, code: number): void {
  expect(error).toBeInstanceOf(SessionError);
  expect((error as SessionError).kind).toBe(kind);
  expect((error as SessionError).code).toBe(code);
}

/** Coherence of the session's observable state; shared by both model runs. */
function checkCoherence(session: Session, storage: MapStorage, clock: Clock, answersAreInstant = true): void {
  const snap = session.snapshot();
  const uuid = session.getUUID();
  // The UUID is always a well-formed lowercase UUID, the same everywhere it is shown.
  expect(uuid).toMatch(UUID_LOWER);
  expect(isUuid(uuid)).toBe(true);
  expect(snap.uuid).toBe(uuid);
  expect(snap.now).toBe(clock.now);
  expect(snap.signedIn).toBe(session.isSignedIn());

  const token = snap.token;
  if (token === null) {
    expect(snap.tokenStatus).toBe('none');
    expect(session.isSignedIn()).toBe(false);
  } else {
    const claims = claimsOf(token.tokenString);
    // The token belongs to the current UUID and its realm agrees with the login.
    expect(claims.sub).toBe(uuid);
    expect(token.rlm).toBe(claims.rlm);
    if (token.rlm === 'client') {
      expect(snap.login).not.toBeNull();
      expect(claims.customId).toBe(snap.login);
    } else {
      expect(snap.login).toBeNull();
    }
    // Never reported valid at or after its expiry (the session's own expiresAt)...
    const expired = clock.now >= token.expiresAt;
    const margin = Math.max(0, Math.min(WINDOW_MS, (token.expiresAt - token.receivedAt) / 2));
    expect(snap.tokenStatus).toBe(expired ? 'expired' : token.expiresAt - clock.now <= margin ? 'expiring' : 'valid');
    expect(session.isSignedIn()).toBe(token.rlm === 'client' && !expired);
    // ...nor a second or more past the `exp` claim. (expiresAt = receivedAt + (exp − iat) may run up to 999 ms past
    // `exp` because `iat` is whole seconds; see the report for the strict version.)
    // Only when answers take no session-clock time: the lifetime is counted from receipt, by design.
    if (answersAreInstant) {
      if (clock.now >= Number(claims.exp) * 1000 + 1000) {
        expect(snap.tokenStatus).toBe('expired');
        expect(session.isSignedIn()).toBe(false);
      }
    }
    expect(token.exp).toBe(Number(claims.exp) * 1000);
    expect(snap.refreshMarginMs).toBe(Math.max(0, Math.min(WINDOW_MS, (token.expiresAt - token.receivedAt) / 2)));
  }
  // Nothing under way once every call has settled.
  expect(snap.pending).toEqual([]);
  // The persisted value is the state, always.
  const stored = JSON.parse(storage.getItem(`${NS}:state`) ?? 'null') as {
    v: number;
    uuid: string;
    login: string | null;
    token: { tokenString: string } | null;
  };
  expect(stored.v).toBe(1);
  expect(stored.uuid).toBe(uuid);
  expect(stored.login).toBe(snap.login);
  expect(stored.token?.tokenString ?? null).toBe(token?.tokenString ?? null);
}

/** Situations actually reached, so a property can never pass vacuously. */
const tally = new Map<string, number>();
const saw = (what: string): void => void tally.set(what, (tally.get(what) ?? 0) + 1);

// ================================================================ 1. asyncModelRun against the dev backend

interface Model {
  uuid: string;
  login: string | null;
}

/** Wraps the dev backend: counts calls and refreshes in flight, and records when each refresh was asked for. */
class CountingBackend implements AuthBackend {
  readonly calls: Record<BackendCall, number> = { anonymous: 0, refresh: 0, signIn: 0, signOut: 0 };
  refreshInFlight = 0;
  maxRefreshInFlight = 0;
  readonly inFlightByToken = new Map<string, number>();
  /**
   * The documented floor, observed from outside: no automatic refresh before `autoNotBefore` (1 s after any refresh
   * started; after k consecutive failures, min(1 s × 2^k, 60 s) after the failure). Identity resets clear it.
   */
  autoNotBefore = Number.NEGATIVE_INFINITY;
  consecutiveFailures = 0;
  readonly violations: string[] = [];
  session: Session | undefined;

  constructor(
    readonly dev: DevBackend,
    private readonly clock: Clock,
  ) {}

  get faults(): DevBackend['faults'] {
    return this.dev.faults;
  }
  describe(): ReturnType<DevBackend['describe']> {
    return this.dev.describe();
  }
  get onRequest(): ((info: BackendRequestInfo) => void) | undefined {
    return this.dev.onRequest;
  }
  set onRequest(fn: ((info: BackendRequestInfo) => void) | undefined) {
    this.dev.onRequest = fn;
  }

  anonymous(req: { uuid: string; deviceId: string }): Promise<string> {
    this.calls.anonymous++;
    return this.dev.anonymous(req);
  }

  async refresh(req: { token: string }): Promise<string> {
    this.calls.refresh++;
    const now = this.clock.now;
    const pending = this.session?.snapshot().pending ?? [];
    if (pending.includes('autoRefresh') && !pending.includes('refreshToken')) {
      saw(this.consecutiveFailures > 0 ? 'automatic refresh after a failure' : 'automatic refresh');
      if (now < this.autoNotBefore) {
        this.violations.push(`automatic refresh at ${now}, ${this.autoNotBefore - now} ms before it was allowed (${this.consecutiveFailures} failures)`);
      }
    }
    this.autoNotBefore = now + 1000;
    this.refreshInFlight++;
    this.maxRefreshInFlight = Math.max(this.maxRefreshInFlight, this.refreshInFlight);
    const perToken = (this.inFlightByToken.get(req.token) ?? 0) + 1;
    this.inFlightByToken.set(req.token, perToken);
    if (perToken > 1) this.violations.push(`${perToken} refreshes of one token in flight`);
    try {
      const token = await this.dev.refresh(req);
      const claims = claimsOf(token);
      if (Number(claims.exp) <= Number(claims.iat)) {
        // Already expired on arrival: the session refuses it, so for the back-off it is a failure like any other.
        this.consecutiveFailures++;
        this.autoNotBefore = this.clock.now + Math.min(1000 * 2 ** this.consecutiveFailures, 60_000);
        return token;
      }
      this.consecutiveFailures = 0;
      return token;
    } catch (error) {
      this.consecutiveFailures++;
      this.autoNotBefore = this.clock.now + Math.min(1000 * 2 ** this.consecutiveFailures, 60_000);
      throw error;
    } finally {
      this.refreshInFlight--;
      this.inFlightByToken.set(req.token, (this.inFlightByToken.get(req.token) ?? 1) - 1);
    }
  }

  signIn(req: { login: string; password: string; uuid: string; deviceId: string }): Promise<string> {
    this.calls.signIn++;
    return this.dev.signIn(req);
  }

  signOut(req: { token: string; mode: SignOutMode }): Promise<void> {
    this.calls.signOut++;
    return this.dev.signOut(req);
  }
}

interface Real {
  readonly session: Session;
  readonly backend: CountingBackend;
  readonly storage: MapStorage;
  readonly clock: Clock;
  readonly deviceId: string;
  readonly events: SessionEvent[];
}

type Cmd = fc.AsyncCommand<Model, Real>;

function afterCommand(m: Model, r: Real): void {
  expect(r.session.getUUID()).toBe(m.uuid);
  expect(r.session.snapshot().login).toBe(m.login);
  checkCoherence(r.session, r.storage, r.clock);
  expect(r.backend.violations).toEqual([]);
  expect(r.backend.maxRefreshInFlight).toBeLessThanOrEqual(1);
}

/** Identity resets also reset the session's one-refresh-per-second floor. */
function identityReset(r: Real): void {
  r.backend.autoNotBefore = Number.NEGATIVE_INFINITY;
  r.backend.consecutiveFailures = 0;
}

class GetUUID implements Cmd {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    expect(r.session.getUUID()).toBe(m.uuid);
    afterCommand(m, r);
  }
  toString = (): string => 'getUUID()';
}

class RetrieveToken implements Cmd {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const before = r.session.snapshot();
    const clientExpired = before.token?.rlm === 'client' && r.clock.now >= before.token.expiresAt;
    const refreshCalls = r.backend.calls.refresh;
    const allowed = r.clock.now >= r.backend.autoNotBefore;
    const result = await settle(r.session.retrieveToken());
    // Automatic refresh, recomputed independently: margin = min(window, lifetime / 2); due inside the margin, and
    // then always refreshed unless the floor or the backoff forbids it. Outside the margin: no backend call at all.
    const t = before.token;
    if (t && r.clock.now < t.expiresAt) {
      const margin = Math.max(0, Math.min(WINDOW_MS, (t.expiresAt - t.receivedAt) / 2));
      const due = t.expiresAt - r.clock.now <= margin;
      expect(r.backend.calls.refresh - refreshCalls, due ? (allowed ? 'due: refreshed' : 'due but held back') : 'not due').toBe(due && allowed ? 1 : 0);
      if (!due) expect(result).toMatchObject({ ok: true, value: { tokenString: t.tokenString } });
    }
    saw(result.ok ? 'retrieve ok' : 'retrieve failed');
    if (clientExpired) {
      saw('retrieve with expired client token');
      // An expired client token: 3210, and nothing changes (the customer must sign in again).
      expect(result.ok).toBe(false);
      if (!result.ok) expectKind(result.error, 'session-expired', 3210);
      expect(r.session.snapshot().token).toEqual(before.token);
    }
    if (result.ok) {
      const after = r.session.snapshot();
      expect(result.value.tokenString).toBe(after.token?.tokenString);
      expect(claimsOf(result.value.tokenString).sub).toBe(m.uuid);
      expect(after.tokenStatus).not.toBe('expired'); // the token handed out is active
      expect(result.value.expirationDate.getTime()).toBe(after.token!.exp);
      if (before.token?.rlm === 'client') expect(result.value.rlm).toBe('client'); // never silently downgraded
    } else {
      expect(result.error).toBeInstanceOf(SessionError);
    }
    afterCommand(m, r);
  }
  toString = (): string => 'retrieveToken()';
}

class RefreshToken implements Cmd {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const before = r.session.snapshot();
    const result = await settle(r.session.refreshToken());
    saw(result.ok ? 'refresh ok' : 'refresh failed');
    if (before.token === null || r.clock.now >= before.token.expiresAt) {
      expect(result.ok).toBe(false);
      if (!result.ok) expectKind(result.error, 'session-expired', 3210);
    }
    if (result.ok) {
      const after = r.session.snapshot();
      expect(result.value.tokenString).toBe(after.token?.tokenString);
      expect(result.value.tokenString).not.toBe(before.token?.tokenString);
      expect(result.value.rlm).toBe(before.token?.rlm);
      expect(claimsOf(result.value.tokenString).sub).toBe(m.uuid);
      // A refresh resolves with an active token: an already-expired answer is refused, never committed.
      expect(after.tokenStatus).not.toBe('expired');
    } else {
      expect(result.error).toBeInstanceOf(SessionError);
      expect(r.session.snapshot().token).toEqual(before.token); // a failed refresh changes nothing
    }
    afterCommand(m, r);
  }
  toString = (): string => 'refreshToken()';
}

class Regenerate implements Cmd {
  constructor(readonly seed: string | null) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const signedIn = r.session.isSignedIn();
    const before = r.session.snapshot();
    const promise = this.seed === null ? r.session.regenerateUUID() : r.session.regenerateUUIDWithClientIdentifier(this.seed);
    saw(signedIn ? 'regenerate while signed in' : 'regenerate while anonymous');
    if (signedIn) {
      // Regenerate never changes a signed-in session.
      expect(await promise).toBe(false);
      expect(r.session.snapshot().token).toEqual(before.token);
      expect(r.session.snapshot().login).toBe(before.login);
    } else {
      // The UUID changes at once, before the new token arrives.
      const expected = this.seed === null ? null : uuidFromName(r.deviceId + this.seed);
      if (expected !== null) expect(r.session.getUUID()).toBe(expected);
      else expect(r.session.getUUID()).not.toBe(before.uuid);
      expect(r.session.snapshot().token).toBeNull();
      m.uuid = r.session.getUUID();
      m.login = null;
      identityReset(r);
      expect(await promise).toBe(true);
      // Seeded UUIDs are deterministic: the same seed on this device always lands on the same UUID.
      if (expected !== null) expect(r.session.getUUID()).toBe(expected);
      const token = r.session.snapshot().token;
      if (token) expect(token.tokenString).not.toBe(before.token?.tokenString);
    }
    afterCommand(m, r);
  }
  toString = (): string => (this.seed === null ? 'regenerateUUID()' : `regenerateUUIDWithClientIdentifier(${JSON.stringify(this.seed)})`);
}

class Destroy implements Cmd {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const before = r.session.snapshot();
    const wasSignedIn = r.session.isSignedIn();
    saw(wasSignedIn ? 'destroy while signed in' : 'destroy while anonymous');
    const seen = r.events.length;
    const promise = r.session.destroySession();
    expect(r.session.getUUID()).not.toBe(before.uuid); // at once
    expect(r.session.snapshot().token).toBeNull();
    m.uuid = r.session.getUUID();
    m.login = null;
    identityReset(r);
    await promise;
    // No token survives a destroy: not in memory, not in storage.
    const after = r.session.snapshot();
    if (before.token) {
      expect(after.token?.tokenString).not.toBe(before.token.tokenString);
      expect(r.storage.getItem(`${NS}:state`)).not.toContain(before.token.tokenString);
    }
    expect(after.login).toBeNull();
    expect(r.session.isSignedIn()).toBe(false);
    const signedOut = r.events.slice(seen).filter((e) => e.type === 'signed-out');
    expect(signedOut).toEqual(wasSignedIn ? [expect.objectContaining({ reason: 'SESSION_DESTROYED' })] : []);
    afterCommand(m, r);
  }
  toString = (): string => 'destroySession()';
}

class SignIn implements Cmd {
  constructor(readonly login: string) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const expectedUuid = m.login === null || m.login === this.login ? m.uuid : uuidFromName(r.deviceId + this.login);
    const before = r.session.snapshot();
    const result = await settle(r.session.signIn(this.login, 'pw'));
    saw(result.ok ? (expectedUuid === m.uuid ? 'sign-in keeping the UUID' : 'sign-in as a different login') : 'sign-in failed');
    if (result.ok) {
      m.uuid = expectedUuid;
      m.login = this.login;
      const token = r.session.snapshot().token!;
      expect(token.rlm).toBe('client');
      expect(claimsOf(token.tokenString).sub).toBe(expectedUuid);
    } else {
      // The seeded UUID is committed only if sign-in succeeds.
      expect(result.error).toBeInstanceOf(SessionError);
      expect(r.session.snapshot().token).toEqual(before.token);
    }
    afterCommand(m, r);
  }
  toString = (): string => `signIn(${JSON.stringify(this.login)})`;
}

class SignOut implements Cmd {
  constructor(readonly mode: SignOutMode | undefined) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const before = r.session.snapshot();
    const seen = r.events.length;
    const result = await settle(r.session.signOut(this.mode));
    saw(m.login === null ? 'sign-out while signed out' : `sign-out ${this.mode ?? 'default'}`);
    if (m.login === null) {
      expect(result.ok).toBe(false);
      if (!result.ok) expectKind(result.error, 'already-signed-out', 3220);
      expect(r.session.snapshot().token).toEqual(before.token);
    } else {
      expect(result.ok).toBe(true); // the SDKs sign out locally whatever the backend says
      if (this.mode === 'SIGN_OUT_WITH_SESSION_DESTROY') expect(r.session.getUUID()).not.toBe(m.uuid);
      else expect(r.session.getUUID()).toBe(m.uuid);
      m.uuid = r.session.getUUID();
      m.login = null;
      identityReset(r);
      const token = r.session.snapshot().token;
      if (token) expect(token.rlm).toBe('anonymous_client');
      expect(r.events.slice(seen).filter((e) => e.type === 'signed-out')).toEqual([
        // With session destroy it behaves like destroySession(), reason included.
        expect.objectContaining({ reason: this.mode === 'SIGN_OUT_WITH_SESSION_DESTROY' ? 'SESSION_DESTROYED' : 'USER_SIGN_OUT' }),
      ]);
    }
    afterCommand(m, r);
  }
  toString = (): string => `signOut(${this.mode === undefined ? '' : JSON.stringify(this.mode)})`;
}

class UuidForAuthentication implements Cmd {
  constructor(readonly authId: string) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const before = r.session.snapshot();
    const expected = m.login === null || m.login === this.authId ? m.uuid : uuidFromName(r.deviceId + this.authId);
    expect(r.session.getUUIDForAuthentication(this.authId)).toBe(expected);
    const after = r.session.snapshot();
    expect(after.uuid).toBe(before.uuid);
    expect(after.token).toEqual(before.token);
    afterCommand(m, r);
  }
  toString = (): string => `getUUIDForAuthentication(${JSON.stringify(this.authId)})`;
}

class ClockJump implements Cmd {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    r.clock.now += this.ms;
    afterCommand(m, r);
  }
  toString = (): string => `clock += ${this.ms} ms`;
}

class ExpireToken implements Cmd {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const had = r.session.snapshot().token;
    r.session.debug.expireToken();
    const after = r.session.snapshot();
    if (had) {
      expect(after.tokenStatus).toBe('expired');
      expect(after.token?.tokenString).toBe(had.tokenString);
      expect(r.session.isSignedIn()).toBe(false);
    } else {
      expect(after.token).toBeNull();
    }
    afterCommand(m, r);
  }
  toString = (): string => 'debug.expireToken()';
}

/** Small clock steps with a retrieveToken() after each: where the refresh floor and the backoff show. */
class RetrieveSeries implements Cmd {
  constructor(readonly steps: readonly number[]) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    for (const step of this.steps) {
      r.clock.now += step;
      await new RetrieveToken().run(m, r);
    }
  }
  toString = (): string => `retrieveToken() after each of ${JSON.stringify(this.steps)} ms`;
}

/** Moves the clock into the current token's refresh margin, makes the next refresh fail, then retrieves in steps. */
class FailingAutoRefresh implements Cmd {
  constructor(
    readonly kind: SessionErrorKind,
    readonly steps: readonly number[],
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const token = r.session.snapshot().token;
    if (token && r.clock.now < token.expiresAt - r.session.snapshot().refreshMarginMs) {
      r.clock.now = token.expiresAt - Math.floor(r.session.snapshot().refreshMarginMs / 2);
    }
    r.backend.faults.failNext('refresh', { kind: this.kind });
    await new RetrieveSeries(this.steps).run(m, r);
  }
  toString = (): string => `failing automatic refresh (${this.kind}), then retrieveToken() after each of ${JSON.stringify(this.steps)} ms`;
}

/** The backend goes offline while the token is due: automatic refreshes back off 2 s, 4 s, 8 s, ... capped at 60 s. */
class OfflineStorm implements Cmd {
  constructor(readonly attempts: number) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const token = r.session.snapshot().token;
    if (token && r.clock.now < token.expiresAt) {
      const margin = r.session.snapshot().refreshMarginMs;
      r.clock.now = Math.max(r.clock.now, token.expiresAt - margin + 1);
      r.backend.faults.setOffline(true);
      try {
        for (let i = 0; i < this.attempts; i++) {
          // Exactly when the next automatic refresh is allowed (or now, if already allowed).
          r.clock.now = Math.max(r.clock.now, r.backend.autoNotBefore);
          if (r.clock.now >= token.expiresAt) break;
          if (r.backend.consecutiveFailures >= 6) saw('backoff at its cap');
          await new RetrieveToken().run(m, r);
        }
      } finally {
        r.backend.faults.setOffline(false);
      }
    }
    afterCommand(m, r);
  }
  toString = (): string => `offline storm of ${this.attempts} automatic refreshes`;
}

type Fault =
  | { readonly type: 'failNext'; readonly call: BackendCall; readonly kind: SessionErrorKind }
  | { readonly type: 'offline'; readonly offline: boolean }
  | { readonly type: 'expiredNext' }
  | { readonly type: 'clear' };

class InjectFault implements Cmd {
  constructor(readonly fault: Fault) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const faults = r.session.debug.faults!;
    const f = this.fault;
    if (f.type === 'failNext') faults.failNext(f.call, { kind: f.kind });
    else if (f.type === 'offline') faults.setOffline(f.offline);
    else if (f.type === 'expiredNext') faults.issueExpiredNext();
    else faults.clear();
    afterCommand(m, r);
  }
  toString = (): string => `fault ${JSON.stringify(this.fault)}`;
}

/** Many concurrent callers: one backend refresh at most, and every refreshToken() caller gets the same token. */
class Burst implements Cmd {
  constructor(readonly callers: number) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const calls = { ...r.backend.calls };
    const refreshes = Array.from({ length: this.callers }, () => settle(r.session.refreshToken()));
    const retrieves = Array.from({ length: this.callers }, () => settle(r.session.retrieveToken()));
    const [refreshed, retrieved] = await Promise.all([Promise.all(refreshes), Promise.all(retrieves)]);
    saw(refreshed.some((x) => x.ok) ? 'burst refreshed' : 'burst failed');
    expect(r.backend.calls.refresh - calls.refresh).toBeLessThanOrEqual(1);
    expect(r.backend.calls.anonymous - calls.anonymous).toBeLessThanOrEqual(1);
    const strings = new Set(refreshed.flatMap((x) => (x.ok ? [x.value.tokenString] : [])));
    expect(strings.size).toBeLessThanOrEqual(1);
    // All refreshToken() callers share one outcome.
    expect(new Set(refreshed.map((x) => x.ok)).size).toBe(1);
    for (const x of [...refreshed, ...retrieved]) {
      if (x.ok) expect(claimsOf((x.value as Token).tokenString).sub).toBe(m.uuid);
      else expect(x.error).toBeInstanceOf(SessionError);
    }
    afterCommand(m, r);
  }
  toString = (): string => `burst of ${this.callers} refreshToken() + ${this.callers} retrieveToken()`;
}

const seedArb = fc.oneof(
  fc.constantFrom('abc', 'customer-1', '\ud83d\ude00', 'za\u017c\u00f3\u0142\u0107'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 }),
);
const loginArb = fc.constantFrom('alice@example.com', 'bob', '\ud83d\ude00-user', '12345');
const jumpArb = fc.oneof(
  fc.integer({ min: 0, max: 1_500 }), // around the 1 s refresh floor
  fc.integer({ min: 1_000, max: 400_000 }), // into the refresh margin (300 s)
  fc.integer({ min: 290_000, max: 310_000 }), // straddling the margin boundary
  fc.integer({ min: 590_000, max: 610_000 }), // straddling expiry (600 s)
  fc.integer({ min: 0, max: 3 * TTL_S * 1000 }),
);
const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({
    type: fc.constant('failNext' as const),
    call: fc.constantFrom<BackendCall>('anonymous', 'refresh', 'signIn', 'signOut'),
    kind: fc.constantFrom<SessionErrorKind>('network', 'backend', 'unauthorized', 'timeout', 'session-expired'),
  }),
  fc.record({ type: fc.constant('offline' as const), offline: fc.boolean() }),
  fc.constant({ type: 'expiredNext' as const }),
  fc.constant({ type: 'clear' as const }),
);

const commandArbs: fc.Arbitrary<Cmd>[] = [
  fc.constant(new GetUUID()),
  fc.constant(new RetrieveToken()),
  fc.constant(new RefreshToken()),
  fc.constant(new Regenerate(null)),
  seedArb.map((seed) => new Regenerate(seed)),
  fc.constant(new Destroy()),
  loginArb.map((login) => new SignIn(login)),
  fc.constantFrom<SignOutMode | undefined>(undefined, 'SIGN_OUT', 'SIGN_OUT_WITH_SESSION_DESTROY').map((mode) => new SignOut(mode)),
  fc.oneof(loginArb, seedArb).map((id) => new UuidForAuthentication(id)),
  jumpArb.map((ms) => new ClockJump(ms)),
  fc.constant(new ExpireToken()),
  faultArb.map((f) => new InjectFault(f)),
  fc.constant(new InjectFault({ type: 'failNext', call: 'refresh', kind: 'network' })),
  fc.integer({ min: 2, max: 12 }).map((n) => new Burst(n)),
  fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 2, maxLength: 8 }).map((steps) => new RetrieveSeries(steps)),
  fc
    .tuple(fc.constantFrom<SessionErrorKind>('network', 'backend', 'timeout'), fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 2, maxLength: 8 }))
    .map(([kind, steps]) => new FailingAutoRefresh(kind, steps)),
  fc.integer({ min: 1, max: 9 }).map((n) => new OfflineStorm(n)),
];

async function setupReal(deviceId: string | undefined): Promise<{ model: Model; real: Real }> {
  const clock: Clock = { now: T0 };
  const now = (): number => clock.now;
  const backend = new CountingBackend(createDevBackend({ now, tokenTtlSeconds: TTL_S }), clock);
  const storage = new MapStorage();
  const session = createSession({
    backend,
    now,
    storage,
    namespace: NS,
    devtools: false,
    logLimit: 50,
    ...(deviceId === undefined ? {} : { deviceId }),
  });
  backend.session = session;
  const events: SessionEvent[] = [];
  session.subscribe((e) => events.push(e));
  await session.ready;
  const real: Real = { session, backend, storage, clock, deviceId: session.snapshot().deviceId, events };
  if (deviceId !== undefined) expect(real.deviceId).toBe(deviceId);
  const model: Model = { uuid: session.getUUID(), login: null };
  afterCommand(model, real);
  return { model, real };
}

describe('model-based: random operation sequences against the dev backend (fc.asyncModelRun)', () => {
  it('keeps every invariant across operations, clock jumps, devtools expiry, faults and bursts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.stringMatching(/^[\w-]{1,24}$/), { nil: undefined }),
        fc.commands(commandArbs, { maxCommands: 40, size: 'medium' }),
        async (deviceId, cmds) => {
          let session: Session | undefined;
          try {
            await fc.asyncModelRun(async () => {
              const setup = await setupReal(deviceId);
              session = setup.real.session;
              return setup;
            }, cmds);
          } finally {
            session?.dispose();
          }
        },
      ),
      { numRuns: 60 },
    );
    for (const situation of [
      'retrieve ok',
      'retrieve failed',
      'retrieve with expired client token',
      'refresh ok',
      'refresh failed',
      'regenerate while signed in',
      'regenerate while anonymous',
      'destroy while signed in',
      'sign-in keeping the UUID',
      'sign-in as a different login',
      'sign-out SIGN_OUT_WITH_SESSION_DESTROY',
      'sign-out while signed out',
      'burst refreshed',
      'automatic refresh',
      'automatic refresh after a failure',
      'backoff at its cap',
    ]) {
      expect(tally.get(situation) ?? 0, situation).toBeGreaterThan(0);
    }
  });
});

// ================================================================ 2. scheduledModelRun: races

/**
 * A backend whose answers are released by the fast-check scheduler. Tokens are unsigned but well-formed JWTs minted
 * when the answer is released (the core decodes, it does not verify), so everything stays on the microtask queue.
 * Each token remembers the identity generation its request was made in.
 */
class RacingBackend implements AuthBackend {
  generation = 0;
  readonly issuedIn = new Map<string, number>();
  readonly violations: string[] = [];
  readonly failNext = new Set<BackendCall>();
  readonly inFlightByToken = new Map<string, number>();
  #seq = 0;
  scheduler: fc.Scheduler | null = null;

  constructor(private readonly clock: Clock) {}

  #deliver<T>(label: string, call: BackendCall, produce: () => T): Promise<T> {
    const fail = this.failNext.delete(call);
    const answer = (): T => {
      if (fail) throw new SessionError('network', `injected failure of ${call}`);
      return produce();
    };
    // Before the runs start (session start-up) answers come at once; afterwards the scheduler decides.
    if (this.scheduler === null) return Promise.resolve().then(answer);
    return this.scheduler.schedule(Promise.resolve(), label).then(answer);
  }

  #mint(generation: number, sub: string, rlm: Realm, customId?: string): string {
    const iat = Math.floor(this.clock.now / 1000);
    const claims: Record<string, unknown> = { sub, rlm, origin: rlm === 'client' ? 'SYNERISE' : 'ANONYMOUS', iat, exp: iat + TTL_S, jti: `t${++this.#seq}` };
    if (customId !== undefined) claims.customId = customId;
    const enc = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const jwt = `${enc({ alg: 'ES256', typ: 'JWT' })}.${enc(claims)}.${enc('sig')}`;
    this.issuedIn.set(jwt, generation);
    return jwt;
  }

  anonymous(req: { uuid: string; deviceId: string }): Promise<string> {
    const generation = this.generation;
    return this.#deliver(`anonymous(${req.uuid.slice(0, 8)})`, 'anonymous', () => this.#mint(generation, req.uuid, 'anonymous_client'));
  }

  refresh(req: { token: string }): Promise<string> {
    const generation = this.generation;
    const inFlight = (this.inFlightByToken.get(req.token) ?? 0) + 1;
    this.inFlightByToken.set(req.token, inFlight);
    if (inFlight > 1) this.violations.push(`${inFlight} refreshes of one token in flight`);
    const done = (): void => void this.inFlightByToken.set(req.token, (this.inFlightByToken.get(req.token) ?? 1) - 1);
    return this.#deliver('refresh', 'refresh', () => {
      const claims = claimsOf(req.token);
      if (!this.issuedIn.has(req.token)) throw new SessionError('unauthorized', 'not our token');
      if (this.clock.now >= Number(claims.exp) * 1000) throw new SessionError('session-expired', 'expired');
      return this.#mint(generation, String(claims.sub), claims.rlm as Realm, claims.customId as string | undefined);
    }).finally(done);
  }

  signIn(req: { login: string; password: string; uuid: string; deviceId: string }): Promise<string> {
    const generation = this.generation;
    return this.#deliver(`signIn(${req.login})`, 'signIn', () => this.#mint(generation, req.uuid, 'client', req.login));
  }

  signOut(req: { token: string; mode: SignOutMode }): Promise<void> {
    return this.#deliver(`signOut(${req.mode})`, 'signOut', () => undefined);
  }
}

interface RaceModel {
  /** Nothing to predict while calls race: the invariants are checked on the real system. */
  readonly runs: number;
}

interface RaceReal {
  readonly session: Session;
  readonly backend: RacingBackend;
  readonly storage: MapStorage;
  readonly clock: Clock;
  readonly deviceId: string;
  readonly operations: Promise<void>[];
  readonly unsettled: { count: number };
  readonly committed: Set<string>;
}

type RaceCmd = fc.AsyncCommand<RaceModel, RaceReal>;

/** Starts an operation without awaiting it; its own expectations run when it settles. */
function start<T>(r: RaceReal, promise: Promise<T>, onSettled: (result: { ok: true; value: T } | { ok: false; error: unknown }) => void): void {
  r.unsettled.count++;
  r.operations.push(
    settle(promise).then((result) => {
      r.unsettled.count--;
      if (!result.ok) expect(result.error).toBeInstanceOf(SessionError);
      onSettled(result);
    }),
  );
}

class RaceRefresh implements RaceCmd {
  check = (): boolean => true;
  async run(_m: RaceModel, r: RaceReal): Promise<void> {
    start(r, r.session.refreshToken(), () => undefined);
  }
  toString = (): string => 'start refreshToken()';
}

class RaceRetrieve implements RaceCmd {
  check = (): boolean => true;
  async run(_m: RaceModel, r: RaceReal): Promise<void> {
    start(r, r.session.retrieveToken(), () => undefined);
  }
  toString = (): string => 'start retrieveToken()';
}

class RaceDestroy implements RaceCmd {
  check = (): boolean => true;
  async run(_m: RaceModel, r: RaceReal): Promise<void> {
    const before = r.session.getUUID();
    start(r, r.session.destroySession(), () => undefined);
    r.backend.generation++;
    expect(r.session.getUUID()).not.toBe(before);
    expect(r.session.snapshot().token).toBeNull();
    expect(r.session.isSignedIn()).toBe(false);
  }
  toString = (): string => 'start destroySession()';
}

class RaceRegenerate implements RaceCmd {
  constructor(readonly seed: string | null) {}
  check = (): boolean => true;
  async run(_m: RaceModel, r: RaceReal): Promise<void> {
    const signedIn = r.session.isSignedIn();
    const before = r.session.snapshot();
    const promise = this.seed === null ? r.session.regenerateUUID() : r.session.regenerateUUIDWithClientIdentifier(this.seed);
    if (signedIn) {
      expect(r.session.getUUID()).toBe(before.uuid);
      expect(r.session.snapshot().token).toEqual(before.token);
      start(r, promise, (result) => expect(result).toEqual({ ok: true, value: false }));
    } else {
      r.backend.generation++;
      if (this.seed !== null) expect(r.session.getUUID()).toBe(uuidFromName(r.deviceId + this.seed));
      expect(r.session.snapshot().token).toBeNull();
      start(r, promise, (result) => expect(result).toEqual({ ok: true, value: true }));
    }
  }
  toString = (): string => (this.seed === null ? 'start regenerateUUID()' : `start regenerateUUIDWithClientIdentifier(${JSON.stringify(this.seed)})`);
}

class RaceSignIn implements RaceCmd {
  constructor(readonly login: string) {}
  check = (): boolean => true;
  async run(_m: RaceModel, r: RaceReal): Promise<void> {
    start(r, r.session.signIn(this.login, 'pw'), () => undefined);
  }
  toString = (): string => `start signIn(${JSON.stringify(this.login)})`;
}

class RaceSignOut implements RaceCmd {
  constructor(readonly mode: SignOutMode) {}
  check = (): boolean => true;
  async run(_m: RaceModel, r: RaceReal): Promise<void> {
    start(r, r.session.signOut(this.mode), () => undefined);
  }
  toString = (): string => `start signOut(${JSON.stringify(this.mode)})`;
}

class RaceClockJump implements RaceCmd {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  async run(_m: RaceModel, r: RaceReal): Promise<void> {
    r.clock.now += this.ms;
  }
  toString = (): string => `clock += ${this.ms} ms`;
}

class RaceExpire implements RaceCmd {
  check = (): boolean => true;
  async run(_m: RaceModel, r: RaceReal): Promise<void> {
    r.session.debug.expireToken();
    expect(r.session.isSignedIn()).toBe(false);
  }
  toString = (): string => 'debug.expireToken()';
}

class RaceFail implements RaceCmd {
  constructor(readonly call: BackendCall) {}
  check = (): boolean => true;
  async run(_m: RaceModel, r: RaceReal): Promise<void> {
    r.backend.failNext.add(this.call);
  }
  toString = (): string => `fail next ${this.call}`;
}

const raceCommandArbs: fc.Arbitrary<RaceCmd>[] = [
  fc.constant(new RaceRefresh()),
  fc.constant(new RaceRefresh()),
  fc.constant(new RaceRetrieve()),
  fc.constant(new RaceDestroy()),
  fc.constant(new RaceRegenerate(null)),
  fc.constantFrom('abc', '\ud83d\ude00', 'seed-2').map((seed) => new RaceRegenerate(seed)),
  fc.constantFrom('alice', 'bob').map((login) => new RaceSignIn(login)),
  fc.constantFrom<SignOutMode>('SIGN_OUT', 'SIGN_OUT_WITH_SESSION_DESTROY').map((mode) => new RaceSignOut(mode)),
  fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 290_000, max: 700_000 })).map((ms) => new RaceClockJump(ms)),
  fc.constant(new RaceExpire()),
  fc.constantFrom<BackendCall>('anonymous', 'refresh', 'signIn', 'signOut').map((call) => new RaceFail(call)),
];

async function setupRace(): Promise<{ model: RaceModel; real: RaceReal }> {
  const clock: Clock = { now: T0 };
  const now = (): number => clock.now;
  const backend = new RacingBackend(clock);
  const storage = new MapStorage();
  const session = createSession({ backend, now, storage, namespace: NS, devtools: false, logLimit: 50 });
  const committed = new Set<string>();
  session.subscribe((event) => {
    if (event.type === 'signed-in' || (event.type === 'signed-out' && event.reason !== 'SESSION_EXPIRATION')) {
      backend.generation++;
    }
    if (event.type === 'token-changed' && event.token !== null && !committed.has(event.token.tokenString)) {
      committed.add(event.token.tokenString);
      // The commit guard: a token is committed only for the identity its request was made for.
      const requestedIn = backend.issuedIn.get(event.token.tokenString);
      if (requestedIn !== backend.generation) {
        backend.violations.push(
          `committed a ${event.token.rlm} token requested in identity generation ${String(requestedIn)} while generation ${backend.generation} is current`,
        );
      }
    }
  });
  await session.ready;
  return {
    model: { runs: 0 },
    real: { session, backend, storage, clock, deviceId: session.snapshot().deviceId, operations: [], unsettled: { count: 0 }, committed },
  };
}

describe('model-based races: answers released in scheduler order (fc.scheduledModelRun)', () => {
  it('never commits a token for an old identity; the settled state is coherent', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.commands(raceCommandArbs, { maxCommands: 25, size: 'medium' }), async (s, cmds) => {
        let real: RaceReal | undefined;
        try {
          await fc.scheduledModelRun(
            s,
            async () => {
              const setup = await setupRace();
              real = setup.real;
              setup.real.backend.scheduler = s;
              return setup;
            },
            cmds,
          );
          const r = real!;
          // Release whatever the settled calls scheduled in turn (a sign-out's new anonymous token, ...).
          for (let i = 0; i < 20 && r.unsettled.count > 0; i++) await s.waitIdle();
          expect(r.unsettled.count).toBe(0);
          await Promise.all(r.operations);
          expect(r.backend.violations).toEqual([]);
          // Every token the session ever committed came from this backend.
          for (const t of r.committed) expect(r.backend.issuedIn.has(t)).toBe(true);
          if ([...r.backend.issuedIn.keys()].some((t) => !r.committed.has(t))) saw('race: a late answer was discarded');
          if ([...r.committed].some((t) => claimsOf(t).rlm === 'client')) saw('race: signed in');
          checkCoherence(r.session, r.storage, r.clock, false);
          // After everything settles the session can always get a usable token for its current UUID.
          r.backend.scheduler = null;
          r.backend.failNext.clear();
          const token = await settle(r.session.retrieveToken());
          if (token.ok) expect(claimsOf(token.value.tokenString).sub).toBe(r.session.getUUID());
          else expectKind(token.error, 'session-expired', 3210); // only an expired client token may refuse
          checkCoherence(r.session, r.storage, r.clock, false);
        } finally {
          real?.session.dispose();
        }
      }),
      { numRuns: 150 },
    );
    expect(tally.get('race: a late answer was discarded') ?? 0).toBeGreaterThan(0);
    expect(tally.get('race: signed in') ?? 0).toBeGreaterThan(0);
  });
});
