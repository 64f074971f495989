/**
 * Hostile and wrong input at every public entry point of the session core:
 * wrong argument types, absurd seeds, hostile JWTs from the backend, backends that throw odd values or hang,
 * storage that throws, and unreadable stored values. Every failure must be a typed SessionError (kind AND code)
 * and must leave the session's state exactly as it was.
 *
 * Clocks are injected everywhere; the only timer (the request timeout) runs under vi fake timers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ERROR_CODES,
  SessionError,
  createClientModule,
  createDevBackend,
  createSession,
  decodeJwtParts,
  type AuthBackend,
  type BackendCall,
  type DevBackend,
  type Session,
  type SessionEvent,
  type SessionErrorKind,
  type SessionOptions,
  type StorageLike,
  uuidFromName,
} from '../../src/core/index.js';

const T0 = 1_800_000_000_000;

// ---------------------------------------------------------------- helpers

/** Values of every wrong type, labelled for test names. */
const WRONG_TYPES: readonly (readonly [string, unknown])[] = [
  ['number', 42],
  ['NaN', Number.NaN],
  ['null', null],
  ['undefined', undefined],
  ['boolean', true],
  ['object', { toString: () => 'seed' }],
  ['array', ['seed']],
  ['function', () => 'seed'],
  ['symbol', Symbol('seed')],
  ['bigint', 10n],
  ['String object', new String('seed')],
];

function expectSessionError(error: unknown, kind: SessionErrorKind, code: number = ERROR_CODES[kind]): SessionError {
  expect(error).toBeInstanceOf(SessionError);
  const e = error as SessionError;
  expect(e.kind).toBe(kind);
  expect(e.code).toBe(code);
  expect(e.name).toBe('SessionError');
  expect(typeof e.message).toBe('string');
  expect(e.message.length).toBeGreaterThan(0);
  return e;
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** The identity-relevant state of a session (what must not change when a call fails). */
function stateOf(session: Session): unknown {
  const s = session.snapshot();
  return {
    uuid: s.uuid,
    deviceId: s.deviceId,
    token: s.token,
    tokenStatus: s.tokenStatus,
    login: s.login,
    signedIn: s.signedIn,
    customEmail: s.customEmail,
    customIdentifier: s.customIdentifier,
    isSignedIn: session.isSignedIn(),
    getUUID: session.getUUID(),
  };
}

const b64url = (value: string): string => Buffer.from(value, 'utf8').toString('base64url');
const part = (value: unknown): string => b64url(JSON.stringify(value));

/** An unsigned-but-well-formed JWT (the core decodes, it does not verify). */
function fakeJwt(claims: unknown, header: unknown = { alg: 'ES256', typ: 'JWT' }): string {
  return `${part(header)}.${part(claims)}.${b64url('signature')}`;
}

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** A Storage-like object over a Map, so tests can read what the core wrote. */
class MapStorage implements StorageLike {
  readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, String(value));
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
}

/**
 * Wraps a dev backend; `answer.<call>` (one shot) replaces the next answer of that call with anything at all,
 * including non-strings, so the session sees exactly what a hostile backend would send.
 */
interface ScriptedBackend extends AuthBackend {
  readonly dev: DevBackend;
  readonly answer: Partial<Record<BackendCall, () => unknown>>;
}

function scriptedBackend(now: () => number): ScriptedBackend {
  const dev = createDevBackend({ now });
  const answer: Partial<Record<BackendCall, () => unknown>> = {};
  const take = (call: BackendCall): (() => unknown) | undefined => {
    const fn = answer[call];
    delete answer[call];
    return fn;
  };
  const run = <T>(call: BackendCall, fallback: () => Promise<T>): Promise<T> => {
    const scripted = take(call);
    // Scripted answers run inside an async function: a synchronous throw becomes a rejection, as from fetch.
    return scripted ? (async () => (await scripted()) as T)() : fallback();
  };
  return {
    dev,
    answer,
    anonymous: (req) => run('anonymous', () => dev.anonymous(req)),
    refresh: (req) => run('refresh', () => dev.refresh(req)),
    signIn: (req) => run('signIn', () => dev.signIn(req)),
    signOut: (req) => run('signOut', () => dev.signOut(req)),
  };
}

interface Harness {
  readonly session: Session;
  readonly backend: ScriptedBackend;
  readonly events: SessionEvent[];
  readonly clock: { now: number };
}

const open: Session[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.dispose();
  vi.useRealTimers();
});

async function harness(options: Partial<SessionOptions> = {}): Promise<Harness> {
  const clock = { now: T0 };
  const now = (): number => clock.now;
  const backend = scriptedBackend(now);
  const session = createSession({ storage: 'memory', devtools: false, deviceId: 'device-42', ...options, backend, now });
  open.push(session);
  const events: SessionEvent[] = [];
  session.subscribe((e) => events.push(e));
  await session.ready;
  return { session, backend, events, clock };
}

const errorEvents = (events: readonly SessionEvent[]) =>
  events.filter((e): e is Extract<SessionEvent, { type: 'error' }> => e.type === 'error');
const tokenChanges = (events: readonly SessionEvent[]) => events.filter((e) => e.type === 'token-changed');

// ---------------------------------------------------------------- factories

