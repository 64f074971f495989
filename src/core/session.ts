import { monotonicNow, requireString } from './checks.js';
import { openCrossTabLink, type CrossTabLink, type StorageChanged, type WriteCause } from './cross-tab.js';
import { SessionError, toSessionError, type SessionErrorKind } from './errors.js';
import type { DebugHost } from './debug-controls.js';
import { IssuerClock } from './issuer-clock.js';
import { tokenRecordFromJwt } from './jwt.js';
import { RingLog } from './log.js';
import { DEVICE_ID, SessionStore, sameState, type PersistedState, type StoredState } from './storage.js';
import { isSignedInAt, refreshMarginMs, tokenStatusAt } from './token-status.js';
import { isUuid, randomUuid, uuidFromName } from './uuid.js';
import { LIBRARY_VERSION } from './version.js';
import { createFlightLock, type FlightLock } from './tab-lock.js';
import {
  SIGN_OUT_MODES,
  type AuthBackend,
  type BackendCallContext,
  type CrossTabInfo,
  type LogEntry,
  type OperationName,
  type Realm,
  type Session,
  type SessionDebug,
  type SessionEvent,
  type SessionListener,
  type SessionOptions,
  type SessionSnapshot,
  type SignOutMode,
  type SignOutReason,
  type Token,
  type TokenRecord,
} from './types.js';

/** Options once a backend is chosen (createSession in index.ts supplies the dev backend by default). */
export interface SessionCoreOptions extends SessionOptions {
  backend: AuthBackend;
  /** A backend call that has not answered after this long fails as `timeout`. Default 30 s. */
  requestTimeoutMs?: number;
  /**
   * The devtools parts, passed in by the entries so this module imports none of them: index.ts gives them at once,
   * production.ts loads them lazily, only for a session with `devtools` on.
   *   - `describe`: the operation log's wording; a session without it keeps no log (`log()` is empty).
   *   - `register`: puts the session on the page hook when `devtools` is on, and gives back how to take it off (and,
   *     when loaded lazily, the other devtools parts with it: events until then are worded when it arrives, and
   *     `session.debug` works from then on).
   */
  describe?: DescribeEvent;
  register?: (session: Session, backend: AuthBackend) => (() => void) | Promise<DevtoolsParts>;
  /**
   * `session.debug` (debug-controls.ts), passed in like `describe`: index.ts gives it at once; production.ts loads
   * it with the devtools parts (DevtoolsParts.debugControls), so until then (or with devtools off) every control
   * says it is missing.
   */
  debugControls?: (host: DebugHost) => SessionDebug;
}

/** What the production entry's lazy devtools chunk gives a session with `devtools` on (devtools.ts). */
export interface DevtoolsParts {
  unregister: () => void;
  describe: DescribeEvent;
  debugControls: (host: DebugHost) => SessionDebug;
}

/** Turns a session event into a log line (log-format.ts), or null for events not worth one. */
export type DescribeEvent = (event: SessionEvent) => Omit<LogEntry, 'seq'> | null;

const DEFAULT_REFRESH_WINDOW_S = 1800;
const MIN_REFRESH_INTERVAL_MS = 1000;
const MAX_REFRESH_BACKOFF_MS = 60_000;
const MAX_SEED_LENGTH = 1024;
/** retrieveToken() asks again for the new identity when the one it asked for ended meanwhile, this many times at most. */
const MAX_IDENTITY_ROUNDS = 4;
/** After a rotation refusal, how long to look for the token that replaced ours (another tab's write on its way). */
const REPLACEMENT_WAIT_MS = 500;
/**
 * A tab that had to wait for the lock looks this long for the result of the tab that held it before asking the
 * backend itself (that tab's write and message reach this one asynchronously; usually within a few ms).
 */
const CONTENDED_WAIT_MS = 100;
/** A tab that found an unreadable stored value waits this long for running tabs to write their good copy back. */
const REPAIR_WAIT_MS = 150;
/** How long a tab with no estimate of the issuer's clock waits for other tabs' before judging a stored token dead. */
const PEER_CLOCK_WAIT_MS = 150;
/** A second count of the tabs after a tab came or went, once its presence lock has settled. */
const RECOUNT_DELAY_MS = 300;
const MAX_CREDENTIAL_LENGTH = 1024;

type EventInput = SessionEvent extends infer E ? (E extends SessionEvent ? Omit<E, 'at'> : never) : never;

/**
 * A customer session with the semantics of the Synerise SDKs' Client module.
 *
 * State changes that the SDKs make "at once" (a new UUID on regenerate or destroy) happen synchronously inside the
 * call, before its first await, so getUUID() right after the call sees them. Every later commit of a backend answer
 * is guarded by `#epoch`: an answer that arrives after the identity changed (destroy, regenerate, sign-in/out) is
 * discarded, never written over the new session.
 */
class CustomerSession implements Session {
  readonly id = `s-${randomUuid().slice(0, 8)}`;
  readonly ready: Promise<void>;
  /** See SessionCoreOptions.debugControls. */
  #debug: SessionDebug;
  get debug(): SessionDebug {
    return this.#debug;
  }

