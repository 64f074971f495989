import { monotonicNow, requireString } from './checks.js';
import { SessionError } from './errors.js';
import type { DevSigner, PublicJwk } from './dev-signing.js';
import { createFaultSwitches, type FaultSwitches } from './faults.js';
import { findLocalStorage } from './storage.js';
import { randomUuid } from './uuid.js';
import type {
  AuthBackend,
  BackendCall,
  BackendCallContext,
  BackendInfo,
  BackendRequestInfo,
  FaultControls,
  FaultState,
  Realm,
  SignOutMode,
  StorageLike,
  TokenOrigin,
} from './types.js';

/**
 * The embedded dev backend: issues real ES256-signed JWTs (jose, WebCrypto: dev-signing.ts) with a key pair kept per profile,
 * in the browser or in Node, with no server. It keeps the SDK's rules (refresh only while the token is valid) and
 * offers fault injection so the panel can show what an app does when the backend misbehaves.
 */
export interface DevBackendOptions {
  /** Lifetime of issued tokens. Default 3600 s. */
  tokenTtlSeconds?: number;
  /** Clock in ms. Default Date.now. Pass the session's clock to keep both in step. */
  now?: () => number;
  /** Simulated network latency per call. Default 0. */
  latencyMs?: number;
  /** Accepted logins and their passwords. Default: any non-empty login and password. */
  users?: Readonly<Record<string, string>>;
  /**
   * Where the signing key pair is kept. Default: local storage when there is one (so every tab and every reload of
   * the app signs with one key, and stored tokens stay refreshable), else memory (a new key per backend).
   * It is a development key for a development backend: never use this backend in production.
   */
  keyStorage?: 'local' | 'memory' | StorageLike;
}

export interface DevBackend extends AuthBackend {
  readonly faults: FaultControls;
  describe(): BackendInfo;
  /** Public key of this backend as a JWK, to verify its tokens elsewhere. */
  publicJwk(): Promise<PublicJwk>;
  /** Calls received so far, by kind (for tests and benchmarks). */
  readonly calls: Readonly<Record<BackendCall, number>>;
}

/** Longest token lifetime the dev backend issues (a year): beyond it, dates stop meaning anything to a tester. */
const MAX_TTL_SECONDS = 366 * 24 * 3600;

/** Waits until `signal` aborts, then fails as the caller sees it: the injected timeout. */
function hangUntilAborted(signal: AbortSignal, error: SessionError): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (signal.aborted) reject(error);
    else signal.addEventListener('abort', () => reject(error), { once: true });
  });
}

