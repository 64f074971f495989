import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  discoveredSessions,
  discoveredStatus,
  DiscoveryStore,
  observeCookieString,
  observeHarEntry,
  observeIndexedDbRecord,
  observeStorageEntry,
  parseCookieString,
  syneriseFromCookies,
  tokenFacts,
  wantsResponseBody,
  decodeIfJwt,
  type HarEntryLike,
} from '../../src/discovery/index.js';
import { MAX_TOKENS } from '../../src/discovery/store.js';
import { refreshMarginMs } from '../../src/core/token-status.js';
import { jwt, T0, tokenAt } from './support.js';

const timeOf = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

function har(url: string, options: { method?: string; at?: number; time?: number; headers?: Record<string, string>; body?: string; status?: number; mime?: string } = {}): HarEntryLike {
  return {
    startedDateTime: new Date(options.at ?? T0).toISOString(),
    time: options.time ?? 20,
    request: { method: options.method ?? 'GET', url, headers: Object.entries(options.headers ?? {}).map(([name, value]) => ({ name, value })), ...(options.body ? { postData: { text: options.body } } : {}) },
    response: { status: options.status ?? 200, headers: [], content: { mimeType: options.mime ?? 'application/json', size: 100 } },
  };
}

describe('cookies', () => {
  it('parseCookieString reads back every generated cookie', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/);
    const value = fc.stringMatching(/^[A-Za-z0-9_.%=-]{0,40}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 20 }), (pairs) => {
        const parsed = parseCookieString(pairs.map(([n, v]) => `${n}=${v}`).join('; '));
        expect(parsed.map((c) => [c.name, c.value])).toEqual(pairs.filter(([n, v]) => n || v));
      }),
    );
  });

  it('a Clerk __session cookie and a URL-encoded Supabase SSR cookie are found; document.cookie ones are not HttpOnly', () => {
    const clerk = tokenAt(T0, 60, { iss: 'https://clerk.example', sid: 'sess_1' });
    const supa = tokenAt(T0, 3600, { iss: 'https://ref.supabase.co/auth/v1' });
    const obs = observeCookieString(`theme=dark; __session=${clerk}; sb-ref-auth-token=${encodeURIComponent(JSON.stringify({ access_token: supa, refresh_token: 'r1' }))}`, T0);
    expect(obs.map((o) => [o.key, o.found.map((f) => [f.token === clerk ? 'clerk' : 'supa', f.place.path, f.place.httpOnly])])).toEqual([
      ['theme', []],
      ['__session', [['clerk', '', false]]],
      ['sb-ref-auth-token', [['supa', 'access_token', false]]],
    ]);
    expect(obs[2]?.opaque.map((m) => m.name)).toEqual(['refresh_token']);
  });
});