  readonly #backend: AuthBackend;
  readonly #store: SessionStore;
  /** The `now` option (or Date.now); the session's own clock is this plus #clockOffset (debug.shiftClock). */
  readonly #baseNow: () => number;
  #clockOffset = 0;
  /** The session's clock: every expiry rule, event time and backend call reads this one. */
  readonly #now = (): number => this.#baseNow() + this.#clockOffset;
  /** How the token issuer's clock stands against the session's: stored tokens are converted with it (tabs' clocks differ). */
  readonly #issuer = new IssuerClock();
  #issuerVersion = 0;
  /** Set while waiting for another tab's clock estimate (see #awaitPeerClock); asked once per session. */
  #peerClockHeard: (() => void) | undefined;
  #peerClockWait: Promise<void> | undefined;
  #peerClockSettled = false;
  readonly #namespace: string;
  readonly #deviceId: string;
  readonly #windowMs: number;
  readonly #autoRefresh: boolean;
  readonly #timeoutMs: number;
  readonly #log: RingLog;
  #describe: DescribeEvent | undefined;
  /** Events waiting for the log's wording while it loads (production entry, devtools on); null when none is coming. */
  #unworded: SessionEvent[] | null = null;
  readonly #listeners = new Set<SessionListener>();
  readonly #flights = new Map<string, Promise<TokenRecord>>();
  readonly #pending = new Map<OperationName, number>();
  readonly #inFlight = new Set<AbortController>();
  readonly #link: CrossTabLink | null;
  /** One flight across tabs for refreshes and anonymous logins (tab-lock.ts); null without a cross-tab link. */
  readonly #lock: FlightLock | null;
  /** Events raised while this tab holds the flight lock, emitted once it let go (no user callback under a lock). */
  #heldEvents: SessionEvent[] | null = null;
  /**
   * The state was made up here (nothing readable was stored) and is not yet written: with other tabs on the storage,
   * it is written only under the flight lock and only if no other tab stored one meanwhile, so tabs that start
   * together end on one identity.
   */
  #provisional = false;
  #announceQueued = false;
  #announceJson = '';
  #announceSignOut: SignOutReason | undefined;
  #announceCause: WriteCause | undefined;
  /** Who did the last refresh or anonymous login this tab knows of: this tab, or another (its session id). */
  #lastTokenWrite: { readonly by: string; readonly cause: WriteCause; readonly at: number } | null = null;
  #peers = 0;
  /** Tabs counted by the browser (Web Locks presence), when it can say; else the presence messages' count is used. */
  #tabs: number | null = null;
  #state: PersistedState;
  /** Revision of #state in the storage (see cross-tab.ts): the storage is the truth between tabs. */
  #rev = 0;
  #epoch = 0;
  #opSeq = 0;
  #isReady = false;
  #started = false;
  #disposed = false;
  #unregister: (() => void) | undefined;
  #autoRefreshNotBefore = -Infinity;
  #autoRefreshFailures = 0;
  /** The token whose expiry was already reported as a SESSION_EXPIRATION sign-out, so it is said once. */
  #expiryReportedFor: string | null = null;

  constructor(options: SessionCoreOptions) {
    this.#backend = options.backend;
    this.#baseNow = options.now ?? Date.now;
    this.#namespace = options.namespace ?? 'session-panel';
    this.#windowMs = (options.refreshWindowSeconds ?? DEFAULT_REFRESH_WINDOW_S) * 1000;
    this.#autoRefresh = options.autoRefresh ?? true;
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#log = new RingLog(options.logLimit ?? 500);
    this.#store = new SessionStore(options.storage, this.#namespace, this.#issuer, this.#now);

    const storedDevice = options.deviceId === undefined ? this.#store.deviceId(this.#now()) : null;
    this.#deviceId = options.deviceId ?? storedDevice ?? randomUuid();
    if (options.deviceId === undefined && storedDevice === null) this.#store.saveDeviceId(this.#deviceId);

    const loaded = this.#store.load(this.#now());
    this.#state =
      loaded.kind === 'ok'
        ? loaded.state
        : { uuid: randomUuid(), token: null, login: null, customEmail: null, customIdentifier: null };
    if (loaded.kind === 'ok') this.#rev = loaded.rev;
    const loadProblem = loaded.kind === 'unreadable' ? loaded.reason : null;

    const storage = this.#store.info();
    const crossTab = options.crossTab ?? (storage.kind === 'local' && storage.persistent);
    this.#link = crossTab
      ? openCrossTabLink(this.#namespace, this.id, this.#now, (change) => this.#heard(change), (peers) => this.#peersChanged(peers), {
          issuer: this.#issuer,
          // A clock shifted by hand (debug.shiftClock) is time travel in this tab only: it teaches other tabs nothing.
          offered: () => (this.#clockOffset === 0 ? this.#issuer.interval : null),
          changed: () => {
            this.#syncFromStorage();
            this.#peerClockHeard?.();
          },
        })
      : null;
    this.#lock = this.#link
      ? createFlightLock({ name: `session-panel:${this.#namespace}:flight`, holder: `${this.id}-${randomUuid().slice(0, 8)}`, storage: this.#store.shared, now: this.#now })
      : null;
    if (loaded.kind !== 'ok') {
      if (this.#link) this.#provisional = true;
      else this.#persist();
    }
    this.#debug = options.debugControls ? options.debugControls(this.#debugHost()) : debugControlsMissing();
    this.#describe = options.describe;
    const off = options.devtools !== false ? options.register?.(this, this.#backend) : undefined;
    if (typeof off === 'function') this.#unregister = off;
    // Devtools by a lazy import: on the hook by `ready` (and off it at once if disposed meanwhile).
    if (off instanceof Promise) this.#unworded = [];
    const registered = off instanceof Promise ? off.then((parts) => this.#devtoolsArrived(parts), (error: unknown) => this.#devtoolsFailed(error)) : undefined;
    this.ready = this.#start(loadProblem, registered);
  }

  // ---------------------------------------------------------------- start-up

  #devtoolsArrived(parts: DevtoolsParts): void {
    if (this.#disposed) parts.unregister();
    else {
      this.#unregister = parts.unregister;
      this.#debug = parts.debugControls(this.#debugHost());
    }
    this.#describe ??= parts.describe;
    const waiting = this.#unworded ?? [];
    this.#unworded = null;
    for (const event of waiting) this.#word(event);
  }

  /** The lazy devtools chunk did not load (offline, a deploy removed it): said, so a panel that finds nothing is explained. */
  #devtoolsFailed(error: unknown): void {
    this.#unworded = null;
    const why = error instanceof Error && error.message ? `: ${error.message.slice(0, 200)}` : '';
    this.#emit({ type: 'state', what: `devtools could not be loaded${why}; this session is not on the page hook` });
  }

  async #start(loadProblem: string | null, registered?: Promise<unknown>): Promise<void> {
    // Let the creator subscribe before the first events (a load problem, the first token) are emitted.
    await (registered ?? Promise.resolve());
    this.#started = true;
    if (loadProblem !== null) {
      const info = this.#store.info();
      this.#emitError(
        new SessionError('storage', `Stored session was unreadable (${loadProblem}); started a fresh session` +
          (info.backupKey ? ` and kept the old value under "${info.backupKey}"` : '')),
        'start',
      );
    }
    this.#drainStorageProblems();
    if (this.#provisional) await this.#settleProvisional(loadProblem !== null);
    if (this.#lock) this.#recountTabs();
    if (this.#wantsPeerClock()) await this.#awaitPeerClock();
    const token = this.#state.token;
    if (token && token.rlm === 'client' && this.#isExpired(token)) this.#reportExpiry(token);
    if (!token || (token.rlm === 'anonymous_client' && this.#isExpired(token))) {
      try {
        await this.#track('start', () => this.#budgeted((budget) => this.#acquireAnonymous(budget)));
      } catch {
        // Already reported as an error event; ready means "settled", and retrieveToken() will try again.
      }
    }
    this.#isReady = true;
    this.#emit({ type: 'ready' });
  }

  /**
   * Writes the state this tab made up at start, unless another tab stored one first (then that one is taken). Under
   * the flight lock, so of N tabs starting on an empty storage the first writes and the others adopt it. After an
   * unreadable value, running tabs are given a moment to write their good copy back first (they repair it when
   * they hear this tab, see #syncFromStorage).
   */
  async #settleProvisional(afterUnreadable: boolean): Promise<void> {
    if (afterUnreadable) {
      this.#link?.hello();
      await new Promise((resolve) => setTimeout(resolve, REPAIR_WAIT_MS));
    }
    try {
      await this.#budgeted((budget) =>
        this.#exclusive(budget, async () => {
          this.#syncFromStorage();
          if (this.#provisional) this.#persist();
        }),
      );
    } finally {
      if (this.#provisional) this.#persist();
    }
  }

  // ---------------------------------------------------------------- the Client module operations

  getUUID(): string {
    return this.#state.uuid;
  }

  retrieveToken(): Promise<Token> {
    return this.#track('retrieveToken', () => this.#budgeted(async (budget) => toToken(await this.#currentIdentityToken(budget))), describeToken);
  }

  refreshToken(): Promise<Token> {
    return this.#track('refreshToken', () => this.#budgeted(async (budget) => toToken(await this.#refresh(budget))), describeToken);
  }

  regenerateUUID(): Promise<boolean> {
    const before = this.#state.uuid;
    return this.#track('regenerateUUID', () => this.#regenerate(null), (changed) => this.#regenerated(changed, before));
  }

  regenerateUUIDWithClientIdentifier(clientIdentifier: string): Promise<boolean> {
    const before = this.#state.uuid;
    return this.#track(
      'regenerateUUIDWithClientIdentifier',
      () => this.#regenerate(requireString(clientIdentifier, 'clientIdentifier', { max: MAX_SEED_LENGTH })),
      (changed) => this.#regenerated(changed, before),
    );
  }

  /** The log's words for a regenerate: a seed that gives the UUID already held changes the UUID not at all. */
  #regenerated(changed: boolean, before: string): string {
    if (!changed) return 'unchanged: a customer is signed in';
    return this.#state.uuid === before ? `same UUID ${before} (the seed gives it again); customer data and token cleared` : `new UUID ${this.#state.uuid}`;
  }

  destroySession(): Promise<void> {
    return this.#track('destroySession', () =>
      this.#budgeted(async (budget) => {
        const wasSignedIn = this.isSignedIn();
        this.#resetIdentity(randomUuid());
        if (wasSignedIn) this.#signedOut('SESSION_DESTROYED');
        await this.#obtainAnonymousAfterReset('destroySession', budget);
      }),
    );
  }

