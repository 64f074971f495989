import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { BackendCall, ErrorInfo, Session, SessionSnapshot, SignOutMode, TokenRecord, TokenStatus } from '../../src/core/types.js';
import type { CommandArgs, CommandName, CommandResult, FaultErrorSpec, SessionCommands } from '../../src/protocol/commands.js';
import { createDirectTransport } from '../../src/transport/direct.js';
import type { SessionTransport } from '../../src/transport/types.js';
import { ActionController, ActionStatus, type Outcome } from './action-controller.js';
import { BindingController } from './binding-controller.js';
import { claimsView, decode, type Decoded } from './claims-view.js';
import {
  SessionBindEvent,
  SessionCopyEvent,
  SessionDestroyEvent,
  SessionDestroyedEvent,
  SessionErrorEvent,
  SessionExportEvent,
  SessionRefreshEvent,
  SessionRegenerateEvent,
  SessionRetrieveEvent,
  SessionSignInEvent,
  SessionSignOutEvent,
  type PanelAction,
} from './events.js';
import { countdown, dateTime, duration, relativeTime } from './format.js';
import { relativeStamp, type LogKindFilter, type PanelLogEntry } from './log-store.js';
import { styles } from './session-panel.styles.js';

export type PanelTheme = 'light' | 'dark' | 'auto';
export type PanelCorner = 'bottom-right' | 'bottom-left' | 'top-right' | 'top-left';

type ActionKey = 'refresh' | 'retrieve' | 'regenerate' | 'destroy' | 'sign-in' | 'sign-out' | 'copy' | 'fault';

/** Length of the token mask, whatever the token's length (the mask must not leak it). */
export const TOKEN_MASK = '•'.repeat(16);
/** A revealed token hides itself again after this long. */
export const REVEAL_TIMEOUT_MS = 30_000;
const ROW_HEIGHT = 22;
const LOG_VIEW_FALLBACK_HEIGHT = 220;
const FLOATING_KEY = 'session-panel:floating';
const CORNERS: readonly PanelCorner[] = ['bottom-right', 'bottom-left', 'top-left', 'top-right'];
const JWT_PATTERN = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;

const FAULT_ERRORS: Record<string, FaultErrorSpec> = {
  backend: { kind: 'backend', message: 'Injected backend failure' },
  network: { kind: 'network', message: 'Injected network failure' },
  timeout: { kind: 'timeout', message: 'Injected timeout' },
  unauthorized: { kind: 'unauthorized', code: 3200, message: 'Injected 401 unauthorized' },
  'session-expired': { kind: 'session-expired', code: 3210, message: 'Injected: session has expired' },
};

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
 * @csspart fab - The corner button of a floating panel.
 *
 * @cssproperty --session-panel-bg - Background colour.
 * @cssproperty --session-panel-surface - Background of headers, buttons and alternate log rows.
 * @cssproperty --session-panel-fg - Text colour.
 * @cssproperty --session-panel-muted - Secondary text colour.
 * @cssproperty --session-panel-border - Border colour.
 * @cssproperty --session-panel-accent - Accent (focus ring, primary buttons).
 * @cssproperty --session-panel-danger - Errors and destructive actions.
 * @cssproperty --session-panel-font - UI font family.
 * @cssproperty --session-panel-mono - Monospace font family.
 * @cssproperty --session-panel-radius - Corner radius.
 * @cssproperty --session-panel-log-height - Height of the log list (default 220px).
 */
export class SessionPanel extends LitElement {
  static override styles = styles;

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

  @state() private _seed = '';
  @state() private _login = '';
  @state() private _password = '';
  @state() private _confirmingDestroy = false;
  @state() private _revealed = false;
  @state() private _announcement = '';
  @state() private _logText = '';
  @state() private _logKind: LogKindFilter = '';
  @state() private _includeTokens = false;
  @state() private _logFirstRow = 0;
  @state() private _failCall: BackendCall = 'refresh';
  @state() private _failError = 'backend';
  /** Local clock, advanced by the countdown. */
  @state() private _tick = Date.now();

  private readonly _binding = new BindingController(this, () => this.logLimit);
  private readonly _actions = new ActionController<ActionKey>(this);
  #resolved = false;
  #boundId: string | null | undefined = undefined;
  #countdownTimer: ReturnType<typeof setInterval> | undefined;
  #revealTimer: ReturnType<typeof setTimeout> | undefined;
  #decoded: { token: string; decoded: Decoded } | null = null;
  #followLog = true;
  #lastStatus: TokenStatus | null = null;