describe('createSession: bad options → invalid-argument (9001), thrown synchronously', () => {
  const okStorage = new MapStorage();
  const bad: readonly (readonly [string, Record<string, unknown>])[] = [
    ['backend: number', { backend: 42 }],
    ['backend: string', { backend: 'dev' }],
    ['backend: array', { backend: [] }],
    ['backend: missing methods', { backend: { anonymous: async () => '' } }],
    ['backend: methods that are not functions', { backend: { anonymous: 1, refresh: 2, signIn: 3, signOut: 4 } }],
    ['storage: unknown name', { storage: 'session' }],
    ['storage: number', { storage: 1 }],
    ['storage: object without methods', { storage: { getItem: () => null } }],
    ['storage: array', { storage: [] }],
    ['namespace: number', { namespace: 5 }],
    ['namespace: empty', { namespace: '' }],
    ['namespace: colon (would break the key scheme)', { namespace: 'a:b' }],
    ['namespace: 65 chars', { namespace: 'n'.repeat(65) }],
    ['deviceId: number', { deviceId: 42 }],
    ['deviceId: 129 chars', { deviceId: 'd'.repeat(129) }],
    ['deviceId: markup', { deviceId: '<img src=x>' }],
    ['now: number', { now: 5 }],
    ['now: string', { now: 'Date.now' }],
    ['refreshWindowSeconds: negative', { refreshWindowSeconds: -1 }],
    ['refreshWindowSeconds: NaN', { refreshWindowSeconds: Number.NaN }],
    ['refreshWindowSeconds: Infinity', { refreshWindowSeconds: Number.POSITIVE_INFINITY }],
    ['refreshWindowSeconds: string', { refreshWindowSeconds: '1800' }],
    ['autoRefresh: string', { autoRefresh: 'yes' }],
    ['autoRefresh: number', { autoRefresh: 1 }],
    ['devtools: null', { devtools: null }],
    ['logLimit: fraction', { logLimit: 1.5 }],
    ['logLimit: negative', { logLimit: -1 }],
    ['logLimit: absurd', { logLimit: 10_000_000 }],
    ['logLimit: string', { logLimit: '10' }],
    ['requestTimeoutMs: 0', { requestTimeoutMs: 0 }],
    ['requestTimeoutMs: negative', { requestTimeoutMs: -5 }],
    ['requestTimeoutMs: NaN', { requestTimeoutMs: Number.NaN }],
  ];
  it.each(bad)('%s', (_name, options) => {
    const withDefaults = { storage: okStorage, devtools: false, ...options } as unknown as SessionOptions;
    expectSessionError(thrownBy(() => createSession(withDefaults)), 'invalid-argument');
  });

  it('a valid custom-storage session leaves nothing half-registered after a rejected one', () => {
    expect(() => createSession({ storage: okStorage, devtools: false, namespace: 'bad ns' })).toThrow(SessionError);
    expect(okStorage.map.size).toBe(0); // nothing written for a session that was refused
  });
});

describe('createDevBackend: bad options → invalid-argument', () => {
  const bad: readonly (readonly [string, Record<string, unknown>])[] = [
    ['tokenTtlSeconds: 0', { tokenTtlSeconds: 0 }],
    ['tokenTtlSeconds: negative', { tokenTtlSeconds: -60 }],
    ['tokenTtlSeconds: NaN', { tokenTtlSeconds: Number.NaN }],
    ['tokenTtlSeconds: Infinity', { tokenTtlSeconds: Number.POSITIVE_INFINITY }],
    ['tokenTtlSeconds: string', { tokenTtlSeconds: '3600' }],
    ['latencyMs: negative', { latencyMs: -1 }],
    ['latencyMs: NaN', { latencyMs: Number.NaN }],
    ['latencyMs: string', { latencyMs: '10' }],
    ['now: number', { now: 123 }],
  ];
  it.each(bad)('%s', (_name, options) => {
    expectSessionError(thrownBy(() => createDevBackend(options as never)), 'invalid-argument');
  });
});

describe('createClientModule: not a session → invalid-argument', () => {
  it.each(WRONG_TYPES.filter(([name]) => name !== 'object'))('%s', (_name, value) => {
    expectSessionError(thrownBy(() => createClientModule(value as never)), 'invalid-argument');
  });
  it('a plain object without the Session methods', () => {
    expectSessionError(thrownBy(() => createClientModule({} as never)), 'invalid-argument');
  });
});

describe('decodeJwtParts: wrong types → invalid-jwt (-104)', () => {
  it.each(WRONG_TYPES)('%s', (_name, value) => {
    expectSessionError(thrownBy(() => decodeJwtParts(value)), 'invalid-jwt', -104);
  });
});

// ---------------------------------------------------------------- session methods

