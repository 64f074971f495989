import { findJwtsInText, isJwt, MAX_TOKENS_PER_VALUE } from './jwt-shape.js';
import type { Found, OpaqueMention, Place, TokenKind } from './types.js';

/**
 * Finds the JWTs in one value as auth SDKs store them: the whole value, a JWT inside JSON at any depth (Supabase's
 * `currentSession.access_token`, oidc-client-ts's `id_token`), JSON inside a JSON string, URL-encoded or
 * `base64-`-prefixed cookie values, a JWT inside longer text. Work is bounded whatever the value: JSON longer than
 * MAX_JSON_CHARS is not parsed (only scanned as text), at most MAX_NODES values are visited, nesting deeper than
 * MAX_DEPTH is not followed, and a property that throws when read is skipped.
 */
export const MAX_JSON_CHARS = 512 * 1024;
export const MAX_NODES = 20_000;
export const MAX_DEPTH = 32;
/** Strings shorter than this inside JSON cannot hold a JWT (the shortest useful JWT is longer). */
const MIN_JWT = 20;

/** Keys whose value is a credential: a JWT there is named by the key, anything else is an opaque mention. */
const ACCESS_KEY = /^(access_?token|accesstoken|bearer|jwt|token)$/i;
const ID_KEY = /^id_?token$/i;
const OPAQUE_KEY = /^(refresh_?token|access_?token|id_?token|token)$/i;

export interface ValueFindings {
  readonly found: Found[];
  readonly opaque: OpaqueMention[];
}

function kindOfKey(key: string): TokenKind | undefined {
  if (ID_KEY.test(key)) return 'id';
  if (ACCESS_KEY.test(key)) return 'access';
  return undefined;
}

class Walk {
  readonly found: Found[] = [];
  readonly opaque: OpaqueMention[] = [];
  #nodes = 0;
  /** Objects already walked: a cyclic or shared structure is walked once. */
  readonly #seen = new WeakSet<object>();

  constructor(readonly base: Omit<Place, 'path'>) {}

  full(): boolean {
    return this.found.length >= MAX_TOKENS_PER_VALUE || this.#nodes >= MAX_NODES;
  }

  add(token: string, path: string, keyKind: TokenKind | undefined): void {
    if (this.found.length >= MAX_TOKENS_PER_VALUE || this.found.some((f) => f.token === token && f.place.path === path)) return;
    this.found.push({ token, place: { ...this.base, path }, ...(keyKind ? { keyKind } : {}) });
  }

  /** A string value: the whole, decoded forms of it, JSON in it, or JWTs inside it. */
  text(value: string, path: string, key: string, depth: number): void {
    if (this.full()) return;
    this.#nodes++;
    const trimmed = value.trim().replace(/^Bearer\s+/i, '').replace(/^"(.*)"$/s, '$1');
    if (isJwt(trimmed)) return this.add(trimmed, path, kindOfKey(key));
    if (depth >= MAX_DEPTH) return;
    // JSON before decoding: JSON holding a URL-encoded string (`"next":"%2Fhome"`) decoded whole is JSON no more, and
    // its tokens would lose their path and key. Its strings are decoded one by one as they are walked.
    if ((trimmed.startsWith('{') || trimmed.startsWith('[')) && trimmed.length <= MAX_JSON_CHARS) {
      const parsed = parseJson(trimmed);
      if (parsed.ok) return this.any(parsed.value, path, depth + 1);
    }
    const decoded = decodedForms(trimmed);
    if (decoded !== null) return this.text(decoded, path, key, depth + 1);
    const before = this.found.length;
    if (trimmed.length >= MIN_JWT) for (const token of findJwtsInText(trimmed)) this.add(token, path, kindOfKey(key));
    if (OPAQUE_KEY.test(key) && trimmed.length > 0 && this.found.length === before && this.opaque.length < MAX_TOKENS_PER_VALUE)
      this.opaque.push({ place: { ...this.base, path }, name: key, length: trimmed.length });
  }

  /** Any value: strings, arrays and plain objects (JSON, structured clones of IndexedDB records). */
  any(value: unknown, path: string, depth: number, key = ''): void {
    if (this.full()) return;
    if (typeof value === 'string') return this.text(value, path, key, depth);
    if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH || this.#seen.has(value)) return;
    this.#seen.add(value);
    this.#nodes++;
    let keys: string[];
    try {
      keys = Array.isArray(value) ? value.map((_, i) => String(i)) : Object.keys(value);
    } catch {
      return;
    }
    for (const name of keys) {
      if (this.full()) return;
      let child: unknown;
      try {
        child = (value as Record<string, unknown>)[name];
      } catch {
        continue; // a getter that throws
      }
      if (typeof child === 'string' && child.length < MIN_JWT && !OPAQUE_KEY.test(name)) continue;
      this.any(child, joinPath(path, name, Array.isArray(value)), depth + 1, name);
    }
  }
}

function joinPath(path: string, name: string, index: boolean): string {
  if (index) return `${path}[${name}]`;
  const safe = /^[A-Za-z_$][\w$-]*$/.test(name) ? name : JSON.stringify(name);
  return path ? `${path}.${safe}` : safe;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** A cookie's URL-encoded value, or Supabase SSR's `base64-` value, decoded; null when it is neither. */
function decodedForms(text: string): string | null {
  if (text.startsWith('base64-')) {
    const decoded = base64UrlToText(text.slice(7));
    return decoded !== null && decoded !== text ? decoded : null;
  }
  if (/%[0-9A-Fa-f]{2}/.test(text)) {
    try {
      const decoded = decodeURIComponent(text);
      return decoded !== text ? decoded : null;
    } catch {
      return null;
    }
  }
  return null;
}

function base64UrlToText(b64: string): string | null {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64) || b64.length > MAX_JSON_CHARS) return null;
  try {
    const binary = atob(b64.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The JWTs in a string value (a cookie's or a storage entry's). */
export function findInText(value: string, base: Omit<Place, 'path'>, key = ''): ValueFindings {
  const walk = new Walk(base);
  walk.text(value, '', key, 0);
  return { found: walk.found, opaque: walk.opaque };
}

/** The JWTs in a structured value (an IndexedDB record, a parsed JSON body). */
export function findInStructured(value: unknown, base: Omit<Place, 'path'>): ValueFindings {
  const walk = new Walk(base);
  walk.any(value, '', 0);
  return { found: walk.found, opaque: walk.opaque };
}
