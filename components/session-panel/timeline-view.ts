/*
 * The timeline (part="timeline"): the session's life drawn as SVG over the TimelineModel kept with each log. Tokens
 * are bars in two lanes (customer above, anonymous below, coloured apart), refreshes, identity changes and failures
 * are marks in a lane of their own, and a line shows "now". Only what the zoom's range holds is drawn, downsampled by
 * the model to a few items per pixel column, so 100,000 log rows draw as fast as 100. Every bar and mark has a text
 * equivalent (aria-label and a <title> tooltip) in the spec's words; hovering names it in the caption too, and a
 * click selects its log row. Tokens found on the page without our core get rows of their own under the marks, also
 * on a page with no core session at all (then only those rows are drawn): the discovery view draws them
 * (discovery-view.ts, timeline-found-view.ts) through FoundTimeline, so this file imports none of its code.
 */
import { html, svg, nothing, type LitElement, type ReactiveController, type TemplateResult } from 'lit';
import type { PanelLogEntry } from './log-store.js';
import type { LogStore } from './log-store.js';
import { shortTime } from './format.js';
import { SizeWatch } from './size-watch.js';
import { ZOOMS, zoomRange, type MarkKind, type ViewBar, type ViewMark, type Zoom } from './timeline-model.js';

/** Lanes: customer tokens, anonymous tokens, marks; then the time axis. */
const LANE = { client: 8, anonymous_client: 28, marks: 52, axis: 78 } as const;
const BAR_H = 14;
const FALLBACK_WIDTH = 600;
/** One glyph per mark kind, so kinds are told apart without colour too. */
const GLYPH: Record<MarkKind, string> = {
  refresh: 'M0,-5 L5,0 L0,5 L-5,0 Z',
  regenerate: 'M-4,-4 L4,-4 L4,4 L-4,4 Z',
  destroy: 'M-5,-5 L5,5 M5,-5 L-5,5',
  'sign-in': 'M0,-6 L5,4 L-5,4 Z',
  'sign-out': 'M0,6 L5,-4 L-5,-4 Z',
  failure: 'M-1.5,-6 L1.5,-6 L1.5,2 L-1.5,2 Z M-1.5,4 L1.5,4 L1.5,7 L-1.5,7 Z',
};

export interface TimelineViewOptions {
  /** Selects a row in the log (and scrolls it into view). */
  readonly select: (entry: PanelLogEntry) => void;
}

/** The text equivalent of a bar: "customer token, 12:00:00 – 13:00:00" (merged: "anonymous token ×12, …"). */
export function barLabel(b: ViewBar): string {
  const name = b.realm === 'client' ? 'customer token' : 'anonymous token';
  return `${name}${b.count > 1 ? ` ×${b.count}` : ''}, ${shortTime(b.start)} – ${shortTime(b.end)}${b.current ? ' (current)' : ''}`;
}

/** The text equivalent of a mark: "refresh at 12:00:05" (merged: "refresh ×4, 12:00:05 – 12:00:09"). */
export function markLabel(m: ViewMark): string {
  return m.count > 1 ? `${m.kind} ×${m.count}, ${shortTime(m.at)} – ${shortTime(m.lastAt)}` : `${m.kind} at ${shortTime(m.at)}`;
}

/** One drawn item in time order, for keyboard moves: Enter opens it (its log row, or its found token's entry). */
interface Item {
  readonly at: number;
  readonly label: string;
  /** What the drawing compares to mark the focused item: the log row, or a found item's key. */
  readonly key: unknown;
  readonly open: () => void;
}

/**
 * Found tokens to draw, from the discovery view (discovery-view.ts): rows under the core lanes, on the local clock
 * (what found tokens are judged on).
 */
export interface FoundTimeline {
  /** The earliest time any row starts at (the "all" zoom starts there), or null. */
  readonly first: number | null;
  /**
   * What to add to a found token's times (the local clock's) to draw them on this timeline's clock: the core
   * session's clock may be shifted (session.debug), and its lanes and "now" are drawn on it. 0 without a session.
   */
  readonly shift: number;
  /** What to draw for [start, end] (the local clock) on `width` pixel columns; null when there are no rows. */
  view(start: number, end: number, width: number): FoundTimelineView | null;
}

