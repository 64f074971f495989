import { decodeJwtParts, MAX_TOKEN_LENGTH, type JwtParts } from '../core/jwt.js';

/**
 * Is this string a JWT? A cheap shape test first (three base64url parts, the first two starting like a JSON object,
 * at most the core's token length), then the core's decoder (jose) must read a header with an `alg` and an object
 * of claims. Look-alikes (`eyJ…` parts that are not JSON, JWE's five parts, a header without `alg`) are refused.
 */
const SHAPE = /^ey[A-Za-z0-9_-]+\.ey[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Text scanned for embedded JWTs is cut here; a storage value may be megabytes. */
export const MAX_TEXT_SCAN = 1024 * 1024;
/** At most this many JWTs are taken from one text or one value. */
export const MAX_TOKENS_PER_VALUE = 32;

export function decodeIfJwt(value: string): JwtParts | null {
  if (value.length < 10 || value.length > MAX_TOKEN_LENGTH || !SHAPE.test(value)) return null;
  try {
    const parts = decodeJwtParts(value);
    return typeof parts.header.alg === 'string' ? parts : null;
  } catch {
    return null;
  }
}

export function isJwt(value: string): boolean {
  return decodeIfJwt(value) !== null;
}

/** At most this many candidates are decoded per text, whatever it holds. */
const MAX_CANDIDATES = 256;

function isB64url(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 45 || code === 95;
}

function runEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && isB64url(text.charCodeAt(i))) i++;
  return i;
}

/**
 * The JWTs that appear inside a text (a `Bearer …` header, a query string, a blob), in order, each once. A hand
 * scan rather than a regular expression: it never looks at a character twice, so a hostile value such as
 * `eyJeyJeyJ…` costs linear time instead of a backtracking regex's quadratic.
 */
export function findJwtsInText(text: string): string[] {
  const scanned = text.length > MAX_TEXT_SCAN ? text.slice(0, MAX_TEXT_SCAN) : text;
  const out: string[] = [];
  let from = 0;
  let tried = 0;
  while (out.length < MAX_TOKENS_PER_VALUE && tried < MAX_CANDIDATES) {
    const start = scanned.indexOf('ey', from);
    if (start < 0) break;
    const headerEnd = runEnd(scanned, start);
    if (scanned.charCodeAt(headerEnd) !== 46 || !scanned.startsWith('ey', headerEnd + 1)) {
      from = Math.max(headerEnd, start + 2);
      continue;
    }
    const claimsEnd = runEnd(scanned, headerEnd + 1);
    if (scanned.charCodeAt(claimsEnd) !== 46) {
      from = claimsEnd;
      continue;
    }
    const end = runEnd(scanned, claimsEnd + 1);
    const candidate = scanned.slice(start, end);
    tried++;
    if (isJwt(candidate)) {
      if (!out.includes(candidate)) out.push(candidate);
      from = end;
    } else {
      from = headerEnd + 1; // the claims part may begin a real token
    }
  }
  return out;
}
