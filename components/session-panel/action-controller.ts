import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ErrorInfo } from '../../src/core/types.js';

/** Where one action stands, as @lit/task's TaskStatus. */
export const ActionStatus = { INITIAL: 0, PENDING: 1, COMPLETE: 2, ERROR: 3 } as const;
export type ActionStatus = (typeof ActionStatus)[keyof typeof ActionStatus];

export interface ActionState<V = unknown> {
  readonly status: ActionStatus;
  readonly value?: V;
  readonly error?: ErrorInfo;
}

/** The shape of a transport's CommandResult, for any value type. */
export type Outcome<V> = { readonly ok: true; readonly value: V } | { readonly ok: false; readonly error: ErrorInfo };

export interface ActionRenderers<V> {
  initial?: () => unknown;
  pending?: () => unknown;
  complete?: (value: V) => unknown;
  error?: (error: ErrorInfo) => unknown;
}

/**
 * Runs the panel's actions, shaped like @lit/task: one status per action key, an AbortSignal passed to each run,
 * results of a superseded run dropped (Refresh clicked twice shows the second answer only), a promise to await
 * (`taskComplete`), and `render()` to pick a template per status. It owns no timers and needs no cleanup beyond
 * aborting what is in flight when the host disconnects.
 */
export class ActionController<K extends string = string> implements ReactiveController {
  #states = new Map<K, ActionState>();
  #runs = new Map<K, AbortController>();
  /** Per key, what `stamp()` said when its run started (or when its outcome was settled without a run). */
  #stamps = new Map<K, number>();
  #last: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** Settles when the latest run started (of any action) has settled. */
  get taskComplete(): Promise<unknown> {
    return this.#last;
  }

  state<V>(key: K): ActionState<V> {
    return (this.#states.get(key) as ActionState<V> | undefined) ?? { status: ActionStatus.INITIAL };
  }

  pending(key: K): boolean {
    return this.state(key).status === ActionStatus.PENDING;
  }

  /**
   * Starts `key`, aborting a run of the same key still in flight. Resolves with the result, or null when this run
   * was superseded or aborted (its result is then dropped, never shown).
   */
  run<V>(key: K, fn: (signal: AbortSignal) => Promise<Outcome<V>>): Promise<Outcome<V> | null> {
    this.#runs.get(key)?.abort();
    const controller = new AbortController();
    this.#runs.set(key, controller);
    this.#stamps.set(key, this.stamp());
    this.#set(key, { status: ActionStatus.PENDING });
    // Transports never reject, but a thrown bug still ends as an error outcome instead of a stuck pending state.
    const done = fn(controller.signal).catch(
      (error: unknown): Outcome<V> => ({ ok: false, error: { code: 0, kind: 'panel', message: error instanceof Error ? error.message : String(error) } }),
    );
    const settled = done.then((result) => {
      if (controller.signal.aborted || this.#runs.get(key) !== controller) return null;
      this.#runs.delete(key);
      this.#set(key, result.ok ? { status: ActionStatus.COMPLETE, value: result.value } : { status: ActionStatus.ERROR, error: result.error });
      return result;
    });
    this.#last = settled;
    return settled;
  }

  /** Forgets the outcome shown for `key` (and aborts it if running). */
  reset(key: K): void {
    this.#runs.get(key)?.abort();
    this.#runs.delete(key);
    this.#set(key, { status: ActionStatus.INITIAL });
  }

  /** Forgets every outcome shown (and aborts what is running): the panel moved to another session. */
  resetAll(): void {
    for (const key of [...this.#states.keys()]) this.reset(key);
  }

  /**
   * Forgets every settled outcome (done or failed) that `keep` does not keep; runs in flight are left alone, so
   * their answer still shows when it arrives.
   */
  clearSettled(keep: (key: K, stamp: number | undefined) => boolean): void {
    for (const [key, s] of [...this.#states]) {
      if ((s.status === ActionStatus.COMPLETE || s.status === ActionStatus.ERROR) && !keep(key, this.#stamps.get(key))) {
        this.#set(key, { status: ActionStatus.INITIAL });
      }
    }
  }

  /** Marks `key` as done or failed without a run (outcomes decided by the panel itself, e.g. clipboard). */
  settle(key: K, state: ActionState): void {
    this.#stamps.set(key, this.stamp());
    this.#set(key, state);
  }

  /** A mark stored with each outcome when its run starts; subclasses give it a meaning (the panel: which identity). */
  protected stamp(): number {
    return 0;
  }

  render<V>(key: K, renderers: ActionRenderers<V>): unknown {
    const s = this.state<V>(key);
    switch (s.status) {
      case ActionStatus.INITIAL:
        return renderers.initial?.();
      case ActionStatus.PENDING:
        return renderers.pending?.();
      case ActionStatus.COMPLETE:
        return renderers.complete?.(s.value as V);
      case ActionStatus.ERROR:
        return renderers.error?.(s.error!);
    }
  }

  hostDisconnected(): void {
    for (const c of this.#runs.values()) c.abort();
    this.#runs.clear();
    for (const [key, s] of this.#states) if (s.status === ActionStatus.PENDING) this.#states.set(key, { status: ActionStatus.INITIAL });
  }

  #set(key: K, state: ActionState): void {
    this.#states.set(key, state);
    this.host.requestUpdate();
  }
}