describe('HAR entries (DevTools network API)', () => {
  const access = tokenAt(T0, 300, { scope: 'api' });
  const id = tokenAt(T0, 300, { nonce: 'n' });

  it('reads bearer headers and Cookie headers as sent, token-endpoint bodies as received, and names the request by its path', () => {
    const sent = observeHarEntry(har('https://api.example/v1/me?secret=1', { headers: { Authorization: `Bearer ${access}`, Cookie: `a=1; __session=${id}` } }), null);
    expect(sent.key).toBe('/v1/me');
    expect(sent.request?.url).toBe('https://api.example/v1/me');
    expect(sent.found.map((f) => [f.place.path, f.place.direction, f.keyKind])).toEqual([
      ['Authorization', 'sent', 'access'],
      ['Cookie __session', 'sent', undefined],
    ]);
    const body = JSON.stringify({ access_token: access, id_token: id, refresh_token: 'opaque', token_type: 'Bearer', audit: { note: jwt({ sub: 'other' }) } });
    const received = observeHarEntry(har('https://id.example/oauth/token', { method: 'POST' }), body);
    expect(received.found.map((f) => [f.place.path, f.place.direction])).toEqual([
      ['access_token', 'received'],
      ['id_token', 'received'],
    ]);
    expect(received.opaque.map((m) => m.name)).toEqual(['refresh_token']);
    const opaqueBearer = observeHarEntry(har('https://api.example/x', { headers: { authorization: 'Bearer abc.def' } }), null);
    expect([opaqueBearer.found, opaqueBearer.opaque.map((m) => [m.name, m.length])]).toEqual([[], [['Authorization', 7]]]);
  });

  it('fetches only JSON bodies of token endpoints, up to 256 KB', () => {
    expect(wantsResponseBody(har('https://id.example/oauth/token'))).toBe(true);
    expect(wantsResponseBody(har('https://x.supabase.co/auth/v1/token?grant_type=refresh_token'))).toBe(true);
    expect(wantsResponseBody(har('https://identitytoolkit.googleapis.com/v1/accounts:signInWithPassword'))).toBe(true);
    expect(wantsResponseBody(har('https://api.example/v1/products'))).toBe(false);
    expect(wantsResponseBody(har('https://api.example/v1/x', { method: 'POST', body: 'grant_type=refresh_token&refresh_token=r' }))).toBe(true);
    expect(wantsResponseBody(har('https://id.example/oauth/token', { mime: 'text/html' }))).toBe(false);
    const big = har('https://id.example/oauth/token');
    expect(wantsResponseBody({ ...big, response: { ...big.response, content: { mimeType: 'application/json', size: 300 * 1024 } } })).toBe(false);
  });
});

describe('DiscoveryStore', () => {
  it('one entry per distinct JWT, naming every place it was seen, and which request brought it', () => {
    const store = new DiscoveryStore();
    const access = tokenAt(T0, 3600);
    store.observe(observeHarEntry(har('https://id.example/oauth/token', { method: 'POST', at: T0 }), JSON.stringify({ access_token: access })));
    store.observe(observeStorageEntry('sessionStorage', 'oidc.user:https://id.example:app', JSON.stringify({ access_token: access }), T0 + 10));
    store.observe(observeHarEntry(har('https://api.example/v1/me', { at: T0 + 20, headers: { Authorization: `Bearer ${access}` } }), null));
    store.observe(observeHarEntry(har('https://api.example/v1/me', { at: T0 + 30, headers: { Authorization: `Bearer ${access}` } }), null));
    expect(store.size).toBe(1);
    const entry = store.get(access);
    expect([...(entry?.places.values() ?? [])].map((r) => [r.place.source, r.place.key, r.place.path, r.count])).toEqual([
      ['network', '/oauth/token', 'access_token', 1],
      ['sessionStorage', 'oidc.user:https://id.example:app', 'access_token', 1],
      ['network', '/v1/me', 'Authorization', 2],
    ]);
    expect(entry?.broughtBy?.path).toBe('/oauth/token');
    expect(entry?.arrivedLive).toBe(true);
    expect(store.requestsObserved).toBe(3);
  });

  it('follows a storage entry as it changes: the old value is marked gone, the new one arrives live; a scan removes what vanished', () => {
    const store = new DiscoveryStore();
    const first = tokenAt(T0, 3600);
    const second = tokenAt(T0 + 60_000, 3600);
    store.scan('localStorage', [observeStorageEntry('localStorage', 'sb-ref-auth-token', JSON.stringify({ access_token: first }), T0)], T0);
    expect(store.get(first)?.arrivedLive, 'found, not seen arriving').toBe(false);
    store.observe(observeStorageEntry('localStorage', 'sb-ref-auth-token', JSON.stringify({ access_token: second }), T0 + 60_000));
    expect([...(store.get(first)?.places.values() ?? [])].map((r) => r.goneAt)).toEqual([T0 + 60_000]);
    expect(store.get(second)?.arrivedLive).toBe(true);
    store.scan('localStorage', [], T0 + 70_000);
    expect([...(store.get(second)?.places.values() ?? [])].map((r) => r.goneAt)).toEqual([T0 + 70_000]);
    const [session] = discoveredSessions(store, timeOf);
    expect(session?.tokens.map((t) => [t.entry.token === first ? 'first' : 'second', t.present])).toEqual([
      ['first', false],
      ['second', false],
    ]);
  });

  it('stays bounded: 10,000 distinct tokens keep at most MAX_TOKENS, and the tokens still in storage survive', () => {
    const store = new DiscoveryStore();
    const kept = tokenAt(T0, 3600, { sub: 'kept' });
    store.observe(observeStorageEntry('localStorage', 'keep', kept, T0));
    for (let i = 0; i < 10_000; i++) {
      store.observe(observeHarEntry(har('https://api.example/x', { at: T0 + i, headers: { Authorization: `Bearer ${tokenAt(T0, 3600, { sub: `u${i}` })}` } }), null));
    }
    expect(store.size).toBeLessThanOrEqual(MAX_TOKENS);
    expect(store.size).toBeGreaterThanOrEqual(MAX_TOKENS * 0.9);
    expect(store.get(kept), 'a token still in storage is not evicted').toBeDefined();
    expect(store.requestsObserved).toBe(10_000);
  });

  it('IndexedDB records (Firebase) are found with their path', () => {
    const idToken = tokenAt(T0, 3600, { firebase: { sign_in_provider: 'anonymous' }, iss: 'https://securetoken.google.com/p' });
    const obs = observeIndexedDbRecord('firebaseLocalStorageDb', 'firebaseLocalStorage', 'firebase:authUser:key:[DEFAULT]', { fbase_key: 'firebase:authUser:key:[DEFAULT]', value: { uid: 'u', stsTokenManager: { accessToken: idToken, refreshToken: 'opaque', expirationTime: 1 } } }, T0);
    expect(obs.key).toBe('firebaseLocalStorageDb/firebaseLocalStorage/firebase:authUser:key:[DEFAULT]');
    expect(obs.found.map((f) => f.place.path)).toEqual(['value.stsTokenManager.accessToken']);
    const store = new DiscoveryStore();
    store.observe(obs);
    expect(store.get(idToken)?.facts.kind, 'the firebase claim marks an id token').toBe('id');
  });
});

