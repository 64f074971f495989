/*
 * The operation log section: a windowed list over the session's LogStore (a ring buffer of up to `log-limit`
 * rows, 100,000 by default), with filter, Pause/Resume, Clear and Export.
 *
 * The window is hand-written on purpose: @lit-labs/virtualizer measured +8.7 KB min+gzip on dist/session-panel.js,
 * nearly all of our 10 KB budget above Lit (which the panel already overshoots), for rows that never change height.
 * With one fixed row height a window takes a few lines: a spacer as tall as all the rows gives the scrollbar its
 * length, and only the rows in view (plus two) are rendered, shifted down to where they sit. DOM size and render
 * cost stay the same with 10 rows or 100,000.
 */
import { html, nothing, type LitElement, type ReactiveController, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { BindingController } from './binding-controller.js';
import { SessionExportEvent } from './events.js';
import { focusAfterUpdate } from './focus.js';
import { clockTime, dateTime, duration } from './format.js';
import { downloadLogExport } from './log-export.js';
import { relativeStamp, type LogKindFilter, type LogStore, type PanelLogEntry } from './log-store.js';
import { stateAfter } from './log-state.js';
import { SizeWatch } from './size-watch.js';
import { formatBytes } from './retention.js';
import type { SessionSnapshot } from '../../src/core/types.js';

/** Height of one row in px: must equal `--_row` in session-panel.styles.ts, which lays the rows out. */
const ROW_HEIGHT = 20;
/** Height of the list before it has been laid out once: the default of --session-panel-log-height. */
const FALLBACK_HEIGHT = 220;
/**
 * Rows are keyed by identity: when the list follows new rows, one row is added and one dropped instead of every
 * visible row being rewritten (a tall DevTools pane shows 30 and more).
 */
const rowIds = new WeakMap<PanelLogEntry, number>();
let nextRowId = 0;
const rowId = (e: PanelLogEntry): number => {
  let id = rowIds.get(e);
  if (id === undefined) rowIds.set(e, (id = ++nextRowId));
  return id;
};

export const KINDS: readonly LogKindFilter[] = ['', 'operation', 'event', 'error', 'request', 'storage', 'connection'];
/** How each row's time reads: `+mm:ss.SSS` from the first row, or the session clock's time of day. */
export type TimeMode = 'relative' | 'wall';

export interface LogViewOptions {
  readonly binding: BindingController;
  /** The log export as JSON (what the element's public exportLog() returns), stamped `at`. */
  readonly exportJson: (includeTokens: boolean, at: number) => string;
  /** The session's clock now, for the export's file name (the same instant as the export's `exportedAt`). */
  readonly now: () => number;
  /** Clears the session's own log as well as the panel's copy. */
  readonly clearSessionLog: () => void;
}

/**
 * Owns the log's view state: filter text and kind, "include tokens", the first row in view, and whether the list
 * follows new rows. It follows (stays scrolled to the newest row) until the user scrolls up, and again once they
 * scroll back to the bottom or change the filter. Listeners are arrows: Lit calls them with the host as `this`.
 */
export class LogView implements ReactiveController {
  #text = '';
  #kind: LogKindFilter = '';
  #includeTokens = false;
  timeMode: TimeMode = 'relative';
  /** Scroll the open row into view after the next render (it was selected from the timeline). */
  #reveal = false;
  #firstRow = 0;
  #follow = true;
  /** The row opened in full below the list (rows are cut to one line), and the session it belongs to. */
  #open: { readonly sessionId: string; readonly entry: PanelLogEntry } | null = null;

  /** Rows in the list at the last render, and the follow scroll last asked for (skipped when nothing moved). */
  #rendered = 0;
  #followed: { readonly view: HTMLElement; readonly key: string } | null = null;
  #scrollTarget: { readonly view: HTMLElement; readonly top: number } | null = null;
  #frame: number | undefined;
  /** Where the last follow scroll put the list: its scroll event is ours, not the user scrolling up. */
  #ownTop = -1;

  /** The list's laid-out height, kept by a ResizeObserver (a render must not force a layout to read it). */
  readonly #size: SizeWatch;

  constructor(
    private readonly host: LitElement,
    private readonly options: LogViewOptions,
  ) {
    this.#size = new SizeWatch(host);
    host.addController(this);
  }

  hostDisconnected(): void {
    this.#size.stop();
    if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
    this.#frame = undefined;
    this.#followed = null;
  }

  /** As last laid out; before the first layout (or without ResizeObserver) the default height, never a layout read. */
  #height(): number {
    return this.#size.height || FALLBACK_HEIGHT;
  }

  /**
   * After each render: keep the newest row in view while following. Reading scrollHeight or writing scrollTop here
   * would lay the whole panel out on the spot, once per render (a page change brings several updates in one
   * frame): that forced layout was most of the panel's time per update (docs/benchmarks.md, "Page change → DOM").
   * So the list's height is known from its row count, the scroll is written only when that target moved, and in
   * the next animation frame, where the browser lays out for painting anyway.
   */
  hostUpdated(): void {
    const view = this.#view();
    this.#size.watch(view);
    if (view && this.#reveal) {
      this.#reveal = false;
      this.#followed = null;
      const top = this.#firstRow * ROW_HEIGHT;
      if (Math.abs(view.scrollTop - top) > 1) view.scrollTop = top;
      return;
    }
    if (!view || !this.#follow) {
      this.#followed = null;
      return;
    }
    // Past the end on purpose: the browser clamps it to the bottom, whatever the list's laid-out height.
    const bottom = this.#rendered * ROW_HEIGHT;
    const key = `${bottom}:${this.#size.height}`;
    if (this.#followed?.view === view && this.#followed.key === key) return;
    this.#followed = { view, key };
    this.#scrollSoon(view, bottom);
  }

  /** The list's scroll to `top`, in the next frame (at once where there are no frames, as in some test DOMs). */
  #scrollSoon(view: HTMLElement, top: number): void {
    if (typeof requestAnimationFrame !== 'function') {
      view.scrollTop = top;
      return;
    }
    this.#scrollTarget = { view, top };
    if (this.#frame !== undefined) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = undefined;
      const target = this.#scrollTarget;
      this.#scrollTarget = null;
      if (!target || !this.#follow || !target.view.isConnected) return;
      target.view.scrollTop = target.top;
      this.#ownTop = target.view.scrollTop; // where the browser clamped it (laid out by the write just made)
    });
  }

  get filterText(): string {
    return this.#text;
  }
  get filterKind(): LogKindFilter {
    return this.#kind;
  }
  get includeTokens(): boolean {
    return this.#includeTokens;
  }

  /** The log's controls, for the toolbar: filter, kind, pause, clear, export (and include tokens). */
  tools(sessionId: string): TemplateResult {
    const { binding } = this.options;
    const held = binding.held.get(sessionId)?.length ?? 0;
    return html`<input type="search" aria-label="Filter log" placeholder="Filter" .value=${this.#text}
        @input=${(e: Event) => this.#filter((e.target as HTMLInputElement).value, this.#kind)} />
      <select aria-label="Kind" @change=${(e: Event) => this.#filter(this.#text, (e.target as HTMLSelectElement).value as LogKindFilter)}>
        ${KINDS.map((k) => html`<option value=${k} ?selected=${k === this.#kind}>${k || 'all kinds'}</option>`)}
      </select>
      <button aria-pressed=${binding.paused} @click=${() => binding.setPaused(!binding.paused)}>${binding.paused ? `Resume${held ? ` (${held} new)` : ''}` : 'Pause'}</button>
      <button @click=${() => this.#clear(sessionId)}>Clear</button>`;
  }

  /** Export and its "include tokens" choice, kept together so the checkbox reads as the export's option. */
  exportTools(): TemplateResult {
    return html`<span class="export-group"><button @click=${this.#export}>Export JSON</button><label class="check"><input type="checkbox" .checked=${this.#includeTokens} @change=${this.#onIncludeTokens} /><span>include tokens</span></label></span>`;
  }

  /** Opens `entry` in full and scrolls the list to it (a click on the timeline). */
  select(sessionId: string, store: LogStore, entry: PanelLogEntry): void {
    let index = store.indexOf(entry);
    if (index < 0 && (this.#text || this.#kind)) {
      this.#filter('', '');
      index = store.indexOf(entry);
    }
    this.#open = { sessionId, entry };
    if (index >= 0) {
      const visible = Math.ceil(this.#height() / ROW_HEIGHT);
      this.#firstRow = Math.max(0, index - Math.floor(visible / 2));
      this.#follow = false;
      this.#reveal = true;
    }
    this.host.requestUpdate();
  }

  #stamp(at: number, origin: number): string {
    return this.timeMode === 'wall' ? clockTime(at) : relativeStamp(at, origin);
  }

  /** The list (windowed) and the selected row in full, with the session's state after it. */
  render(sessionId: string, store: LogStore, snapshot: SessionSnapshot | undefined): TemplateResult {
    const total = store.length;
    this.#rendered = total;
    // The rows that fit in the list as last laid out, plus two for rows cut at its edges.
    const visible = Math.ceil(this.#height() / ROW_HEIGHT) + 2;
    const first = this.#follow ? Math.max(0, total - visible) : Math.min(this.#firstRow, Math.max(0, total - visible));
    const origin = store.origin ?? 0;
    const rows: PanelLogEntry[] = [];
    for (let i = first; i < Math.min(total, first + visible); i++) rows.push(store.at(i)!);
    const open = this.#open?.sessionId === sessionId ? this.#open.entry : null;
    const retained = this.options.binding.retainedBytes();
    return html`<section part="log" aria-labelledby="h-log" class="log" data-retained-bytes=${retained}>
      <h3 id="h-log">Operation log <span class="count" data-field="log-count">${total}${total !== store.size ? ` of ${store.size}` : ''} entries</span>${store.letGo
        ? html` <span class="count" data-field="log-let-go" title=${`${formatBytes(retained)} kept by this panel in all`}>· ${store.letGo} older ${store.letGo === 1 ? 'entry' : 'entries'} (${formatBytes(store.letGoBytes)}) let go to stay within the panel's bounds (${store.limit} rows or ${formatBytes(store.byteLimit)} per session, ${formatBytes(this.options.binding.limits.panel)} in all)</span>`
        : nothing}</h3>
      <div class="log-view" tabindex="0" role="region" aria-label="Log entries" @scroll=${this.#onScroll}>
        ${total === 0
          ? html`<div class="log-empty">${store.size ? 'No entry matches the filter.' : 'No entries yet.'}</div>`
          : html`<div style="height:${total * ROW_HEIGHT}px"></div>
              <ol style="transform:translateY(${first * ROW_HEIGHT}px)">
                ${repeat(rows, rowId, (e) => {
                  // The core's wording (log-format.ts) already names a failure's kind and code: shown once, as is.
                  // The message is a button (click, Enter or Space) that opens the row in full below the list.
                  // Failures look alike whatever made them: a failed operation or request, or an error entry.
                  const failed = e.outcome === 'error' || e.kind === 'error';
                  return html`<li part="log-entry" class="${failed ? 'o-error' : e.outcome ? `o-${e.outcome}` : ''}${e === open ? ' selected' : ''}" title=${e.message}>
                    <span class="t">${this.#stamp(e.at, origin)}</span><span class="k">${e.kind}</span><button class="m" type="button"
                      aria-expanded=${e === open} aria-controls=${e === open ? 'log-detail' : nothing} @click=${() => this.#toggle(sessionId, e)}>${e.message}</button><span class="d">${e.durationMs === undefined ? '' : duration(e.durationMs)}</span>
                  </li>`;
                })}
              </ol>`}
      </div>
      ${open ? this.#detail(store, open, origin, snapshot) : nothing}
    </section>`;
  }

  #detail(store: LogStore, open: PanelLogEntry, origin: number, snapshot: SessionSnapshot | undefined): TemplateResult {
    const all = [...store.all()];
    const state = stateAfter(all, all.indexOf(open), snapshot);
    const mark = (field: 'uuid' | 'token' | 'login'): string => (state.changed.includes(field) ? 'changed' : '');
    const token = state.token === undefined ? 'not in the log' : state.token === null ? 'none' : `${state.token.rlm === 'client' ? 'customer' : 'anonymous'} token until ${dateTime(state.token.expiresAt)}`;
    const login = state.login === undefined ? 'not in the log' : state.login === null ? 'anonymous' : state.login;
    return html`<div class="log-detail" id="log-detail" data-field="log-detail" role="region" aria-label="Log entry in full">
      <div class="row">
        <span class="muted">${relativeStamp(open.at, origin)} · ${clockTime(open.at)} · ${open.kind}${open.durationMs === undefined ? '' : ` · ${duration(open.durationMs)}`}</span>
        <button class="small" @click=${this.#close}>Close</button>
      </div>
      <p class=${open.outcome === 'error' || open.kind === 'error' ? 'error' : ''}>${open.message}</p>
      <dl class="state-after" data-field="state-after" aria-label="Session state after this entry">
        <dt>After this entry</dt> <dd>${state.changed.length ? html`changed: <strong>${state.changed.map((f) => (f === 'login' ? 'login' : f === 'uuid' ? 'UUID' : 'token')).join(', ')}</strong>` : 'nothing changed'}</dd>
        <dt>UUID</dt> <dd class="value ${mark('uuid')}">${state.uuid ?? 'not in the log'}</dd>
        <dt>Token</dt> <dd class=${mark('token')}>${token}</dd>
        <dt>Customer</dt> <dd class=${mark('login')}>${login}</dd>
      </dl>
    </div>`;
  }

  /** Switches the time column between `+mm:ss.SSS` and the session clock's time of day. */
  setTimeMode(mode: TimeMode): void {
    this.timeMode = mode;
    this.host.requestUpdate();
  }

  #toggle(sessionId: string, entry: PanelLogEntry): void {
    this.#open = this.#open?.entry === entry ? null : { sessionId, entry };
    this.host.requestUpdate();
  }

  /** Closes the row shown in full; focus goes back to the list (the row itself may have scrolled out of it). */
  #close = (): void => {
    this.#open = null;
    this.host.requestUpdate();
    focusAfterUpdate(this.host, '.log-view');
  };

  #view(): HTMLElement | null {
    return this.host.renderRoot.querySelector<HTMLElement>('.log-view');
  }

  /** Applies the filter to every session log, also those made later, and follows the newest match. */
  #filter(text: string, kind: LogKindFilter): void {
    this.#text = text;
    this.#kind = kind;
    this.options.binding.setFilter(text, kind);
    this.#follow = true;
    this.host.requestUpdate();
  }

  #clear(sessionId: string): void {
    const { binding } = this.options;
    binding.log(sessionId).clear();
    binding.held.delete(sessionId);
    binding.changed(sessionId); // a second panel on the tab must not get back what was cleared here
    this.#open = null;
    // The session's own log too, so a viewer attaching later does not replay what was cleared here.
    this.options.clearSessionLog();
    this.#firstRow = 0;
    this.host.requestUpdate();
  }

  #onIncludeTokens = (e: Event): void => {
    this.#includeTokens = (e.target as HTMLInputElement).checked;
    this.host.requestUpdate();
  };

  /** Cancelable `session-export` first: a page that handles the JSON itself stops the download. */
  #export = (): void => {
    const redacted = !this.#includeTokens;
    const at = this.options.now();
    const json = this.options.exportJson(!redacted, at);
    if (!this.host.dispatchEvent(new SessionExportEvent(json, redacted))) return;
    downloadLogExport(json, at, this.host.renderRoot);
  };

  #onScroll = (event: Event): void => {
    const view = event.currentTarget as HTMLElement;
    // Our own follow scroll, dispatched a frame later: rows added meanwhile must not read as the user scrolling up.
    if (this.#follow && view.scrollTop === this.#ownTop) return;
    this.#follow = view.scrollTop + view.clientHeight >= view.scrollHeight - ROW_HEIGHT;
    const first = Math.floor(view.scrollTop / ROW_HEIGHT);
    if (first !== this.#firstRow) {
      this.#firstRow = first;
      this.host.requestUpdate();
    }
  };
}
