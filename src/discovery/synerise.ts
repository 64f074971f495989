import type { Cookie } from './recognisers.js';
import type { SyneriseWebInfo } from './types.js';

/**
 * The Synerise Web SDK keeps the profile UUID in the `_snrs_uuid` cookie and a profile summary in `_snrs_p`
 * (URL-encoded `key:value` pairs joined by `&`, e.g. `host:shop.example&permUuid:…&uuid:…`). It loads as the
 * globals `SR` and `SyneriseTC`, which only the page's own world can see: the page-side scanner reports those two
 * booleans and nothing else about them.
 */
const MAX_PAIRS = 24;
const MAX_TEXT = 256;

export function syneriseFromCookies(cookies: readonly Cookie[], globals: { SR: boolean; SyneriseTC: boolean }): SyneriseWebInfo | null {
  const uuidCookie = cookies.find((c) => c.name === '_snrs_uuid');
  const profileCookie = cookies.find((c) => c.name === '_snrs_p');
  if (!uuidCookie && !profileCookie && !globals.SR && !globals.SyneriseTC) return null;
  return {
    uuid: uuidCookie ? clip(safeDecode(uuidCookie.value)) : null,
    profile: profileCookie ? profilePairs(profileCookie.value) : [],
    globals: { SR: globals.SR, SyneriseTC: globals.SyneriseTC },
  };
}

export function profilePairs(raw: string): [string, string][] {
  const out: [string, string][] = [];
  for (const part of safeDecode(raw).split('&')) {
    if (out.length >= MAX_PAIRS) break;
    const colon = part.indexOf(':');
    if (colon <= 0) continue;
    out.push([clip(part.slice(0, colon)), clip(safeDecode(part.slice(colon + 1)))]);
  }
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}