  getUUIDForAuthentication(authID: string): string {
    requireString(authID, 'authID', { max: MAX_CREDENTIAL_LENGTH });
    const login = this.#state.login;
    return login === null || login === authID ? this.#state.uuid : uuidFromName(this.#deviceId + authID);
  }

  signIn(login: string, password: string): Promise<void> {
    return this.#track('signIn', async () => {
      requireString(login, 'login', { max: MAX_CREDENTIAL_LENGTH });
      requireString(password, 'password', { max: MAX_CREDENTIAL_LENGTH });
      const epoch = this.#epoch;
      const current = this.#state;
      // A different customer gets the seeded UUID of their login; it is committed only if sign-in succeeds.
      const uuid = current.login === null || current.login === login ? current.uuid : uuidFromName(this.#deviceId + login);
      const sentAt = this.#now();
      const jwt = await this.#call('sign-in', (context) =>
        this.#backend.signIn({ login, password, uuid, deviceId: this.#deviceId }, context),
      );
      const record = this.#accept(jwt, 'client', uuid, epoch, sentAt);
      // A customer token that is dead on arrival must not replace a live session (refresh refuses the same).
      if (this.#isExpired(record)) throw new SessionError('invalid-response', 'The backend issued a token that has already expired');
      const previous = this.#state.uuid;
      this.#epoch++;
      this.#state = { ...this.#state, uuid, token: record, login };
      this.#persist();
      if (uuid !== previous) this.#emit({ type: 'uuid-changed', uuid, previous });
      this.#emit({ type: 'token-changed', token: record });
      this.#emit({ type: 'signed-in', login });
    });
  }

  signOut(mode: SignOutMode = 'SIGN_OUT'): Promise<void> {
    return this.#track('signOut', () => this.#budgeted(async (budget) => {
      if (!(SIGN_OUT_MODES as readonly unknown[]).includes(mode)) {
        throw new SessionError('invalid-argument', `signOut mode must be one of ${SIGN_OUT_MODES.join(', ')}`);
      }
      const token = this.#state.token;
      if (this.#state.login === null && token?.rlm !== 'client') {
        throw new SessionError('already-signed-out', 'No customer is signed in');
      }
      const epoch = this.#epoch;
      if (token && !this.#isExpired(token)) {
        try {
          await this.#call('sign-out', (context) => this.#backend.signOut({ token: token.tokenString, mode }, context), budget);
        } catch (error) {
          // The SDKs sign out locally whatever the backend says; the failure stays visible in the log.
          this.#emitError(error, 'signOut');
        }
      }
      this.#syncFromStorage();
      if (epoch !== this.#epoch) return; // Destroyed or signed out meanwhile (here or in another tab): nothing left to do.
      // With session destroy it behaves like destroySession(), reason included (spec §2).
      const destroy = mode === 'SIGN_OUT_WITH_SESSION_DESTROY';
      this.#resetIdentity(destroy ? randomUuid() : this.#state.uuid);
      this.#signedOut(destroy ? 'SESSION_DESTROYED' : 'USER_SIGN_OUT');
      await this.#obtainAnonymousAfterReset('signOut', budget);
    }));
  }

  isSignedIn(): boolean {
    return isSignedInAt(this.#state.token, this.#now());
  }

  // ---------------------------------------------------------------- observation

  snapshot(): SessionSnapshot {
    const now = this.#now();
    const s = this.#state;
    const pending: OperationName[] = [];
    for (const [op, count] of this.#pending) if (count > 0) pending.push(op);
    return {
      id: this.id,
      namespace: this.#namespace,
      libraryVersion: LIBRARY_VERSION,
      uuid: s.uuid,
      deviceId: this.#deviceId,
      token: s.token,
      tokenStatus: tokenStatusAt(s.token, now, this.#windowMs),
      refreshMarginMs: s.token ? this.#margin(s.token) : 0,
      login: s.login,
      signedIn: isSignedInAt(s.token, now),
      customEmail: s.customEmail,
      customIdentifier: s.customIdentifier,
      now,
      ready: this.#isReady,
      disposed: this.#disposed,
      autoRefresh: this.#autoRefresh,
      refreshWindowSeconds: this.#windowMs / 1000,
      clockOffsetMs: this.#clockOffset,
      storage: this.#store.info(),
      backend: this.#backend.describe?.() ?? { kind: 'custom' },
      pending,
      ...(this.#lock ? { crossTab: this.#crossTabInfo(this.#lock) } : {}),
      issuerClock: this.#issuer.info(),
    };
  }

  #crossTabInfo(lock: FlightLock): CrossTabInfo {
    return {
      tabs: this.#tabCount(),
      lock: lock.kind,
      lastTokenBy: this.#lastTokenWrite?.by ?? null,
      lastTokenCause: this.#lastTokenWrite?.cause ?? null,
    };
  }

  subscribe(listener: SessionListener): () => void {
    if (typeof listener !== 'function') throw new SessionError('invalid-argument', 'subscribe expects a function');
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  log(): readonly LogEntry[] {
    return this.#log.entries();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#epoch++; // Answers still in flight are discarded.
    this.#emit({ type: 'disposed' });
    this.#listeners.clear();
    this.#unregister?.();
    for (const controller of this.#inFlight) controller.abort(); // the backend may stop work nobody waits for
    this.#link?.close();
    this.#lock?.close();
    if (this.#backend.faults) this.#backend.faults.onChange = undefined;
  }

  // ---------------------------------------------------------------- tokens

  /**
   * retrieveToken(): a token of the session's current identity. When the identity changes while a call is under
   * way (a destroy, regenerate, sign-in or sign-out here or in another tab), the answer meant for the old identity
   * is discarded and the question is asked again for the new one, within the same deadline.
   */
  async #currentIdentityToken(budget: Budget): Promise<TokenRecord> {
    for (let round = 1; ; round++) {
      const epoch = this.#epoch;
      try {
        return await this.#usableToken(budget);
      } catch (error) {
        const overtaken = error instanceof SessionError && error.kind === 'superseded' && epoch !== this.#epoch;
        if (!overtaken || this.#disposed || round >= MAX_IDENTITY_ROUNDS) throw error;
        this.#syncFromStorage();
      }
    }
  }

  /** The token retrieveToken() hands out: refreshed or re-obtained as the SDKs do. */
  async #usableToken(budget: Budget): Promise<TokenRecord> {
    if (this.#wantsPeerClock()) await this.#awaitPeerClock();
    const token = this.#state.token;
    if (!token) return this.#acquireAnonymous(budget);
    if (this.#isExpired(token)) {
      if (token.rlm === 'client') {
        this.#reportExpiry(token);
        throw new SessionError('session-expired', 'The session has expired');
      }
      return this.#acquireAnonymous(budget);
    }
    if (!this.#dueForAutoRefresh(token)) return token;
    const epoch = this.#epoch;
    try {
      return await this.#track('autoRefresh', () => this.#refresh(budget), (record) => describeToken(toToken(record)));
    } catch (error) {
      if (error instanceof SessionError && error.kind === 'superseded') throw error; // the identity ended: ask again
      if (epoch !== this.#epoch) throw new SessionError('superseded', 'The session changed while the refresh was in flight');
      // Reported by the autoRefresh operation. An anonymous token the backend refuses outright (not issued by it,
      // revoked) is worthless however long it has left: get a new one for the same UUID, as at expiry.
      const current = this.#state.token;
      if (current?.rlm === 'anonymous_client' && error instanceof SessionError && error.kind === 'unauthorized') {
        return this.#acquireAnonymous(budget);
      }
      // Otherwise the current token is still good for a while.
      if (current && !this.#isExpired(current)) return current;
      if (current?.rlm === 'client') throw new SessionError('session-expired', 'The session has expired');
      return this.#acquireAnonymous(budget);
    }
  }

  #dueForAutoRefresh(token: TokenRecord): boolean {
    if (!this.#autoRefresh) return false;
    const now = this.#now();
    if (token.expiresAt - now > this.#margin(token)) return false;
    if (now < this.#autoRefreshNotBefore) return false;
    return true;
  }

  /**
   * One refresh per token, across tabs: concurrent callers in this tab share the flight, and the flight runs under
   * the cross-tab lock. Whoever finds, once holding the lock, that the token was already replaced for the same
   * identity (another tab refreshed it meanwhile) takes that token instead of asking again, so N tabs refreshing
   * at once send one request and none of them sends a token the server may already have rotated.
   */
  #refresh(budget: Budget): Promise<TokenRecord> {
    const token = this.#state.token;
    if (!token) return Promise.reject(new SessionError('session-expired', 'There is no token to refresh'));
    if (this.#isExpired(token)) {
      if (token.rlm === 'client') this.#reportExpiry(token);
      return Promise.reject(new SessionError('session-expired', 'The token has expired and cannot be refreshed'));
    }
    const epoch = this.#epoch;
    const uuid = this.#state.uuid;
    return this.#flight(`refresh:${epoch}:${token.tokenString}`, () =>
      this.#exclusive(budget, async (contended) => {
        this.#syncFromStorage();
        this.#guard(epoch);
        const newer = this.#replacement(token) ?? (contended ? await this.#awaitReplacement(token, budget, CONTENDED_WAIT_MS) : null);
        this.#guard(epoch);
        if (newer) return newer;
        this.#autoRefreshNotBefore = this.#now() + MIN_REFRESH_INTERVAL_MS;
        try {
          const { jwt, sentAt } = await this.#tokenCall('refresh', (context) => this.#backend.refresh({ token: token.tokenString }, context), budget);
          const record = this.#accept(jwt, token.rlm, uuid, epoch, sentAt);
          // Never trade a live token for a dead one: an already-expired answer is refused and the current token kept.
          if (this.#isExpired(record)) throw new SessionError('invalid-response', 'The backend issued a token that has already expired');
          this.#autoRefreshFailures = 0;
          // Another tab stored a newer token for this identity while this request was out (it stepped over a lock
          // this tab held too long): the stored one is what every tab converges on.
          const stored = this.#replacement(token);
          if (stored) return stored;
          this.#commitToken(record, 'refresh');
          return record;
        } catch (error) {
          // Rotation: the server refused the token because another tab already replaced it. Not a failure: that
          // tab's token is in the storage (or on its way), and it is the answer.
          if (error instanceof SessionError && (error.kind === 'unauthorized' || error.kind === 'session-expired') && epoch === this.#epoch) {
            const replaced = this.#replacement(token) ?? (await this.#awaitReplacement(token, budget, REPLACEMENT_WAIT_MS));
            if (replaced) return replaced;
          }
          // Failures back off exponentially (capped); only a success clears the cooldown.
          this.#autoRefreshFailures++;
          const backoff = Math.min(MIN_REFRESH_INTERVAL_MS * 2 ** this.#autoRefreshFailures, MAX_REFRESH_BACKOFF_MS);
          this.#autoRefreshNotBefore = this.#now() + backoff;
          throw error;
        }
      }),
    );
  }

  /** A live token of the same identity that replaced `token` (this tab's state, storage taken in), or null. */
  #replacement(token: TokenRecord | null): TokenRecord | null {
    this.#syncFromStorage();
    const current = this.#state.token;
    if (!current || current.tokenString === token?.tokenString || this.#isExpired(current)) return null;
    return current;
  }

  /**
   * After a rotation refusal: the tab that replaced the token may have written it a moment ago, and this tab's view of
   * the storage may lag (browsers propagate storage between tabs asynchronously). Look again for a short while.
   */
  async #awaitReplacement(token: TokenRecord | null, budget: Budget, waitMs: number): Promise<TokenRecord | null> {
    if (!this.#link) return null; // no other tab to have replaced it
    const until = monotonicNow() + waitMs;
    while (monotonicNow() < until && !this.#disposed && !budget.signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const found = this.#replacement(token);
      if (found) return found;
    }
    return null;
  }

  /**
   * An anonymous token for the current identity, one flight across tabs: a tab that finds, once holding the lock,
   * that another tab already stored a live token for this identity takes it.
   */
  #acquireAnonymous(budget: Budget): Promise<TokenRecord> {
    const epoch = this.#epoch;
    const uuid = this.#state.uuid;
    // The token this tab has given up on (none, expired, or refused by the backend): only another one will do.
    const had = this.#state.token?.tokenString;
    return this.#flight(`anonymous:${epoch}`, () =>
      this.#exclusive(budget, async (contended) => {
        this.#syncFromStorage();
        this.#guard(epoch);
        const current = this.#state.token;
        if (current && current.tokenString !== had && !this.#isExpired(current)) return current;
        // Another tab held the lock: its token may be a moment away from this tab's view of the storage.
        if (contended) {
          const arrived = await this.#awaitReplacement(this.#state.token, budget, CONTENDED_WAIT_MS);
          this.#guard(epoch);
          if (arrived && arrived.tokenString !== had) return arrived;
        }
        const { jwt, sentAt } = await this.#tokenCall('anonymous', (context) => this.#backend.anonymous({ uuid, deviceId: this.#deviceId }, context), budget);
        const record = this.#accept(jwt, 'anonymous_client', uuid, epoch, sentAt);
        this.#commitToken(record, 'anonymous');
        // Kept (there is no better token, and the panel shows it expired), but the call failed: the same error as a
        // refresh answered with an expired token, whichever path met it.
        if (this.#isExpired(record)) throw new SessionError('invalid-response', 'The backend issued a token that has already expired');
        return record;
      }),
    );
  }

  async #obtainAnonymousAfterReset(operation: OperationName, budget: Budget): Promise<void> {
    try {
      await this.#acquireAnonymous(budget);
    } catch (error) {
      // The identity change already happened and stands; the missing token is retried by retrieveToken().
      if (!(error instanceof SessionError && error.kind === 'superseded')) this.#emitError(error, operation);
    }
  }

  async #regenerate(seed: string | null): Promise<boolean> {
    if (this.isSignedIn()) return false;
    this.#resetIdentity(seed === null ? randomUuid() : uuidFromName(this.#deviceId + seed));
    await this.#budgeted((budget) => this.#obtainAnonymousAfterReset(seed === null ? 'regenerateUUID' : 'regenerateUUIDWithClientIdentifier', budget));
    return true;
  }

  /** A new identity: all customer data and the token cleared, answers in flight for the old one discarded. */
  #resetIdentity(uuid: string): void {
    const previous = this.#state;
    this.#epoch++;
    this.#autoRefreshNotBefore = -Infinity;
    this.#autoRefreshFailures = 0;
    this.#state = { uuid, token: null, login: null, customEmail: null, customIdentifier: null };
    this.#persist();
    if (uuid !== previous.uuid) this.#emit({ type: 'uuid-changed', uuid, previous: previous.uuid });
    if (previous.token !== null) this.#emit({ type: 'token-changed', token: null });
  }

  #commitToken(record: TokenRecord, cause?: WriteCause): void {
    this.#state = { ...this.#state, token: record };
    if (cause) {
      this.#announceCause = cause;
      this.#lastTokenWrite = { by: this.id, cause, at: this.#now() };
    }
    this.#persist();
    this.#emit({ type: 'token-changed', token: record });
  }

  /**
   * A backend's answer, before it may be committed: the JWT decodes, its realm is the one the call promises and its
   * subject the UUID asked for; then, with the newest state from the storage taken in (another tab may have changed
   * the session meanwhile), the identity must still be the one the call was made for (commit guard).
   */
  #accept(jwt: unknown, realm: Realm, uuid: string, epoch: number, sentAt: number): TokenRecord {
    const record = tokenRecordFromJwt(jwt, this.#now(), sentAt);
    if (record.rlm !== realm) {
      throw new SessionError('invalid-response', `The backend answered with a "${record.rlm}" token where "${realm}" was expected`);
    }
    if (record.sub !== undefined && record.sub !== uuid) {
      throw new SessionError('invalid-response', `The backend answered with a token for ${record.sub} instead of ${uuid}`);
    }
    this.#syncFromStorage();
    this.#guard(epoch);
    // Measured after the guard: the record's end on the issuer's clock is fixed when it is stored, with this estimate.
    if (record.iat !== undefined) this.#issuer.measure(sentAt, record.receivedAt, record.iat);
    return record;
  }

  #guard(epoch: number): void {
    if (epoch !== this.#epoch) {
      throw new SessionError('superseded', 'The session changed while the call was in flight; its result was discarded');
    }
  }

  /** What session.debug (debug-controls.ts) may do to this session. */
  #debugHost(): DebugHost {
    return {
      backend: this.#backend,
      now: this.#now,
      token: () => this.#state.token,
      commitToken: (record) => this.#commitToken(record),
      say: (what) => this.#emit({ type: 'state', what }),
      clockOffset: () => this.#clockOffset,
      setClockOffset: (offset, what) => {
        if (this.#disposed) throw new SessionError('disposed', 'This session has been disposed');
        if (offset === this.#clockOffset) return;
        this.#clockOffset = offset;
        this.#issuer.forget(); // measured on the other clock (see IssuerClock.forget)
        this.#autoRefreshNotBefore = -Infinity; // a back-off measured on the old clock means nothing on the new one
        this.#emit({ type: 'state', what });
      },
      storageEntries: () => this.#store.rawEntries(),
      clearLog: () => this.#log.clear(),
    };
  }

  #reportExpiry(token: TokenRecord): void {
    if (this.#expiryReportedFor === token.tokenString) return;
    this.#expiryReportedFor = token.tokenString;
    this.#emit({ type: 'signed-out', reason: 'SESSION_EXPIRATION' });
  }

  /**
   * A token another tab stored looks expired on this tab's clock, and this tab has no estimate of the issuer's clock
   * yet (it judged by the writer's times): before declaring a customer's session expired or asking for a new token,
   * give the other tabs' answers (asked at start) a moment to arrive. Once per session: every caller meanwhile (start-up,
   * a retrieveToken() made before `ready`) awaits the same wait, so none judges the token before the answers.
   */
  #wantsPeerClock(): boolean {
    const token = this.#state.token;
    return !this.#peerClockSettled && this.#link !== null && token !== null && this.#issuer.source === 'none' && this.#isExpired(token);
  }

  #awaitPeerClock(): Promise<void> {
    this.#peerClockWait ??= this.#listenForPeerClock().finally(() => (this.#peerClockSettled = true));
    return this.#peerClockWait;
  }

  async #listenForPeerClock(): Promise<void> {
    // Nobody to ask (no other tab holds this namespace's presence lock): the token is judged at once, as without tabs.
    const others = await this.#lock?.countOtherTabs();
    if (others === 0) return;
    this.#emit({ type: 'state', what: `waiting up to ${PEER_CLOCK_WAIT_MS} ms for another tab's clock estimate: the stored token looks expired on this tab's clock` });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, PEER_CLOCK_WAIT_MS);
      this.#peerClockHeard = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#peerClockHeard = undefined;
    this.#syncFromStorage();
  }

  #isExpired(token: TokenRecord): boolean {
    return this.#now() >= token.expiresAt;
  }

  #margin(token: TokenRecord): number {
    return refreshMarginMs(token, this.#windowMs);
  }

  // ---------------------------------------------------------------- plumbing

  #flight(key: string, run: () => Promise<TokenRecord>): Promise<TokenRecord> {
    const existing = this.#flights.get(key);
    if (existing) return existing;
    const flight = run().finally(() => this.#flights.delete(key));
    this.#flights.set(key, flight);
    return flight;
  }

  /**
   * One backend call with the session's timeout; every failure becomes a SessionError. The call gets its own
   * context: its requests are reported to this session only (a backend may serve several), and its signal aborts
   * when the session stops waiting (timeout, dispose).
   */
  async #call<T>(what: string, run: (context: BackendCallContext) => Promise<T>, budget?: Budget): Promise<T> {
    // One operation stays within one timeout, whatever it does (a failed refresh, then a new anonymous login).
    // Said the same way as the call's own timeout: the caller asked for one answer within requestTimeoutMs.
    const spent = (): SessionError => new SessionError('timeout', `The backend did not answer the ${what} call within ${this.#timeoutMs} ms`);
    if (budget?.signal.aborted) throw spent();
    const controller = new AbortController();
    this.#inFlight.add(controller);
    const context: BackendCallContext = {
      signal: controller.signal,
      clockOffsetMs: this.#clockOffset,
      onRequest: (request) => {
        if (!this.#disposed) this.#emit({ type: 'request', request });
      },
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onSpent: (() => void) | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new SessionError('timeout', `The backend did not answer the ${what} call within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      onSpent = () => {
        controller.abort();
        reject(spent());
      };
      budget?.signal.addEventListener('abort', onSpent, { once: true });
    });
    try {
      return await Promise.race([Promise.resolve().then(() => run(context)), timeout]);
    } catch (error) {
      throw toSessionError(error, 'backend');
    } finally {
      clearTimeout(timer);
      if (onSpent) budget?.signal.removeEventListener('abort', onSpent);
      this.#inFlight.delete(controller);
    }
  }

  /** A token call: the JWT and the session-clock time the request left (a token's lifetime counts from then). */
  async #tokenCall(what: string, run: (context: BackendCallContext) => Promise<string>, budget: Budget): Promise<{ jwt: string; sentAt: number }> {
    const sentAt = this.#now();
    const jwt = await this.#call(what, run, budget);
    return { jwt, sentAt };
  }

  /** Runs an operation's work under one budget of requestTimeoutMs for all its waits and backend calls. */
  async #budgeted<T>(run: (budget: Budget) => Promise<T>): Promise<T> {
    const budget = new Budget(this.#timeoutMs);
    try {
      return await run(budget);
    } finally {
      budget.done();
    }
  }

  /**
   * Runs `work` holding the cross-tab flight lock (alone when there are no other tabs). Events raised meanwhile are
   * emitted once the lock is let go, so no subscriber runs while this tab holds it. The wait is bounded by the
   * operation's deadline: a holder that died blocks nobody longer than the request timeout.
   */
  async #exclusive<T>(budget: Budget, work: (contended: boolean) => Promise<T>): Promise<T> {
    if (!this.#lock) return work(false);
    // Half of what is left: behind a holder that died, the step-over still has time for its own request.
    const waitMs = Math.max(0, (budget.endsAt - monotonicNow()) / 2);
    try {
      return await this.#lock.run(async (contended) => {
        const outer = this.#heldEvents;
        this.#heldEvents ??= [];
        try {
          return await work(contended);
        } finally {
          this.#flushAnnouncement();
          if (outer === null) this.#releaseEvents();
        }
      }, waitMs);
    } finally {
      this.#releaseEvents();
    }
  }

  #releaseEvents(): void {
    const held = this.#heldEvents;
    this.#heldEvents = null;
    for (const event of held ?? []) this.#dispatch(event);
  }

  /** Runs an operation with its start and end events; the body runs synchronously up to its first await. */
  async #track<T>(operation: OperationName, body: () => Promise<T>, describe?: (value: T) => string): Promise<T> {
    if (this.#disposed) throw new SessionError('disposed', 'This session has been disposed');
    this.#syncFromStorage(); // act on the newest state: another tab may have changed it (or this page slept in a cache)
    const id = ++this.#opSeq;
    const started = monotonicNow();
    this.#pending.set(operation, (this.#pending.get(operation) ?? 0) + 1);
    this.#emit({ type: 'operation-start', id, operation });
    const finish = (): number => {
      this.#pending.set(operation, (this.#pending.get(operation) ?? 1) - 1);
      return monotonicNow() - started;
    };
    try {
      const value = await body();
      const durationMs = finish();
      const end: EventInput = { type: 'operation-end', id, operation, durationMs, outcome: 'ok' };
      this.#emit(describe ? { ...end, result: describe(value) } : end);
      return value;
    } catch (thrown) {
      const error = toSessionError(thrown, 'backend');
      this.#emit({ type: 'operation-end', id, operation, durationMs: finish(), outcome: 'error', error: error.toJSON() });
      throw error;
    }
  }

  /**
   * Writes the state under the next revision. With other tabs on the storage, the revision continues from whatever
   * the storage holds now, so a write is always newer than every write before it.
   */
  #persist(): void {
    const stored = this.#link ? this.#store.peek() : null;
    this.#rev = Math.max(this.#rev, stored?.rev ?? 0) + 1;
    this.#announceJson = this.#store.save(this.#state, this.#rev);
    this.#drainStorageProblems();
    this.#announce();
  }

  /** A customer sign-out this session made itself (other tabs are told the same reason). */
  #signedOut(reason: SignOutReason): void {
    this.#announceSignOut = reason;
    this.#emit({ type: 'signed-out', reason });
  }

  /** Tells other tabs the storage changed, once per synchronous burst of changes. */
  #announce(): void {
    if (!this.#link || this.#announceQueued) return;
    this.#announceQueued = true;
    queueMicrotask(() => this.#flushAnnouncement());
  }

  /** Sends the queued announcement now (before letting go of the flight lock, so waiters hear it first). */
  #flushAnnouncement(): void {
    if (!this.#announceQueued) return;
    this.#announceQueued = false;
    if (this.#disposed) return;
    // A tab whose write failed (quota) keeps its state in memory only, and says so: see #heard.
    this.#link?.announce(this.#announceJson, this.#announceSignOut, this.#announceCause, !this.#store.info().persistent);
    this.#announceSignOut = undefined;
    this.#announceCause = undefined;
  }

  /** A message from another tab: its state (or a hello, which makes this tab look at the storage). */
  #heard(change: StorageChanged): void {
    const before = this.#state.token;
    // A state only in the writer's memory (its write failed) is followed by tabs in memory too, never by tabs that
    // share the storage: that tab is out of step and says so; the stored state stays theirs.
    const announced = change.inMemory && this.#store.info().persistent ? undefined : change.announced;
    this.#syncFromStorage(change.signedOut, announced);
    const after = this.#state.token;
    if (change.cause && announced && after && after !== before && after.tokenString === announced.state.token?.tokenString) {
      this.#lastTokenWrite = { by: change.writer, cause: change.cause, at: this.#now() };
      this.#emit({ type: 'state', what: change.cause === 'refresh' ? `token refreshed in another tab (${change.writer})` : `anonymous token obtained in another tab (${change.writer})` });
    }
  }

  #peersChanged(peers: number): void {
    const before = this.#tabCount();
    this.#peers = peers;
    this.#recountTabs(before);
  }

  /** Asks the browser how many tabs hold this namespace's presence lock (crash-proof), and says so when it changed. */
  #recountTabs(before = this.#tabCount()): void {
    const said = (): void => {
      const tabs = this.#tabCount();
      if (tabs !== before && !this.#disposed) this.#emit({ type: 'state', what: `${tabs} ${tabs === 1 ? 'tab shares' : 'tabs share'} this session` });
    };
    const count = (): Promise<void> | undefined =>
      this.#lock?.countTabs().then((n) => {
        if (n !== null && n > 0) this.#tabs = n;
        said();
      });
    if (!this.#lock) return said();
    // A tab that just said hello may not hold its presence lock yet: count again a moment later.
    void count()?.then(() => new Promise((resolve) => setTimeout(resolve, RECOUNT_DELAY_MS))).then(() => {
      if (!this.#disposed) void count();
    });
  }

  #tabCount(): number {
    return Math.max(1, this.#tabs ?? this.#peers + 1);
  }

  /**
   * Takes another tab's state when it is newer: the storage's (a higher revision, or the same revision with other
   * content: two tabs wrote at once and the storage kept one, so every tab converges on that one), or an announced
   * one with a strictly higher revision (the browser may not show that tab's write in this tab's storage yet).
   * Called when another tab announces, before every operation, and before committing any backend answer, so an
   * answer meant for a session another tab has since replaced is discarded by the epoch guard, not written over it.
   */
  #syncFromStorage(signedOut?: SignOutReason, announced?: StoredState): void {
    if (!this.#link || this.#disposed) return;
    this.#followIssuerClock();
    const stored = this.#store.peek();
    if (stored === null && this.#store.unreadable !== null && !this.#provisional) this.#repair();
    // The newest of what the storage shows and what was announced; an announcement wins only when strictly newer.
    const best = announced && (!stored || announced.rev > stored.rev) ? announced : stored;
    if (!best || best.rev < this.#rev) return;
    if (best === announced && best.rev === this.#rev) return; // a tie is the storage's to settle, not a message's
    if (sameState(best.state, this.#state)) {
      this.#rev = best.rev;
      return;
    }
    this.#rev = best.rev;
    const before = this.#state.token;
    this.#adopt(best.state, signedOut);
    // Another tab's token, and this tab has no estimate of the issuer's clock yet: ask the tabs for theirs.
    if (this.#state.token && this.#state.token.tokenString !== before?.tokenString && this.#issuer.source === 'none') this.#link.hello();
  }

  /**
   * After this tab's estimate of the issuer's clock changed, the token it holds reads differently on its clock (its
   * end on the issuer's clock stays): say so once, as a token change.
   */
  #followIssuerClock(): void {
    if (this.#issuerVersion === this.#issuer.version) return;
    this.#issuerVersion = this.#issuer.version;
    const token = this.#state.token;
    const next = token ? this.#issuer.relocalize(token) : null;
    if (!token || next === token) return;
    this.#state = { ...this.#state, token: next };
    this.#emit({ type: 'token-changed', token: next });
  }

  /**
   * Another tab's state. A new identity (UUID or customer) is taken as is, and answers this tab still awaits for the
   * old one are discarded (epoch); for the same identity the token and custom fields are taken. Nothing is written
   * back: it is already stored.
   */
  #adopt(next: PersistedState, signedOut: SignOutReason | undefined): void {
    const current = this.#state;
    if (next.uuid === current.uuid && next.login === current.login) {
      this.#state = next;
      const a = current.token;
      const b = next.token;
      if (a?.tokenString !== b?.tokenString || a?.expiresAt !== b?.expiresAt) this.#emit({ type: 'token-changed', token: b });
      this.#emit({ type: 'state', what: 'session updated by another tab' });
      return;
    }
    const wasSignedIn = this.isSignedIn();
    this.#epoch++;
    this.#autoRefreshNotBefore = -Infinity;
    this.#autoRefreshFailures = 0;
    this.#state = next;
    if (next.uuid !== current.uuid) this.#emit({ type: 'uuid-changed', uuid: next.uuid, previous: current.uuid });
    this.#emit({ type: 'token-changed', token: next.token });
    if (next.login !== null && next.login !== current.login) this.#emit({ type: 'signed-in', login: next.login });
    if (wasSignedIn && !this.isSignedIn()) this.#emit({ type: 'signed-out', reason: signedOut ?? 'NOT_SPECIFIED' });
    this.#emit({ type: 'state', what: 'session changed by another tab' });
  }

  /**
   * The stored value became unreadable (corrupted, tampered, written by another version) while this tab holds a good
   * copy: keep the bad value under a backup key, write this tab's copy back and say so. Other tabs, and a new tab that
   * found the bad value, then converge on it instead of on a fresh identity.
   */
  #repair(): void {
    const problem = this.#store.unreadable;
    if (problem === null) return;
    const backupKey = this.#store.setAsideUnreadable(this.#now());
    this.#persist();
    this.#emitError(new SessionError('storage', `The stored session became unreadable (${problem}); this tab wrote its copy back` +
      (backupKey ? ` and kept the bad value under "${backupKey}"` : '')));
  }

  #drainStorageProblems(): void {
    if (!this.#started) return; // Problems met while constructing are reported once #start runs.
    for (const problem of this.#store.problems.splice(0)) this.#emitError(new SessionError('storage', problem));
  }

  #emitError(error: unknown, operation?: OperationName): void {
    const info = toSessionError(error).toJSON();
    this.#emit(operation ? { type: 'error', error: info, operation } : { type: 'error', error: info });
  }

  #emit(input: EventInput): void {
    const event = { ...input, at: this.#now() } as SessionEvent;
    if (this.#heldEvents) this.#heldEvents.push(event);
    else this.#dispatch(event);
  }

  #word(event: SessionEvent): void {
    if (this.#unworded) {
      if (this.#unworded.length < this.#log.limit) this.#unworded.push(event);
      return;
    }
    try {
      const entry = this.#describe?.(event);
      if (entry) this.#log.append(entry);
    } catch {
      // A line that cannot be written must not stop the event from reaching subscribers.
    }
  }

  #dispatch(event: SessionEvent): void {
    this.#word(event);
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch {
        // A broken subscriber must not break the session or the other subscribers.
      }
    }
  }
}

/**
 * The time one operation may take, all its steps together (waiting for the cross-tab lock, a refresh that fails, the
 * anonymous login after it): its signal aborts when the time is up.
 */
class Budget {
  readonly signal: AbortSignal;
  /** Monotonic time the budget runs out. */
  readonly endsAt: number;
  readonly #timer: ReturnType<typeof setTimeout>;

  constructor(ms: number) {
    const controller = new AbortController();
    this.signal = controller.signal;
    this.endsAt = monotonicNow() + ms;
    this.#timer = setTimeout(() => controller.abort(), ms);
  }

  done(): void {
    clearTimeout(this.#timer);
  }
}

export function createSessionCore(options: SessionCoreOptions): Session {
  validateOptions(options);
  return new CustomerSession(options);
}

function validateOptions(options: SessionCoreOptions): void {
  const fail = (message: string): never => {
    throw new SessionError('invalid-argument', `createSession: ${message}`);
  };
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const b = options.backend as Partial<AuthBackend> | null;
  if (typeof b !== 'object' || b === null || ['anonymous', 'refresh', 'signIn', 'signOut'].some((m) => typeof b[m as keyof AuthBackend] !== 'function')) {
    fail('backend must implement anonymous, refresh, signIn and signOut');
  }
  const st = options.storage;
  if (st !== undefined && st !== 'local' && st !== 'memory') {
    if (typeof st !== 'object' || st === null || typeof st.getItem !== 'function' || typeof st.setItem !== 'function' || typeof st.removeItem !== 'function') {
      fail('storage must be "local", "memory" or an object with getItem, setItem and removeItem');
    }
  }
  if (options.namespace !== undefined && (typeof options.namespace !== 'string' || !/^[\w.-]{1,64}$/.test(options.namespace))) {
    fail('namespace must be 1 to 64 letters, digits, "_", "-" or "."');
  }
  if (options.deviceId !== undefined && (typeof options.deviceId !== 'string' || !DEVICE_ID.test(options.deviceId))) {
    fail('deviceId must be up to 128 letters, digits, "_" or "-"');
  }
  if (options.now !== undefined && typeof options.now !== 'function') fail('now must be a function returning milliseconds');
  const rw = options.refreshWindowSeconds;
  if (rw !== undefined && (typeof rw !== 'number' || !Number.isFinite(rw) || rw < 0)) fail('refreshWindowSeconds must be a number ≥ 0');
  const ll = options.logLimit;
  if (ll !== undefined && (!Number.isInteger(ll) || ll < 0 || ll > 1_000_000)) fail('logLimit must be an integer from 0 to 1000000');
  const rt = options.requestTimeoutMs;
  if (rt !== undefined && (typeof rt !== 'number' || !Number.isFinite(rt) || rt <= 0)) fail('requestTimeoutMs must be a positive number');
  for (const flag of ['autoRefresh', 'devtools', 'crossTab'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') fail(`${flag} must be a boolean`);
  }
}


/**
 * `session.debug` until the debug controls are there: in the production entry, with `devtools` off (always) or on
 * before `ready` (the devtools chunk is on its way). Every control says so.
 */
function debugControlsMissing(): SessionDebug {
  const missing = (): never => {
    throw new SessionError('invalid-argument', 'session.debug needs devtools on: session-panel/core/production loads it with the page hook, by ready');
  };
  return { faults: null, expireToken: missing, clearLog: missing, shiftClock: missing, resetClock: missing, storageEntries: missing };
}

function toToken(record: TokenRecord): Token {
  const token: { -readonly [K in keyof Token]: Token[K] } = {
    tokenString: record.tokenString,
    expirationDate: new Date(record.exp),
    origin: record.origin,
    rlm: record.rlm,
  };
  if (record.clientId !== undefined) token.clientId = record.clientId;
  if (record.customId !== undefined) token.customId = record.customId;
  return token;
}

function describeToken(token: Token): string {
  return `${token.rlm} token until ${token.expirationDate.toISOString()}`;
}


export { isUuid };
export type { SessionErrorKind, SignOutReason };
