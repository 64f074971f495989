import { decodeJwt } from 'jose/jwt/decode';
import { decodeProtectedHeader } from 'jose/decode/protected_header';
import { SessionError } from './errors.js';
import { REALMS, TOKEN_ORIGINS, type Realm, type TokenOrigin, type TokenRecord } from './types.js';

// jose: the well-kept JWT library (browser and Node, no dependencies). The core only decodes: signatures are the
// backend's business, and the panel labels decoded claims as unverified. Imported by subpath, not from 'jose': the
// package's index also reaches its signing modules, which bundlers would then keep in every app's main chunk instead
// of the dev backend's lazy one (dev-signing.ts).

/** Tokens longer than this are refused before decoding (a hostile backend could send megabytes). */
export const MAX_TOKEN_LENGTH = 16 * 1024;

export interface JwtParts {
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
}

/** Decodes a compact JWS without verifying it. Throws SessionError `invalid-jwt` (-104) on anything malformed. */
export function decodeJwtParts(token: unknown): JwtParts {
  if (typeof token !== 'string' || token.length === 0) throw invalid('the token is not a non-empty string');
  if (token.length > MAX_TOKEN_LENGTH) throw invalid(`the token is ${token.length} characters long (limit ${MAX_TOKEN_LENGTH})`);
  const parts = token.split('.');
  if (parts.length !== 3) throw invalid(`a JWT has 3 parts, this one has ${parts.length}`);
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
    claims = decodeJwt(token) as Record<string, unknown>;
  } catch (cause) {
    throw invalid(cause instanceof Error ? cause.message : 'the token cannot be decoded', cause);
  }
  return { header, claims };
}

/**
 * Turns a backend's JWT into the record the session keeps. `receivedAt` is the session clock at arrival, `sentAt`
 * when the request left (default: receivedAt). Refuses unsigned tokens (`alg: none`), a missing or non-numeric
 * `exp`, and an unknown realm. See lifetimeEnd for the expiry it is judged by.
 */
export function tokenRecordFromJwt(tokenString: unknown, receivedAt: number, sentAt: number = receivedAt): TokenRecord {
  const { header, claims } = decodeJwtParts(tokenString);
  if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') {
    throw invalid('the token is unsigned (alg "none")');
  }
  const exp = claims.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw invalid('the token has no numeric "exp" claim');
  if (!isDateSeconds(exp)) throw invalid(`the token's "exp" (${exp}) is not a representable date`);
  const rlm = claims.rlm;
  if (!isRealm(rlm)) throw invalid(`the token's realm "rlm" is ${JSON.stringify(rlm) ?? 'missing'}`);
  const origin: TokenOrigin = isOrigin(claims.origin) ? claims.origin : rlm === 'anonymous_client' ? 'ANONYMOUS' : 'UNKNOWN';
  const iat = typeof claims.iat === 'number' && isDateSeconds(claims.iat) ? claims.iat * 1000 : undefined;
  const expMs = exp * 1000;
  const expiresAt = iat !== undefined ? lifetimeEnd(Math.min(sentAt, receivedAt), receivedAt, expMs, iat) : expMs;
  const record: {
    -readonly [K in keyof TokenRecord]: TokenRecord[K];
  } = { tokenString: tokenString as string, origin, rlm, exp: expMs, receivedAt, expiresAt };
  if (iat !== undefined) record.iat = iat;
  const clientId = stringClaim(claims.clientId);
  if (clientId !== undefined) record.clientId = clientId;
  const customId = stringClaim(claims.customId);
  if (customId !== undefined) record.customId = customId;
  if (typeof claims.sub === 'string') record.sub = claims.sub;
  return record;
}

/**
 * When a token issued with this `exp` and `iat` (ms) stops being usable on the session's clock, for a request sent at
 * `sentAt` and answered at `receivedAt`. Never later than receipt + lifetime, nor than `exp`:
 * - `iat` fits this clock (it lies between the second the request left in and its answer): the clock agrees with the
 *   issuer's to within the request, so `exp` itself is the end (receipt + lifetime would run past it by iat's
 *   rounding plus the request time);
 * - otherwise the clock is skewed: the lifetime counts from when the request left, less iat's rounding (a whole-second
 *   iat is up to 1 s before the issue time), so a skewed clock neither kills every token nor makes one eternal.
 * Skew smaller than the request time plus a second cannot be told from none; it is the most a token can be
 * handed out late.
 */
export function lifetimeEnd(sentAt: number, receivedAt: number, expMs: number, iatMs: number): number {
  const lifetime = expMs - iatMs;
  if (iatMs >= Math.floor(sentAt / 1000) * 1000 && iatMs <= receivedAt) return Math.min(expMs, receivedAt + lifetime);
  const rounding = Number.isInteger(iatMs / 1000) ? IAT_ROUNDING_MS : 0;
  return Math.min(sentAt + lifetime - rounding, receivedAt + lifetime);
}

/** A whole-second `iat` is the issue time rounded down: up to this much earlier than the token was made. */
const IAT_ROUNDING_MS = 1000;

/** Seconds that make a valid Date (±8.64e15 ms): anything else would break every date shown or compared later. */
function isDateSeconds(value: number): boolean {
  return Number.isFinite(value) && Math.abs(value * 1000) <= 8.64e15;
}

function isRealm(value: unknown): value is Realm {
  return typeof value === 'string' && (REALMS as readonly string[]).includes(value);
}

function isOrigin(value: unknown): value is TokenOrigin {
  return typeof value === 'string' && (TOKEN_ORIGINS as readonly string[]).includes(value);
}

function stringClaim(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function invalid(message: string, cause?: unknown): SessionError {
  return new SessionError('invalid-jwt', `Invalid JWT: ${message}`, cause === undefined ? {} : { cause });
}
