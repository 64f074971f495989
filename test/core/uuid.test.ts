/**
 * Seeded UUID vectors (Java's UUID.nameUUIDFromBytes over UTF-8, spec §2).
 *
 * Every expected value below was computed INDEPENDENTLY of the core, with Python's hashlib:
 *
 *   b = bytearray(hashlib.md5(s.encode('utf-8')).digest())
 *   b[6] = (b[6] & 0x0f) | 0x30; b[8] = (b[8] & 0x3f) | 0x80
 *   h = b.hex(); f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
 *
 * Strings are written with JSON/JS escapes so that the exact code points are unambiguous in review.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDevBackend, createSession, isUuid, uuidFromName, type Session } from '../../src/core/index.js';

const V3_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const VECTORS: readonly (readonly [string, string, string])[] = [
  ['spec vector', 'abc', '90015098-3cd2-3fb0-9696-3f7d28e17f72'],
  ['empty string', '', 'd41d8cd9-8f00-3204-a980-0998ecf8427e'],
  ['single ASCII char', 'a', '0cc175b9-c0f1-36a8-b1c3-99e269772661'],
  ['ASCII sentence', 'The quick brown fox jumps over the lazy dog', '9e107d9d-372b-3682-abd8-1d3542a419d6'],
  ['Polish (2-byte UTF-8)', 'za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144', '930b9b78-f35b-30cc-b414-cd7486bb4cdb'],
  ['Latin-1 range', '\u00dcn\u00efc\u00f6d\u00e9', '102ea64e-403a-3307-99bc-065e12acd34e'],
  ['CJK (3-byte UTF-8)', '\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8', '6161712f-6b31-373e-b867-9943c0bbea92'],
  ['emoji, astral plane (4-byte UTF-8)', '\ud83d\ude00', '2a02eac3-9d71-3a70-acf3-7579185927b6'],
  ['ZWJ emoji sequence', '\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67\u200d\ud83d\udc66 family', '165bf7a3-a271-3b8e-b011-8a584c3f39db'],
  ['mathematical fraktur, astral plane', '\ud835\udd73\ud835\udd8a\ud835\udd91\ud835\udd91\ud835\udd94', '573edd6d-aff7-3dca-81ae-b2706bf1fd8d'],
  ['e-mail login', 'customer@example.com', '592fc57e-f0b2-3423-9cfa-5977bccfd34a'],
  ['NUL character', '\u0000', '93b885ad-fe0d-3089-8df6-34904fd59f71'],
  ['control characters', 'line\nbreak\ttab', '247f2cf2-933c-33af-9b7b-cabe3763f916'],
  ['combining accent (NFD): not normalised', 'e\u0301', '5526861f-bb1e-31a1-bda6-ac364310a807'],
  ['precomposed accent (NFC)', '\u00e9', '66ddcd97-cfde-3bb2-b6fb-8a999b4bc76f'],
  ['long: 1024 x', 'x'.repeat(1024), '7265f4d2-11b5-3873-a381-d321f586e4a9'],
  ['long: 2000 digits', '0123456789'.repeat(200), '23babbdc-9a78-32bd-a997-b185f566e6aa'],
  ['long: 100 000 chars (multi-block MD5)', 'ab'.repeat(50_000), 'b83899a1-f07e-3b6a-9a12-5d4923122302'],
];

/** deviceId + seed concatenations, as regenerateUUIDWithClientIdentifier(seed) must hash them. */
const DEVICE_VECTORS: readonly (readonly [string, string, string])[] = [
  ['device-42', 'customer@example.com', '417e5f68-017a-3ea9-a51b-cbe1c24e4f63'],
  ['device-42', '\ud83d\ude00', 'c506f937-461d-36c0-8bc5-04e87ef65a2f'],
  ['device-42', 'za\u017c\u00f3\u0142\u0107', '29fbb2c8-cded-3879-b442-fc0d6e6a2d74'],
  ['device-42', '12345', 'd3e11629-f423-3257-b423-93460fb65284'],
  ['device-42', 'x'.repeat(1024), 'bd91c8d6-0efe-3522-ba88-118a034a5643'],
  ['device-42', '\u65e5\u672c', '88c6c867-6e96-35fa-af7c-0c100bdef245'],
  ['A1b2C3_-', 'customer@example.com', 'a0eb1687-f340-3e8e-9951-d96ebadff344'],
  ['A1b2C3_-', '\ud83d\ude00', 'dfa21b37-8410-3a7b-838b-6e24640f4a70'],
  ['A1b2C3_-', 'za\u017c\u00f3\u0142\u0107', '124d9b03-1106-372a-a2c1-96112fbc1969'],
  ['A1b2C3_-', '12345', '0e699966-e99e-30ea-a2c0-e21e4f681cf3'],
  ['A1b2C3_-', 'x'.repeat(1024), '1039b026-a419-3b04-a200-0542a6195c8f'],
  ['A1b2C3_-', '\u65e5\u672c', '243c3a62-fd73-3185-9767-22c566d3045b'],
  ['3f2c7d9e-1b4a-4c6d-9e8f-0a1b2c3d4e5f', 'seed', '00f6fdf2-b97e-3753-9f4f-c9cf35903ff5'],
];

