import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { SessionSnapshot, TokenStatus } from '../../src/core/types.js';
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

/** The token's status at session time `now`, as the badge shows it; null while there is no snapshot yet. */
export function tokenStatus(snapshot: SessionSnapshot | undefined, now: number): TokenStatus | null {
  if (!snapshot) return null;
  const token = snapshot.token;
  if (!token) return 'none';
  const left = token.expiresAt - now;
  return left <= 0 ? 'expired' : left <= snapshot.refreshMarginMs ? 'expiring' : 'valid';
}
