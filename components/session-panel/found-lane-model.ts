import { isPresent, type DiscoveredSession, type TokenEntry, type TokenKind } from '../../src/discovery/index.js';

/*
 * The timeline's lane for tokens found on the page without our core (spec §9): one row per found session and token
 * kind (its access tokens, its id tokens), each token a bar over its lifetime (iat → exp), each new value a mark
 * where it was issued, and each request that carried a token (sent it, or brought it in a response) a tick. Built
 * from the discovery store's sessions, then viewed for one range and width like the core's timeline: only what
 * overlaps the range, merged to a few items per pixel column. No DOM, no Lit: tested in plain Node.
 */

/** Rows drawn at most; the others are counted ("and N more"), their tokens are still in the list. */
export const MAX_FOUND_ROWS = 4;

export interface FoundBar {
  /** The token it draws (the first one, for merged bars): a click selects its entry in the list. */
  readonly token: string;
  readonly kind: TokenKind;
  /** `iat`, else when the panel first saw it. */
  readonly start: number;
  /** Where the bar ends: its expiry, or the next value's start when a newer one replaced it. */
  readonly end: number;
  /** `exp` (null: the token never expires, drawn up to now or when last seen). */
  readonly expires: number | null;
  /** When the next value took its place (it left every place it sat in), or null. */
  readonly replacedAt: number | null;
  /** Still in a cookie, entry or record now. */
  readonly present: boolean;
  readonly count: number;
}

export type FoundMarkKind = 'new-value' | 'sent' | 'received';

export interface FoundMark {
  readonly kind: FoundMarkKind;
  readonly at: number;
  /** The last mark merged into this one. */
  readonly lastAt: number;
  readonly count: number;
  readonly token: string;
  /** The request it stands for (sent / received; the first of merged ones), e.g. `POST /token`. */
  readonly request: string | null;
}

export interface FoundRow {
  /** Stable across renders: the session's id and the kind. */
  readonly key: string;
  /** `sub alice · access tokens` */
  readonly label: string;
  readonly bars: readonly FoundBar[];
  readonly marks: readonly FoundMark[];
}

export interface FoundLane {
  readonly rows: readonly FoundRow[];
  /** Rows not drawn (past MAX_FOUND_ROWS). */
  readonly hidden: number;
  /** The earliest time any row starts at (the "all" zoom starts there), or null without rows. */
  readonly first: number | null;
}

const KINDS: readonly TokenKind[] = ['access', 'id'];

/**
 * The rows of every found session (sessions in the list's order: those holding a token now first), marks and bars
 * sorted by time. `now` ends the bars of tokens without `exp` that are still stored.
 */
export function foundLane(sessions: readonly DiscoveredSession[], now: number, maxRows = MAX_FOUND_ROWS): FoundLane {
  const rows: FoundRow[] = [];
  let total = 0;
  let first: number | null = null;
  for (const session of sessions) {
    for (const kind of KINDS) {
      const entries = session.tokens.map((t) => t.entry).filter((e) => e.facts.kind === kind);
      if (entries.length === 0) continue;
      total++;
      if (rows.length >= maxRows) continue;
      const row = buildRow(session, kind, entries, now);
      rows.push(row);
      const start = row.bars[0]?.start;
      if (start !== undefined && (first === null || start < first)) first = start;
      const mark = row.marks[0]?.at;
      if (mark !== undefined && (first === null || mark < first)) first = mark;
    }
  }
  return { rows, hidden: total - rows.length, first };
}

function startOf(e: TokenEntry): number {
  const start = e.facts.iat ?? e.firstSeen;
  return e.facts.exp !== null ? Math.min(start, e.facts.exp) : start;
}

function buildRow(session: DiscoveredSession, kind: TokenKind, entries: TokenEntry[], now: number): FoundRow {
  const sorted = [...entries].sort((a, b) => startOf(a) - startOf(b) || a.firstSeen - b.firstSeen);
  const bars: FoundBar[] = [];
  const marks: FoundMark[] = [];
  sorted.forEach((e, i) => {
    const start = startOf(e);
    const present = isPresent(e);
    const natural = e.facts.exp ?? (present ? Math.max(now, e.lastSeen) : e.lastSeen);
    const next = sorted[i + 1];
    // A newer value replaced it when it sits nowhere any more and the next one started before it ran out.
    const replacedAt = next && !present && startOf(next) < natural ? Math.max(start, startOf(next)) : null;
    bars.push({ token: e.token, kind, start, end: replacedAt ?? Math.max(start, natural), expires: e.facts.exp, replacedAt, present, count: 1 });
    if (i > 0) marks.push({ kind: 'new-value', at: start, lastAt: start, count: 1, token: e.token, request: null });
    for (const t of e.traffic) {
      const at = t.direction === 'sent' ? t.request.startedAt : t.request.endedAt || t.request.startedAt;
      marks.push({ kind: t.direction, at, lastAt: at, count: 1, token: e.token, request: `${t.request.method} ${t.request.path}` });
    }
  });
  marks.sort((a, b) => a.at - b.at);
  const who = session.sub !== null ? `sub ${session.sub}` : 'no subject';
  return { key: `${session.id}\u0000${kind}`, label: `${who} · ${kind} tokens`, bars, marks };
}

/**
 * What to draw of the lane for [start, end] on `width` pixel columns: per row, bars and marks overlapping the range,
 * those sharing a column merged into one item with a count (bars narrower than a column that touch; marks of one
 * kind within three columns), so a token sent in 10,000 requests draws as a few ticks.
 */
export function viewFoundLane(lane: FoundLane, start: number, end: number, width: number): FoundLane {
  const column = Math.max(1, end - start) / Math.max(1, Math.floor(width));
  const rows = lane.rows.map((row): FoundRow => {
    const bars: FoundBar[] = [];
    for (const b of row.bars) {
      if (b.end < start || b.start > end) continue;
      const prev = bars.at(-1);
      if (prev && b.end - b.start < column && prev.end - prev.start < column * 2 && b.start - prev.end < column) {
        bars[bars.length - 1] = { ...prev, end: Math.max(prev.end, b.end), count: prev.count + b.count, present: prev.present || b.present };
        continue;
      }
      bars.push(b);
    }
    const marks: FoundMark[] = [];
    const lastOf: Partial<Record<FoundMarkKind, number>> = {};
    for (const m of row.marks) {
      if (m.at < start || m.at > end) continue;
      const i = lastOf[m.kind];
      const prev = i === undefined ? undefined : marks[i];
      if (i !== undefined && prev && m.at - prev.at < column * 3) {
        marks[i] = { ...prev, lastAt: m.at, count: prev.count + m.count };
        continue;
      }
      lastOf[m.kind] = marks.length;
      marks.push(m);
    }
    return { ...row, bars, marks };
  });
  return { rows, hidden: lane.hidden, first: lane.first };
}
