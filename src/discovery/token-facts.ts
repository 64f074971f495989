import { tokenStatusAt } from '../core/token-status.js';
import type { JwtParts } from '../core/jwt.js';
import type { TokenKind } from './types.js';

/**
 * What a found JWT's claims say, read once when it is first seen: kind, subject, issuer, audience, times. Times are
 * ms since the epoch; null where the claim is missing or not a representable date.
 */
export interface TokenFacts {
  readonly kind: TokenKind;
  readonly iss: string | null;
  readonly sub: string | null;
  readonly aud: string | null;
  readonly alg: string;
  readonly exp: number | null;
  readonly iat: number | null;
}

/** The margin the core uses when none is configured (createSession's refreshWindowSeconds default). */
export const CORE_DEFAULT_REFRESH_WINDOW_MS = 1800 * 1000;

export function tokenFacts(parts: JwtParts, keyKind: TokenKind | undefined): TokenFacts {
  const { header, claims } = parts;
  // An id token says so in its claims (OIDC's nonce / at_hash, Firebase's `firebase`); else trust the key's name.
  const idByClaims = 'nonce' in claims || 'at_hash' in claims || 'firebase' in claims || claims.token_use === 'id';
  const kind: TokenKind = idByClaims ? 'id' : (keyKind ?? 'access');
  return {
    kind,
    iss: text(claims.iss),
    sub: text(claims.sub),
    aud: Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string').join(', ') || null : text(claims.aud),
    alg: typeof header.alg === 'string' ? header.alg : '',
    exp: seconds(claims.exp),
    iat: seconds(claims.iat),
  };
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value.slice(0, 1024);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function seconds(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value * 1000) <= 8.64e15 ? value * 1000 : null;
}

/** Lifetime as issued (exp − iat), or null. */
export function lifetimeMs(facts: TokenFacts): number | null {
  return facts.exp !== null && facts.iat !== null ? facts.exp - facts.iat : null;
}

/**
 * `valid` / `expiring` / `expired`, judged by the core's own rule (token-status.ts): expiring within
 * min(refresh window, half the lifetime). A found token's lifetime starts at its `iat` (or when it was first seen),
 * and its expiry is its `exp`: we did not see it arrive, so there is no arrival time to count from. A token without
 * `exp` never expires here.
 */
export function discoveredStatus(facts: TokenFacts, firstSeen: number, now: number, windowMs = CORE_DEFAULT_REFRESH_WINDOW_MS): 'valid' | 'expiring' | 'expired' {
  if (facts.exp === null) return 'valid';
  const status = tokenStatusAt(
    // The core's rule reads only receivedAt and expiresAt; the other fields are there to satisfy its record type.
    { tokenString: '', origin: 'UNKNOWN', rlm: 'client', exp: facts.exp, receivedAt: Math.min(facts.iat ?? firstSeen, facts.exp), expiresAt: facts.exp },
    now,
    windowMs,
  );
  return status === 'none' ? 'valid' : status;
}
