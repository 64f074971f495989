import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { Session, SessionSnapshot, TokenStatus } from '../../src/core/types.js';
import type { LogStore, PanelLogEntry } from './log-store.js';
import { createDirectTransport } from '../../src/transport/direct.js';
import type { SessionTransport } from '../../src/transport/types.js';
import { BindingController, type SelectedSession } from './binding-controller.js';
import { CountdownClock, liveTokenState, sessionNow, type LiveTokenState } from './session-clock.js';
import { SessionBindEvent } from './events.js';
import { PanelActions } from './panel-actions.js';
import { identitySection } from './identity-section.js';
import { TokenSection } from './token-section.js';
import { ActionsSection } from './actions-section.js';
import { backendSection } from './backend-section.js';
import { FaultSection } from './fault-section.js';
import { LogView } from './log-view.js';
import { logExportJson } from './log-export.js';
import { claimsSection, memoizedDecode } from './claims-view.js';
import { panelHeader } from './panel-header.js';
import { waitingView } from './waiting-view.js';
import { FloatingController } from './floating.js';
import { styles } from './session-panel.styles.js';
import { toolbar } from './toolbar.js';
import { TimelineView, type FoundTimeline } from './timeline-view.js';
import { requestsSection } from './requests-section.js';
import { StorageSection } from './storage-section.js';
import { ClockSection } from './clock-section.js';
import { sessionStorageHistory, type PanelHistoryStore } from './log-history.js';
import { LogImport } from './log-import.js';
import { LayoutController } from './layout.js';
import type { DiscoveryFeed } from '../../src/discovery/feed.js';
import type { DiscoveryPart, DiscoveryView } from './discovery-contract.js';
import { addStyles } from './adopt-styles.js';

/*
 * <session-panel>: the one public element. This file holds its contract (the properties and the JSDoc block that
 * dist/custom-elements.json is generated from), its lifecycle, and how the pieces fit together; each section,
 * controller and helper has its own file beside it (docs/panel.md, "Source files", lists them).
 *
 * The pieces are render functions and plain classes, not nested custom elements: everything renders into this
 * element's one shadow root, so the `part`s stay reachable from outside without exportparts, the one stylesheet
 * (container queries, the section grid) keeps applying, and the harness and e2e tests query a single tree.
 */

export { REVEAL_TIMEOUT_MS, TOKEN_MASK } from './token-section.js';
export type PanelTheme = 'light' | 'dark' | 'auto';
export type PanelCorner = 'bottom-right' | 'bottom-left' | 'top-right' | 'top-left';

