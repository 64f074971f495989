/*
 * The found-token rows of the timeline (timeline-view.ts draws the rest): each row one found session's access or
 * id tokens, each token a bar over its lifetime, each new value a diamond where it was issued, and the requests that
 * carried a token as ticks under the bar (▲ sent it, ▼ brought it). Every item has a text equivalent in words
 * (aria-label and <title>), names itself in the caption on hover, and a click selects the token's entry in
 * "Found on this page". Page-provided text (sub, request paths) only ever goes into text nodes and attributes.
 */
import { svg, nothing, type TemplateResult } from 'lit';
import { shortTime } from './format.js';
import type { FoundBar, FoundLane, FoundMark, FoundMarkKind } from './found-lane-model.js';
import type { FoundRowsDrawing } from './timeline-view.js';

/** Height of one found row: the bar, then the request ticks under it. */
export const FOUND_ROW_H = 22;
const BAR_H = 10;

const MARK_GLYPH: Record<FoundMarkKind, string> = {
  'new-value': 'M0,-4.5 L4.5,0 L0,4.5 L-4.5,0 Z',
  sent: 'M0,-3.5 L3.5,3 L-3.5,3 Z',
  received: 'M0,3.5 L3.5,-3 L-3.5,-3 Z',
};

/** "found access token, 12:00:00 – 13:00:00 (stored)"; replaced: "…, replaced 12:30:00"; merged: "found id token ×3, …". */
export function foundBarLabel(b: FoundBar): string {
  const name = `found ${b.kind} token${b.count > 1 ? ` ×${b.count}` : ''}`;
  const until = b.expires === null ? `${shortTime(b.end)} (no expiry)` : shortTime(b.expires);
  const state = b.replacedAt !== null ? `, replaced ${shortTime(b.replacedAt)}` : b.present ? ' (stored)' : '';
  return `${name}, ${shortTime(b.start)} – ${until}${state}`;
}

/** "new access token value at 12:00:05", "sent in GET /v1/me at 12:00:06", "brought by POST /token ×3, 12:00 – 12:05". */
export function foundMarkLabel(m: FoundMark, kind: string): string {
  const what = m.kind === 'new-value' ? `new ${kind} token value` : `${m.kind === 'sent' ? 'sent in' : 'brought by'} ${m.request ?? 'a request'}`;
  return m.count > 1 ? `${what} ×${m.count}, ${shortTime(m.at)} – ${shortTime(m.lastAt)}` : `${what} at ${shortTime(m.at)}`;
}

export interface FoundItem {
  readonly key: string;
  readonly at: number;
  readonly label: string;
  readonly token: string;
}

/**
 * The drawn items of the lane in time order (for keyboard moves), with keys the drawing marks as focused. A key holds
 * the item's token too: two values of one row may share a start (iat in whole seconds, a request that brought two).
 */
export function foundItems(lane: FoundLane): FoundItem[] {
  const items: FoundItem[] = [];
  for (const row of lane.rows) {
    const kind = row.key.slice(row.key.lastIndexOf('\u0000') + 1);
    for (const b of row.bars) items.push({ key: barKey(row.key, b), at: b.start, label: `${row.label}: ${foundBarLabel(b)}`, token: b.token });
    for (const m of row.marks) items.push({ key: markKey(row.key, m), at: m.at, label: `${row.label}: ${foundMarkLabel(m, kind)}`, token: m.token });
  }
  return items;
}

const barKey = (row: string, b: FoundBar): string => `${row}\u0000bar\u0000${b.start}\u0000${b.token}`;
const markKey = (row: string, m: FoundMark): string => `${row}\u0000${m.kind}\u0000${m.at}\u0000${m.token}`;

/** The timeline's drawing of the rows, and what a click on an item does (selects its token's entry in the list). */
export interface FoundDrawing extends FoundRowsDrawing {
  readonly select: (token: string) => void;
}

export function foundRows(lane: FoundLane, d: FoundDrawing): TemplateResult[] {
  const byKey = new Map(foundItems(lane).map((i) => [i.key, i]));
  return lane.rows.map((row, r) => {
    const y = d.top + r * FOUND_ROW_H;
    return svg`<g class="found-row" part="timeline-found" aria-label=${`Found on this page: ${row.label}`} role="group">
      <line class="lane" x1="0" x2=${d.width} y1=${y + BAR_H + 6} y2=${y + BAR_H + 6}></line>
      ${row.bars.map((b) => {
        const item = byKey.get(barKey(row.key, b))!;
        const x0 = d.x(b.start);
        const x1 = Math.max(x0 + 2, d.x(b.end));
        const past = Math.max(0, Math.min(x1, d.nowX) - x0);
        return svg`<g class="bar found ${b.kind}${item.key === d.focused ? ' focused' : ''}" part="timeline-found-token" role="img" aria-label=${item.label}
            @mouseenter=${() => d.hover(item.label)} @click=${() => d.select(b.token)}>
          <title>${item.label}</title>
          <rect class="ahead" x=${x0} y=${y} width=${x1 - x0} height=${BAR_H} rx="2"></rect>
          ${past > 0 ? svg`<rect class="held" x=${x0} y=${y} width=${past} height=${BAR_H} rx="2"></rect>` : nothing}
        </g>`;
      })}
      ${row.marks.map((m) => {
        const item = byKey.get(markKey(row.key, m))!;
        const my = m.kind === 'new-value' ? y + BAR_H / 2 : y + BAR_H + 6;
        return svg`<g class="mark found-${m.kind}${item.key === d.focused ? ' focused' : ''}" part="timeline-found-mark" role="img" aria-label=${item.label}
            transform="translate(${d.x(m.at)},${my})" @mouseenter=${() => d.hover(item.label)} @click=${() => d.select(m.token)}>
          <title>${item.label}</title>
          <rect class="hit" x="-5" y="-6" width="10" height="12"></rect>
          <path d=${MARK_GLYPH[m.kind]}></path>
          ${m.count > 1 && m.kind !== 'new-value' ? svg`<text class="count" x="4" y="4">${m.count}</text>` : nothing}
        </g>`;
      })}
      <text class="row-label" x="3" y=${y + BAR_H - 1.5}>${row.label}</text>
    </g>`;
  });
}