/** The found rows viewed for one range and width. */
export interface FoundTimelineView {
  /** Height of the drawn rows, px. */
  readonly height: number;
  /** Rows not drawn (past the most drawn), counted in a note. */
  readonly hidden: number;
  /** No bar or mark in the range. */
  readonly empty: boolean;
  /** The drawn items (in any order; keys as the drawing marks the focused one), and what Enter on each opens. */
  readonly items: readonly { readonly key: string; readonly at: number; readonly label: string; readonly open: () => void }[];
  draw(drawing: FoundRowsDrawing): TemplateResult[];
}

/** Where and how the found rows are drawn in this timeline's picture. */
export interface FoundRowsDrawing {
  readonly x: (t: number) => number;
  readonly nowX: number;
  readonly width: number;
  /** y of the first row's top. */
  readonly top: number;
  /** The key of the item the arrow keys are on, if it is a found one. */
  readonly focused: string | undefined;
  readonly hover: (label: string) => void;
}

export class TimelineView implements ReactiveController {
  zoom: Zoom = '1 h';
  #hover = '';
  /** The items of the last drawing in time order, and the one the arrow keys are on (-1: none). */
  #items: Item[] = [];
  #focus = -1;
  readonly #size: SizeWatch;

  constructor(
    private readonly host: LitElement,
    private readonly options: TimelineViewOptions,
  ) {
    this.#size = new SizeWatch(host);
    host.addController(this);
  }

  hostUpdated(): void {
    this.#size.watch(this.host.renderRoot.querySelector('.timeline svg'));
  }

  hostDisconnected(): void {
    this.#size.stop();
  }