/**
 * Shows and drives a customer session: UUID, sign-in state, token (masked, decoded), actions, fault injection and
 * the operation log. Binds to `transport` if given, else to `session` (wrapped in the direct transport), else to the
 * sessions on the page hook (`globalThis.__SESSION_PANEL__`), with a picker when there are several.
 *
 * @tag session-panel
 *
 * @fires {SessionBindEvent} session-bind - The panel bound to a session (or lost it).
 * @fires {SessionRefreshEvent} session-refresh - Refresh token succeeded.
 * @fires {SessionRetrieveEvent} session-retrieve - Retrieve token succeeded.
 * @fires {SessionRegenerateEvent} session-regenerate - Regenerate UUID finished (`changed` false while signed in).
 * @fires {SessionDestroyEvent} session-destroy - Cancelable request before a destroy; cancel to keep the session.
 * @fires {SessionDestroyedEvent} session-destroyed - The session was destroyed.
 * @fires {SessionSignInEvent} session-sign-in - Sign-in succeeded.
 * @fires {SessionSignOutEvent} session-sign-out - Sign-out succeeded.
 * @fires {SessionCopyEvent} session-copy - A value was copied to the clipboard.
 * @fires {SessionExportEvent} session-export - Cancelable, with the log export's JSON, before it is downloaded.
 * @fires {SessionErrorEvent} session-error - An action failed; carries the error code, kind and message.
 *
 * @csspart panel - The panel's box.
 * @csspart uuid - The UUID text.
 * @csspart token-status - The token status badge.
 * @csspart token - The masked (or revealed) token text.
 * @csspart seed-input - The Seed text input.
 * @csspart refresh-button - Refresh token.
 * @csspart retrieve-button - Retrieve token.
 * @csspart regenerate-button - Regenerate UUID.
 * @csspart destroy-button - Destroy session (asks for confirmation).
 * @csspart destroy-confirm - The button that confirms a destroy.
 * @csspart sign-in-button - Sign in.
 * @csspart sign-out-button - Sign out.
 * @csspart log - The operation log section.
 * @csspart log-entry - One rendered row of the log.
 * @csspart toolbar - The toolbar: session picker, filter, kind, pause, clear, preserve log, time, export, import.
 * @csspart preserve-log - The Preserve log checkbox.
 * @csspart timeline - The timeline picture of the session's life.
 * @csspart timeline-token - One token bar of the timeline (its aria-label names it and its times).
 * @csspart timeline-mark - One mark of the timeline: refresh, regenerate, destroy, sign-in, sign-out or failure.
 * @csspart timeline-found - One row of found tokens on the timeline (a found session's access or id tokens; with `discoveryView`).
 * @csspart timeline-found-token - One found token's lifetime on the timeline (iat → exp; with `discoveryView`).
 * @csspart timeline-found-mark - A found token's new value, or a request that sent or brought it (with `discoveryView`).
 * @csspart details - The details pane: identity, token, clock, actions, requests, backend, storage, faults, claims.
 * @csspart fab - The corner button of a floating panel.
 * @csspart discovered - Tokens found on the page without our core (the extension gives `discovery` and `discoveryView`; spec §9).
 * @csspart discovered-token - One found token (with `discoveryView`).
 * @csspart synerise-web - The Synerise Web SDK's profile UUID and presence (with `discoveryView`).
 *
 * @cssproperty --session-panel-bg - Background colour.
 * @cssproperty --session-panel-surface - Background of headers, buttons and alternate log rows.
 * @cssproperty --session-panel-fg - Text colour.
 * @cssproperty --session-panel-muted - Secondary text colour.
 * @cssproperty --session-panel-border - Border colour.
 * @cssproperty --session-panel-accent - Accent: the focus ring and the border of a hovered button.
 * @cssproperty --session-panel-danger - Errors and destructive actions.
 * @cssproperty --session-panel-font - UI font family.
 * @cssproperty --session-panel-mono - Monospace font family.
 * @cssproperty --session-panel-radius - Corner radius.
 * @cssproperty --session-panel-log-height - Least height of the log list (default 220px); in the wide layout it fills the height.
 * @cssproperty --session-panel-details-width - Width of the details pane in the wide layout (default clamp(280px, 38%, 520px); the splitter sets it).
 */
export class SessionPanel extends LitElement {
  static override styles = [styles];

  /** A session to show (wrapped in the direct, in-page transport). Ignored when `transport` is set. */
  @property({ attribute: false }) session: Session | undefined;

  /** The seam to the session (the DevTools extension passes a port transport). Wins over `session`. */
  @property({ attribute: false }) transport: SessionTransport | undefined;

  /** Which session to show when the transport offers several; the picker sets it. */
  @property({ attribute: 'session-id' }) sessionId: string | null = null;

  /** `light`, `dark`, or `auto` (follows prefers-color-scheme). */
  @property({ reflect: true }) theme: PanelTheme = 'auto';

  /** Shows a corner button that opens the panel as an overlay (position and open state are remembered). */
  @property({ type: Boolean, reflect: true }) floating = false;

  /** Whether a floating panel is open. */
  @property({ type: Boolean, reflect: true }) open = false;

  /** Corner of a floating panel. */
  @property({ reflect: true }) corner: PanelCorner = 'bottom-right';

  /** Most log rows kept per session (older ones are dropped, so memory stays bounded). */
  @property({ type: Number, attribute: 'log-limit' }) logLimit = 100_000;

  /**
   * Where the log is kept between page loads (Preserve log, and the rows a second panel on the tab starts with).
   * Default: the page's sessionStorage; the DevTools extension passes one over chrome.storage.session for its tab.
   * `null` keeps nothing.
   */
  @property({ attribute: false }) historyStore: PanelHistoryStore | null | undefined;

