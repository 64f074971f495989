/** Test JWTs: real compact JWS shapes (base64url JSON header and claims, a signature part), built without a key. */
export function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

export function jwt(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT' }, signature = 'c2lnbmF0dXJl'): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}.${signature}`;
}

export const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

/** A token issued at `iatMs` living `lifeS` seconds, for an issuer and subject. */
export function tokenAt(iatMs: number, lifeS: number, extra: Record<string, unknown> = {}): string {
  const iat = Math.floor(iatMs / 1000);
  return jwt({ iss: 'https://id.example', sub: 'user-1', aud: 'app', iat, exp: iat + lifeS, ...extra });
}