describe('session methods with wrong types', () => {
  it.each(WRONG_TYPES)('getUUIDForAuthentication(%s) throws invalid-argument synchronously', async (_name, value) => {
    const { session } = await harness();
    const before = stateOf(session);
    expectSessionError(thrownBy(() => session.getUUIDForAuthentication(value as string)), 'invalid-argument');
    expect(stateOf(session)).toEqual(before);
  });

  it.each(WRONG_TYPES)('regenerateUUIDWithClientIdentifier(%s) rejects invalid-argument, state unchanged', async (_name, value) => {
    const { session, backend, events } = await harness();
    const before = stateOf(session);
    const calls = { ...backend.dev.calls };
    let promise: Promise<boolean> | undefined;
    expect(() => {
      promise = session.regenerateUUIDWithClientIdentifier(value as string);
    }).not.toThrow();
    expectSessionError(await rejectionOf(promise!), 'invalid-argument');
    expect(stateOf(session)).toEqual(before);
    expect(backend.dev.calls).toEqual(calls);
    expect(events.some((e) => e.type === 'uuid-changed')).toBe(false);
    const end = events.find((e) => e.type === 'operation-end' && e.operation === 'regenerateUUIDWithClientIdentifier');
    expect(end).toMatchObject({ outcome: 'error', error: { kind: 'invalid-argument', code: 9001 } });
  });

  const credentialCases: readonly (readonly [string, unknown, unknown])[] = [
    ...WRONG_TYPES.map(([name, v]) => [`login ${name}`, v, 'pw'] as const),
    ...WRONG_TYPES.map(([name, v]) => [`password ${name}`, 'login', v] as const),
    ['empty login', '', 'pw'],
    ['empty password', 'login', ''],
    ['login of 1025 chars', 'l'.repeat(1025), 'pw'],
    ['password of 1025 chars', 'login', 'p'.repeat(1025)],
  ];
  it.each(credentialCases)('signIn with %s rejects invalid-argument before any backend call', async (_name, login, password) => {
    const { session, backend } = await harness();
    const before = stateOf(session);
    const promise = session.signIn(login as string, password as string);
    expectSessionError(await rejectionOf(promise), 'invalid-argument');
    expect(backend.dev.calls.signIn).toBe(0);
    expect(stateOf(session)).toEqual(before);
  });

  it.each([...WRONG_TYPES.filter(([name]) => name !== 'undefined'), ['unknown mode', 'SIGN_OUT_NOW'], ['lowercase mode', 'sign_out']] as const)(
    'signOut(%s) rejects invalid-argument and a signed-in customer stays signed in',
    async (_name, mode) => {
      const { session, backend } = await harness();
      await session.signIn('customer@example.com', 'pw');
      const before = stateOf(session);
      expectSessionError(await rejectionOf(session.signOut(mode as never)), 'invalid-argument');
      expect(backend.dev.calls.signOut).toBe(0);
      expect(stateOf(session)).toEqual(before);
      expect(session.isSignedIn()).toBe(true);
    },
  );

  it('signOut with a bad mode is invalid-argument even when nobody is signed in (argument checked first)', async () => {
    const { session } = await harness();
    expectSessionError(await rejectionOf(session.signOut(7 as never)), 'invalid-argument');
    expectSessionError(await rejectionOf(session.signOut()), 'already-signed-out', 3220);
  });

  it.each(WRONG_TYPES.filter(([name]) => name !== 'function'))('subscribe(%s) throws invalid-argument', async (_name, value) => {
    const { session } = await harness();
    expectSessionError(thrownBy(() => session.subscribe(value as never)), 'invalid-argument');
  });

  it('extra arguments to argument-less operations change nothing', async () => {
    const { session } = await harness();
    const uuid = session.getUUID();
    expect((session.getUUID as (...args: unknown[]) => string)(1, null, {})).toBe(uuid);
    expect((session.isSignedIn as (...args: unknown[]) => boolean)('yes')).toBe(false);
  });

  it('operations on a disposed session reject with kind disposed (9006)', async () => {
    const { session } = await harness();
    session.dispose();
    for (const p of [
      session.retrieveToken(),
      session.refreshToken(),
      session.regenerateUUID(),
      session.regenerateUUIDWithClientIdentifier('seed'),
      session.destroySession(),
      session.signIn('a', 'b'),
      session.signOut(),
    ]) {
      expectSessionError(await rejectionOf(p), 'disposed', 9006);
    }
  });
});

describe('seeds: empty, huge, boundary, non-string', () => {
  it.each([
    ['empty', ''],
    ['1025 chars', 's'.repeat(1025)],
    ['1 MiB', 's'.repeat(1 << 20)],
    ['513 astral emoji (1026 UTF-16 units)', '\ud83d\ude00'.repeat(513)],
  ] as const)('%s seed → invalid-argument, no backend call, UUID unchanged', async (_name, seed) => {
    const { session, backend } = await harness();
    const before = stateOf(session);
    expectSessionError(await rejectionOf(session.regenerateUUIDWithClientIdentifier(seed)), 'invalid-argument');
    expect(backend.dev.calls.anonymous).toBe(1); // only the start-up token
    expect(stateOf(session)).toEqual(before);
  });

  it('a seed of exactly 1024 chars is accepted', async () => {
    const { session } = await harness();
    await expect(session.regenerateUUIDWithClientIdentifier('x'.repeat(1024))).resolves.toBe(true);
    expect(session.getUUID()).toBe('bd91c8d6-0efe-3522-ba88-118a034a5643'); // Python: md5('device-42' + 'x'*1024)
  });

  it('a whitespace-only or NUL seed is a string like any other (hashed, not rejected)', async () => {
    const { session } = await harness();
    await expect(session.regenerateUUIDWithClientIdentifier(' ')).resolves.toBe(true);
    const spaced = session.getUUID();
    await expect(session.regenerateUUIDWithClientIdentifier('\u0000')).resolves.toBe(true);
    expect(session.getUUID()).not.toBe(spaced);
  });

  it('the client-module facade reports a bad seed through events and leaves the UUID alone', async () => {
    const { session, events } = await harness();
    const client = createClientModule(session);
    const uuid = session.getUUID();
    for (const [, value] of WRONG_TYPES) {
      expect(client.regenerateUUIDWithClientIdentifier(value as string)).toBeUndefined();
    }
    expect(client.regenerateUUIDWithClientIdentifier('')).toBeUndefined();
    await Promise.resolve();
    await Promise.resolve();
    expect(session.getUUID()).toBe(uuid);
    const failures = events.filter(
      (e) => e.type === 'operation-end' && e.operation === 'regenerateUUIDWithClientIdentifier' && e.outcome === 'error',
    );
    expect(failures).toHaveLength(WRONG_TYPES.length + 1);
    for (const f of failures) expect(f).toMatchObject({ error: { kind: 'invalid-argument', code: 9001 } });
  });
});

// ---------------------------------------------------------------- hostile JWTs from the backend