  /** `store` null: no core session (only found tokens are drawn). */
  render(store: LogStore | null, now: number, found?: FoundTimeline): TemplateResult {
    // The width the picture was last laid out at (no forced layout here); drawn for it, re-drawn when it changes.
    const width = Math.max(120, this.#size.width || FALLBACK_WIDTH);
    const shift = found?.shift ?? 0;
    const firsts = [store?.timeline.first ?? null, found?.first != null ? found.first + shift : null].filter((t): t is number => t !== null);
    const { start, end } = zoomRange({ first: firsts.length ? Math.min(...firsts) : null }, this.zoom, now);
    const view = store ? store.timeline.view(start, end, width) : { bars: [], marks: [] };
    const lane = found ? found.view(start - shift, end - shift, width) : null;
    const foundTop = store ? LANE.marks + 14 : 8;
    const axis = lane ? foundTop + lane.height + 10 : store ? LANE.axis : foundTop + 10;
    const height = axis + 6;
    const x = (t: number): number => ((Math.min(Math.max(t, start), end) - start) / (end - start)) * width;
    const nowX = x(now);
    const ticks = [0, 0.25, 0.5, 0.75].map((f) => start + (now - start) * f);
    const select = this.options.select;
    this.#items = [
      ...view.bars.map((b): Item => ({ at: b.start, label: barLabel(b), key: b.entry, open: () => select(b.entry) })),
      ...view.marks.map((m): Item => ({ at: m.at, label: markLabel(m), key: m.entry, open: () => select(m.entry) })),
      ...(lane ? lane.items.map((i): Item => ({ at: i.at + shift, label: i.label, key: i.key, open: i.open })) : []),
    ].sort((a, b) => a.at - b.at);
    if (this.#focus >= this.#items.length) this.#focus = this.#items.length - 1;
    const focused = this.#items[this.#focus]?.key;
    return html`<section class="timeline" part="timeline" aria-labelledby="h-timeline">
      <div class="timeline-head">
        <h3 id="h-timeline">Timeline</h3>
        <span class="legend">${store ? html`<i class="sw client"></i>customer token <i class="sw anonymous_client"></i>anonymous token` : nothing}${lane
            ? html` <i class="sw found"></i>found token`
            : nothing}</span>
        <span class="muted hover" id="timeline-hover" data-field="timeline-hover">${this.#hover}</span>
        <span class="zoom" role="group" aria-label="Zoom">
          ${(Object.keys(ZOOMS) as Zoom[]).map(
            (z) => html`<button class="small" aria-pressed=${z === this.zoom} @click=${() => this.#setZoom(z)}>${z === 'all' ? 'All' : `Last ${z}`}</button>`,
          )}
        </span>
      </div>
      <svg viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" height=${height} style="height: ${height}px" role="group" tabindex="0"
        aria-label="Session timeline, ${shortTime(start)} to ${shortTime(end)}. Arrow keys move between its items, Enter opens an item's log row${lane ? ' or found token' : ''}."
        aria-describedby="timeline-hover" @mouseleave=${() => this.#setHover('')} @keydown=${this.#onKey}>
        ${store ? svg`<line class="lane" x1="0" x2=${width} y1=${LANE.marks} y2=${LANE.marks}></line>` : nothing}
        ${ticks.map((t) => svg`<line class="tick" x1=${x(t)} x2=${x(t)} y1="0" y2=${axis - 8}></line><text class="axis" x=${x(t) + 3} y=${axis}>${shortTime(t)}</text>`)}
        ${view.bars.map((b) => this.#bar(b, x, nowX, b.entry === focused))}
        ${view.marks.map((m) => this.#mark(m, x, m.entry === focused))}
        ${lane ? lane.draw({ x: (t) => x(t + shift), nowX, width, top: foundTop, focused: typeof focused === 'string' ? focused : undefined, hover: (label) => this.#setHover(label) }) : nothing}
        <line class="now" x1=${nowX} x2=${nowX} y1="0" y2=${axis - 8}></line>
        <text class="axis now-label" x=${Math.max(0, nowX - 26)} y=${axis}>now</text>
      </svg>
      ${lane && lane.hidden > 0 ? html`<p class="note">And ${lane.hidden} more found ${lane.hidden === 1 ? 'row' : 'rows'}: every token is in the list below.</p>` : nothing}
      ${view.bars.length === 0 && view.marks.length === 0 && (!lane || lane.empty) ? html`<p class="note">Nothing in this range yet.</p>` : nothing}
    </section>`;
  }

  #bar(b: ViewBar, x: (t: number) => number, nowX: number, focused: boolean): TemplateResult {
    const x0 = x(b.start);
    const x1 = Math.max(x0 + 2, x(b.end));
    const label = barLabel(b);
    // The part still ahead of "now" (time the token has left) is drawn lighter.
    const past = Math.max(0, Math.min(x1, nowX) - x0);
    return svg`<g class="bar ${b.realm}${focused ? ' focused' : ''}" part="timeline-token" role="img" aria-label=${label}
        @mouseenter=${() => this.#setHover(label)} @click=${() => this.options.select(b.entry)}>
      <title>${label}</title>
      <rect class="ahead" x=${x0} y=${LANE[b.realm]} width=${x1 - x0} height=${BAR_H} rx="2"></rect>
      ${past > 0 ? svg`<rect class="held" x=${x0} y=${LANE[b.realm]} width=${past} height=${BAR_H} rx="2"></rect>` : nothing}
    </g>`;
  }

  #mark(m: ViewMark, x: (t: number) => number, focused: boolean): TemplateResult {
    const label = markLabel(m);
    return svg`<g class="mark ${m.kind}${focused ? ' focused' : ''}" part="timeline-mark" role="img" aria-label=${label} transform="translate(${x(m.at)},${LANE.marks})"
        @mouseenter=${() => this.#setHover(label)} @click=${() => this.options.select(m.entry)}>
      <title>${label}</title>
      <rect class="hit" x="-6" y="-8" width="12" height="16"></rect>
      <path d=${GLYPH[m.kind]}></path>
      ${m.count > 1 ? svg`<text class="count" x="6" y="-4">${m.count}</text>` : nothing}
    </g>`;
  }

  /** Arrow keys walk the drawn items in time order (naming each in the caption); Enter or Space opens its row. */
  #onKey = (e: KeyboardEvent): void => {
    const n = this.#items.length;
    if (n === 0) return;
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft' || e.key === 'Home' || e.key === 'End') {
      const next = e.key === 'Home' ? 0 : e.key === 'End' ? n - 1 : this.#focus < 0 ? (e.key === 'ArrowRight' ? 0 : n - 1) : this.#focus + (e.key === 'ArrowRight' ? 1 : -1);
      this.#focus = Math.min(n - 1, Math.max(0, next));
      this.#setHover(this.#items[this.#focus]!.label);
      this.host.requestUpdate();
    } else if ((e.key === 'Enter' || e.key === ' ') && this.#focus >= 0) {
      this.#items[this.#focus]!.open();
    } else return;
    e.preventDefault();
  };

  #setZoom(z: Zoom): void {
    this.zoom = z;
    this.host.requestUpdate();
  }

  #setHover(text: string): void {
    if (text === this.#hover) return;
    this.#hover = text;
    this.host.requestUpdate();
  }
}
