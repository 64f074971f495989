import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { SessionSnapshot, TokenStatus } from '../../src/core/types.js';
import { countdown, dateTime, relativeTime } from './format.js';
import type { PanelActions } from './panel-actions.js';

/** Length of the token mask, whatever the token's length (the mask must not leak it). */
export const TOKEN_MASK = '•'.repeat(16);
/** A revealed token hides itself again after this long. */
export const REVEAL_TIMEOUT_MS = 30_000;

/**
 * The Token section: status badge and live countdown, where the token came from, and the token itself masked to a
 * fixed length, with Reveal and Copy. It owns whether the token is shown in clear, and the timer that masks it
 * again after REVEAL_TIMEOUT_MS; the timer is cleared whenever the token is hidden, including on disconnect, so a
 * removed panel leaves no timer behind.
 */
export class TokenSection implements ReactiveController {
  #revealed = false;
  /** Local time the revealed token hides again (the note counts down to it with the panel's 1 s tick). */
  #hidesAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly actions: PanelActions,
  ) {
    host.addController(this);
  }

  hide(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#revealed) return;
    this.#revealed = false;
    this.host.requestUpdate();
  }

  hostDisconnected(): void {
    this.hide();
  }

  /** `status` and `now` are on the session clock. */
  render(snap: SessionSnapshot, status: TokenStatus, now: number): TemplateResult {
    const token = snap.token;
    if (!token) {
      return html`<section aria-labelledby="h-token">
        <h3 id="h-token">Token</h3>
        <p><span class="badge none" part="token-status">none</span> <span class="muted">No token yet: Retrieve token asks for one.</span></p>
      </section>`;
    }
    const left = token.expiresAt - now;
    const revealed = this.#revealed;
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
          <span class="value" part="token">${revealed ? token.tokenString : TOKEN_MASK}</span>
          <button class="small" aria-pressed=${revealed} @click=${this.#toggle}>${revealed ? 'Hide' : 'Reveal'}</button>
          <button class="small" aria-label="Copy token" @click=${() => this.actions.copy('token', token.tokenString)}>Copy</button>
          ${this.actions.copyOutcome('token')}
        </dd>
      </dl>
      ${revealed ? html`<p class="note" data-field="reveal-note">Hides again in ${Math.max(1, Math.ceil((this.#hidesAt - Date.now()) / 1000))} s.</p>` : nothing}
    </section>`;
  }

  /** An arrow: Lit calls event listeners with the host element as `this`. */
  #toggle = (): void => {
    if (this.#revealed) return this.hide();
    this.#revealed = true;
    this.#hidesAt = Date.now() + REVEAL_TIMEOUT_MS;
    this.#timer = setTimeout(() => this.hide(), REVEAL_TIMEOUT_MS);
    this.host.requestUpdate();
  };
}
