import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, errors as joseErrors, type CryptoKey, type JWK } from 'jose';
import type { StorageLike } from './types.js';

/**
 * The dev backend's signing: ES256 keys (WebCrypto through jose), kept per browser profile, signing and verifying its
 * tokens. Its own module because it is most of the dev backend's weight: dev-backend.ts imports it dynamically on
 * the first call, so apps that never call the dev backend never load it (and their bundlers split it off). It imports
 * nothing of the core but types: the build gives it its own copy of jose (dist/dev-signing.js), so none of jose's
 * signing modules is shared with the core's decoding and kept in an app's main chunk. Its failures are plain
 * results; dev-backend.ts turns them into SessionErrors.
 */

/** A public key as a JSON Web Key (RFC 7517); jose's `JWK` fits it, so apps need no jose types. */
export interface PublicJwk {
  readonly kty?: string;
  readonly crv?: string;
  readonly x?: string;
  readonly y?: string;
  readonly [member: string]: unknown;
}

export type VerifyResult =
  | { readonly ok: true; readonly claims: Record<string, unknown> }
  | { readonly ok: false; readonly expired: boolean; readonly cause: unknown };

export interface DevSigner {
  /** A signed JWT with these claims, `iat` and `exp` in seconds. */
  sign(claims: Record<string, unknown>, iat: number, exp: number): Promise<string>;
  /** The claims of a token this backend signed and valid at `now` (ms), or why not. */
  verify(token: string, now: number): Promise<VerifyResult>;
  publicJwk(): Promise<PublicJwk>;
}

const KEY_STORAGE_KEY = 'session-panel:dev-backend-key';
const ISSUER = 'session-panel-dev-backend';

export function createDevSigner(keyStore: StorageLike | null): DevSigner {
  let keys: Promise<LoadedKeys> | undefined;
  const keyPair = (): Promise<LoadedKeys> => (keys ??= loadOrCreateKeys(keyStore));

  async function verify(token: string, now: number, retried = false): Promise<VerifyResult> {
    const current = await keyPair();
    try {
      const { payload } = await jwtVerify(token, current.publicKey, { issuer: ISSUER, currentDate: new Date(now), clockTolerance: 0 });
      return { ok: true, claims: payload as Record<string, unknown> };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return { ok: false, expired: true, cause: error };
      // Another tab may have stored a different key since this backend loaded its own: take it and try once more.
      const stored = readStoredKey(keyStore);
      if (!retried && stored !== null && stored !== current.stored) {
        keys = importStoredKeys(stored).catch(() => current);
        return verify(token, now, true);
      }
      return { ok: false, expired: false, cause: error };
    }
  }

  return {
    async sign(claims, iat, exp) {
      const { privateKey } = await keyPair();
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
        .setIssuer(ISSUER)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(privateKey);
    },
    verify: (token, now) => verify(token, now),
    publicJwk: async () => exportJWK((await keyPair()).publicKey),
  };
}

type KeyPair = { publicKey: CryptoKey; privateKey: CryptoKey };

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