const header = { alg: 'ES256', typ: 'JWT' };
const validClaims = (rlm: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  sub: '00000000-0000-4000-8000-000000000000',
  iat: T0 / 1000,
  exp: T0 / 1000 + 3600,
  rlm,
  origin: rlm === 'client' ? 'SYNERISE' : 'ANONYMOUS',
  ...extra,
});

/** [name, answer, expected kind] for each hostile answer; `rlm` is the realm the call promises. */
function hostileAnswers(rlm: 'anonymous_client' | 'client'): readonly (readonly [string, unknown, SessionErrorKind])[] {
  const other = rlm === 'client' ? 'anonymous_client' : 'client';
  const good = validClaims(rlm);
  return [
    ['bad base64 in the payload', `${part(header)}.%%%not*base64%%%.${b64url('sig')}`, 'invalid-jwt'],
    ['bad base64 in the header', `@@@.${part(good)}.${b64url('sig')}`, 'invalid-jwt'],
    ['payload that is not JSON', `${part(header)}.${b64url('{"exp": 1,')}.${b64url('sig')}`, 'invalid-jwt'],
    ['payload that is not UTF-8', `${part(header)}.${Buffer.from([0xff, 0xfe, 0xfd]).toString('base64url')}.${b64url('sig')}`, 'invalid-jwt'],
    ['2 parts', `${part(header)}.${part(good)}`, 'invalid-jwt'],
    ['1 part', part(good), 'invalid-jwt'],
    ['5 parts (JWE shape)', `${part(header)}.${part(good)}.a.b.c`, 'invalid-jwt'],
    ['4 parts', `${part(header)}.${part(good)}.a.b`, 'invalid-jwt'],
    ['empty payload part', `${part(header)}..${b64url('sig')}`, 'invalid-jwt'],
    ['empty string', '', 'invalid-jwt'],
    ['alg none', fakeJwt(good, { alg: 'none', typ: 'JWT' }), 'invalid-jwt'],
    ['alg NoNe', fakeJwt(good, { alg: 'NoNe' }), 'invalid-jwt'],
    ['header without alg', fakeJwt(good, { typ: 'JWT' }), 'invalid-jwt'],
    ['header alg not a string', fakeJwt(good, { alg: 256 }), 'invalid-jwt'],
    ['header is a JSON array', fakeJwt(good, ['ES256']), 'invalid-jwt'],
    ['payload is a JSON array', fakeJwt([good]), 'invalid-jwt'],
    ['payload is a number', fakeJwt(1_800_003_600), 'invalid-jwt'],
    ['payload is a string', fakeJwt('claims'), 'invalid-jwt'],
    ['payload is null', fakeJwt(null), 'invalid-jwt'],
    ['payload is true', fakeJwt(true), 'invalid-jwt'],
    ['64 KiB token', fakeJwt({ ...good, padding: 'p'.repeat(64 * 1024) }), 'invalid-jwt'],
    ['missing exp', fakeJwt({ ...good, exp: undefined }), 'invalid-jwt'],
    ['exp is a string', fakeJwt({ ...good, exp: String(good.exp) }), 'invalid-jwt'],
    ['exp is null', fakeJwt({ ...good, exp: null }), 'invalid-jwt'],
    ['exp is an object', fakeJwt({ ...good, exp: { value: good.exp } }), 'invalid-jwt'],
    ['missing realm', fakeJwt({ ...good, rlm: undefined }), 'invalid-jwt'],
    ['unknown realm "admin"', fakeJwt({ ...good, rlm: 'admin' }), 'invalid-jwt'],
    ['realm with different case', fakeJwt({ ...good, rlm: rlm.toUpperCase() }), 'invalid-jwt'],
    [`realm "${other}" where "${rlm}" was promised`, fakeJwt(validClaims(other)), 'invalid-response'],
    ['a number instead of a string', 42, 'invalid-jwt'],
    ['null', null, 'invalid-jwt'],
    ['undefined', undefined, 'invalid-jwt'],
    ['an object', { tokenString: fakeJwt(good) }, 'invalid-jwt'],
    ['an array of parts', fakeJwt(good).split('.'), 'invalid-jwt'],
    ['a String object', new String(fakeJwt(good)), 'invalid-jwt'],
  ];
}

