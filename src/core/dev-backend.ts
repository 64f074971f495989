import { monotonicNow, requireString } from './checks.js';
import { SessionError } from './errors.js';
import type { DevSigner, PublicJwk } from './dev-signing.js';
import { createFaultSwitches } from './faults.js';
import { findLocalStorage } from './storage.js';
import { randomUuid } from './uuid.js';
import type {
  AuthBackend,
  BackendCall,
  BackendCallContext,
  BackendInfo,
  BackendRequestInfo,
  FaultControls,
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
  const ttl = options.tokenTtlSeconds ?? 3600;
  if (!Number.isFinite(ttl) || ttl <= 0) throw new SessionError('invalid-argument', 'tokenTtlSeconds must be a positive number');
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
  const signing = (): Promise<DevSigner> => (signer ??= import('./dev-signing.js').then((module) => module.createDevSigner(keyStore)));
  const faults = createFaultSwitches(['anonymous', 'refresh', 'signIn', 'signOut']);
  const calls: Record<BackendCall, number> = { anonymous: 0, refresh: 0, signIn: 0, signOut: 0 };
  let lastRequest: BackendRequestInfo | undefined;

  async function issue(claims: { sub: string; rlm: Realm; origin: TokenOrigin; clientId?: string; customId?: string; deviceId?: string }): Promise<string> {
    const signer = await signing();
    const iat = Math.floor(now() / 1000);
    const exp = faults.expiredNext ? iat : iat + ttl;
    faults.consumeExpired();
    return signer.sign({ ...claims, jti: randomUuid() }, iat, exp);
  }

  async function verify(token: string): Promise<Record<string, unknown>> {
    if (typeof token !== 'string' || token.length === 0) throw new SessionError('invalid-argument', 'token must be a non-empty string');
    return (await signing()).verify(token, now());
  }

  /** Runs one call with latency, faults and request reporting. */
  async function call<T>(kind: BackendCall, context: BackendCallContext | undefined, work: () => Promise<T>): Promise<T> {
    calls[kind]++;
    const started = now();
    const attemptStart = monotonicNow();
    let result: { ok: true; value: T } | { ok: false; error: SessionError };
    try {
      if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
      if (context?.signal?.aborted) throw new SessionError('aborted', `The ${kind} call was cancelled by its caller`);
      const injected = faults.takeFailure(kind);
      if (injected) throw injected;
      if (faults.offline) throw new SessionError('network', 'The dev backend is offline (fault injection)');
      result = { ok: true, value: await work() };
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
      call('anonymous', context, async () => {
        requireString(req?.uuid, 'uuid');
        requireString(req?.deviceId, 'deviceId', { allowEmpty: true });
        return issue({ sub: req.uuid, rlm: 'anonymous_client', origin: 'ANONYMOUS', deviceId: req.deviceId });
      }),
    refresh: (req, context) =>
      call('refresh', context, async () => {
        const claims = await verify(req?.token);
        const next: Parameters<typeof issue>[0] = {
          sub: String(claims.sub),
          rlm: claims.rlm === 'client' ? 'client' : 'anonymous_client',
          origin: (typeof claims.origin === 'string' ? claims.origin : 'UNKNOWN') as TokenOrigin,
        };
        if (typeof claims.clientId === 'string') next.clientId = claims.clientId;
        if (typeof claims.customId === 'string') next.customId = claims.customId;
        if (typeof claims.deviceId === 'string') next.deviceId = claims.deviceId;
        return issue(next);
      }),
    signIn: (req, context) =>
      call('signIn', context, async () => {
        requireString(req?.login, 'login');
        requireString(req?.password, 'password');
        requireString(req?.uuid, 'uuid');
        if (users && users[req.login] !== req.password) {
          throw new SessionError('unauthorized', 'Wrong login or password');
        }
        return issue({
          sub: req.uuid,
          rlm: 'client',
          origin: 'SYNERISE',
          clientId: String(clientIdFor(req.login)),
          customId: req.login,
          deviceId: req.deviceId,
        });
      }),
    signOut: (req: { token: string; mode: SignOutMode }, context) =>
      call('signOut', context, async () => {
        await verify(req?.token);
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

