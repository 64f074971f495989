import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';

/** The details pane's width until the splitter moves it: the stylesheet's clamp(280px, 38%, 520px). */
function defaultDetails(width: number): number {
  return Math.round(Math.min(520, Math.max(280, width * 0.38)));
}

/** Width from which the element lays itself out as a DevTools panel (spec §8); the stylesheet's container query agrees. */
export const WIDE_MIN_PX = 720;
const MIN_DETAILS = 260;
const KEY_STEP = 24;

/**
 * The element's own width, watched with a ResizeObserver (never where it runs): whether the wide, DevTools-style
 * split applies, and the details pane's width, which the splitter between the panes sets (drag, or arrow keys on
 * the focused splitter). The CSS decides the layout itself with a container query on the same width; this
 * controller re-renders on resize (the timeline draws for its width) and owns the splitter.
 */
export class LayoutController implements ReactiveController {
  wide = false;
  width = 0;
  /** Details pane width in px, once the user moved the splitter (until then the stylesheet's default). */
  #details: number | null = null;
  #observer: ResizeObserver | undefined;
  #drag: { readonly x: number; readonly width: number } | null = null;

  constructor(private readonly host: ReactiveControllerHost & HTMLElement) {
    host.addController(this);
  }

  hostConnected(): void {
    if (typeof ResizeObserver === 'function') {
      this.#observer = new ResizeObserver((entries) => this.measure(entries[0]?.contentRect.width));
      this.#observer.observe(this.host);
    }
    globalThis.addEventListener?.('resize', this.#onResize);
  }

  hostDisconnected(): void {
    this.#observer?.disconnect();
    this.#observer = undefined;
    globalThis.removeEventListener?.('resize', this.#onResize);
  }

  hostUpdated(): void {
    if (this.width === 0) this.measure();
  }

  #onResize = (): void => this.measure();

  /** Takes the element's content width (measured now when not given) and re-renders when it changed. */
  measure(width: number = this.host.clientWidth): void {
    if (!Number.isFinite(width) || width <= 0 || Math.round(width) === this.width) return;
    this.width = Math.round(width);
    this.wide = this.width >= WIDE_MIN_PX;
    this.host.requestUpdate();
  }

  style(): string {
    return this.#details === null ? '' : `--session-panel-details-width:${this.#details}px`;
  }

  /** The splitter between main pane and details, in the wide layout only. */
  splitter(): TemplateResult | typeof nothing {
    if (!this.wide) return nothing;
    const max = Math.max(MIN_DETAILS, this.width - 360);
    const now = this.#details ?? defaultDetails(this.width);
    return html`<div class="splitter" role="separator" tabindex="0" aria-orientation="vertical" aria-label="Resize details"
      aria-valuemin=${MIN_DETAILS} aria-valuemax=${max} aria-valuenow=${now}
      @pointerdown=${this.#down} @pointermove=${this.#move} @pointerup=${this.#up} @pointercancel=${this.#up} @keydown=${this.#key}></div>`;
  }

  #set(width: number): void {
    const max = Math.max(MIN_DETAILS, this.width - 360);
    this.#details = Math.round(Math.min(max, Math.max(MIN_DETAILS, width)));
    this.host.requestUpdate();
  }

  #current(): number {
    return this.#details ?? defaultDetails(this.width);
  }

  #down = (e: PointerEvent): void => {
    this.#drag = { x: e.clientX, width: this.#current() };
    (e.currentTarget as Element).setPointerCapture?.(e.pointerId);
  };

  #move = (e: PointerEvent): void => {
    if (this.#drag) this.#set(this.#drag.width + (this.#drag.x - e.clientX)); // dragging left widens the details
  };

  #up = (): void => {
    this.#drag = null;
  };

  #key = (e: KeyboardEvent): void => {
    if (e.key === 'ArrowLeft') this.#set(this.#current() + KEY_STEP);
    else if (e.key === 'ArrowRight') this.#set(this.#current() - KEY_STEP);
    else return;
    e.preventDefault();
  };
}