describe('hostile JWTs from the backend → invalid-jwt (-104) or invalid-response (9007), state unchanged', () => {
  it.each(hostileAnswers('anonymous_client'))('refreshToken() of an anonymous token: %s', async (_name, answer, kind) => {
    const { session, backend, events } = await harness();
    const before = stateOf(session);
    const seen = events.length;
    backend.answer.refresh = () => answer;
    expectSessionError(await rejectionOf(session.refreshToken()), kind);
    expect(stateOf(session)).toEqual(before);
    expect(tokenChanges(events.slice(seen))).toEqual([]);
    const end = events.slice(seen).find((e) => e.type === 'operation-end' && e.operation === 'refreshToken');
    expect(end).toMatchObject({ outcome: 'error', error: { kind, code: ERROR_CODES[kind] } });
  });

  it.each(hostileAnswers('client'))('signIn(): %s', async (_name, answer, kind) => {
    const { session, backend, events } = await harness();
    const before = stateOf(session);
    const seen = events.length;
    backend.answer.signIn = () => answer;
    expectSessionError(await rejectionOf(session.signIn('customer@example.com', 'pw')), kind);
    expect(stateOf(session)).toEqual(before);
    expect(session.isSignedIn()).toBe(false);
    expect(events.slice(seen).some((e) => e.type === 'signed-in' || e.type === 'token-changed' || e.type === 'uuid-changed')).toBe(false);
  });

  it.each(hostileAnswers('client'))('refreshToken() of a client token: %s', async (_name, answer, kind) => {
    const { session, backend } = await harness();
    await session.signIn('customer@example.com', 'pw');
    const before = stateOf(session);
    backend.answer.refresh = () => answer;
    expectSessionError(await rejectionOf(session.refreshToken()), kind);
    expect(stateOf(session)).toEqual(before);
    expect(session.isSignedIn()).toBe(true);
  });

  it.each(hostileAnswers('anonymous_client'))('retrieveToken() re-obtaining an expired anonymous token: %s', async (_name, answer, kind) => {
    const { session, backend } = await harness();
    session.debug.expireToken();
    const before = stateOf(session);
    expect(session.snapshot().tokenStatus).toBe('expired');
    backend.answer.anonymous = () => answer;
    expectSessionError(await rejectionOf(session.retrieveToken()), kind);
    expect(stateOf(session)).toEqual(before);
  });

  it.each(hostileAnswers('anonymous_client'))('regenerateUUID(): %s — new UUID stands, no token, error event', async (_name, answer, kind) => {
    const { session, backend, events } = await harness();
    const old = session.getUUID();
    const seen = events.length;
    backend.answer.anonymous = () => answer;
    await expect(session.regenerateUUID()).resolves.toBe(true);
    expect(session.getUUID()).not.toBe(old);
    expect(session.snapshot().token).toBeNull();
    expect(session.snapshot().tokenStatus).toBe('none');
    const errors = errorEvents(events.slice(seen));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ operation: 'regenerateUUID', error: { kind, code: ERROR_CODES[kind] } });
    // The next retrieveToken() gets a real token for the new UUID.
    const token = await session.retrieveToken();
    expect(claimsOf(token.tokenString).sub).toBe(session.getUUID());
  });

  it('hostile JSON keys (__proto__, constructor) in a valid token do not pollute prototypes', async () => {
    const { session, backend } = await harness();
    const raw = `{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"sub":"${session.getUUID()}","iat":${T0 / 1000},"exp":${T0 / 1000 + 3600},"rlm":"anonymous_client"}`;
    backend.answer.refresh = () => `${part(header)}.${b64url(raw)}.${b64url('sig')}`;
    const token = await session.refreshToken();
    expect(token.rlm).toBe('anonymous_client');
    expect(token.origin).toBe('ANONYMOUS');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('claims of odd types are ignored or normalised, never trusted blindly', async () => {
    const { session, backend } = await harness();
    backend.answer.refresh = () =>
      fakeJwt(validClaims('anonymous_client', { sub: session.getUUID(), origin: 'EVIL', clientId: { id: 1 }, customId: ['x'], iat: 'yesterday' }));
    const token = await session.refreshToken();
    expect(token.origin).toBe('ANONYMOUS'); // unknown origin → the realm's default
    expect(token.clientId).toBeUndefined();
    expect(token.customId).toBeUndefined();
    const record = session.snapshot().token!;
    expect(record.iat).toBeUndefined();
    expect(record.expiresAt).toBe(record.exp); // no usable iat: judged by exp
  });
});

// ---------------------------------------------------------------- backends that throw odd things or hang

describe('a backend that throws non-Error values → SessionError kind backend (9004), state unchanged', () => {
  const thrown: readonly (readonly [string, () => unknown, string | null])[] = [
    ['a string', () => Promise.reject('backend exploded'), 'backend exploded'],
    ['a number', () => Promise.reject(503), null],
    ['null', () => Promise.reject(null), null],
    ['undefined', () => Promise.reject(undefined), null],
    ['a plain object without message', () => Promise.reject({ status: 500 }), null],
    ['a symbol', () => Promise.reject(Symbol('boom')), null],
    ['a function', () => Promise.reject(() => 'boom'), null],
    ['an array', () => Promise.reject(['boom']), null],
    ['a synchronous throw of a string', () => {
      throw 'sync boom';
    }, 'sync boom'],
    ['an object whose message is not a string', () => Promise.reject({ message: 42 }), null],
  ];
  it.each(thrown)('refresh rejects with %s', async (_name, fail, message) => {
    const { session, backend } = await harness();
    const before = stateOf(session);
    backend.answer.refresh = fail;
    const error = expectSessionError(await rejectionOf(session.refreshToken()), 'backend', 9004);
    if (message !== null) expect(error.message).toBe(message);
    expect(stateOf(session)).toEqual(before);
  });

  it('a method that throws synchronously (not even returning a promise) is contained', async () => {
    const { session, backend } = await harness();
    const before = stateOf(session);
    (backend as { signIn: AuthBackend['signIn'] }).signIn = () => {
      throw new TypeError('not async');
    };
    const error = expectSessionError(await rejectionOf(session.signIn('a', 'b')), 'backend', 9004);
    expect(error.message).toBe('not async');
    expect(stateOf(session)).toEqual(before);
  });

  it('an error-like object keeps a known kind and its own code', async () => {
    const { session, backend } = await harness();
    backend.answer.refresh = () => Promise.reject({ message: 'no route', kind: 'network', code: 1234 });
    expectSessionError(await rejectionOf(session.refreshToken()), 'network', 1234);
    backend.answer.refresh = () => Promise.reject({ message: 'weird', kind: 'not-a-kind' });
    expectSessionError(await rejectionOf(session.refreshToken()), 'backend', 9004);
  });

  it('a sign-out backend failure is reported, and the customer is still signed out locally', async () => {
    const { session, backend, events } = await harness();
    await session.signIn('customer@example.com', 'pw');
    backend.answer.signOut = () => Promise.reject(404);
    await session.signOut();
    expect(session.isSignedIn()).toBe(false);
    expect(errorEvents(events).at(-1)).toMatchObject({ operation: 'signOut', error: { kind: 'backend', code: 9004 } });
    expect(events.filter((e) => e.type === 'signed-out').at(-1)).toMatchObject({ reason: 'USER_SIGN_OUT' });
  });
});