describe('grouping', () => {
  it('same issuer and subject are one session; an access token and its id token found together are one session even with another sub', () => {
    const store = new DiscoveryStore();
    const a1 = tokenAt(T0, 3600);
    const a2 = tokenAt(T0 + 1000_000, 3600);
    const id = jwt({ iss: 'https://other.example', sub: 'pairwise-9', nonce: 'n', iat: T0 / 1000, exp: T0 / 1000 + 3600 });
    const stranger = tokenAt(T0, 3600, { sub: 'user-2' });
    store.observe(observeStorageEntry('localStorage', 'a', a1, T0));
    store.observe(observeHarEntry(har('https://id.example/oauth/token', { method: 'POST', at: T0 + 5 }), JSON.stringify({ access_token: a2, id_token: id })));
    store.observe(observeStorageEntry('localStorage', 'b', stranger, T0));
    const sessions = discoveredSessions(store, timeOf);
    const names = (t: string): string => ({ [a1]: 'a1', [a2]: 'a2', [id]: 'id', [stranger]: 'stranger' })[t] ?? '?';
    expect(sessions.map((s) => s.tokens.map((t) => names(t.entry.token)).sort())).toEqual(expect.arrayContaining([['a1', 'a2', 'id'], ['stranger']]));
    expect(sessions).toHaveLength(2);
  });

  it('any generated set of tokens falls into sessions that partition it by issuer and subject', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('i1', 'i2'), fc.constantFrom('s1', 's2', 's3'), fc.nat(1000)), { maxLength: 30 }), (specs) => {
        const store = new DiscoveryStore();
        specs.forEach(([iss, sub, n], i) => store.observe(observeStorageEntry('localStorage', `k${i}`, jwt({ iss, sub, n }), T0 + i)));
        const sessions = discoveredSessions(store, timeOf);
        const identities = new Set(specs.map(([iss, sub]) => `${iss}/${sub}`));
        expect(sessions).toHaveLength(identities.size);
        for (const s of sessions) expect(new Set(s.tokens.map((t) => `${String(t.entry.claims.iss)}/${String(t.entry.claims.sub)}`)).size).toBe(1);
        expect(sessions.reduce((n, s) => n + s.tokens.length, 0)).toBe(store.size);
      }),
    );
  });
});

