import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, errors as joseErrors, type CryptoKey, type JWK } from 'jose';
import { monotonicNow, requireString } from './checks.js';
import { SessionError } from './errors.js';
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
 * The embedded dev backend: issues real ES256-signed JWTs (jose, WebCrypto) with a key pair generated per backend,
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

const KEY_STORAGE_KEY = 'session-panel:dev-backend-key';

export interface DevBackend extends AuthBackend {
  readonly faults: FaultControls;
  describe(): BackendInfo;
  /** Public key of this backend as a JWK, to verify its tokens elsewhere. */
  publicJwk(): Promise<JWK>;
  /** Calls received so far, by kind (for tests and benchmarks). */
  readonly calls: Readonly<Record<BackendCall, number>>;
}

const ISSUER = 'session-panel-dev-backend';
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
  let keys: Promise<LoadedKeys> | undefined;
  const keyPair = () => {
    // Browsers expose crypto.subtle only in secure contexts; say so plainly instead of failing deep inside jose.
    if (!globalThis.crypto?.subtle) {
      return Promise.reject(
        new SessionError('backend', 'The dev backend signs tokens with WebCrypto, which this page lacks: browsers offer it only on https or localhost. Serve the page from one of those, or use createHttpBackend.'),
      );
    }
    return (keys ??= loadOrCreateKeys(keyStore));
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
    const { privateKey } = await keyPair();
    const iat = Math.floor(clock / 1000);
    issuedExpired = faults.expiredNext;
    const exp = faults.expiredNext ? iat : iat + ttl;
    faults.consumeExpired();
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUuid())
      .sign(privateKey);
  }

  async function verify(token: string, clock: number, retried = false): Promise<Record<string, unknown>> {
    if (typeof token !== 'string' || token.length === 0) throw new SessionError('invalid-argument', 'token must be a non-empty string');
    const current = await keyPair();
    try {
      const { payload } = await jwtVerify(token, current.publicKey, { issuer: ISSUER, currentDate: new Date(clock), clockTolerance: 0 });
      return payload as Record<string, unknown>;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        throw new SessionError('session-expired', 'The token has expired and cannot be refreshed');
      }
      // Another tab may have stored a different key since this backend loaded its own: take it and try once more.
      const stored = readStoredKey(keyStore);
      if (!retried && stored !== null && stored !== current.stored) {
        keys = importStoredKeys(stored).catch(() => current);
        return verify(token, clock, true);
      }
      throw new SessionError('unauthorized', 'The token was not issued by this backend or was altered', { cause: error });
    }
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
    publicJwk: async () => exportJWK((await keyPair()).publicKey),
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


type KeyPair = { publicKey: CryptoKey; privateKey: CryptoKey };

function resolveKeyStorage(option: DevBackendOptions['keyStorage']): StorageLike | null {
  if (option === 'memory') return null;
  if (typeof option === 'object' && option !== null) return option;
  return findLocalStorage();
}

/** A key pair and the stored JSON it came from (null when it lives in memory only). */
type LoadedKeys = KeyPair & { readonly stored: string | null };

async function importStoredKeys(raw: string): Promise<LoadedKeys> {
  const { privateJwk, publicJwk } = JSON.parse(raw) as { privateJwk: JWK; publicJwk: JWK };
  const [privateKey, publicKey] = await Promise.all([
    importJWK(privateJwk, 'ES256', { extractable: true }),
    importJWK(publicJwk, 'ES256', { extractable: true }),
  ]);
  if (privateKey instanceof Uint8Array || publicKey instanceof Uint8Array) throw new TypeError('not an EC key');
  return { privateKey, publicKey, stored: raw };
}

function readStoredKey(store: StorageLike | null): string | null {
  try {
    const raw = store?.getItem(KEY_STORAGE_KEY);
    return typeof raw === 'string' ? raw : null;
  } catch {
    return null;
  }
}

/**
 * The stored key pair when there is a readable one; otherwise a new pair, stored for the next backend. Two tabs on a
 * fresh profile may both make one: a tab that finds a key stored meanwhile uses it instead of its own, and each reads
 * back what the storage kept, so all end on one key.
 */
async function loadOrCreateKeys(store: StorageLike | null): Promise<LoadedKeys> {
  const existing = readStoredKey(store);
  if (existing !== null) {
    try {
      return await importStoredKeys(existing);
    } catch {
      // Unreadable or foreign key: make a new one (tokens signed with the old one will be refused, as any key change).
    }
  }
  const pair = await generateKeyPair('ES256', { extractable: true });
  if (!store) return { ...pair, stored: null };
  try {
    const [privateJwk, publicJwk] = await Promise.all([exportJWK(pair.privateKey), exportJWK(pair.publicKey)]);
    const json = JSON.stringify({ privateJwk, publicJwk });
    const meanwhile = readStoredKey(store); // another tab stored one while this one was being made: use that
    if (meanwhile !== null && meanwhile !== existing) return await importStoredKeys(meanwhile);
    store.setItem(KEY_STORAGE_KEY, json);
    const kept = readStoredKey(store);
    if (kept !== null && kept !== json) return await importStoredKeys(kept); // another tab's key won the race
    return { ...pair, stored: json };
  } catch {
    return { ...pair, stored: null }; // storage full or throwing: this key lives in memory for this backend only
  }
}

/** A stable numeric customer id per login, like the numeric clientId the real backend puts in its tokens. */
function clientIdFor(login: string): number {
  let hash = 2166136261;
  for (let i = 0; i < login.length; i++) hash = Math.imul(hash ^ login.charCodeAt(i), 16777619);
  return (hash >>> 0) % 100_000_000;
}

