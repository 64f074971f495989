import { describe, expect, it } from 'vitest';
import { DiscoveryStore, MAX_TRAFFIC, discoveredSessions, observeHarEntry, observeStorageEntry, type HarEntryLike } from '../../src/discovery/index.js';
import { MAX_FOUND_ROWS, foundLane, viewFoundLane } from '../../components/session-panel/found-lane-model.js';
import { foundBarLabel, foundItems, foundMarkLabel } from '../../components/session-panel/timeline-found-view.js';

/** The found-token lane of the timeline, built from a real discovery store fed the recognisers' observations. */
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const jwt = (claims: Record<string, unknown>): string => `${b64({ alg: 'RS256' })}.${b64(claims)}.c2ln`;
const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const sec = (ms: number): number => ms / 1000;

function request(method: string, url: string, at: number, opts: { bearer?: string; status?: number } = {}): HarEntryLike {
  return {
    startedDateTime: new Date(at).toISOString(),
    time: 20,
    request: { method, url, headers: opts.bearer ? [{ name: 'Authorization', value: `Bearer ${opts.bearer}` }] : [] },
    response: { status: opts.status ?? 200, headers: [], content: { mimeType: 'application/json', size: 10 } },
  };
}

const lane = (store: DiscoveryStore, now: number) => foundLane(discoveredSessions(store, String), now);
const rel = (t: number): number => (t - T0) / MIN;

