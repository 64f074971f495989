import type { TokenRecord, TokenStatus } from './types.js';

/**
 * Token status as every viewer must judge it, in one place: the session's snapshot, the element's live countdown and
 * the extension all call these, so "expiring" and "expired" never disagree between them.
 */

/** Refresh margin: the configured window, capped at half the token's lifetime so short tokens never loop. */
export function refreshMarginMs(token: TokenRecord, windowMs: number): number {
  return Math.max(0, Math.min(windowMs, (token.expiresAt - token.receivedAt) / 2));
}

export function tokenStatusAt(token: TokenRecord | null, now: number, windowMs: number): TokenStatus {
  if (!token) return 'none';
  if (now >= token.expiresAt) return 'expired';
  return token.expiresAt - now <= refreshMarginMs(token, windowMs) ? 'expiring' : 'valid';
}

/** Signed in means a customer (`client` realm) token that has not expired, at this instant. */
export function isSignedInAt(token: TokenRecord | null, now: number): boolean {
  return token !== null && token.rlm === 'client' && now < token.expiresAt;
}