describe('a backend that hangs → timeout (9003), late answers discarded', () => {
  /** A backend whose calls never answer unless released by hand; anonymous answers at once. */
  function hangingBackend(now: () => number) {
    const releases: ((value: string) => void)[] = [];
    const hang = (): Promise<string> => new Promise<string>((resolve) => releases.push(resolve));
    let anonymousHangs = false;
    const backend: AuthBackend = {
      anonymous: (req) =>
        anonymousHangs
          ? hang()
          : Promise.resolve(fakeJwt({ ...validClaims('anonymous_client'), sub: req.uuid, iat: Math.floor(now() / 1000), exp: Math.floor(now() / 1000) + 3600 })),
      refresh: hang,
      signIn: hang,
      signOut: () => hang().then(() => undefined),
    };
    return { backend, releases, setAnonymousHangs: (v: boolean) => (anonymousHangs = v) };
  }

  it('refreshToken() times out after requestTimeoutMs; an answer after the timeout is not committed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const now = (): number => T0;
    const { backend, releases } = hangingBackend(now);
    const session = createSession({ backend, now, storage: 'memory', devtools: false, requestTimeoutMs: 50 });
    open.push(session);
    await session.ready;
    const before = stateOf(session);
    const promise = session.refreshToken();
    const settled = rejectionOf(promise);
    await vi.advanceTimersByTimeAsync(49);
    expect(session.snapshot().pending).toContain('refreshToken');
    await vi.advanceTimersByTimeAsync(1);
    const error = expectSessionError(await settled, 'timeout', 9003);
    expect(error.message).toMatch(/50 ms/);
    expect(session.snapshot().pending).not.toContain('refreshToken');
    // The hung call finally answers with a perfectly good token: too late, ignored.
    releases[0]!(fakeJwt({ ...validClaims('anonymous_client'), sub: session.getUUID() }));
    await vi.advanceTimersByTimeAsync(0);
    expect(stateOf(session)).toEqual(before);
  });

  it('signIn() times out and the visitor stays anonymous', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const now = (): number => T0;
    const { backend } = hangingBackend(now);
    const session = createSession({ backend, now, storage: 'memory', devtools: false, requestTimeoutMs: 1000 });
    open.push(session);
    await session.ready;
    const before = stateOf(session);
    const settled = rejectionOf(session.signIn('customer@example.com', 'pw'));
    await vi.advanceTimersByTimeAsync(1000);
    expectSessionError(await settled, 'timeout', 9003);
    expect(stateOf(session)).toEqual(before);
    expect(session.isSignedIn()).toBe(false);
  });

  it('a hanging anonymous call at start-up: ready still settles (after the timeout) with a timeout error event', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const now = (): number => T0;
    const { backend, setAnonymousHangs } = hangingBackend(now);
    setAnonymousHangs(true);
    const session = createSession({ backend, now, storage: 'memory', devtools: false, requestTimeoutMs: 200 });
    open.push(session);
    const events: SessionEvent[] = [];
    session.subscribe((e) => events.push(e));
    let ready = false;
    void session.ready.then(() => (ready = true));
    await vi.advanceTimersByTimeAsync(199);
    expect(ready).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(ready).toBe(true);
    expect(session.snapshot().token).toBeNull();
    const end = events.find((e) => e.type === 'operation-end' && e.operation === 'start');
    expect(end).toMatchObject({ outcome: 'error', error: { kind: 'timeout', code: 9003 } });
    // Once the backend answers again, retrieveToken() obtains the token.
    setAnonymousHangs(false);
    const token = await session.retrieveToken();
    expect(claimsOf(token.tokenString).sub).toBe(session.getUUID());
  });
});

// ---------------------------------------------------------------- storage that throws