/** A session on an injected, frozen clock: nothing here depends on time. */
function sessionWith(deviceId: string): Session {
  const now = (): number => 1_800_000_000_000;
  return createSession({ backend: createDevBackend({ now }), now, deviceId, storage: 'memory', devtools: false });
}

describe('uuidFromName: independent vectors (Python hashlib)', () => {
  it("matches the spec's vector for \"abc\"", () => {
    expect(uuidFromName('abc')).toBe('90015098-3cd2-3fb0-9696-3f7d28e17f72');
  });

  it.each(VECTORS)('%s', (_name, input, expected) => {
    expect(uuidFromName(input)).toBe(expected);
    expect(expected).toMatch(V3_PATTERN);
  });

  it.each(DEVICE_VECTORS)('device id %j + seed %j', (deviceId, seed, expected) => {
    expect(uuidFromName(deviceId + seed)).toBe(expected);
  });

  it('does not normalise Unicode: NFC and NFD spellings of the same letter give different UUIDs', () => {
    expect(uuidFromName('\u00e9')).not.toBe(uuidFromName('e\u0301'));
  });
});

describe('sessions hash deviceId + seed exactly', () => {
  it.each(DEVICE_VECTORS.filter(([, seed]) => seed.length <= 1024))(
    'regenerateUUIDWithClientIdentifier on deviceId %j with seed %j',
    async (deviceId, seed, expected) => {
      const session = sessionWith(deviceId);
      await session.ready;
      expect(session.snapshot().deviceId).toBe(deviceId);
      await expect(session.regenerateUUIDWithClientIdentifier(seed)).resolves.toBe(true);
      expect(session.getUUID()).toBe(expected);
      // The token that follows is for the seeded UUID.
      const token = await session.retrieveToken();
      expect(JSON.parse(Buffer.from(token.tokenString.split('.')[1]!, 'base64url').toString('utf8')).sub).toBe(expected);
      session.dispose();
    },
  );

  it('the same device id and seed give the same UUID in two independent sessions', async () => {
    const a = sessionWith('device-42');
    const b = sessionWith('device-42');
    await Promise.all([a.ready, b.ready]);
    expect(a.getUUID()).not.toBe(b.getUUID()); // unseeded start: random
    await a.regenerateUUIDWithClientIdentifier('\ud83d\ude00');
    await b.regenerateUUIDWithClientIdentifier('\ud83d\ude00');
    expect(a.getUUID()).toBe('c506f937-461d-36c0-8bc5-04e87ef65a2f');
    expect(b.getUUID()).toBe(a.getUUID());
    a.dispose();
    b.dispose();
  });

  it('getUUIDForAuthentication previews the seeded UUID of a different login (deviceId + authID)', async () => {
    const session = sessionWith('device-42');
    await session.ready;
    const anonymousUuid = session.getUUID();
    // No login stored: the current UUID, whatever the authID.
    expect(session.getUUIDForAuthentication('customer@example.com')).toBe(anonymousUuid);
    await session.signIn('someone-else', 'pw');
    expect(session.getUUID()).toBe(anonymousUuid); // anonymous → sign-in keeps the UUID
    expect(session.getUUIDForAuthentication('someone-else')).toBe(anonymousUuid);
    expect(session.getUUIDForAuthentication('customer@example.com')).toBe('417e5f68-017a-3ea9-a51b-cbe1c24e4f63');
    expect(session.getUUIDForAuthentication('12345')).toBe('d3e11629-f423-3257-b423-93460fb65284');
    // Preview only: nothing changed.
    expect(session.getUUID()).toBe(anonymousUuid);
    // Signing in as that different login commits exactly the previewed UUID.
    await session.signIn('customer@example.com', 'pw');
    expect(session.getUUID()).toBe('417e5f68-017a-3ea9-a51b-cbe1c24e4f63');
    session.dispose();
  });
});

describe('uuidFromName: properties', () => {
  it('always a lowercase version-3 UUID with the RFC 4122 variant, and deterministic (any Unicode string)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (input) => {
        const first = uuidFromName(input);
        expect(first).toMatch(V3_PATTERN);
        expect(isUuid(first)).toBe(true);
        expect(uuidFromName(input)).toBe(first);
        expect(uuidFromName(String(input))).toBe(first); // a fresh string with the same code units
      }),
      { numRuns: 300 },
    );
  });

  it('any UTF-16 code units, including lone surrogates: well-formed and deterministic', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (input) => {
        const first = uuidFromName(input);
        expect(first).toMatch(V3_PATTERN);
        expect(uuidFromName(input)).toBe(first);
      }),
      { numRuns: 300 },
    );
  }, 30_000); // a property run of pure hashing: only a loaded 2-core machine makes it slow, never wrong

  it('deviceId + seed: a session regenerates exactly uuidFromName(deviceId + seed)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[\w-]{1,40}$/),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
        async (deviceId, seed) => {
          const session = sessionWith(deviceId);
          try {
            await session.ready;
            await expect(session.regenerateUUIDWithClientIdentifier(seed)).resolves.toBe(true);
            expect(session.getUUID()).toBe(uuidFromName(deviceId + seed));
            expect(session.getUUID()).toMatch(V3_PATTERN);
          } finally {
            session.dispose();
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
