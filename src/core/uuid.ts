import { md5 } from '@noble/hashes/legacy.js';
import { SessionError } from './errors.js';

// @noble/hashes: audited, dependency-free hashing; WebCrypto has no MD5, and the seeded UUID must be
// Java's UUID.nameUUIDFromBytes bit for bit. Only md5 is imported, so the bundle carries nothing else.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const encoder = new TextEncoder();

/** Java's `UUID.nameUUIDFromBytes(input.getBytes(UTF_8))`: an MD5 (version 3) name-based UUID. */
export function uuidFromName(input: string): string {
  if (typeof input !== 'string') throw new SessionError('invalid-argument', 'uuidFromName expects a string');
  // Java's getBytes(UTF_8) writes '?' for a lone surrogate where TextEncoder writes U+FFFD: match Java.
  const bytes = md5(encoder.encode(input.replace(LONE_SURROGATE, '?')));
  bytes[6] = (bytes[6]! & 0x0f) | 0x30;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return formatUuid(bytes);
}

/**
 * A random (version 4) UUID from the platform's CSPRNG. Built on getRandomValues, not randomUUID: browsers offer
 * randomUUID only in secure contexts, and pages are often tested over plain http from a LAN address.
 */
export function randomUuid(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return formatUuid(bytes);
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

function formatUuid(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
