import { html, type LitElement, type TemplateResult } from 'lit';
import { errorInfoOf } from '../../src/core/errors.js';
import type { ErrorInfo, FaultState, SessionSnapshot, SignOutMode } from '../../src/core/types.js';
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
 * The actions that may change who the session is (or whether a customer is signed in), and the fault switches
 * (Expire token now ends a customer's sign-in). When the identity changes, their outcome is kept if they were
 * started under the identity that just ended: they are what caused the change.
 */
const CAUSES: ReadonlySet<PanelAction> = new Set<PanelAction>(['sign-in', 'sign-out', 'destroy', 'regenerate', 'fault', 'clock']);

/** A "copied" line stays this long beside its Copy button, then goes. */
export const COPY_NOTE_MS = 3000;

/** What Copy's outcome holds: which value was copied (the line shows beside that value's button). */
export interface CopyOutcome {
  readonly what: 'uuid' | 'token';
  readonly text: string;
}

/** What a fault switch's outcome line holds: its words, and while it applies, the state that shows it is still armed. */
export interface FaultOutcome {
  readonly text: string;
  /** Whether the switch is still armed in `faults`; absent for one-off commands (expire now, clear). */
  readonly armed?: (faults: FaultState) => boolean;
  /** Set once a snapshot showed it armed (a snapshot may arrive after the command's answer). */
  seenArmed?: boolean;
}

/** What Regenerate UUID's outcome holds: whether it ran, the UUID before, and the UUID when it finished. */
export interface RegenerateOutcome {
  readonly changed: boolean;
  readonly before: string | undefined;
  readonly uuid: string | undefined;
}

/** What Sign out's outcome holds: the mode, and the UUID after (a new one when the session was destroyed too). */
export interface SignOutOutcome {
  readonly mode: SignOutMode;
  readonly uuid: string | undefined;
}

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
    /** The bound session's latest snapshot: outcomes capture what they report (a new UUID) when they finish. */
    private readonly current: () => SessionSnapshot | undefined,
  ) {
    super(element);
  }

  #copyTimer: ReturnType<typeof setTimeout> | undefined;

  override hostDisconnected(): void {
    clearTimeout(this.#copyTimer);
    this.#copyTimer = undefined;
    super.hostDisconnected();
  }

  /** The Copy line for one value, beside its button: shown only when that value was the one copied. */
  copyOutcome(what: 'uuid' | 'token'): TemplateResult {
    const s = this.state<CopyOutcome>('copy');
    if (s.value?.what !== what && s.status !== ActionStatus.PENDING) return html``;
    return this.outcome('copy', (v) => (v as CopyOutcome).text, '');
  }

  /** The session's identity (session, UUID, login, signed in or not) as last seen, and how many times it changed. */
  #identity: string | undefined;
  #epoch = 0;

  /** Outcomes are stamped with the identity epoch they were started in. */
  protected override stamp(): number {
    return this.#epoch;
  }

  /**
   * Call before each render with the session's identity. When it changed, every outcome shown is dropped (it was
   * about the session as it was), except the outcome of the action that caused the change: a sign-in, sign-out,
   * destroy, regenerate or fault switch started under the identity that just ended. Runs in flight stay.
   */
  syncIdentity(identity: string): void {
    if (this.#identity !== undefined && identity !== this.#identity) {
      const ending = this.#epoch;
      // Only the latest such action is the cause: a regenerate that changed nothing, then a destroy, keeps the destroy's.
      const cause = this.#lastCause?.epoch === ending ? this.#lastCause.key : null;
      this.clearSettled((key, stamp) => key === cause && stamp === ending);
      this.#epoch++;
    }
    this.#identity = identity;
  }

  /** The action that may change the identity started last, and under which identity epoch. */
  #lastCause: { readonly key: PanelAction; readonly epoch: number } | null = null;

  override run<V>(key: PanelAction, fn: (signal: AbortSignal) => Promise<Outcome<V>>): Promise<Outcome<V> | null> {
    if (CAUSES.has(key)) this.#lastCause = { key, epoch: this.#epoch };
    return super.run(key, fn);
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
    const before = this.current()?.uuid;
    const r = await this.#run('regenerate', 'regenerateUUID', [given], (changed): RegenerateOutcome => ({ changed, before, uuid: this.current()?.uuid }));
    if (r?.ok) {
      const same = r.value.changed && r.value.uuid === before;
      this.#succeeded(!r.value.changed ? 'UUID unchanged: a customer is signed in' : same ? 'Same UUID again: the seed gives it' : 'UUID regenerated', new SessionRegenerateEvent(given, r.value.changed));
    }
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
    const r = await this.#run('destroy', 'destroySession', [], () => this.current()?.uuid);
    if (r?.ok) this.#succeeded('Session destroyed', new SessionDestroyedEvent(id));
  }

  /** Resolves true when signed in (the caller then forgets the password). */
  async signIn(login: string, password: string): Promise<boolean> {
    const r = await this.#run('sign-in', 'signIn', [login, password], () => login);
    if (r?.ok) this.#succeeded(`Signed in as ${login}`, new SessionSignInEvent(login));
    return !!r?.ok;
  }

  async signOut(mode: SignOutMode): Promise<void> {
    const r = await this.#run('sign-out', 'signOut', [mode], (): SignOutOutcome => ({ mode, uuid: this.current()?.uuid }));
    if (r?.ok) this.#succeeded(mode === 'SIGN_OUT' ? 'Signed out' : 'Signed out and session destroyed', new SessionSignOutEvent(mode));
  }

  /** A clock or token-lifetime command (the Clock section); its outcome line says `done`. */
  async clock<C extends 'shiftClock' | 'resetClock' | 'setTokenTtl'>(command: C, args: CommandArgs<C>, done: string): Promise<void> {
    const r = await this.#run('clock', command, args, () => done);
    if (r?.ok) this.announce(done);
  }

  /**
   * A fault-injection command; on success its outcome line says `done` (the commands themselves answer nothing).
   * `armed` says whether the switch it set is still armed: the line goes once it is not (see FaultSection.sync).
   */
  async fault<C extends CommandName>(command: C, args: CommandArgs<C>, done: string, armed?: (faults: FaultState) => boolean): Promise<void> {
    const r = await this.#run('fault', command, args, (): FaultOutcome => (armed ? { text: done, armed } : { text: done }));
    if (r?.ok) this.announce(done);
  }

  /** Copies the real value (never the mask); the event says what was copied, not the value. */
  async copy(what: 'uuid' | 'token', text: string): Promise<void> {
    const done = what === 'uuid' ? 'UUID copied' : 'Token copied';
    clearTimeout(this.#copyTimer);
    try {
      await writeClipboard(text, this.element.renderRoot as ShadowRoot);
      this.settle('copy', { status: ActionStatus.COMPLETE, value: { what, text: done } satisfies CopyOutcome });
      // A note, not a record: it goes after a moment (and with the element).
      this.#copyTimer = setTimeout(() => this.reset('copy'), COPY_NOTE_MS);
      this.#succeeded(done, new SessionCopyEvent(what));
    } catch (error) {
      const info = { code: 0, kind: 'clipboard', message: error instanceof Error ? error.message : 'The clipboard is not available here' };
      this.settle('copy', { status: ActionStatus.ERROR, error: info, value: { what, text: '' } satisfies CopyOutcome });
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

  /**
   * Runs `command` as `action`; resolves null when a later click superseded it. Failures are reported here.
   * `capture` turns the command's answer into what the outcome line shows, at the moment the answer arrives: an
   * outcome says what happened then, and never re-reads the session's state later.
   */
  async #run<C extends CommandName, V = SessionCommands[C]['result']>(
    action: PanelAction,
    command: C,
    args: CommandArgs<C>,
    capture?: (value: SessionCommands[C]['result']) => V,
  ): Promise<Outcome<V> | null> {
    const result = await this.run<V>(action, async (signal) => {
      const r = await this.request(command, args, signal);
      return r.ok ? { ok: true, value: capture ? capture(r.value) : (r.value as V) } : r;
    });
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
