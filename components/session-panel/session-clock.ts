import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { SessionSnapshot, TokenStatus } from '../../src/core/types.js';
import { isSignedInAt, tokenStatusAt } from '../../src/core/token-status.js';
import type { SelectedSession } from './binding-controller.js';

/**
 * The local clock the token countdown reads. It owns the panel's one 1 s timer, which runs only while the host is
 * connected, the page is visible and `counting()` says there is a token to count down: a hidden tab or a panel
 * with nothing to count costs no timer at all. Coming back to the page catches up at once.
 */
export class CountdownClock implements ReactiveController {
  /** Local time of the latest tick. */
  now = Date.now();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly host: ReactiveControllerHost & { readonly isConnected: boolean },
    private readonly counting: () => boolean,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    document.addEventListener('visibilitychange', this.#onVisibility);
  }

  hostDisconnected(): void {
    document.removeEventListener('visibilitychange', this.#onVisibility);
    this.#stop();
  }

  /** Every render may have gained or lost the token, so the timer is started or stopped here. */
  hostUpdated(): void {
    this.#sync();
  }

  #onVisibility = (): void => {
    this.#tick();
    this.#sync();
  };

  #tick(): void {
    this.now = Date.now();
    this.host.requestUpdate();
  }

  #sync(): void {
    const want = this.host.isConnected && document.visibilityState !== 'hidden' && this.counting();
    if (want && this.#timer === undefined) this.#timer = setInterval(() => this.#tick(), 1000);
    else if (!want) this.#stop();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * The session's clock at local time `localNow`: the snapshot's own time plus what elapsed locally since it
 * arrived. Countdowns use it, so a session on another clock (a page in the extension, a fake clock) still agrees.
 */
export function sessionNow(selected: SelectedSession | null, localNow: number): number {
  if (!selected?.snapshot) return localNow;
  return selected.snapshot.now + Math.max(0, localNow - selected.receivedAt);
}

/** What the panel shows about the token at one instant of the session clock: its status and whether a customer is signed in. */
export interface LiveTokenState {
  readonly status: TokenStatus;
  readonly signedIn: boolean;
}

/**
 * The token's status and "signed in" at session time `now`, judged by the core's own rules (token-status.ts), so
 * the panel and the session never disagree. The snapshot's `tokenStatus` and `signedIn` are only true when it was
 * taken, and the core emits nothing when a token runs out; these stay right as the countdown runs. Null while there
 * is no snapshot yet. The window is the session's configured one (`refreshWindowSeconds`), as the core passes it.
 */
export function liveTokenState(snapshot: SessionSnapshot | undefined, now: number): LiveTokenState | null {
  if (!snapshot) return null;
  const { token } = snapshot;
  return { status: tokenStatusAt(token, now, snapshot.refreshWindowSeconds * 1000), signedIn: isSignedInAt(token, now) };
}

/** The token's status at session time `now`, as the badge shows it; null while there is no snapshot yet. */
export function tokenStatus(snapshot: SessionSnapshot | undefined, now: number): TokenStatus | null {
  return liveTokenState(snapshot, now)?.status ?? null;
}