describe('warnings (item 3), each as a plain sentence', () => {
  const codes = (store: DiscoveryStore): string[] => discoveredSessions(store, timeOf).flatMap((s) => [...s.warnings.map((w) => w.code), ...s.tokens.flatMap((t) => t.warnings.map((w) => w.code))]);

  it('a token sent in a request after it expired', () => {
    const store = new DiscoveryStore();
    const token = tokenAt(T0, 60);
    store.observe(observeHarEntry(har('https://api.example/v1/me', { at: T0 + 30_000, headers: { Authorization: `Bearer ${token}` } }), null));
    expect(codes(store)).toEqual([]);
    store.observe(observeHarEntry(har('https://api.example/v1/orders', { at: T0 + 240_000, headers: { Authorization: `Bearer ${token}` } }), null));
    const [w] = discoveredSessions(store, timeOf)[0]?.tokens[0]?.warnings ?? [];
    expect(w?.code).toBe('sent-after-expiry');
    expect(w?.text).toBe(`It was sent in GET /v1/orders at ${timeOf(T0 + 240_000)}, 3 min after it expired: the app does not refresh before use.`);
  });

  it('a refresh storm: four new access tokens for one session within a minute', () => {
    const store = new DiscoveryStore();
    for (let i = 0; i < 3; i++) store.observe(observeHarEntry(har('https://id.example/oauth/token', { at: T0 + i * 15_000 }), JSON.stringify({ access_token: tokenAt(T0 + i * 15_000, 60) })));
    expect(codes(store)).not.toContain('refresh-storm');
    store.observe(observeHarEntry(har('https://id.example/oauth/token', { at: T0 + 45_000 }), JSON.stringify({ access_token: tokenAt(T0 + 45_000, 60) })));
    const storm = discoveredSessions(store, timeOf)[0]?.warnings.find((w) => w.code === 'refresh-storm');
    expect(storm?.text).toMatch(/^Refresh storm: 4 new access tokens for this session within one minute\./);
  });

  it('two calls (or two tabs) refreshing the same session at once', () => {
    const store = new DiscoveryStore();
    store.observe(observeHarEntry(har('https://id.example/oauth/token', { at: T0 }), JSON.stringify({ access_token: tokenAt(T0, 3600, { jti: 'a' }) })));
    store.observe(observeStorageEntry('localStorage', 'other-tab', tokenAt(T0 + 1000, 3600, { jti: 'b' }), T0 + 1000));
    expect(codes(store)).toContain('concurrent-refresh');
    const alone = new DiscoveryStore();
    alone.observe(observeHarEntry(har('https://id.example/oauth/token', { at: T0 }), JSON.stringify({ access_token: tokenAt(T0, 3600), id_token: tokenAt(T0, 3600, { nonce: 'n' }) })));
    expect(codes(alone), 'an access token and its id token are not a race').not.toContain('concurrent-refresh');
  });

  it('readable by any script in web storage, IndexedDB or a non-HttpOnly cookie; not when only in an HttpOnly cookie or a request', () => {
    const store = new DiscoveryStore();
    const token = tokenAt(T0, 3600);
    store.observe(observeStorageEntry('localStorage', 'auth', token, T0));
    expect(discoveredSessions(store, timeOf)[0]?.tokens[0]?.warnings.map((w) => w.text)).toEqual([
      'Any script on this page can read it (localStorage "auth"): an injected script could steal it, which an HttpOnly cookie would prevent.',
    ]);
    const safe = new DiscoveryStore();
    safe.observe({ source: 'cookie', key: 'sid', at: T0, found: [{ token, place: { source: 'cookie', key: 'sid', path: '', httpOnly: true } }], opaque: [] });
    safe.observe(observeHarEntry(har('https://api.example/x', { headers: { Authorization: `Bearer ${token}` } }), null));
    expect(codes(safe)).toEqual([]);
  });

  it('alg: none and a lifetime far beyond the usual', () => {
    const store = new DiscoveryStore();
    store.observe(observeHarEntry(har('https://api.example/x', { headers: { Authorization: `Bearer ${jwt({ sub: 'n', iat: 1, exp: 100 }, { alg: 'none' }, '')}` } }), null));
    store.observe(observeHarEntry(har('https://api.example/y', { headers: { Authorization: `Bearer ${tokenAt(T0, 30 * 86_400, { sub: 'long' })}` } }), null));
    const texts = discoveredSessions(store, timeOf).flatMap((s) => s.tokens.flatMap((t) => t.warnings.map((w) => w.text)));
    expect(texts).toContain('This token is unsigned (alg: none): anyone can forge one like it, and a server that accepts it accepts forgeries.');
    expect(texts).toContain('It lives 30 d, far beyond the usual minutes to an hour: a stolen copy stays useful that long.');
  });
});