describe('foundLane: found tokens on the timeline', () => {
  it('one row per session and kind; each value a bar iat → exp, ended where the next value replaced it; new values and requests as marks', () => {
    const store = new DiscoveryStore();
    const a = jwt({ iss: 'https://id.example', sub: 'alice', iat: sec(T0), exp: sec(T0 + 60 * MIN) });
    const b = jwt({ iss: 'https://id.example', sub: 'alice', iat: sec(T0 + 10 * MIN), exp: sec(T0 + 70 * MIN) });
    store.observe(observeStorageEntry('localStorage', 'auth', JSON.stringify({ access_token: a }), T0 + MIN));
    store.observe(observeHarEntry(request('GET', 'https://api.example/v1/me?x=1', T0 + 5 * MIN, { bearer: a }), null));
    store.observe(observeHarEntry(request('POST', 'https://id.example/oauth/token', T0 + 10 * MIN), JSON.stringify({ access_token: b })));
    store.observe(observeStorageEntry('localStorage', 'auth', JSON.stringify({ access_token: b }), T0 + 10 * MIN + 1000));
    const { rows, hidden, first } = lane(store, T0 + 12 * MIN);
    expect(hidden).toBe(0);
    expect(first).toBe(T0);
    expect(rows.map((r) => r.label)).toEqual(['sub alice · access tokens']);
    const [row] = rows;
    expect(row!.bars.map((x) => [x.token === a ? 'a' : 'b', rel(x.start), rel(x.end), x.replacedAt === null ? null : rel(x.replacedAt), x.present])).toEqual([
      ['a', 0, 10, 10, false],
      ['b', 10, 70, null, true],
    ]);
    expect(row!.marks.map((m) => [m.kind, Math.round(rel(m.at) * 60) / 60, m.request])).toEqual([
      ['sent', 5, 'GET /v1/me'],
      ['new-value', 10, null],
      ['received', Math.round(rel(T0 + 10 * MIN + 20) * 60) / 60, 'POST /oauth/token'],
    ]);
    expect(foundBarLabel(row!.bars[0]!)).toMatch(/^found access token, \d\d:\d\d:\d\d – \d\d:\d\d:\d\d, replaced \d\d:\d\d:\d\d$/);
    expect(foundBarLabel(row!.bars[1]!)).toMatch(/ \(stored\)$/);
    expect(foundMarkLabel(row!.marks[0]!, 'access')).toMatch(/^sent in GET \/v1\/me at \d\d:\d\d:\d\d$/);
    expect(foundMarkLabel(row!.marks[1]!, 'access')).toMatch(/^new access token value at /);
    expect(foundMarkLabel(row!.marks[2]!, 'access')).toMatch(/^brought by POST \/oauth\/token at /);
  });

  it('an access token and its id token: two rows of one session; past MAX_FOUND_ROWS rows are counted, not drawn', () => {
    const store = new DiscoveryStore();
    const access = jwt({ iss: 'https://id.example', sub: 'bob', iat: sec(T0), exp: sec(T0 + 5 * MIN) });
    const id = jwt({ iss: 'https://id.example', sub: 'bob', nonce: 'n', iat: sec(T0), exp: sec(T0 + 5 * MIN) });
    store.observe(observeStorageEntry('sessionStorage', 'oidc.user', JSON.stringify({ access_token: access, id_token: id }), T0));
    expect(lane(store, T0).rows.map((r) => r.label)).toEqual(['sub bob · access tokens', 'sub bob · id tokens']);
    for (let i = 0; i < MAX_FOUND_ROWS + 2; i++) store.observe(observeStorageEntry('localStorage', `k${i}`, jwt({ sub: `u${i}`, iat: sec(T0), exp: sec(T0 + MIN) }), T0));
    const many = lane(store, T0);
    expect(many.rows).toHaveLength(MAX_FOUND_ROWS);
    expect(many.hidden).toBe(MAX_FOUND_ROWS + 2 + 2 - MAX_FOUND_ROWS);
  });

  it('a token without exp is drawn up to now while stored, to when it was last seen once gone', () => {
    const store = new DiscoveryStore();
    const t = jwt({ sub: 'forever' });
    store.observe(observeStorageEntry('localStorage', 'k', t, T0));
    expect(lane(store, T0 + 3 * MIN).rows[0]!.bars.map((x) => [rel(x.start), rel(x.end), x.expires])).toEqual([[0, 3, null]]);
    expect(foundBarLabel(lane(store, T0 + 3 * MIN).rows[0]!.bars[0]!)).toMatch(/\(no expiry\) \(stored\)$/);
    store.observe(observeStorageEntry('localStorage', 'k', null, T0 + 4 * MIN));
    expect(lane(store, T0 + 9 * MIN).rows[0]!.bars.map((x) => [rel(x.end), x.present])).toEqual([[0, false]]);
  });

  it('a view keeps what overlaps the range; 10,000 requests carrying one token draw as a few merged ticks whose counts add up', () => {
    const store = new DiscoveryStore();
    const t = jwt({ sub: 'busy', iat: sec(T0), exp: sec(T0 + 60 * MIN) });
    store.observe(observeStorageEntry('localStorage', 'k', t, T0));
    for (let i = 0; i < 10_000; i++) store.observe(observeHarEntry(request('GET', `https://api.example/items/${i % 7}`, T0 + i * 100, { bearer: t }), null));
    const entry = store.get(t)!;
    expect(entry.traffic.length, 'the latest requests are kept, bounded').toBeLessThanOrEqual(Math.ceil(MAX_TRAFFIC * 1.25));
    expect(entry.traffic.at(-1)!.request.startedAt).toBe(T0 + 9_999 * 100);
    const full = lane(store, T0 + 17 * MIN);
    const view = viewFoundLane(full, T0, T0 + 20 * MIN, 300);
    const ticks = view.rows[0]!.marks.filter((m) => m.kind === 'sent');
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks.length, 'merged per three columns').toBeLessThanOrEqual(5);
    expect(ticks.reduce((n, m) => n + m.count, 0)).toBe(entry.traffic.length);
    const outside = viewFoundLane(full, T0 + 70 * MIN, T0 + 80 * MIN, 300);
    expect(outside.rows[0]!.bars).toEqual([]);
    expect(outside.rows[0]!.marks).toEqual([]);
    expect(foundItems(view).map((i) => i.label)[0]).toMatch(/^sub busy · access tokens: found access token, /);
  });

  it('two values of one row issued in the same second are two items with their own keys and labels', () => {
    const store = new DiscoveryStore();
    const a = jwt({ iss: 'https://id.example', sub: 'twin', iat: sec(T0), exp: sec(T0 + 30 * MIN) });
    const b = jwt({ iss: 'https://id.example', sub: 'twin', iat: sec(T0), exp: sec(T0 + 60 * MIN) });
    store.observe(observeStorageEntry('localStorage', 'first', a, T0 + MIN));
    store.observe(observeStorageEntry('sessionStorage', 'second', b, T0 + 2 * MIN));
    const bars = foundItems(lane(store, T0 + 3 * MIN)).filter((i) => i.at === T0 && / found access token/.test(i.label));
    expect(bars.map((i) => i.token).sort()).toEqual([a, b].sort());
    expect(new Set(bars.map((i) => i.key)).size, 'one key per drawn value').toBe(2);
  });
});