  /** Settles when the latest action started from the panel has settled (tests and scripts await it). */
  get actionComplete(): Promise<unknown> {
    return this._actions.taskComplete;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#restoreFloating();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.#onVisibility);
    this.#stopCountdown();
    this.#hideToken();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!this.#resolved || changed.has('transport') || changed.has('session')) {
      this.#resolved = true;
      // A given transport wins; else the given session in-page; else every session on the page hook.
      this._binding.use(this.transport ?? createDirectTransport(this.session ? { session: this.session } : {}));
    }
    if (changed.has('logLimit') && changed.get('logLimit') !== undefined) this._binding.resize();
    const id = this.#selected()?.id ?? null;
    if (id !== this.#boundId) {
      this._confirmingDestroy = false;
      this.#hideToken();
      for (const key of ['refresh', 'retrieve', 'regenerate', 'destroy', 'sign-in', 'sign-out', 'copy', 'fault'] as const) this._actions.reset(key);
    }
    // Announce token status changes (expiring, expired...) to assistive technology.
    const status = this.#status();
    if (status !== this.#lastStatus) {
      if (this.#lastStatus !== null && status) this._announcement = `Token ${status}`;
      this.#lastStatus = status;
    }
  }

  protected override updated(): void {
    const id = this.#selected()?.id ?? null;
    if (id !== this.#boundId) {
      const first = this.#boundId === undefined && id === null;
      this.#boundId = id;
      if (!first) this.dispatchEvent(new SessionBindEvent(id));
    }
    this.#syncCountdown();
    const view = this.renderRoot.querySelector<HTMLElement>('.log-view');
    if (view && this.#followLog) {
      const bottom = view.scrollHeight - view.clientHeight;
      if (bottom > 0 && Math.abs(view.scrollTop - bottom) > 1) view.scrollTop = bottom;
    }
  }

  // ---------------------------------------------------------------- derived state