export function createDevBackend(options: DevBackendOptions = {}): DevBackend {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new SessionError('invalid-argument', 'createDevBackend: options must be an object');
  }
  if (options.users !== undefined) {
    const u = options.users as unknown;
    if (typeof u !== 'object' || u === null || Array.isArray(u) || Object.values(u).some((p) => typeof p !== 'string')) {
      throw new SessionError('invalid-argument', 'createDevBackend: users must map each login to a password string');
    }
  }
  const checkTtl = (value: unknown): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TTL_SECONDS) {
      throw new SessionError('invalid-argument', `tokenTtlSeconds must be a positive number of seconds up to ${MAX_TTL_SECONDS}`);
    }
    return value;
  };
  const initialTtl = checkTtl(options.tokenTtlSeconds ?? 3600);
  /** Lifetime of the next tokens (the panel's "token lifetime" control changes it). */
  let ttl = initialTtl;
  const latency = options.latencyMs ?? 0;
  if (!Number.isFinite(latency) || latency < 0) throw new SessionError('invalid-argument', 'latencyMs must be 0 or more');
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new SessionError('invalid-argument', 'now must be a function returning milliseconds');
  }
  const now = options.now ?? Date.now;
  const users = options.users;

  const keyStore = resolveKeyStorage(options.keyStorage);
  // The signing code (jose: ES256 keys, JWK import/export, sign, verify) is a dynamic import: createSession()
  // defaults to this backend, and an app that passes its own backend must not ship jose's signing code for it.
  let signer: Promise<DevSigner> | undefined;
  const signing = (): Promise<DevSigner> => {
    // Browsers expose crypto.subtle only in secure contexts; say so plainly instead of failing deep inside jose.
    if (!globalThis.crypto?.subtle) {
      return Promise.reject(
        new SessionError('backend', 'The dev backend signs tokens with WebCrypto, which this page lacks: browsers offer it only on https or localhost. Serve the page from one of those, or use createHttpBackend.'),
      );
    }
    return (signer ??= import('./dev-signing.js').then((module) => module.createDevSigner(keyStore)));
  };
  const faults: FaultSwitches = createFaultSwitches(['anonymous', 'refresh', 'signIn', 'signOut']);
  // The dev backend's own debug switch beside the shared ones: the lifetime of the tokens it issues next.
  const sharedState = faults.state;
  faults.state = (): FaultState => ({ ...sharedState(), tokenTtlSeconds: ttl });
  faults.setTokenTtl = (seconds: number | null): void => {
    ttl = seconds === null ? initialTtl : checkTtl(seconds);
    try {
      faults.onChange?.(faults.state());
    } catch {
      // A failing listener must not stop the lifetime from changing.
    }
  };
  const calls: Record<BackendCall, number> = { anonymous: 0, refresh: 0, signIn: 0, signOut: 0 };
  let lastRequest: BackendRequestInfo | undefined;
  /** Whether the call being answered issued its token expired (the request line says so). */
  let issuedExpired = false;

  /** Issues on `clock`: the calling session's clock, shifted as the session's is (debug.shiftClock). */
  async function issue(clock: number, claims: { sub: string; rlm: Realm; origin: TokenOrigin; clientId?: string; customId?: string; deviceId?: string }): Promise<string> {
    const signer = await signing();
    const iat = Math.floor(clock / 1000);
    issuedExpired = faults.expiredNext;
    const exp = faults.expiredNext ? iat : iat + ttl;
    faults.consumeExpired();
    return signer.sign({ ...claims, jti: randomUuid() }, iat, exp);
  }

  async function verify(token: string, clock: number): Promise<Record<string, unknown>> {
    if (typeof token !== 'string' || token.length === 0) throw new SessionError('invalid-argument', 'token must be a non-empty string');
    const result = await (await signing()).verify(token, clock);
    if (result.ok) return result.claims;
    if (result.expired) throw new SessionError('session-expired', 'The token has expired and cannot be refreshed');
    throw new SessionError('unauthorized', 'The token was not issued by this backend or was altered', { cause: result.cause });
  }

  /**
   * Runs one call with latency, faults and request reporting. `work` gets the caller's clock: this backend's `now`
   * shifted as the calling session's clock is (context.clockOffsetMs), so a session whose clock QA moved ahead gets
   * tokens issued, and expiry judged, on that clock.
   */
  async function call<T>(kind: BackendCall, context: BackendCallContext | undefined, work: (clock: number) => Promise<T>): Promise<T> {
    calls[kind]++;
    const offset = context?.clockOffsetMs;
    const clock = (): number => now() + (typeof offset === 'number' && Number.isFinite(offset) ? offset : 0);
    const started = clock();
    const attemptStart = monotonicNow();
    let result: { ok: true; value: T } | { ok: false; error: SessionError };
    issuedExpired = false;
    try {
      if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
      if (context?.signal?.aborted) throw new SessionError('aborted', `The ${kind} call was cancelled by its caller`);
      const injected = faults.takeFailure(kind);
      // An injected timeout hangs as a backend that never answers would, until the caller gives up (the session's
      // requestTimeoutMs aborts the call). With no signal to end the wait, it fails at once rather than leak.
      if (injected?.kind === 'timeout' && context?.signal) await hangUntilAborted(context.signal, injected);
      if (injected) throw injected;
      if (faults.offline) throw new SessionError('network', 'The dev backend is offline (fault injection)');
      result = { ok: true, value: await work(clock()) };
    } catch (error) {
      result = { ok: false, error: error instanceof SessionError ? error : new SessionError('backend', String(error), { cause: error }) };
    }
    const info: { -readonly [K in keyof BackendRequestInfo]: BackendRequestInfo[K] } = {
      operation: kind,
      target: `dev backend: ${kind}`,
      ok: result.ok,
      durationMs: monotonicNow() - attemptStart,
      attempt: 1,
      at: started,
    };
    if (!result.ok) info.error = result.error.toJSON();
    if (result.ok && issuedExpired) info.note = 'answered with an already-expired token (fault injection)';
    lastRequest = info;
    for (const listener of [context?.onRequest, backend.onRequest]) {
      try {
        listener?.(info);
      } catch {
        // A failing listener must not turn the call's outcome into something else.
      }
    }
    if (!result.ok) throw result.error;
    return result.value;
  }

  const backend: DevBackend = {
    faults,
    calls,
    onRequest: undefined,
    describe: () => {
      const info: { -readonly [K in keyof BackendInfo]: BackendInfo[K] } = {
        kind: 'dev',
        endpoint: `in-page dev backend (ES256, ${ttl} s tokens)`,
        faults: faults.state(),
      };
      if (lastRequest) info.lastRequest = lastRequest;
      return info;
    },
    publicJwk: async () => (await signing()).publicJwk(),
    anonymous: (req, context) =>
      call('anonymous', context, async (clock) => {
        requireString(req?.uuid, 'uuid');
        requireString(req?.deviceId, 'deviceId', { allowEmpty: true });
        return issue(clock, { sub: req.uuid, rlm: 'anonymous_client', origin: 'ANONYMOUS', deviceId: req.deviceId });
      }),
    refresh: (req, context) =>
      call('refresh', context, async (clock) => {
        const claims = await verify(req?.token, clock);
        const next: Parameters<typeof issue>[1] = {
          sub: String(claims.sub),
          rlm: claims.rlm === 'client' ? 'client' : 'anonymous_client',
          origin: (typeof claims.origin === 'string' ? claims.origin : 'UNKNOWN') as TokenOrigin,
        };
        if (typeof claims.clientId === 'string') next.clientId = claims.clientId;
        if (typeof claims.customId === 'string') next.customId = claims.customId;
        if (typeof claims.deviceId === 'string') next.deviceId = claims.deviceId;
        return issue(clock, next);
      }),
    signIn: (req, context) =>
      call('signIn', context, async (clock) => {
        requireString(req?.login, 'login');
        requireString(req?.password, 'password');
        requireString(req?.uuid, 'uuid');
        if (users && users[req.login] !== req.password) {
          throw new SessionError('unauthorized', 'Wrong login or password');
        }
        return issue(clock, {
          sub: req.uuid,
          rlm: 'client',
          origin: 'SYNERISE',
          clientId: String(clientIdFor(req.login)),
          customId: req.login,
          deviceId: req.deviceId,
        });
      }),
    signOut: (req: { token: string; mode: SignOutMode }, context) =>
      call('signOut', context, async (clock) => {
        await verify(req?.token, clock);
      }),
  };
  return backend;
}


function resolveKeyStorage(option: DevBackendOptions['keyStorage']): StorageLike | null {
  if (option === 'memory') return null;
  if (typeof option === 'object' && option !== null) return option;
  return findLocalStorage();
}

/** A stable numeric customer id per login, like the numeric clientId the real backend puts in its tokens. */
function clientIdFor(login: string): number {
  let hash = 2166136261;
  for (let i = 0; i < login.length; i++) hash = Math.imul(hash ^ login.charCodeAt(i), 16777619);
  return (hash >>> 0) % 100_000_000;
}