describe('storage that throws → the session works in memory, persistent false, error event kind storage', () => {
  class ThrowingStorage extends MapStorage {
    constructor(
      private readonly failGet: boolean,
      private readonly failSet: boolean,
      private readonly what: unknown = new Error('SecurityError: access denied'),
    ) {
      super();
    }
    override getItem(key: string): string | null {
      if (this.failGet) throw this.what;
      return super.getItem(key);
    }
    override setItem(key: string, value: string): void {
      if (this.failSet) throw this.what;
      super.setItem(key, value);
    }
  }

  it.each([
    ['getItem throws', true, false, new Error('SecurityError: access denied'), 'SecurityError: access denied'],
    ['setItem throws (quota)', false, true, new Error('QuotaExceededError'), 'QuotaExceededError'],
    ['both throw', true, true, new Error('private mode'), 'private mode'],
    ['getItem throws a string', true, false, 'denied', 'denied'],
    ['setItem throws null', false, true, null, 'null'],
  ] as const)('%s', async (_name, failGet, failSet, what, message) => {
    const storage = new ThrowingStorage(failGet, failSet, what);
    const { session, events } = await harness({ storage });
    const info = session.snapshot().storage;
    expect(info.kind).toBe('custom');
    expect(info.persistent).toBe(false);
    expect(info.note).toMatch(/memory/);
    const storageErrors = errorEvents(events).filter((e) => e.error.kind === 'storage');
    expect(storageErrors.length).toBeGreaterThanOrEqual(1);
    expect(storageErrors[0]!.error.code).toBe(9005);
    expect(storageErrors[0]!.error.message).toContain(message);
    expect(session.log().some((l) => l.kind === 'storage')).toBe(true);
    // Everything keeps working in memory.
    expect(session.snapshot().tokenStatus).toBe('valid');
    await expect(session.regenerateUUIDWithClientIdentifier('seed')).resolves.toBe(true);
    expect(session.getUUID()).toBe(uuidFromName('device-42seed'));
    await session.signIn('customer@example.com', 'pw');
    expect(session.isSignedIn()).toBe(true);
    await session.refreshToken();
    await session.signOut('SIGN_OUT_WITH_SESSION_DESTROY');
    expect(session.isSignedIn()).toBe(false);
    expect(session.snapshot().tokenStatus).toBe('valid');
    if (!failSet) expect(storage.map.size).toBe(0); // nothing persisted once degraded
  });

  it('storage that starts failing mid-session (quota reached) degrades at once and keeps the state', async () => {
    let failing = false;
    const storage = new (class extends MapStorage {
      override setItem(key: string, value: string): void {
        if (failing) throw new Error('QuotaExceededError');
        super.setItem(key, value);
      }
    })();
    const { session, events } = await harness({ storage });
    expect(session.snapshot().storage.persistent).toBe(true);
    expect(errorEvents(events)).toEqual([]);
    failing = true;
    await session.signIn('customer@example.com', 'pw');
    expect(session.isSignedIn()).toBe(true);
    expect(session.snapshot().storage.persistent).toBe(false);
    expect(errorEvents(events).map((e) => [e.error.kind, e.error.code])).toContainEqual(['storage', 9005]);
    // The in-memory state is intact and keeps changing.
    const uuid = session.getUUID();
    await session.refreshToken();
    expect(session.getUUID()).toBe(uuid);
    expect(session.isSignedIn()).toBe(true);
  });
});

// ---------------------------------------------------------------- unreadable stored values

