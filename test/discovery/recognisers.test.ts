import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findInStructured, findInText, findJwtsInText, isJwt, MAX_DEPTH, MAX_NODES, MAX_TOKENS_PER_VALUE } from '../../src/discovery/index.js';
import { b64url, jwt } from './support.js';

const base = { source: 'localStorage', key: 'k' } as const;

const claimsArb = fc.record({
  sub: fc.string({ minLength: 1, maxLength: 40 }),
  iss: fc.webUrl(),
  exp: fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }),
  extra: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
});
const jwtArb = claimsArb.map(({ extra, ...c }) => jwt({ ...extra, ...c }));

/** A JSON value with `leaf` somewhere inside, and the JSON path the recogniser should report for it. */
function nestedArb(leaf: string): fc.Arbitrary<{ value: unknown; path: string }> {
  const step = fc.oneof(
    fc.record({ kind: fc.constant('key' as const), name: fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), siblings: fc.dictionary(fc.stringMatching(/^[A-Z]{1,4}$/), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }) }),
    fc.record({ kind: fc.constant('index' as const), before: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }) }),
  );
  return fc.array(step, { minLength: 1, maxLength: 12 }).map((steps) => {
    let value: unknown = leaf;
    for (const s of [...steps].reverse()) {
      value = s.kind === 'key' ? { ...s.siblings, [s.name]: value } : [...s.before, value];
    }
    let path = '';
    for (const s of steps) path = s.kind === 'key' ? (path ? `${path}.${s.name}` : s.name) : `${path}[${s.before.length}]`;
    return { value, path };
  });
}

describe('isJwt', () => {
  it('accepts every generated JWT', () => {
    fc.assert(fc.property(jwtArb, (token) => isJwt(token)));
  });

  it('refuses look-alikes: eyJ parts that are not JSON, JWE, a header without alg, claims that are not an object, plain text', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{4,60}$/), fc.stringMatching(/^[A-Za-z0-9_-]{4,60}$/), (a, b) => !isJwt(`eyJ${a}.eyJ${b}.sig`) || isJsonJwt(`eyJ${a}.eyJ${b}.sig`)),
    );
    const claims = b64url('{"sub":"x"}');
    expect(isJwt(`${b64url('{"typ":"JWT"}')}.${claims}.sig`), 'header without alg').toBe(false);
    expect(isJwt(`${b64url('{"alg":"RS256"}')}.${b64url('[1,2]')}.sig`), 'claims array').toBe(false);
    expect(isJwt(`${b64url('{"alg":"RSA-OAEP","enc":"A256GCM"}')}.a.b.c.d`), 'JWE').toBe(false);
    expect(isJwt('eyJhbGciOi.eyJzdWIi.sig'), 'truncated base64').toBe(false);
    expect(isJwt('hello.world.again'), 'plain').toBe(false);
  });
});

function isJsonJwt(token: string): boolean {
  const [h, c] = token.split('.');
  try {
    const header = JSON.parse(Buffer.from(h ?? '', 'base64url').toString()) as unknown;
    const claims = JSON.parse(Buffer.from(c ?? '', 'base64url').toString()) as unknown;
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string' && typeof claims === 'object' && claims !== null && !Array.isArray(claims);
  } catch {
    return false;
  }
}

