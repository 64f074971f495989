import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, errors as joseErrors, type CryptoKey, type JWK } from 'jose';
import { SessionError } from './errors.js';
import type { StorageLike } from './types.js';

/**
 * The dev backend's signing: ES256 keys (WebCrypto through jose), kept per browser profile, signing and verifying its
 * tokens. Its own module because it is most of the dev backend's weight: dev-backend.ts imports it dynamically on
 * the first call, so apps that never call the dev backend never load it (and their bundlers split it off).
 */

/** A public key as a JSON Web Key (RFC 7517); jose's `JWK` fits it, so apps need no jose types. */
export interface PublicJwk {
  readonly kty?: string;
  readonly crv?: string;
  readonly x?: string;
  readonly y?: string;
  readonly [member: string]: unknown;
}

export interface DevSigner {
  /** A signed JWT with these claims, `iat` and `exp` in seconds. */
  sign(claims: Record<string, unknown>, iat: number, exp: number): Promise<string>;
  /** The claims of a token this backend signed, valid at `now` (ms); SessionError otherwise. */
  verify(token: string, now: number): Promise<Record<string, unknown>>;
  publicJwk(): Promise<PublicJwk>;
}

const KEY_STORAGE_KEY = 'session-panel:dev-backend-key';
const ISSUER = 'session-panel-dev-backend';

export function createDevSigner(keyStore: StorageLike | null): DevSigner {
  let keys: Promise<LoadedKeys> | undefined;
  const keyPair = (): Promise<LoadedKeys> => {
    // Browsers expose crypto.subtle only in secure contexts; say so plainly instead of failing deep inside jose.
    if (!globalThis.crypto?.subtle) {
      return Promise.reject(
        new SessionError('backend', 'The dev backend signs tokens with WebCrypto, which this page lacks: browsers offer it only on https or localhost. Serve the page from one of those, or use createHttpBackend.'),
      );
    }
    return (keys ??= loadOrCreateKeys(keyStore));
  };

  async function verify(token: string, now: number, retried = false): Promise<Record<string, unknown>> {
    const current = await keyPair();
    try {
      const { payload } = await jwtVerify(token, current.publicKey, { issuer: ISSUER, currentDate: new Date(now), clockTolerance: 0 });
      return payload as Record<string, unknown>;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        throw new SessionError('session-expired', 'The token has expired and cannot be refreshed');
      }
      // Another tab may have stored a different key since this backend loaded its own: take it and try once more.
      const stored = readStoredKey(keyStore);
      if (!retried && stored !== null && stored !== current.stored) {
        keys = importStoredKeys(stored).catch(() => current);
        return verify(token, now, true);
      }
      throw new SessionError('unauthorized', 'The token was not issued by this backend or was altered', { cause: error });
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
