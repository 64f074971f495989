import { html, nothing, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { SessionSnapshot, TokenRecord } from '../../src/core/types.js';
import type { PanelAction } from './events.js';
import { focusAfterUpdate } from './focus.js';
import { dateTime } from './format.js';
import type { PanelActions, RegenerateOutcome, SignOutOutcome } from './panel-actions.js';

type Field = 'seed' | 'login' | 'password';

/**
 * The Actions section: Refresh and Retrieve token, Seed + Regenerate UUID, Destroy session behind a confirmation
 * step, sign in and out. It owns what the user typed and whether the confirmation is open; the actions themselves
 * are PanelActions'. Listeners are arrows because Lit calls them with the host element as `this`.
 */
export class ActionsSection {
  readonly #typed: Record<Field, string> = { seed: '', login: '', password: '' };
  /** The destroy confirmation is open (Escape closes it). */
  confirming = false;
  /** The login the sign-in form was last prefilled with for an expired customer session. */
  #prefilledFor: string | null = null;
  /** A sign-in to a session of another origin, waiting for the user to confirm sending the password there. */
  #confirmingSignIn = false;

  constructor(
    private readonly host: ReactiveControllerHost & { readonly renderRoot: ParentNode },
    private readonly actions: PanelActions,
  ) {}

  /**
   * The panel moved to another session under it: closes the confirmations without moving focus and forgets what was
   * typed (password, seed, login), so nothing typed for one session can be sent to another.
   */
  reset(): void {
    this.confirming = false;
    this.#confirmingSignIn = false;
    this.#typed.seed = this.#typed.login = this.#typed.password = '';
    this.#prefilledFor = null;
    this.host.requestUpdate();
  }

  /** Closes the confirmation and puts focus back on Destroy session. */
  cancelDestroy = (): void => {
    this.reset();
    focusAfterUpdate(this.host, '[part="destroy-button"]');
  };

  /**
   * `signedIn` is judged live on the session clock: Regenerate and sign-in open up once a customer token ran out.
   * A customer login still stored without a live customer token is an expired customer session: the section says
   * so and offers what works then, signing in again (the login prefilled) or signing out.
   */
  /**
   * `crossOrigin` names the session's origin when it is not the top page's (a frame of another origin): a password
   * goes there only after a confirmation naming it.
   */
  render(snap: SessionSnapshot, signedIn: boolean, crossOrigin: string | null = null): TemplateResult {
    this.#crossOrigin = crossOrigin;
    const busy = (action: PanelAction): boolean => this.actions.pending(action);
    const expiredFor = !signedIn && snap.login ? snap.login : null;
    if (expiredFor !== this.#prefilledFor) {
      if (expiredFor) this.#typed.login = expiredFor;
      this.#prefilledFor = expiredFor;
    }
    const tokenUntil = (v: unknown): string => {
      const t = v as TokenRecord | null;
      return t ? `valid until ${dateTime(t.expiresAt)}` : 'no token';
    };
    return html`<section aria-labelledby="h-actions">
      <h3 id="h-actions">Actions</h3>
      <div class="row">
        <button part="refresh-button" aria-disabled=${busy('refresh')} @click=${() => this.actions.refresh()}>Refresh token</button>
        <button part="retrieve-button" aria-disabled=${busy('retrieve')} @click=${() => this.actions.retrieve()}>Retrieve token</button>
      </div>
      ${this.actions.outcome('refresh', (v) => `Refreshed: ${tokenUntil(v)}`, 'Refreshing…')}
      ${this.actions.outcome('retrieve', (v) => `Retrieved: ${tokenUntil(v)}`, 'Retrieving…')}
      <div class="row">
        <label>Seed <input part="seed-input" type="text" placeholder="empty = random" .value=${this.#typed.seed}
          @input=${this.#onInput('seed')}
          @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && !signedIn && this.#regenerate()} /></label>
        <button part="regenerate-button" ?disabled=${signedIn} aria-disabled=${busy('regenerate')} aria-describedby=${signedIn ? 'regen-reason' : nothing} @click=${this.#regenerate}>Regenerate UUID</button>
      </div>
      ${signedIn ? html`<p class="note" id="regen-reason">Sign out first: the UUID stays fixed while a customer is signed in.</p>` : nothing}
      ${this.actions.outcome('regenerate', (v) => regenerated(v as RegenerateOutcome), 'Regenerating…')}
      <div class="row">
        <button part="destroy-button" class="danger" aria-disabled=${busy('destroy')} aria-expanded=${this.confirming} @click=${this.#askDestroy}>Destroy session</button>
      </div>
      ${this.confirming
        ? html`<div class="confirm" role="group" aria-label="Confirm destroy">
            <p>Clear the UUID, token and login, and start a new anonymous session?</p>
            <button @click=${this.cancelDestroy}>Cancel</button>
            <button part="destroy-confirm" class="danger primary" @click=${this.#confirmDestroy}>Yes, destroy</button>
          </div>`
        : nothing}
      ${this.actions.outcome('destroy', (v) => (v === 'cancelled' ? 'Cancelled by the page' : `Destroyed${v ? `: new UUID ${String(v)}` : ''}`), 'Destroying…')}
      ${expiredFor
        ? html`<p class="flag warn" id="session-expired" data-field="session-expired">
            Session expired for <strong>${expiredFor}</strong>: sign in again, or sign out to continue anonymously.
          </p>`
        : nothing}
      ${signedIn || expiredFor
        ? html`<div class="row">
            <button part="sign-out-button" aria-disabled=${busy('sign-out')} aria-describedby=${expiredFor ? 'session-expired' : nothing} @click=${() => this.actions.signOut('SIGN_OUT')}>Sign out</button>
            ${expiredFor
              ? nothing
              : html`<button aria-disabled=${busy('sign-out')} @click=${() => this.actions.signOut('SIGN_OUT_WITH_SESSION_DESTROY')}>Sign out and destroy session</button>`}
          </div>`
        : nothing}
      ${!signedIn
        ? html`<form class="row" @submit=${this.#signIn} aria-label="Sign in">
            <input type="text" aria-label="Login" placeholder="login" autocomplete="off" .value=${this.#typed.login} @input=${this.#onInput('login')} />
            <input type="password" aria-label="Password" placeholder="password" autocomplete="off" .value=${this.#typed.password} @input=${this.#onInput('password')} />
            <button part="sign-in-button" type="submit" aria-disabled=${busy('sign-in')}>Sign in</button>
          </form>`
        : nothing}
      ${!signedIn && this.#confirmingSignIn && crossOrigin
        ? html`<div class="confirm" role="group" aria-label="Confirm sign-in to another origin" data-field="sign-in-confirm">
            <p>This session is not the top page's: it lives in <strong>${crossOrigin}</strong>. Send the password to <strong>${crossOrigin}</strong>?</p>
            <button @click=${this.#cancelSignIn}>Cancel</button>
            <button part="sign-in-confirm" class="primary" @click=${this.#confirmSignIn}>Send to ${crossOrigin}</button>
          </div>`
        : nothing}
      ${this.actions.outcome('sign-in', (login) => `Signed in as ${String(login)}`, 'Signing in…')}
      ${this.actions.outcome('sign-out', (v) => signedOut(v as SignOutOutcome), 'Signing out…')}
    </section>`;
  }

  #onInput(field: Field): (e: Event) => void {
    return (e) => {
      this.#typed[field] = (e.target as HTMLInputElement).value;
      this.host.requestUpdate();
    };
  }

  #regenerate = (): Promise<void> => this.actions.regenerate(this.#typed.seed);

  /** Opens the confirmation with focus on Cancel, the safe choice. */
  #askDestroy = (): void => {
    this.confirming = true;
    this.host.requestUpdate();
    focusAfterUpdate(this.host, '.confirm button');
  };

  #confirmDestroy = (): Promise<void> => {
    this.cancelDestroy();
    return this.actions.destroy();
  };

  #crossOrigin: string | null = null;

  #signIn = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (this.#crossOrigin) {
      // Another origin's session: ask first, with focus on Cancel, the safe choice.
      this.#confirmingSignIn = true;
      this.host.requestUpdate();
      focusAfterUpdate(this.host, '[data-field="sign-in-confirm"] button');
      return;
    }
    await this.#sendSignIn();
  };

  #cancelSignIn = (): void => {
    this.#confirmingSignIn = false;
    this.host.requestUpdate();
    focusAfterUpdate(this.host, '[part="sign-in-button"]');
  };

  #confirmSignIn = (): Promise<void> => {
    this.#confirmingSignIn = false;
    this.host.requestUpdate();
    return this.#sendSignIn();
  };

  #sendSignIn = async (): Promise<void> => {
    if (await this.actions.signIn(this.#typed.login, this.#typed.password)) {
      this.#typed.password = '';
      this.host.requestUpdate();
    }
  };
}

/** Regenerate's outcome, from what it captured when it finished (never the UUID shown now). */
function regenerated(v: RegenerateOutcome): string {
  if (!v.changed) return 'Unchanged: a customer is signed in';
  // The same seed on the same device gives the same UUID: nothing new to announce but the cleared data.
  if (v.uuid && v.uuid === v.before) return `Same UUID ${v.uuid}: this seed gives it again (customer data and token cleared, new anonymous token)`;
  return v.uuid ? `New UUID ${v.uuid}` : 'New UUID';
}

/** Sign out's outcome: with session destroy, it says so and names the new UUID. */
function signedOut(v: SignOutOutcome): string {
  if (v.mode === 'SIGN_OUT') return 'Signed out';
  return `Signed out and session destroyed${v.uuid ? `: new UUID ${v.uuid}` : ''}`;
}