describe('findInText: JWTs as auth SDKs store them', () => {
  it('finds a JWT nested at any depth of a JSON value, with its path', () => {
    fc.assert(
      fc.property(jwtArb.chain((token) => nestedArb(token).map((n) => ({ token, ...n }))), ({ token, value, path }) => {
        const { found } = findInText(JSON.stringify(value), base);
        expect(found.map((f) => f.token)).toContain(token);
        expect(found.find((f) => f.token === token)?.place.path).toBe(path);
      }),
      { numRuns: 40 },
    );
  });

  it('finds it through JSON inside a JSON string, URL encoding, a base64- prefix, quotes and a Bearer prefix', () => {
    fc.assert(
      fc.property(jwtArb, (token) => {
        const inner = JSON.stringify({ access_token: token });
        const forms = [
          token,
          `"${token}"`,
          `Bearer ${token}`,
          JSON.stringify({ wrapped: inner }),
          encodeURIComponent(inner),
          `base64-${Buffer.from(inner).toString('base64url')}`,
          `prefix&t=${token}&more`,
        ];
        for (const form of forms) expect(findInText(form, base).found.map((f) => f.token), form.slice(0, 40)).toEqual([token]);
      }),
      { numRuns: 40 },
    );
  });

  it('names the kind a key gives (id_token, access_token) and mentions opaque credentials without keeping them', () => {
    const id = jwt({ sub: 'a' });
    const access = jwt({ sub: 'a', scope: 'x' });
    const { found, opaque } = findInText(JSON.stringify({ id_token: id, access_token: access, refresh_token: 'opaque-refresh-value' }), base);
    expect(found.map((f) => [f.place.path, f.keyKind])).toEqual([
      ['id_token', 'id'],
      ['access_token', 'access'],
    ]);
    expect(opaque).toEqual([{ place: { ...base, path: 'refresh_token' }, name: 'refresh_token', length: 20 }]);
    expect(JSON.stringify(opaque)).not.toContain('opaque-refresh-value');
  });

  it('JSON that holds a URL-encoded string keeps its tokens’ paths and kinds (it is not URL-decoded whole)', () => {
    const token = jwt({ sub: 'a' });
    const value = JSON.stringify({ redirect: 'https://app.example/?next=%22home%22&x=%00', session: { access_token: token } });
    expect(findInText(value, base).found.map((f) => [f.token, f.place.path, f.keyKind])).toEqual([[token, 'session.access_token', 'access']]);
    // The fast-check counterexample that found it (the nested-JWT property, seed 1566853368).
    expect(findInText(JSON.stringify([{ '%00': false }, token]), base).found.map((f) => f.place.path)).toEqual(['[1]']);
    // A URL-encoded cookie value holding JSON is still decoded first, then walked.
    expect(findInText(encodeURIComponent(JSON.stringify({ access_token: token })), base).found.map((f) => [f.place.path, f.keyKind])).toEqual([['access_token', 'access']]);
  });

  it('finds nothing in values without a JWT (generated JSON and text)', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => findInText(JSON.stringify(value), base).found.length === 0));
    fc.assert(fc.property(fc.string(), (value) => findInText(value, base).found.length === 0));
  });
});

describe('findInText / findInStructured: huge and hostile values stay bounded', () => {
  it('a 5 MB value, eyJ repeated a million times, and dots everywhere end with the right answer', () => {
    const token = jwt({ sub: 'deep' });
    expect(findInText(`${'x'.repeat(5 * 1024 * 1024)}${token}`, base).found, 'beyond the scanned megabyte').toEqual([]);
    expect(findInText(`${token} ${'x'.repeat(5 * 1024 * 1024)}`, base).found.map((f) => f.token)).toEqual([token]);
    expect(findJwtsInText('eyJ'.repeat(1_000_000))).toEqual([]);
    expect(findJwtsInText('eyJa.eyJb.'.repeat(200_000))).toEqual([]);
    expect(findJwtsInText(`eyJa.${token}`), 'a token right after a false start').toEqual([token]);
  });

  it('at most MAX_TOKENS_PER_VALUE tokens from one value', () => {
    const many = Array.from({ length: 500 }, (_, i) => jwt({ sub: `u${i}` }));
    expect(findInText(JSON.stringify(many), base).found).toHaveLength(MAX_TOKENS_PER_VALUE);
    expect(findJwtsInText(many.join(' '))).toHaveLength(MAX_TOKENS_PER_VALUE);
  });

  it('nesting deeper than MAX_DEPTH is not followed; JSON nested in strings deeper still ends', () => {
    const token = jwt({ sub: 'deep' });
    let shallow: unknown = token;
    for (let i = 0; i < MAX_DEPTH - 2; i++) shallow = { a: shallow };
    expect(findInStructured(shallow, base).found).toHaveLength(1);
    const deep = `${'['.repeat(100_000)}"${token}"${']'.repeat(100_000)}`;
    expect(findInText(deep, base).found, '100,000 levels deep: not followed').toEqual([]);
    let stringy = JSON.stringify({ t: token });
    for (let i = 0; i < 12; i++) stringy = JSON.stringify({ s: stringy });
    expect(findInText(stringy, base).found.length).toBeLessThanOrEqual(1);
  });

  it('visits at most MAX_NODES values, skips throwing getters and ignores non-plain values', () => {
    const wide = Object.fromEntries(Array.from({ length: MAX_NODES * 3 }, (_, i) => [`k${i}`, { v: i }]));
    (wide as Record<string, unknown>).last = jwt({ sub: 'late' });
    expect(findInStructured(wide, base).found, 'the token after the budget is not reached').toEqual([]);
    const token = jwt({ sub: 'ok' });
    const hostile = { get boom(): never { throw new Error('no'); }, fine: token, date: new Date(), n: 1, nil: null };
    expect(findInStructured(hostile, base).found.map((f) => f.token)).toEqual([token]);
    const cyclic: Record<string, unknown> = { token };
    cyclic.self = cyclic;
    expect(findInStructured(cyclic, base).found.map((f) => f.token)).toEqual([token]);
  });
});
