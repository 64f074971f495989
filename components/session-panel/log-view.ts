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
import type { BindingController } from './binding-controller.js';
import { SessionExportEvent } from './events.js';
import { focusAfterUpdate } from './focus.js';
import { duration } from './format.js';
import { downloadLogExport } from './log-export.js';
import { relativeStamp, type LogKindFilter, type PanelLogEntry } from './log-store.js';

/** Height of one row in px: must equal `--_row` in session-panel.styles.ts, which lays the rows out. */
const ROW_HEIGHT = 22;
/** Height of the list before it has been laid out once: the default of --session-panel-log-height. */
const FALLBACK_HEIGHT = 220;
const KINDS: readonly LogKindFilter[] = ['', 'operation', 'event', 'error', 'request', 'storage', 'connection'];

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
  #firstRow = 0;
  #follow = true;
  /** The row opened in full below the list (rows are cut to one line), and the session it belongs to. */
  #open: { readonly sessionId: string; readonly entry: PanelLogEntry } | null = null;

  constructor(
    private readonly host: LitElement,
    private readonly options: LogViewOptions,
  ) {
    host.addController(this);
  }

  /** After each render: keep the newest row in view while following. */
  hostUpdated(): void {
    const view = this.#view();
    if (view && this.#follow) {
      const bottom = view.scrollHeight - view.clientHeight;
      if (bottom > 0 && Math.abs(view.scrollTop - bottom) > 1) view.scrollTop = bottom;
    }
  }

  render(sessionId: string): TemplateResult {
    const { binding } = this.options;
    const store = binding.log(sessionId);
    const total = store.length;
    const held = binding.held.get(sessionId)?.length ?? 0;
    // The rows that fit in the list as last laid out, plus two for rows cut at its edges.
    const visible = Math.ceil((this.#view()?.clientHeight || FALLBACK_HEIGHT) / ROW_HEIGHT) + 2;
    const first = this.#follow ? Math.max(0, total - visible) : Math.min(this.#firstRow, Math.max(0, total - visible));
    const origin = store.origin ?? 0;
    const rows: PanelLogEntry[] = [];
    for (let i = first; i < Math.min(total, first + visible); i++) rows.push(store.at(i)!);
    const open = this.#open?.sessionId === sessionId ? this.#open.entry : null;
    return html`<section part="log" aria-labelledby="h-log" class="wide">
      <h3 id="h-log">Operation log <span class="count" data-field="log-count">${total}${total !== store.size ? ` of ${store.size}` : ''} entries</span></h3>
      <div class="log-tools">
        <input type="search" aria-label="Filter log" placeholder="filter" .value=${this.#text}
          @input=${(e: Event) => this.#filter((e.target as HTMLInputElement).value, this.#kind)} />
        <select aria-label="Kind" @change=${(e: Event) => this.#filter(this.#text, (e.target as HTMLSelectElement).value as LogKindFilter)}>
          ${KINDS.map((k) => html`<option value=${k} ?selected=${k === this.#kind}>${k || 'all kinds'}</option>`)}
        </select>
        <button aria-pressed=${binding.paused} @click=${() => binding.setPaused(!binding.paused)}>${binding.paused ? `Resume${held ? ` (${held} new)` : ''}` : 'Pause'}</button>
        <button @click=${() => this.#clear(sessionId)}>Clear</button>
        <button @click=${this.#export}>Export JSON</button>
        <label><input type="checkbox" .checked=${this.#includeTokens} @change=${this.#onIncludeTokens} /> include tokens</label>
      </div>
      <div class="log-view" tabindex="0" role="region" aria-label="Log entries" @scroll=${this.#onScroll}>
        ${total === 0
          ? html`<div class="log-empty">${store.size ? 'No entry matches the filter.' : 'No entries yet.'}</div>`
          : html`<div style="height:${total * ROW_HEIGHT}px"></div>
              <ol style="transform:translateY(${first * ROW_HEIGHT}px)">
                ${rows.map((e) => {
                  // The core's wording (log-format.ts) already names a failure's kind and code: shown once, as is.
                  // The message is a button (click, Enter or Space) that opens the row in full below the list.
                  return html`<li class=${e.outcome ? `o-${e.outcome}` : ''} title=${e.message}>
                    <span class="t">${relativeStamp(e.at, origin)}</span><span class="k">${e.kind}</span><button class="m" type="button"
                      aria-expanded=${e === open} aria-controls=${e === open ? 'log-detail' : nothing} @click=${() => this.#toggle(sessionId, e)}>${e.message}</button><span class="d">${e.durationMs === undefined ? '' : duration(e.durationMs)}</span>
                  </li>`;
                })}
              </ol>`}
      </div>
      ${open
        ? html`<div class="log-detail" id="log-detail" data-field="log-detail" role="region" aria-label="Log entry in full">
            <div class="row">
              <span class="muted">${relativeStamp(open.at, origin)} · ${open.kind}${open.durationMs === undefined ? '' : ` · ${duration(open.durationMs)}`}</span>
              <button class="small" @click=${this.#close}>Close</button>
            </div>
            <p class=${open.outcome === 'error' ? 'error' : ''}>${open.message}</p>
          </div>`
        : nothing}
    </section>`;
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
    this.#follow = view.scrollTop + view.clientHeight >= view.scrollHeight - ROW_HEIGHT;
    const first = Math.floor(view.scrollTop / ROW_HEIGHT);
    if (first !== this.#firstRow) {
      this.#firstRow = first;
      this.host.requestUpdate();
    }
  };
}
