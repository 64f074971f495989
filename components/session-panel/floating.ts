import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { TokenStatus } from '../../src/core/types.js';
import { focusAfterUpdate } from './focus.js';
import type { PanelCorner } from './session-panel.js';

const STORAGE_KEY = 'session-panel:floating';
/** The order "Move to another corner" cycles through. */
const CORNERS: readonly PanelCorner[] = ['bottom-right', 'bottom-left', 'top-left', 'top-right'];

/** The host's public properties this mode reads and sets. */
export interface FloatingHost extends ReactiveControllerHost {
  readonly floating: boolean;
  open: boolean;
  corner: PanelCorner;
  readonly renderRoot: ParentNode;
}

/**
 * The floating mode (`floating` attribute): a corner button that opens the panel as an overlay. Open state and
 * corner are remembered in localStorage, so a reload keeps the panel where the developer left it; storage that
 * cannot be read or written (private mode, extension pages) only means nothing is remembered.
 */
export class FloatingController implements ReactiveController {

  constructor(private readonly host: FloatingHost) {
    host.addController(this);
  }

  hostConnected(): void {
    if (!this.host.floating) return;
    try {
      const saved = JSON.parse(globalThis.localStorage?.getItem(STORAGE_KEY) ?? 'null') as { open?: unknown; corner?: unknown } | null;
      if (typeof saved?.open === 'boolean') this.host.open = saved.open;
      if (CORNERS.includes(saved?.corner as PanelCorner)) this.host.corner = saved!.corner as PanelCorner;
    } catch {
      // Unreadable or unavailable storage: keep the defaults.
    }
  }

  /** Arrows: Lit calls event listeners with the host element as `this`. */
  toggle = (): void => {
    this.host.open = !this.host.open;
    this.#save();
  };

  moveCorner = (): void => {
    this.host.corner = CORNERS[(CORNERS.indexOf(this.host.corner) + 1) % CORNERS.length]!;
    this.#save();
  };

  /** Closes the overlay (Escape) and gives focus back to the corner button. */
  close(): void {
    this.toggle();
    focusAfterUpdate(this.host, '.fab');
  }

  /** The corner button, with the token status as its dot, and the overlay holding `panel()` while open. */
  render(status: TokenStatus, panel: () => TemplateResult): TemplateResult {
    const { open, corner } = this.host;
    return html`<button class="fab ${corner}" part="fab" aria-expanded=${open} aria-label="Session panel" @click=${this.toggle}>
        <span class="dot ${status}"></span>Session
      </button>
      ${open ? html`<div class="overlay ${corner}" role="dialog" aria-label="Session panel">${panel()}</div>` : nothing}`;
  }

  /** The header's Move and Close buttons, shown only in this mode. */
  headerButtons(): TemplateResult {
    return html`<button class="small" aria-label="Move to another corner" title="Move to another corner" @click=${this.moveCorner}>⇲</button>
      <button class="small" aria-label="Close" @click=${this.toggle}>✕</button>`;
  }

  #save(): void {
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify({ open: this.host.open, corner: this.host.corner }));
    } catch {
      // Storage unavailable (private mode, extension page): the state is simply not remembered.
    }
  }
}
