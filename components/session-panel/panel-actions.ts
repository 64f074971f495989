import { html, type LitElement, type TemplateResult } from 'lit';
import { errorInfoOf } from '../../src/core/errors.js';
import type { ErrorInfo, SignOutMode } from '../../src/core/types.js';
import type { CommandArgs, CommandName, CommandResult, SessionCommands } from '../../src/protocol/commands.js';
import type { SessionTransport } from '../../src/transport/types.js';
import { ActionController, ActionStatus, type Outcome } from './action-controller.js';
import { writeClipboard } from './clipboard.js';
import {
  SessionCopyEvent,
  SessionDestroyedEvent,
  SessionDestroyEvent,
  SessionErrorEvent,
  SessionRefreshEvent,
  SessionRegenerateEvent,
  SessionRetrieveEvent,
  SessionSignInEvent,
  SessionSignOutEvent,
  type PanelAction,
} from './events.js';

/** Where commands go: the bound session and the transport that reaches it, or null while there is none. */
export type CommandTarget = { readonly id: string; readonly transport: SessionTransport } | null;

/** The outcome line's class per ActionStatus (INITIAL, PENDING, COMPLETE, ERROR). */
const OUTCOME_CLASS = ['', 'pending', 'ok', 'error'] as const;

/**
 * What the panel's buttons do. An ActionController over the panel's actions (one outcome per action, a superseded
 * click's answer dropped), where each action then says how it went three ways: the outcome line under its button
 * (`outcome()`), the live region (`announce`), and its public `session-*` event, or `session-error` when it failed.
 * The sections only call these methods; none of them talks to the transport or fires events itself.
 */
export class PanelActions extends ActionController<PanelAction> {
  constructor(
    /** The element: events are fired from it, and the clipboard fallback works inside its shadow root. */
    private readonly element: LitElement,
    private readonly target: () => CommandTarget,
    private readonly announce: (text: string) => void,
  ) {
    super(element);
  }

  /** Sends a command to the bound session; with none, answers a `no-session` error without throwing. */
  request<C extends CommandName>(command: C, args: CommandArgs<C>, signal?: AbortSignal): Promise<CommandResult<C>> {
    const target = this.target();
    if (!target) return Promise.resolve({ ok: false, error: errorInfoOf('no-session', 'No session to act on') });
    return target.transport.request(target.id, command, args, { signal });
  }

  async refresh(): Promise<void> {
    const r = await this.#run('refresh', 'refreshToken', []);
    if (r?.ok) this.#succeeded('Token refreshed', new SessionRefreshEvent(r.value?.expiresAt ?? null));
  }

  async retrieve(): Promise<void> {
    const r = await this.#run('retrieve', 'retrieveToken', []);
    if (r?.ok) this.#succeeded('Token retrieved', new SessionRetrieveEvent(r.value?.expiresAt ?? null));
  }

  /** `seed` empty means a random UUID. A signed-in session answers `false` (its UUID stays). */
  async regenerate(seed: string): Promise<void> {
    const given = seed === '' ? null : seed;
    const r = await this.#run('regenerate', 'regenerateUUID', [given]);
    if (r?.ok) this.#succeeded(r.value ? 'UUID regenerated' : 'UUID unchanged: a customer is signed in', new SessionRegenerateEvent(given, r.value));
  }

  /** Asks the page first with a cancelable `session-destroy`; only an uncancelled request destroys the session. */
  async destroy(): Promise<void> {
    const id = this.target()?.id;
    if (!id) return;
    if (!this.element.dispatchEvent(new SessionDestroyEvent(id))) {
      this.settle('destroy', { status: ActionStatus.COMPLETE, value: 'cancelled' });
      this.announce('Destroy cancelled by the page');
      return;
    }
    const r = await this.#run('destroy', 'destroySession', []);
    if (r?.ok) this.#succeeded('Session destroyed', new SessionDestroyedEvent(id));
  }

  /** Resolves true when signed in (the caller then forgets the password). */
  async signIn(login: string, password: string): Promise<boolean> {
    const r = await this.#run('sign-in', 'signIn', [login, password]);
    if (r?.ok) this.#succeeded(`Signed in as ${login}`, new SessionSignInEvent(login));
    return !!r?.ok;
  }

  async signOut(mode: SignOutMode): Promise<void> {
    const r = await this.#run('sign-out', 'signOut', [mode]);
    if (r?.ok) this.#succeeded('Signed out', new SessionSignOutEvent(mode));
  }

  /** A fault-injection command; on success its outcome line says `done` (the commands themselves answer nothing). */
  async fault<C extends CommandName>(command: C, args: CommandArgs<C>, done: string): Promise<void> {
    const r = await this.#run('fault', command, args);
    if (r?.ok) {
      this.settle('fault', { status: ActionStatus.COMPLETE, value: done });
      this.announce(done);
    }
  }

  /** Copies the real value (never the mask); the event says what was copied, not the value. */
  async copy(what: 'uuid' | 'token', text: string): Promise<void> {
    const done = what === 'uuid' ? 'UUID copied' : 'Token copied';
    try {
      await writeClipboard(text, this.element.renderRoot as ShadowRoot);
      this.settle('copy', { status: ActionStatus.COMPLETE, value: done });
      this.#succeeded(done, new SessionCopyEvent(what));
    } catch (error) {
      const info = { code: 0, kind: 'clipboard', message: error instanceof Error ? error.message : 'The clipboard is not available here' };
      this.settle('copy', { status: ActionStatus.ERROR, error: info });
      this.#failed('copy', info);
    }
  }

  /** The line under an action that says how it went: `pending` text, the result in words, or the error with its code. */
  outcome(action: PanelAction, complete: (value: unknown) => string, pending: string): TemplateResult {
    const { status } = this.state(action);
    return html`<div class="outcome ${OUTCOME_CLASS[status]}" data-outcome=${action} ?hidden=${status === ActionStatus.INITIAL}>
      ${this.render<unknown>(action, {
        pending: () => pending,
        complete,
        error: (e) => `Error ${e.code} ${e.kind}: ${e.message}`,
      })}
    </div>`;
  }

  /** Runs `command` as `action`; resolves null when a later click superseded it. Failures are reported here. */
  async #run<C extends CommandName>(action: PanelAction, command: C, args: CommandArgs<C>): Promise<Outcome<SessionCommands[C]['result']> | null> {
    const result = await this.run<SessionCommands[C]['result']>(action, (signal) => this.request(command, args, signal));
    if (result && !result.ok) this.#failed(action, result.error);
    return result;
  }

  #succeeded(announcement: string, event: Event): void {
    this.announce(announcement);
    this.element.dispatchEvent(event);
  }

  #failed(action: PanelAction, error: ErrorInfo): void {
    this.announce(`${action} failed: ${error.code} ${error.kind}: ${error.message}`);
    this.element.dispatchEvent(new SessionErrorEvent(action, error));
  }
}