describe('status: the core refresh margin', () => {
  it('valid / expiring / expired agree with the core rule at every instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 7200 }), fc.integer({ min: -10, max: 8000 }), (life, atS) => {
        const token = tokenAt(T0, life);
        const parts = decodeIfJwt(token);
        if (!parts) return false;
        const facts = tokenFacts(parts, undefined);
        const now = T0 + atS * 1000;
        const iat = Math.floor(T0 / 1000) * 1000;
        const exp = iat + life * 1000;
        const margin = refreshMarginMs({ tokenString: '', origin: 'UNKNOWN', rlm: 'client', exp, receivedAt: iat, expiresAt: exp }, 1800_000);
        const expected = now >= exp ? 'expired' : exp - now <= margin ? 'expiring' : 'valid';
        return discoveredStatus(facts, T0, now) === expected;
      }),
    );
  });
});

describe('Synerise Web SDK', () => {
  it('reads the profile UUID from _snrs_uuid, the profile from _snrs_p, and the SDK globals', () => {
    const cookies = parseCookieString(`_snrs_uuid=9f6c7c3e-1b1a-4f5e-9c1d-2a7b3c4d5e6f; _snrs_p=${encodeURIComponent('host:shop.example&permUuid:9f6c7c3e-1b1a-4f5e-9c1d-2a7b3c4d5e6f&uuid:9f6c7c3e-1b1a-4f5e-9c1d-2a7b3c4d5e6f&init:1764590000')}`);
    expect(syneriseFromCookies(cookies, { SR: true, SyneriseTC: false })).toEqual({
      uuid: '9f6c7c3e-1b1a-4f5e-9c1d-2a7b3c4d5e6f',
      profile: [
        ['host', 'shop.example'],
        ['permUuid', '9f6c7c3e-1b1a-4f5e-9c1d-2a7b3c4d5e6f'],
        ['uuid', '9f6c7c3e-1b1a-4f5e-9c1d-2a7b3c4d5e6f'],
        ['init', '1764590000'],
      ],
      globals: { SR: true, SyneriseTC: false },
    });
    expect(syneriseFromCookies(parseCookieString('a=b'), { SR: false, SyneriseTC: false })).toBeNull();
    expect(syneriseFromCookies(parseCookieString(`_snrs_p=${'x:y&'.repeat(1000)}%E0%A4%A`), { SR: false, SyneriseTC: false })?.profile).toHaveLength(24);
  });
});
