import { frameName } from './frames.js';
import { lifetimeMs } from './token-facts.js';
import type { TokenEntry } from './store.js';

/**
 * What the tab tells that nobody else does (issue #11 item 3), each as a plain sentence next to the token or the
 * session. Pure: judged from the store's entries and the time given.
 */
export type WarningCode = 'sent-after-expiry' | 'refresh-storm' | 'concurrent-refresh' | 'readable-by-scripts' | 'alg-none' | 'long-lifetime';

export interface DiscoveryWarning {
  readonly code: WarningCode;
  readonly level: 'danger' | 'warn';
  readonly text: string;
}

/** More new tokens of one kind than this within a minute is a refresh storm. */
export const STORM_COUNT = 4;
export const STORM_WINDOW_MS = 60_000;
/** Two new tokens of one kind for one session this close together were refreshed at once (two tabs, two calls). */
export const CONCURRENT_WINDOW_MS = 2_000;
/** Longer than a day is far beyond the usual lifetime of an access or id token (minutes to an hour). */
export const LONG_LIFETIME_MS = 24 * 3_600_000;

const SCRIPT_READABLE: Record<string, string> = {
  localStorage: 'localStorage',
  sessionStorage: 'sessionStorage',
  indexedDB: 'IndexedDB',
  cookie: 'a cookie without HttpOnly',
};

export function tokenWarnings(entry: TokenEntry, timeOf: (ms: number) => string): DiscoveryWarning[] {
  const out: DiscoveryWarning[] = [];
  const alg = entry.facts.alg;
  if (alg.toLowerCase() === 'none') out.push({ code: 'alg-none', level: 'danger', text: 'This token is unsigned (alg: none): anyone can forge one like it, and a server that accepts it accepts forgeries.' });
  const sent = entry.sentAfterExpiry;
  if (sent && entry.facts.exp !== null) {
    out.push({ code: 'sent-after-expiry', level: 'danger', text: `It was sent in ${sent.method} ${sent.path} at ${timeOf(sent.startedAt)}, ${span(sent.startedAt - entry.facts.exp)} after it expired: the app does not refresh before use.` });
  }
  const readable = [...entry.places.values()].find((r) => r.goneAt === null && r.place.source !== 'network' && r.place.httpOnly !== true);
  if (readable) {
    out.push({
      code: 'readable-by-scripts',
      level: 'warn',
      text: `Any script ${readable.place.frame === undefined ? 'on this page' : `in ${frameName(readable.place.frame)}`} can read it (${SCRIPT_READABLE[readable.place.source] ?? readable.place.source} "${readable.place.key}"): an injected script could steal it, which an HttpOnly cookie would prevent.`,
    });
  }
  const life = lifetimeMs(entry.facts);
  if (life !== null && life > LONG_LIFETIME_MS) {
    out.push({ code: 'long-lifetime', level: 'warn', text: `It lives ${span(life)}, far beyond the usual minutes to an hour: a stolen copy stays useful that long.` });
  }
  return out;
}

/**
 * Warnings about one session's tokens together: a refresh storm (many new tokens of one kind within a minute) and
 * concurrent refreshes (two new tokens of one kind within 2 s). A token's arrival is its `iat` when it has one (so
 * tokens found at once still tell when they were issued), else when the panel saw it arrive.
 */
export function sessionWarnings(tokens: readonly TokenEntry[]): DiscoveryWarning[] {
  const out: DiscoveryWarning[] = [];
  for (const kind of ['access', 'id'] as const) {
    const arrivals = tokens
      .filter((t) => t.facts.kind === kind)
      .map((t) => t.facts.iat ?? (t.arrivedLive ? t.firstSeen : null))
      .filter((at): at is number => at !== null)
      .sort((a, b) => a - b);
    const label = kind === 'id' ? 'id token' : 'access token';
    let storm = 0;
    for (let i = 0, j = 0; j < arrivals.length; j++) {
      while ((arrivals[j] as number) - (arrivals[i] as number) > STORM_WINDOW_MS) i++;
      storm = Math.max(storm, j - i + 1);
    }
    if (storm >= STORM_COUNT) {
      out.push({ code: 'refresh-storm', level: 'danger', text: `Refresh storm: ${storm} new ${label}s for this session within one minute. Something refreshes in a loop (a refresh margin longer than the lifetime, a skewed clock, or a retry without back-off).` });
    }
    let closest = Infinity;
    for (let k = 1; k < arrivals.length; k++) closest = Math.min(closest, (arrivals[k] as number) - (arrivals[k - 1] as number));
    if (closest <= CONCURRENT_WINDOW_MS) {
      out.push({ code: 'concurrent-refresh', level: 'warn', text: `Two ${label}s for this session were issued ${closest < 1000 ? 'within a second' : `${Math.round(closest / 1000)} s apart`}: two tabs or two calls refreshed at once, and one of them may be thrown away (or log the user out).` });
    }
  }
  return out;
}

/** "3 min", "2 h", "30 d": a duration in the largest whole unit. */
export function span(ms: number): string {
  const abs = Math.max(0, ms);
  if (abs < 60_000) return `${Math.max(1, Math.round(abs / 1000))} s`;
  if (abs < 2 * 3_600_000) return `${Math.round(abs / 60_000)} min`;
  if (abs < 2 * 86_400_000) return `${Math.round(abs / 3_600_000)} h`;
  return `${Math.round(abs / 86_400_000)} d`;
}