describe('unreadable stored state → fresh session, error event, old value kept under the backup key', () => {
  const NS = 'bad-input-ns';
  const STATE_KEY = `${NS}:state`;
  const BACKUP_KEY = `${STATE_KEY}:unreadable:${T0}`;

  /** A genuine stored value, written by a real session on the same clock. */
  async function genuineStoredValue(signedIn = false): Promise<Record<string, unknown>> {
    const storage = new MapStorage();
    const { session } = await harness({ storage, namespace: NS });
    if (signedIn) await session.signIn('customer@example.com', 'pw');
    session.dispose();
    return JSON.parse(storage.getItem(STATE_KEY)!) as Record<string, unknown>;
  }

  function editJwtClaims(jwt: string, edit: (claims: Record<string, unknown>) => void): string {
    const [h, , s] = jwt.split('.');
    const claims = claimsOf(jwt);
    edit(claims);
    return `${h}.${part(claims)}.${s}`;
  }

  async function expectFreshStart(raw: string, reason: RegExp): Promise<void> {
    const storage = new MapStorage();
    storage.setItem(STATE_KEY, raw);
    storage.setItem(`${NS}:device-id`, 'device-42');
    const parsed = ((): unknown => {
      try {
        return JSON.parse(raw);
      } catch {
        return null;
      }
    })();
    const oldUuid = typeof parsed === 'object' && parsed !== null ? (parsed as { uuid?: unknown }).uuid : undefined;

    const clock = { now: T0 };
    const now = (): number => clock.now;
    const session = createSession({ storage, namespace: NS, devtools: false, backend: createDevBackend({ now }), now });
    open.push(session);
    const events: SessionEvent[] = [];
    session.subscribe((e) => events.push(e));
    await session.ready;

    // Fresh session: a new random UUID (not the stored one), no customer, a new anonymous token.
    expect(session.getUUID()).not.toBe(oldUuid);
    expect(session.snapshot().login).toBeNull();
    expect(session.isSignedIn()).toBe(false);
    expect(session.snapshot().tokenStatus).toBe('valid');
    expect(session.snapshot().token?.rlm).toBe('anonymous_client');
    expect(session.snapshot().deviceId).toBe('device-42'); // the device id key was fine and is kept

    // The error event says what happened.
    const storageErrors = errorEvents(events).filter((e) => e.error.kind === 'storage');
    expect(storageErrors).toHaveLength(1);
    expect(storageErrors[0]!.error.code).toBe(9005);
    expect(storageErrors[0]!.error.message).toMatch(reason);
    expect(storageErrors[0]!.error.message).toContain(BACKUP_KEY);
    expect(session.log().filter((l) => l.kind === 'storage')).toHaveLength(1);

    // The unreadable value is kept, byte for byte, in the same storage object; the state key now holds a good value.
    expect(storage.getItem(BACKUP_KEY)).toBe(raw);
    expect(session.snapshot().storage).toMatchObject({ kind: 'custom', persistent: true, backupKey: BACKUP_KEY });
    const rewritten = JSON.parse(storage.getItem(STATE_KEY)!) as Record<string, unknown>;
    expect(rewritten).toMatchObject({ v: 1, uuid: session.getUUID(), login: null });

    // And the fresh value loads cleanly next time: no second error, same UUID.
    const again = createSession({ storage, namespace: NS, devtools: false, backend: createDevBackend({ now }), now });
    open.push(again);
    const againEvents: SessionEvent[] = [];
    again.subscribe((e) => againEvents.push(e));
    await again.ready;
    expect(again.getUUID()).toBe(session.getUUID());
    expect(errorEvents(againEvents)).toEqual([]);
  }

  it('control: a genuine stored value loads with no error', async () => {
    const stored = await genuineStoredValue(true);
    const storage = new MapStorage();
    storage.setItem(STATE_KEY, JSON.stringify(stored));
    const { session, events } = await harness({ storage, namespace: NS });
    expect(session.getUUID()).toBe(stored.uuid);
    expect(session.isSignedIn()).toBe(true);
    expect(errorEvents(events)).toEqual([]);
    expect([...storage.map.keys()].some((k) => k.includes(':unreadable:'))).toBe(false);
  });

  it.each([
    ['truncated JSON', '{"v":1,"uuid":"0000', /not valid JSON/],
    ['not JSON at all', '<html>oops</html>', /not valid JSON/],
    ['empty string', '', /not valid JSON/],
    ['JSON null', 'null', /not an object/],
    ['JSON array', '[1,2,3]', /not an object/],
    ['JSON number', '42', /not an object/],
    ['JSON string', '"session"', /not an object/],
  ] as const)('corrupt: %s', async (_name, raw, reason) => {
    await expectFreshStart(raw, reason);
  });

  type Edit = (value: Record<string, unknown>) => unknown;
  const versionEdits: readonly (readonly [string, Edit])[] = [
    ['schema version 2', (v: Record<string, unknown>) => (v.v = 2)],
    ['schema version 0', (v: Record<string, unknown>) => (v.v = 0)],
    ['schema version as a string', (v: Record<string, unknown>) => (v.v = '1')],
    ['no schema version', (v: Record<string, unknown>) => delete v.v],
  ];
  it.each(versionEdits)('other version: %s', async (_name, edit) => {
    const stored = await genuineStoredValue();
    edit(stored);
    await expectFreshStart(JSON.stringify(stored), /schema version/);
  });

  const typeEdits: readonly (readonly [string, Edit, RegExp])[] = [
    ['uuid is a number', (v: Record<string, unknown>) => (v.uuid = 42), /uuid/],
    ['uuid in upper case', (v: Record<string, unknown>) => (v.uuid = String(v.uuid).toUpperCase()), /uuid/],
    ['uuid missing', (v: Record<string, unknown>) => delete v.uuid, /uuid/],
    ['login is a number', (v: Record<string, unknown>) => (v.login = 5), /login/],
    ['customEmail is an object', (v: Record<string, unknown>) => (v.customEmail = {}), /customEmail/],
    ['customIdentifier is an array', (v: Record<string, unknown>) => (v.customIdentifier = []), /customIdentifier/],
    ['login missing', (v: Record<string, unknown>) => delete v.login, /login/],
    ['token is a string', (v: Record<string, unknown>) => (v.token = 'eyJ...'), /token/],
    ['token is a number', (v: Record<string, unknown>) => (v.token = 7), /token/],
    ['token is an array', (v: Record<string, unknown>) => (v.token = []), /token/],
    ['token.receivedAt is a string', (v: Record<string, unknown>) => ((v.token as Record<string, unknown>).receivedAt = 'now'), /receipt/],
    ['token received far in the future', (v: Record<string, unknown>) => ((v.token as Record<string, unknown>).receivedAt = T0 + 48 * 3600_000), /future/],
    ['token.tokenString is not a JWT', (v: Record<string, unknown>) => ((v.token as Record<string, unknown>).tokenString = 'garbage'), /decode/],
    ['token.tokenString is a number', (v: Record<string, unknown>) => ((v.token as Record<string, unknown>).tokenString = 12), /decode/],
  ];
  it.each(typeEdits)('wrong types: %s', async (_name, edit, reason) => {
    const stored = await genuineStoredValue(true);
    edit(stored);
    await expectFreshStart(JSON.stringify(stored), reason);
  });

  const claimEdits: readonly (readonly [string, boolean, Edit | null, RegExp])[] = [
    ['exp claim pushed a year later', true, (c: Record<string, unknown>) => (c.exp = Number(c.exp) + 365 * 86_400), /exp/],
    ['anonymous realm claim escalated to client', false, (c: Record<string, unknown>) => (c.rlm = 'client'), /rlm/],
    ['customId claim swapped', true, (c: Record<string, unknown>) => (c.customId = 'admin@example.com'), /customId/],
    ['alg none in the stored token', true, null, /decode|unsigned/],
  ];
  it.each(claimEdits)('tampered token: %s', async (_name, signedIn, edit, reason) => {
    const stored = await genuineStoredValue(signedIn);
    const token = stored.token as Record<string, unknown>;
    if (edit) token.tokenString = editJwtClaims(String(token.tokenString), edit);
    else {
      const [, p, s] = String(token.tokenString).split('.');
      token.tokenString = `${part({ alg: 'none' })}.${p}.${s}`;
    }
    await expectFreshStart(JSON.stringify(stored), reason);
  });

  it.each([
    ['record exp edited (claims kept)', 'exp'],
    ['record expiresAt extended', 'expiresAt'],
    ['record rlm escalated', 'rlm'],
    ['record clientId edited', 'clientId'],
  ] as const)('tampered record: %s', async (_name, key) => {
    const stored = await genuineStoredValue(true);
    const token = stored.token as Record<string, unknown>;
    token[key] = key === 'rlm' ? 'anonymous_client' : typeof token[key] === 'number' ? Number(token[key]) + 3_600_000 : 'someone-else';
    await expectFreshStart(JSON.stringify(stored), new RegExp(key));
  });

  it('an invalid stored device id is ignored and replaced, not used', async () => {
    const storage = new MapStorage();
    storage.setItem(`${NS}:device-id`, '<script>alert(1)</script>');
    const { session } = await harness({ storage, namespace: NS, deviceId: undefined });
    expect(session.snapshot().deviceId).toMatch(/^[\w-]{1,128}$/);
    expect(session.snapshot().deviceId).not.toContain('<');
  });
});
