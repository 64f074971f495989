import { isPresent, type DiscoveryStore, type TokenEntry } from './store.js';
import { sessionWarnings, tokenWarnings, type DiscoveryWarning } from './warnings.js';

/**
 * The store's tokens as sessions: tokens belong together when they share issuer and subject, or were found in one
 * value or one response (an access token and its id token, whose `sub` may differ or be missing). Each session lists
 * its tokens in the order they were first seen: that order is its history.
 */
export interface DiscoveredSession {
  /** Stable while its first token lives: the first-seen token's issuer and subject, or a short fingerprint. */
  readonly id: string;
  readonly iss: string | null;
  readonly sub: string | null;
  /** Oldest first (by `iat`, else first seen): the session's history. */
  readonly tokens: readonly DiscoveredTokenView[];
  readonly warnings: readonly DiscoveryWarning[];
}

export interface DiscoveredTokenView {
  readonly entry: TokenEntry;
  /** Still in a cookie, entry or record (false: only seen in requests, or since removed). */
  readonly present: boolean;
  readonly warnings: readonly DiscoveryWarning[];
}

export function discoveredSessions(store: DiscoveryStore, timeOf: (ms: number) => string): DiscoveredSession[] {
  const entries = [...store.tokens()];
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    let node = x;
    while (node !== root) {
      const next = parent.get(node) ?? root;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  const union = (a: string, b: string): void => {
    if (!parent.has(a) || !parent.has(b)) return;
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
  };
  for (const e of entries) parent.set(e.token, e.token);
  const byIdentity = new Map<string, string>();
  for (const e of entries) {
    if (e.facts.iss !== null && e.facts.sub !== null) {
      const identity = `${e.facts.iss}\u0000${e.facts.sub}`;
      const first = byIdentity.get(identity);
      if (first) union(first, e.token);
      else byIdentity.set(identity, e.token);
    }
    for (const other of e.links) union(e.token, other);
  }
  const groups = new Map<string, TokenEntry[]>();
  for (const e of entries) {
    const root = find(e.token);
    const list = groups.get(root);
    if (list) list.push(e);
    else groups.set(root, [e]);
  }
  const sessions: DiscoveredSession[] = [];
  for (const list of groups.values()) {
    // History order: when each was issued (iat) where the token says, else when first seen.
    list.sort((a, b) => (a.facts.iat ?? a.firstSeen) - (b.facts.iat ?? b.firstSeen) || a.firstSeen - b.firstSeen);
    const first = list.find((t) => t.facts.sub !== null) ?? (list[0] as TokenEntry);
    sessions.push({
      id: first.facts.iss !== null || first.facts.sub !== null ? `${first.facts.iss ?? ''} ${first.facts.sub ?? ''}` : `token ${fingerprint(first.token)}`,
      iss: first.facts.iss,
      sub: first.facts.sub,
      tokens: list.map((entry) => ({ entry, present: isPresent(entry), warnings: tokenWarnings(entry, timeOf) })),
      warnings: sessionWarnings(list),
    });
  }
  // Sessions holding a token right now first, then the most recently seen.
  const latest = (s: DiscoveredSession): number => Math.max(...s.tokens.map((t) => t.entry.lastSeen));
  const holds = (s: DiscoveredSession): number => (s.tokens.some((t) => t.present) ? 1 : 0);
  return sessions.sort((a, b) => holds(b) - holds(a) || latest(b) - latest(a));
}

/** A short, non-reversible name for a token (its signature's last characters tell nothing usable). */
export function fingerprint(token: string): string {
  let h = 2166136261;
  for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16).padStart(8, '0');
}