  #selected(): { id: string; snapshot: SessionSnapshot | undefined; receivedAt: number } | null {
    const sessions = this._binding.sessions;
    const summary = sessions.find((s) => s.id === this.sessionId) ?? sessions[0];
    if (!summary) return null;
    const entry = this._binding.snapshots.get(summary.id);
    return { id: summary.id, snapshot: entry?.snapshot, receivedAt: entry?.receivedAt ?? 0 };
  }

  /** The session's clock now: its snapshot time plus the local time elapsed since the snapshot arrived. */
  #sessionNow(): number {
    const sel = this.#selected();
    if (!sel?.snapshot) return this._tick;
    return sel.snapshot.now + Math.max(0, this._tick - sel.receivedAt);
  }

  #status(): TokenStatus | null {
    const snap = this.#selected()?.snapshot;
    if (!snap) return null;
    const token = snap.token;
    if (!token) return 'none';
    const left = token.expiresAt - this.#sessionNow();
    return left <= 0 ? 'expired' : left <= snap.refreshMarginMs ? 'expiring' : 'valid';
  }

  #decode(token: TokenRecord): Decoded {
    if (this.#decoded?.token !== token.tokenString) this.#decoded = { token: token.tokenString, decoded: decode(token.tokenString) };
    return this.#decoded.decoded;
  }

  // ---------------------------------------------------------------- timers

  #onVisibility = (): void => {
    this._tick = Date.now();
    this.#syncCountdown();
  };

  /** One 1 s timer while there is a token, the element is connected and the page is visible; none otherwise. */
  #syncCountdown(): void {
    const want = this.isConnected && document.visibilityState !== 'hidden' && !!this.#selected()?.snapshot?.token;
    if (want && this.#countdownTimer === undefined) {
      this.#countdownTimer = setInterval(() => (this._tick = Date.now()), 1000);
    } else if (!want) this.#stopCountdown();
  }

  #stopCountdown(): void {
    clearInterval(this.#countdownTimer);
    this.#countdownTimer = undefined;
  }

  #toggleReveal(): void {
    if (this._revealed) return this.#hideToken();
    this._revealed = true;
    this.#revealTimer = setTimeout(() => this.#hideToken(), REVEAL_TIMEOUT_MS);
  }

  #hideToken(): void {
    clearTimeout(this.#revealTimer);
    this.#revealTimer = undefined;
    this._revealed = false;
  }

  // ---------------------------------------------------------------- actions

  #request<C extends CommandName>(command: C, args: CommandArgs<C>, signal: AbortSignal): Promise<CommandResult<C>> {
    const id = this.#selected()?.id;
    const transport = this._binding.transport;
    if (!id || !transport) return Promise.resolve({ ok: false, error: { code: 9011, kind: 'no-session', message: 'No session to act on' } });
    return transport.request(id, command, args, { signal });
  }

  async #act<C extends CommandName>(key: ActionKey, action: PanelAction, command: C, args: CommandArgs<C>): Promise<Outcome<SessionCommands[C]['result']> | null> {
    const result = await this._actions.run<SessionCommands[C]['result']>(key, (signal) => this.#request(command, args, signal));
    if (result && !result.ok) this.#fail(action, result.error);
    return result;
  }

  #fail(action: PanelAction, error: ErrorInfo): void {
    this._announcement = `${action} failed: ${error.code} ${error.kind}: ${error.message}`;
    this.dispatchEvent(new SessionErrorEvent(action, error));
  }

  async #refresh(): Promise<void> {
    const r = await this.#act('refresh', 'refresh', 'refreshToken', []);
    if (r?.ok) {
      this._announcement = 'Token refreshed';
      this.dispatchEvent(new SessionRefreshEvent(r.value?.expiresAt ?? null));
    }
  }

  async #retrieve(): Promise<void> {
    const r = await this.#act('retrieve', 'retrieve', 'retrieveToken', []);
    if (r?.ok) {
      this._announcement = 'Token retrieved';
      this.dispatchEvent(new SessionRetrieveEvent(r.value?.expiresAt ?? null));
    }
  }

  async #regenerate(): Promise<void> {
    const seed = this._seed === '' ? null : this._seed;
    const r = await this.#act('regenerate', 'regenerate', 'regenerateUUID', [seed]);
    if (r?.ok) {
      this._announcement = r.value ? 'UUID regenerated' : 'UUID unchanged: a customer is signed in';
      this.dispatchEvent(new SessionRegenerateEvent(seed, r.value));
    }
  }

  #askDestroy(): void {
    this._confirmingDestroy = true;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('.confirm button')?.focus());
  }

  #cancelDestroy(): void {
    this._confirmingDestroy = false;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[part="destroy-button"]')?.focus());
  }

  async #confirmDestroy(): Promise<void> {
    const id = this.#selected()?.id;
    this.#cancelDestroy(); // closes the confirmation and puts focus back on Destroy session
    if (!id) return;
    if (!this.dispatchEvent(new SessionDestroyEvent(id))) {
      this._actions.settle('destroy', { status: ActionStatus.COMPLETE, value: 'cancelled' });
      this._announcement = 'Destroy cancelled by the page';
      return;
    }
    const r = await this.#act('destroy', 'destroy', 'destroySession', []);
    if (r?.ok) {
      this._announcement = 'Session destroyed';
      this.dispatchEvent(new SessionDestroyedEvent(id));
    }
  }

  async #signIn(event: Event): Promise<void> {
    event.preventDefault();
    const login = this._login;
    const r = await this.#act('sign-in', 'sign-in', 'signIn', [login, this._password]);
    if (r?.ok) {
      this._password = '';
      this._announcement = `Signed in as ${login}`;
      this.dispatchEvent(new SessionSignInEvent(login));
    }
  }

  async #signOut(mode: SignOutMode): Promise<void> {
    const r = await this.#act('sign-out', 'sign-out', 'signOut', [mode]);
    if (r?.ok) {
      this._announcement = 'Signed out';
      this.dispatchEvent(new SessionSignOutEvent(mode));
    }
  }

  async #fault<C extends CommandName>(command: C, args: CommandArgs<C>, done: string): Promise<void> {
    const r = await this.#act('fault', 'fault', command, args);
    if (r?.ok) {
      this._actions.settle('fault', { status: ActionStatus.COMPLETE, value: done });
      this._announcement = done;
    }
  }

  async #copy(what: 'uuid' | 'token', text: string): Promise<void> {
    try {
      await writeClipboard(text, this.renderRoot as ShadowRoot);
      this._actions.settle('copy', { status: ActionStatus.COMPLETE, value: what === 'uuid' ? 'UUID copied' : 'Token copied' });
      this._announcement = what === 'uuid' ? 'UUID copied' : 'Token copied';
      this.dispatchEvent(new SessionCopyEvent(what));
    } catch (error) {
      const info = { code: 0, kind: 'clipboard', message: error instanceof Error ? error.message : 'The clipboard is not available here' };
      this._actions.settle('copy', { status: ActionStatus.ERROR, error: info });
      this.#fail('copy', info);
    }
  }

  // ---------------------------------------------------------------- log

  #applyFilter(): void {
    for (const store of this._binding.logs.values()) store.setFilter(this._logText, this._logKind);
    this.#followLog = true;
  }

  #clearLog(): void {
    const id = this.#selected()?.id;
    if (!id) return;
    this._binding.log(id).clear();
    this._binding.held.delete(id);
    // Clear the session's own log too, so a viewer attaching later does not replay what was cleared here.
    void this.#request('clearLog', [], new AbortController().signal);
    this._logFirstRow = 0;
    this.requestUpdate();
  }

  #onLogScroll = (event: Event): void => {
    const view = event.currentTarget as HTMLElement;
    this.#followLog = view.scrollTop + view.clientHeight >= view.scrollHeight - ROW_HEIGHT;
    const first = Math.floor(view.scrollTop / ROW_HEIGHT);
    if (first !== this._logFirstRow) this._logFirstRow = first;
  };

  /** The log (and the session's state) as JSON; tokens are redacted unless `includeTokens`. */
  exportLog(includeTokens = false): string {
    const sel = this.#selected();
    const entries = sel ? [...this._binding.log(sel.id)] : [];
    const data = { exportedAt: new Date(this._tick).toISOString(), session: sel?.snapshot ?? null, entries };
    const json = JSON.stringify(
      data,
      (key, value: unknown) => (!includeTokens && key === 'tokenString' && typeof value === 'string' ? '[redacted]' : value),
      2,
    );
    return includeTokens ? json : json.replace(JWT_PATTERN, '[redacted]');
  }

  #export(): void {
    const redacted = !this._includeTokens;
    const json = this.exportLog(!redacted);
    if (!this.dispatchEvent(new SessionExportEvent(json, redacted))) return;
    const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `session-log-${new Date(this._tick).toISOString().replace(/[:.]/g, '-')}.json`;
    this.renderRoot.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }

  // ---------------------------------------------------------------- floating

  #restoreFloating(): void {
    if (!this.floating) return;
    try {
      const saved = JSON.parse(globalThis.localStorage?.getItem(FLOATING_KEY) ?? 'null') as { open?: unknown; corner?: unknown } | null;
      if (typeof saved?.open === 'boolean') this.open = saved.open;
      if (CORNERS.includes(saved?.corner as PanelCorner)) this.corner = saved!.corner as PanelCorner;
    } catch {
      // Unreadable or unavailable storage: keep the defaults.
    }
  }

  #saveFloating(): void {
    try {
      globalThis.localStorage?.setItem(FLOATING_KEY, JSON.stringify({ open: this.open, corner: this.corner }));
    } catch {
      // Storage unavailable (private mode, extension page): the state is simply not remembered.
    }
  }

  #toggleOpen(): void {
    this.open = !this.open;
    this.#saveFloating();
  }

  #moveCorner(): void {
    this.corner = CORNERS[(CORNERS.indexOf(this.corner) + 1) % CORNERS.length]!;
    this.#saveFloating();
  }

  #onKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape') return;
    if (this._confirmingDestroy) this.#cancelDestroy();
    else if (this.floating && this.open) {
      this.#toggleOpen();
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('.fab')?.focus());
    }
  };

  // ---------------------------------------------------------------- rendering

  protected override render(): TemplateResult {
    if (!this.floating) return this.#panel();
    const status = this.#status() ?? 'none';
    return html`<button class="fab ${this.corner}" part="fab" aria-expanded=${this.open} aria-label="Session panel" @click=${this.#toggleOpen}>
        <span class="dot ${status}"></span>Session
      </button>
      ${this.open ? html`<div class="overlay ${this.corner}" role="dialog" aria-label="Session panel">${this.#panel()}</div>` : nothing}`;
  }

  #panel(): TemplateResult {
    const sel = this.#selected();
    const snap = sel?.snapshot;
    return html`<div class="panel" part="panel" @keydown=${this.#onKeydown}>
      ${this.#header(snap)}
      ${snap ? this.#body(snap) : this.#looking()}
      <div class="sr-only" role="status" aria-live="polite">${this._announcement}</div>
    </div>`;
  }

  #header(snap: SessionSnapshot | undefined): TemplateResult {
    const sessions = this._binding.sessions;
    const status = this.#status();
    return html`<header>
      <h2><span class="dot ${status ?? ''}"></span>Session${snap ? html` <small class="muted">${snap.namespace}</small>` : nothing}</h2>
      ${snap ? html`<span class="muted">${snap.signedIn ? snap.login : 'anonymous'} · v${snap.libraryVersion}</span>` : nothing}
      ${sessions.length > 1
        ? html`<label>Session
            <select aria-label="Session" @change=${(e: Event) => (this.sessionId = (e.target as HTMLSelectElement).value)}>
              ${sessions.map((s) => html`<option value=${s.id} ?selected=${s.id === this.#selected()?.id}>${s.namespace} · ${s.uuid.slice(0, 8)}</option>`)}
            </select></label
          >`
        : nothing}
      ${this._binding.connection !== 'connected'
        ? html`<span class="badge ${this._binding.connection === 'disconnected' ? 'expired' : 'expiring'}" title=${this._binding.connectionDetail}>${this._binding.connection}</span>`
        : nothing}
      ${this.floating
        ? html`<button class="small" aria-label="Move to another corner" title="Move to another corner" @click=${this.#moveCorner}>⇲</button>
            <button class="small" aria-label="Close" @click=${this.#toggleOpen}>✕</button>`
        : nothing}
    </header>`;
  }

  #looking(): TemplateResult {
    const connecting = !this._binding.listed;
    return html`<div class="tips" role="status">
      <h3>${connecting ? 'Connecting…' : 'Looking for a session…'}</h3>
      ${connecting && this._binding.connectionDetail ? html`<p class="note">${this._binding.connectionDetail}</p>` : nothing}
      <p>The panel attaches by itself as soon as the page has a session. To give it one:</p>
      <ul>
        <li>Create one: <code>createSession()</code> from <code>session-panel/core</code>. Sessions register on <code>globalThis.__SESSION_PANEL__</code> unless created with <code>devtools: false</code>.</li>
        <li>Or hand it over: <code>document.querySelector('session-panel').session = session</code>.</li>
        <li>Loading order does not matter: a session made later, or by another copy of the library, is found too.</li>
      </ul>
    </div>`;
  }

  #body(snap: SessionSnapshot): TemplateResult {
    return html`${snap.disposed ? html`<p class="flag danger" role="alert">This session was disposed: it no longer changes, and actions fail.</p>` : nothing}
      <div class="grid">
        ${this.#identity(snap)} ${this.#token(snap)} ${this.#actionsView(snap)}
        <div>${this.#backend(snap)} ${snap.backend.faults ? this.#faults(snap) : nothing}</div>
        ${this.#log()} ${snap.token ? this.#claims(snap.token) : nothing}
      </div>`;
  }

  #claims(token: TokenRecord): TemplateResult {
    return html`<section class="wide" aria-labelledby="h-claims">
      <details open>
        <summary><h3 id="h-claims">Decoded token</h3></summary>
        ${claimsView(this.#decode(token), this.#sessionNow())}
      </details>
    </section>`;
  }

  #outcome(key: ActionKey, complete: (value: unknown) => string, pending: string): unknown {
    return html`<div class="outcome ${['', 'pending', 'ok', 'error'][this._actions.state(key).status]}" data-outcome=${key} ?hidden=${this._actions.state(key).status === ActionStatus.INITIAL}>
      ${this._actions.render<unknown>(key, {
        pending: () => pending,
        complete: (v) => complete(v),
        error: (e) => `Error ${e.code} ${e.kind}: ${e.message}`,
      })}
    </div>`;
  }

  #identity(snap: SessionSnapshot): TemplateResult {
    return html`<section aria-labelledby="h-identity">
      <h3 id="h-identity">Identity</h3>
      <div class="uuid-row">
        <span class="muted">UUID</span>
        <span class="value big" part="uuid">${snap.uuid}</span>
        <button class="small" aria-label="Copy UUID" @click=${() => this.#copy('uuid', snap.uuid)}>Copy</button>
      </div>
      <dl>
        <dt>Customer</dt>
        <dd data-field="signed-in">${snap.signedIn ? html`Signed in as <strong>${snap.login}</strong>` : snap.login ? `Not signed in (last login ${snap.login})` : 'Anonymous'}</dd>
        <dt>Device id</dt>
        <dd class="value">${snap.deviceId}</dd>
        ${snap.customIdentifier ? html`<dt>Custom id</dt><dd class="value">${snap.customIdentifier}</dd>` : nothing}
        ${snap.customEmail ? html`<dt>Custom email</dt><dd class="value">${snap.customEmail}</dd>` : nothing}
      </dl>
      ${this.#outcome('copy', (v) => String(v), '')}
    </section>`;
  }

  #token(snap: SessionSnapshot): TemplateResult {
    const token = snap.token;
    const status = this.#status() ?? 'none';
    const now = this.#sessionNow();
    if (!token) {
      return html`<section aria-labelledby="h-token">
        <h3 id="h-token">Token</h3>
        <p><span class="badge none" part="token-status">none</span> <span class="muted">No token yet: Retrieve token asks for one.</span></p>
      </section>`;
    }
    const left = token.expiresAt - now;
    return html`<section aria-labelledby="h-token">
      <h3 id="h-token">Token</h3>
      <p>
        <span class="badge ${status}" part="token-status">${status}</span>
        <span data-field="countdown">${left > 0 ? `expires in ${countdown(left)}` : `expired ${relativeTime(left)}`}</span>
        <span class="muted">· ${dateTime(token.expiresAt)}</span>
      </p>
      <dl>
        <dt>Origin</dt>
        <dd data-field="origin">${token.origin}</dd>
        <dt>Realm</dt>
        <dd data-field="realm">${token.rlm}</dd>
        <dt>Client id</dt>
        <dd data-field="client-id">${token.clientId ?? '—'}</dd>
        <dt>Custom id</dt>
        <dd data-field="custom-id">${token.customId ?? '—'}</dd>
        <dt>Token</dt>
        <dd>
          <span class="value" part="token">${this._revealed ? token.tokenString : TOKEN_MASK}</span>
          <button class="small" aria-pressed=${this._revealed} @click=${this.#toggleReveal}>${this._revealed ? 'Hide' : 'Reveal'}</button>
          <button class="small" aria-label="Copy token" @click=${() => this.#copy('token', token.tokenString)}>Copy</button>
        </dd>
      </dl>
      ${this._revealed ? html`<p class="note">Hides again in 30 s.</p>` : nothing}
    </section>`;
  }

  #actionsView(snap: SessionSnapshot): TemplateResult {
    const busy = (key: ActionKey): boolean => this._actions.pending(key);
    const tokenUntil = (v: unknown): string => {
      const t = v as TokenRecord | null;
      return t ? `valid until ${dateTime(t.expiresAt)}` : 'no token';
    };
    return html`<section aria-labelledby="h-actions">
      <h3 id="h-actions">Actions</h3>
      <div class="row">
        <button part="refresh-button" aria-disabled=${busy('refresh')} @click=${this.#refresh}>Refresh token</button>
        <button part="retrieve-button" aria-disabled=${busy('retrieve')} @click=${this.#retrieve}>Retrieve token</button>
      </div>
      ${this.#outcome('refresh', (v) => `Refreshed: ${tokenUntil(v)}`, 'Refreshing…')}
      ${this.#outcome('retrieve', (v) => `Retrieved: ${tokenUntil(v)}`, 'Retrieving…')}
      <div class="row">
        <label>Seed <input part="seed-input" type="text" placeholder="empty = random" .value=${this._seed}
          @input=${(e: Event) => (this._seed = (e.target as HTMLInputElement).value)}
          @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && !snap.signedIn && this.#regenerate()} /></label>
        <button part="regenerate-button" ?disabled=${snap.signedIn} aria-disabled=${busy('regenerate')} aria-describedby=${snap.signedIn ? 'regen-reason' : nothing} @click=${this.#regenerate}>Regenerate UUID</button>
      </div>
      ${snap.signedIn ? html`<p class="note" id="regen-reason">Sign out first: the UUID stays fixed while a customer is signed in.</p>` : nothing}
      ${this.#outcome('regenerate', (v) => (v ? `New UUID ${snap.uuid}` : 'Unchanged: a customer is signed in'), 'Regenerating…')}
      <div class="row">
        <button part="destroy-button" class="danger" aria-disabled=${busy('destroy')} aria-expanded=${this._confirmingDestroy} @click=${this.#askDestroy}>Destroy session</button>
      </div>
      ${this._confirmingDestroy
        ? html`<div class="confirm" role="group" aria-label="Confirm destroy">
            <p>Clear the UUID, token and login, and start a new anonymous session?</p>
            <button @click=${this.#cancelDestroy}>Cancel</button>
            <button part="destroy-confirm" class="danger primary" @click=${this.#confirmDestroy}>Yes, destroy</button>
          </div>`
        : nothing}
      ${this.#outcome('destroy', (v) => (v === 'cancelled' ? 'Cancelled by the page' : `Destroyed: new UUID ${snap.uuid}`), 'Destroying…')}
      ${snap.signedIn || snap.login
        ? html`<div class="row">
            <button part="sign-out-button" aria-disabled=${busy('sign-out')} @click=${() => this.#signOut('SIGN_OUT')}>Sign out</button>
            <button aria-disabled=${busy('sign-out')} @click=${() => this.#signOut('SIGN_OUT_WITH_SESSION_DESTROY')}>Sign out and destroy session</button>
          </div>`
        : nothing}
      ${!snap.signedIn
        ? html`<form class="row" @submit=${this.#signIn} aria-label="Sign in">
            <input type="text" aria-label="Login" placeholder="login" autocomplete="off" .value=${this._login}
              @input=${(e: Event) => (this._login = (e.target as HTMLInputElement).value)} />
            <input type="password" aria-label="Password" placeholder="password" autocomplete="off" .value=${this._password}
              @input=${(e: Event) => (this._password = (e.target as HTMLInputElement).value)} />
            <button part="sign-in-button" type="submit" aria-disabled=${busy('sign-in')}>Sign in</button>
          </form>`
        : nothing}
      ${this.#outcome('sign-in', () => `Signed in as ${snap.login ?? ''}`, 'Signing in…')}
      ${this.#outcome('sign-out', () => 'Signed out', 'Signing out…')}
    </section>`;
  }

  #backend(snap: SessionSnapshot): TemplateResult {
    const { backend, storage } = snap;
    const last = backend.lastRequest;
    return html`<section aria-labelledby="h-backend">
      <h3 id="h-backend">Backend and storage</h3>
      <dl>
        <dt>Backend</dt>
        <dd data-field="backend"><strong>${backend.kind}</strong>${backend.endpoint ? html` <span class="muted">${backend.endpoint}</span>` : nothing}</dd>
        <dt>Last request</dt>
        <dd data-field="last-request">
          ${last
            ? html`<span><span class="value">${last.target}</span> <strong class=${last.ok ? 'ok' : 'error'}>${last.status ?? (last.ok ? 'ok' : 'failed')}</strong>
                  <span class="muted">· ${duration(last.durationMs)}${last.attempt > 1 ? ` · attempt ${last.attempt}` : ''} · ${relativeTime(last.at - this.#sessionNow())}</span></span>
                ${last.error ? html`<span class="error">${last.error.code} ${last.error.kind}: ${last.error.message}</span>` : nothing}`
            : html`<span class="muted">none yet</span>`}
        </dd>
        <dt>Storage</dt>
        <dd data-field="storage">
          ${storage.kind} ·
          ${storage.persistent ? 'persistent' : storage.kind === 'memory' && !storage.note ? 'in memory only' : html`<strong class="error">not persisting</strong>`}
          ${storage.note ? html`<span class="muted">${storage.note}</span>` : nothing}
          ${storage.backupKey ? html`<span class="muted">backup kept under <code>${storage.backupKey}</code></span>` : nothing}
        </dd>
        <dt>Auto refresh</dt>
        <dd>${snap.autoRefresh ? `on, ${Math.round(snap.refreshMarginMs / 1000)} s before expiry` : 'off'}</dd>
      </dl>
    </section>`;
  }

  #faults(snap: SessionSnapshot): TemplateResult {
    const faults = snap.backend.faults!;
    const armed = Object.entries(faults.failNext).map(([call, e]) => `${call} → ${e?.kind ?? 'error'}`);
    const busy = this._actions.pending('fault');
    return html`<section aria-labelledby="h-faults">
      <h3 id="h-faults">Fault injection</h3>
      <div class="row">
        <button ?disabled=${!snap.token} aria-disabled=${busy} @click=${() => this.#fault('expireToken', [], 'Token expired')}>Expire token now</button>
        <button aria-disabled=${busy} @click=${() => this.#fault('issueExpiredNext', [], 'Next token will be expired')}>Issue expired token next</button>
        <label><input type="checkbox" .checked=${faults.offline} aria-disabled=${busy}
          @change=${(e: Event) => {
            const on = (e.target as HTMLInputElement).checked;
            void this.#fault('setOffline', [on], on ? 'Backend offline' : 'Backend online');
          }} /> Offline</label>
      </div>
      <div class="row">
        <label>Fail next
          <select aria-label="Call to fail" @change=${(e: Event) => (this._failCall = (e.target as HTMLSelectElement).value as BackendCall)}>
            ${(['refresh', 'anonymous', 'signIn', 'signOut'] as const).map((c) => html`<option value=${c} ?selected=${c === this._failCall}>${c}</option>`)}
          </select></label>
        <label>with
          <select aria-label="Error to fail with" @change=${(e: Event) => (this._failError = (e.target as HTMLSelectElement).value)}>
            ${Object.keys(FAULT_ERRORS).map((k) => html`<option value=${k} ?selected=${k === this._failError}>${k}</option>`)}
          </select></label>
        <button aria-disabled=${busy} @click=${() => this.#fault('failNext', [this._failCall, FAULT_ERRORS[this._failError] ?? null], `Next ${this._failCall} call will fail`)}>Arm</button>
        <button aria-disabled=${busy} @click=${() => this.#fault('clearFaults', [], 'Faults cleared')}>Clear faults</button>
      </div>
      <p class="note" data-field="faults">
        ${faults.offline ? 'Offline. ' : ''}${armed.length ? `Armed: ${armed.join(', ')}. ` : ''}${faults.expiredNext ? 'Next token expired. ' : ''}${!faults.offline && !armed.length && !faults.expiredNext ? 'No fault armed.' : ''}
      </p>
      ${this.#outcome('fault', (v) => String(v), 'Working…')}
    </section>`;
  }

  #log(): TemplateResult {
    const id = this.#selected()!.id;
    const store = this._binding.log(id);
    const total = store.length;
    const held = this._binding.held.get(id)?.length ?? 0;
    const view = this.renderRoot.querySelector<HTMLElement>('.log-view');
    const visible = Math.ceil((view?.clientHeight || LOG_VIEW_FALLBACK_HEIGHT) / ROW_HEIGHT) + 2;
    const first = this.#followLog ? Math.max(0, total - visible) : Math.min(this._logFirstRow, Math.max(0, total - visible));
    const origin = store.origin ?? 0;
    const rows: PanelLogEntry[] = [];
    for (let i = first; i < Math.min(total, first + visible); i++) rows.push(store.at(i)!);
    return html`<section part="log" aria-labelledby="h-log" class="wide">
      <h3 id="h-log">Operation log <span class="count" data-field="log-count">${total}${total !== store.size ? ` of ${store.size}` : ''} entries</span></h3>
      <div class="log-tools">
        <input type="search" aria-label="Filter log" placeholder="filter" .value=${this._logText}
          @input=${(e: Event) => {
            this._logText = (e.target as HTMLInputElement).value;
            this.#applyFilter();
          }} />
        <select aria-label="Kind" @change=${(e: Event) => {
          this._logKind = (e.target as HTMLSelectElement).value as LogKindFilter;
          this.#applyFilter();
        }}>
          ${(['', 'operation', 'event', 'error', 'request', 'storage', 'connection'] as const).map(
            (k) => html`<option value=${k} ?selected=${k === this._logKind}>${k || 'all kinds'}</option>`,
          )}
        </select>
        <button aria-pressed=${this._binding.paused} @click=${() => this._binding.setPaused(!this._binding.paused)}>${this._binding.paused ? `Resume${held ? ` (${held} new)` : ''}` : 'Pause'}</button>
        <button @click=${this.#clearLog}>Clear</button>
        <button @click=${this.#export}>Export JSON</button>
        <label><input type="checkbox" .checked=${this._includeTokens} @change=${(e: Event) => (this._includeTokens = (e.target as HTMLInputElement).checked)} /> include tokens</label>
      </div>
      <div class="log-view" tabindex="0" role="region" aria-label="Log entries" @scroll=${this.#onLogScroll}>
        ${total === 0
          ? html`<div class="log-empty">${store.size ? 'No entry matches the filter.' : 'No entries yet.'}</div>`
          : html`<div style="height:${total * ROW_HEIGHT}px"></div>
              <ol style="transform:translateY(${first * ROW_HEIGHT}px)">
                ${rows.map(
                  (e) => html`<li class=${e.outcome ? `o-${e.outcome}` : ""} title=${e.error ? `${e.message} (${e.error.code} ${e.error.kind})` : e.message}>
                    <span class="t">${relativeStamp(e.at, origin)}</span><span class="k">${e.kind}</span><span class="m">${e.message}${e.error ? ` (${e.error.code} ${e.error.kind})` : ''}</span><span class="d">${e.durationMs === undefined ? '' : duration(e.durationMs)}</span>
                  </li>`,
                )}
              </ol>`}
      </div>
    </section>`;
  }
}

/** Copies through the async Clipboard API, falling back to a hidden textarea (DevTools panels block the API). */
async function writeClipboard(text: string, root: ShadowRoot): Promise<void> {
  try {
    if (!navigator.clipboard) throw new Error('no clipboard');
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.cssText = 'position:fixed;opacity:0';
    root.appendChild(area);
    area.select();
    const ok = typeof document.execCommand === 'function' && document.execCommand('copy');
    area.remove();
    if (!ok) throw new Error('The clipboard is not available here');
  }
}