  /**
   * Tokens found on the page without our core (the extension's discovery feed); shown in `part="discovered"` and on
   * the timeline by `discoveryView`.
   */
  @property({ attribute: false }) discovery: DiscoveryFeed | undefined;

  /**
   * The view that shows `discovery` (the extension's panel passes it; kept out of this element's own code, so an app
   * and the drop-in do not carry it). Without it a feed is only counted.
   */
  @property({ attribute: false }) discoveryView: DiscoveryView | undefined;

  /** What the live region says: outcomes and token status changes, for assistive technology. */
  @state() private _announcement = '';

  readonly #binding = new BindingController(this, () => this.logLimit, () => this.#now(true));
  readonly #clock = new CountdownClock(this, () => !!this.#selected()?.snapshot?.token || (!!this.#discovered && (this.discovery?.store.size ?? 0) > 0));
  readonly #actions = new PanelActions(
    this,
    () => {
      const id = this.#selected()?.id;
      const transport = this.#binding.transport;
      return id && transport ? { id, transport } : null;
    },
    (text) => (this._announcement = text),
    () => this.#selected()?.snapshot,
  );
  readonly #tokenSection = new TokenSection(this, this.#actions);
  readonly #actionsSection = new ActionsSection(this, this.#actions);
  readonly #faultSection = new FaultSection(this, this.#actions);
  readonly #log = new LogView(this, {
    binding: this.#binding,
    exportJson: (includeTokens, at) => this.#exportJson(includeTokens, at),
    now: () => this.#now(true),
    clearSessionLog: () => void this.#actions.request('clearLog', []),
  });
  readonly #floating = new FloatingController(this);
  /** The discovery view's part for this element, while `discoveryView` is set. */
  #discovered: DiscoveryPart | null = null;
  /** Takes the discovery view's styles off the shadow root again. */
  #dropDiscoveryStyles: (() => void) | null = null;
  readonly #storage = new StorageSection(this, this.#actions);
  readonly #clockSection = new ClockSection(this, this.#actions);
  readonly #layout = new LayoutController(this);
  readonly #timeline = new TimelineView(this, { select: (entry) => this.#selectEntry(entry) });
  readonly #import = new LogImport(this, () => this.logLimit, (text) => (this._announcement = text));
  readonly #decode = memoizedDecode();
  #resolved = false;
  /** The session id last announced with session-bind (undefined before the first render). */
  #boundId: string | null | undefined = undefined;
  #lastStatus: TokenStatus | null = null;

  /** Settles when the latest action started from the panel has settled (tests and scripts await it). */
  get actionComplete(): Promise<unknown> {
    return this.#actions.taskComplete;
  }

  /** The log (and the session's state) as JSON, stamped with the session's clock now; tokens are redacted unless `includeTokens`. */
  exportLog(includeTokens = false): string {
    return this.#exportJson(includeTokens, this.#now(true));
  }

  #exportJson(includeTokens: boolean, at: number): string {
    const sel = this.#selected();
    return logExportJson(sel?.snapshot ?? null, sel ? [...this.#binding.log(sel.id)] : [], at, includeTokens);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!this.#resolved || changed.has('historyStore')) this.#binding.useHistory(this.historyStore === undefined ? sessionStorageHistory() : this.historyStore);
    if (!this.#resolved || changed.has('transport') || changed.has('session')) {
      this.#resolved = true;
      // A given transport wins; else the given session in-page; else every session on the page hook.
      this.#binding.use(this.transport ?? createDirectTransport(this.session ? { session: this.session } : {}));
    }
    if (changed.has('discoveryView')) this.#attachDiscoveryView();
    if (changed.has('discovery') || changed.has('discoveryView')) this.#discovered?.use(this.discovery);
    if (changed.has('logLimit') && changed.get('logLimit') !== undefined) this.#binding.resize();
    if ((this.#selected()?.id ?? null) !== this.#boundId) {
      // Another session: nothing typed, revealed or reported for the previous one carries over.
      this.#actionsSection.reset();
      this.#tokenSection.hide();
      this.#actions.resetAll();
      this.#storage.reset();
    }
    const sel = this.#selected();
    this.#binding.show(sel?.id ?? null);
    if (sel?.snapshot) {
      // Outcomes describe the session as it was: a new UUID, login or sign-in state drops them (bar their cause).
      const { uuid, login } = sel.snapshot;
      this.#actions.syncIdentity(JSON.stringify([sel.id, uuid, login, this.#live()?.signedIn ?? false]));
      this.#faultSection.sync(sel.snapshot.backend.faults);
      this.#storage.sync(sel.id, sel.snapshot);
    }
    // Announce token status changes (expiring, expired...) to assistive technology.
    const status = this.#live()?.status ?? null;
    if (status !== this.#lastStatus) {
      if (this.#lastStatus !== null && status) this._announcement = `Token ${status}`;
      this.#lastStatus = status;
    }
  }

  /** Swaps the discovery view's part and its styles for those of the view now set (or none). */
  #attachDiscoveryView(): void {
    this.#discovered?.detach();
    this.#dropDiscoveryStyles?.();
    this.#discovered = null;
    this.#dropDiscoveryStyles = null;
    const view = this.discoveryView;
    if (!view) return;
    this.#discovered = view.attach(this, { copy: (token) => void this.#actions.copy('token', token), announce: (text) => (this._announcement = text) });
    if (this.renderRoot instanceof ShadowRoot) this.#dropDiscoveryStyles = addStyles(this.renderRoot, view.styles);
  }

  protected override updated(): void {
    const id = this.#selected()?.id ?? null;
    if (id !== this.#boundId) {
      // No event for the very first render without a session: nothing was bound before either.
      const first = this.#boundId === undefined && id === null;
      this.#boundId = id;
      if (!first) this.dispatchEvent(new SessionBindEvent(id));
    }
  }

  /** The origin to name before a password goes to this session: set when it is another origin's frame. */
  #crossOrigin(id: string): string | null {
    const s = this.#binding.sessions.find((x) => x.id === id);
    return s?.frame !== undefined && s.crossOrigin !== false ? s.frame : null;
  }

  #selected(): SelectedSession | null {
    return this.#binding.selected(this.sessionId);
  }

  /**
   * The session's clock at the latest tick (what the countdown, token status and "2 s ago" read). `exact` reads it
   * at this instant instead: the tick only runs while there is a token, so an export must not use it.
   */
  #now(exact = false): number {
    return sessionNow(this.#selected(), exact ? Date.now() : this.#clock.now);
  }

  /**
   * The token status and "signed in" now, on the session clock: the one place both are judged, for the header, the
   * sections and the floating button alike (the snapshot's own fields go stale when a token runs out).
   */
  #live(): LiveTokenState | null {
    return liveTokenState(this.#selected()?.snapshot, this.#now());
  }

  /**
   * Escape closes the destroy confirmation, else a floating overlay. Listened for on the element itself, so it works
   * wherever focus is in it, also on the corner button right after it opened the overlay.
   */
  #onKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape') return;
    if (this.#actionsSection.confirming) this.#actionsSection.cancelDestroy();
    else if (this.#discovered?.cancelDelete()) {
      // closed the delete confirmation of a found token
    } else if (this.floating && this.open) this.#floating.close();
    else return;
    event.stopPropagation();
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('keydown', this.#onKeydown);
  }

  override disconnectedCallback(): void {
    this.removeEventListener('keydown', this.#onKeydown);
    super.disconnectedCallback();
  }

  protected override render(): TemplateResult {
    if (!this.floating) return this.#panel();
    return this.#floating.render(this.#live()?.status ?? 'none', () => this.#panel());
  }

  #panel(): TemplateResult {
    const sel = this.#selected();
    const snap = sel?.snapshot;
    const live = this.#live();
    return html`<div class="panel" part="panel">
      ${panelHeader({ snap, live, binding: this.#binding, selectedId: sel?.id, floating: this.floating ? this.#floating : null })}
      ${sel && snap && live
        ? this.#body(sel.id, snap, live)
        : html`${this.#foundOnly()} ${this.#foundList()}
          ${waitingView(this.#binding.listed, this.#binding.connectionDetail, this.#binding.transport?.kind ?? 'direct', {
            others: this.#binding.sessions.filter((s) => s.frame !== undefined),
            pick: (id) => (this.sessionId = id),
          })}`}
      <div class="sr-only" role="status" aria-live="polite">${this._announcement}</div>
    </div>`;
  }

  /**
   * The found tokens as the timeline draws them (none while an imported log is shown: that is another time).
   * Found tokens are judged on the local clock, like the list; `shift` puts them on the session's clock.
   */
  #found(shift: number): FoundTimeline | undefined {
    if (!this.discovery || !this.#discovered || this.#import.imported) return undefined;
    return this.#discovered.timeline(this.discovery, this.#clock.now, shift);
  }

  /** "Found on this page", drawn by the discovery view; a feed given without one is only counted, with the way out. */
  #foundList(): TemplateResult | typeof nothing {
    if (!this.discovery) return nothing;
    if (this.#discovered) return this.#discovered.render(this.discovery, this.#clock.now);
    const n = this.discovery.store.size;
    return html`<p class="note" part="discovered">${n} ${n === 1 ? 'token' : 'tokens'} found on this page, not shown: the element has no <code>discoveryView</code>.</p>`;
  }

  /** On a page without a core session, the timeline of what was found (nothing when nothing was). */
  #foundOnly(): TemplateResult | typeof nothing {
    const found = this.#found(0);
    return found ? this.#timeline.render(null, this.#clock.now, found) : nothing;
  }

  /** The log shown: the live one of the session, or an imported export. */
  #shownLog(id: string): { store: LogStore; snapshot: SessionSnapshot | undefined; key: string } {
    const imported = this.#import.imported;
    return imported ? { store: imported.store, snapshot: imported.snapshot, key: `import:${imported.name}` } : { store: this.#binding.log(id), snapshot: this.#selected()?.snapshot, key: id };
  }

  #selectEntry(entry: PanelLogEntry): void {
    const id = this.#selected()?.id;
    if (!id) return;
    const shown = this.#shownLog(id);
    this.#log.select(shown.key, shown.store, entry);
  }

  #body(id: string, snap: SessionSnapshot, { status, signedIn }: LiveTokenState): TemplateResult {
    const now = this.#now();
    const faults = snap.backend.faults;
    const shown = this.#shownLog(id);
    const imported = this.#import.imported;
    return html`${snap.disposed ? html`<p class="flag danger" role="alert">This session was disposed: it no longer changes, and actions fail.</p>` : nothing}
      <div class="layout ${this.#layout.wide ? 'wide' : 'narrow'}" style=${this.#layout.style()}>
        ${toolbar({
          sessionId: id,
          sessions: this.#binding.sessions,
          pick: (next) => (this.sessionId = next),
          log: this.#log,
          preserve: this.#binding.preserve,
          setPreserve: (on) => this.#binding.setPreserve(on),
          importFile: this.#import.open,
          imported: imported ? { name: imported.name, back: this.#import.back } : null,
        })}
        <div class="main">
          ${this.#import.error ? html`<p class="flag warn" role="alert" data-field="import-error">${this.#import.error}</p>` : nothing}
          ${this.#timeline.render(shown.store, imported ? (shown.store.at(shown.store.size - 1)?.at ?? now) : now, this.#found(now - this.#clock.now))}
          ${this.#log.render(shown.key, shown.store, shown.snapshot)}
        </div>
        ${this.#layout.splitter()}
        <div class="details" part="details">
          ${identitySection(snap, signedIn, this.#actions)} ${this.#tokenSection.render(snap, status, now)}
          ${this.#clockSection.render(snap, now)} ${this.#actionsSection.render(snap, signedIn, this.#crossOrigin(id))}
          ${requestsSection(this.#binding.log(id).recentRequests(), now)}
          ${backendSection(snap, now)} ${faults ? this.#faultSection.render(snap, faults) : nothing}
          ${this.#foundList()}
          ${snap.token ? claimsSection(this.#decode(snap.token.tokenString), now) : nothing} ${this.#storage.render(snap)}
        </div>
      </div>`;
  }
}
