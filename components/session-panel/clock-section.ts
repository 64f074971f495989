import { html, nothing, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { IssuerClockInfo, SessionSnapshot } from '../../src/core/types.js';
import { shiftText } from './format.js';
import type { PanelActions } from './panel-actions.js';

/**
 * Clock controls for QA (spec §7): move the session's clock (and its dev backend's) forward by a chosen amount, to
 * 10 s before the token's expiry or just past it, see the shift while there is one, and go back to real time; and,
 * when the backend allows it (the dev backend), the lifetime of the next tokens. `now` is the session clock. One line
 * says how the session reads the token issuer's clock (snapshot().issuerClock), absent from older library copies.
 */
export class ClockSection {
  #ttl = '';

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly actions: PanelActions,
  ) {}

  render(snap: SessionSnapshot, now: number): TemplateResult {
    const offset = snap.clockOffsetMs;
    const left = snap.token ? snap.token.expiresAt - now : null;
    const busy = this.actions.pending('clock');
    const ttl = snap.backend.faults?.tokenTtlSeconds;
    const shift = (ms: number, done: string): Promise<void> => this.actions.clock('shiftClock', [Math.max(0, Math.round(ms))], done);
    return html`<section aria-labelledby="h-clock" class="clock">
      <h3 id="h-clock">Clock</h3>
      <p class="note" data-field="clock-offset">
        ${offset === 0
          ? 'Real time.'
          : html`<strong class="warn-text">Session clock ${shiftText(offset)} ahead</strong> of real time (the dev backend follows it).`}
      </p>
      ${snap.issuerClock ? html`<p class="note" data-field="issuer-clock">${issuerClockText(snap.issuerClock)}</p>` : nothing}
      <div class="row" role="group" aria-label="Move the session clock">
        <button aria-disabled=${busy} @click=${() => shift(60_000, 'Clock moved 1 min ahead')}>+1 min</button>
        <button aria-disabled=${busy} @click=${() => shift(600_000, 'Clock moved 10 min ahead')}>+10 min</button>
        <button aria-disabled=${busy} ?disabled=${left === null || left <= 10_000} @click=${() => shift((left ?? 0) - 10_000, 'Clock at 10 s before expiry')}>10 s before expiry</button>
        <button aria-disabled=${busy} ?disabled=${left === null || left < 0} @click=${() => shift((left ?? 0) + 1000, 'Clock past expiry')}>Past expiry</button>
        ${offset !== 0 ? html`<button aria-disabled=${busy} @click=${() => this.actions.clock('resetClock', [], 'Back to real time')}>Back to real time</button>` : nothing}
      </div>
      ${ttl !== undefined
        ? html`<form class="row" aria-label="Token lifetime" @submit=${this.#setTtl}>
            <label>Next tokens live <input type="number" step="1" inputmode="numeric" aria-label="Token lifetime in seconds" placeholder=${String(ttl)}
              .value=${this.#ttl} @input=${(e: Event) => ((this.#ttl = (e.target as HTMLInputElement).value), this.host.requestUpdate())} /> s</label>
            <button type="submit" aria-disabled=${busy}>Set lifetime</button>
            <span class="muted" data-field="token-ttl">now ${ttl} s</span>
          </form>`
        : nothing}
      ${this.actions.outcome('clock', (v) => String(v), 'Working…')}
    </section>`;
  }

  #setTtl = (event: Event): void => {
    event.preventDefault();
    const seconds = Number(this.#ttl);
    void this.actions.clock('setTokenTtl', [this.#ttl.trim() === '' ? null : seconds], this.#ttl.trim() === '' ? 'Token lifetime back to the default' : `Next tokens live ${seconds} s`);
  };
}

/** An offset or a bound as a signed span: "−400 ms", "+600 ms", "−1 h". */
function spanText(ms: number): string {
  return Math.abs(ms) < 1000 ? `${ms < 0 ? '−' : '+'}${Math.abs(Math.round(ms))} ms` : shiftText(ms);
}

/**
 * "Token issuer's clock: agrees with the session's (measured from this session's requests; −400 ms to +600 ms)." The
 * offset is the one expiry is judged by; the range is what the requests' timing leaves open.
 */
export function issuerClockText(info: IssuerClockInfo): string {
  const label = "Token issuer's clock:";
  if (info.source === 'none' || info.offsetMs === undefined) {
    return `${label} no estimate yet (stored tokens are read on the clock of the tab that wrote them).`;
  }
  const offset = info.offsetMs;
  const how = offset === 0 ? "agrees with the session's" : `${spanText(offset).slice(1)} ${offset < 0 ? 'behind' : 'ahead of'} the session's`;
  const from = info.source === 'measured' ? "measured from this session's requests" : "from another tab's estimate";
  const range = info.minOffsetMs !== undefined && info.maxOffsetMs !== undefined ? `; ${spanText(info.minOffsetMs)} to ${spanText(info.maxOffsetMs)}` : '';
  return `${label} ${how} (${from}${range}).`;
}
