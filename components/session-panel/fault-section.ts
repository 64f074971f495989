import { html, nothing, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { BackendCall, FaultState, SessionSnapshot } from '../../src/core/types.js';
import type { FaultErrorSpec } from '../../src/protocol/commands.js';
import { ActionStatus } from './action-controller.js';
import type { FaultOutcome, PanelActions } from './panel-actions.js';

/** The errors the "Fail next … with" select offers, by the name shown in it. */
const FAULT_ERRORS: Record<string, FaultErrorSpec> = {
  backend: { kind: 'backend', message: 'Injected backend failure' },
  network: { kind: 'network', message: 'Injected network failure' },
  timeout: { kind: 'timeout', message: 'Injected timeout' },
  unauthorized: { kind: 'unauthorized', message: 'Injected 401 unauthorized' },
  'session-expired': { kind: 'session-expired', message: 'Injected: session has expired' },
};
const CALLS: readonly BackendCall[] = ['refresh', 'anonymous', 'signIn', 'signOut'];

/**
 * The Fault injection section, shown only when the backend has fault controls: expire the token, issue an expired
 * one next, go offline, make the next call of a kind fail with a chosen error, and what is armed now. It owns the
 * two "Fail next" choices; the commands go through PanelActions.
 */
export class FaultSection {
  #call: BackendCall = 'refresh';
  #error = 'backend';

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly actions: PanelActions,
  ) {}

  /**
   * Call before each render. The state line (the snapshot's faults) is the truth: the "Next … will fail" line of an
   * arming goes once that switch is no longer armed (the fault fired, or was cleared elsewhere). It waits until a
   * snapshot showed the switch armed, as a transport may deliver the command's answer before that snapshot.
   */
  sync(faults: FaultState | null | undefined): void {
    const s = this.actions.state<FaultOutcome>('fault');
    const outcome = s.status === ActionStatus.COMPLETE ? s.value : undefined;
    if (!outcome?.armed) return;
    if (faults && outcome.armed(faults)) outcome.seenArmed = true;
    else if (outcome.seenArmed || !faults) this.actions.reset('fault');
  }

  render(snap: SessionSnapshot, faults: FaultState): TemplateResult {
    const armed = Object.entries(faults.failNext).map(([call, e]) => `${call} → ${e?.kind ?? 'error'}`);
    const busy = this.actions.pending('fault');
    return html`<section aria-labelledby="h-faults">
      <h3 id="h-faults">Fault injection</h3>
      <div class="row">
        <button ?disabled=${!snap.token} aria-disabled=${busy} @click=${() => this.actions.fault('expireToken', [], 'Token set to expire now')}>Expire token now</button>
        <button aria-disabled=${busy} @click=${() => this.actions.fault('issueExpiredNext', [], 'Next token will be issued already expired', (f) => f.expiredNext)}>Issue expired token next</button>
        <label><input type="checkbox" .checked=${faults.offline} aria-disabled=${busy}
          @change=${(e: Event) => {
            const on = (e.target as HTMLInputElement).checked;
            void this.actions.fault('setOffline', [on], on ? 'Backend offline' : 'Backend online', (f) => f.offline === on);
          }} /> Offline</label>
      </div>
      <div class="row">
        <label>Fail next
          <select aria-label="Call to fail" @change=${(e: Event) => this.#choose((e.target as HTMLSelectElement).value as BackendCall, this.#error)}>
            ${CALLS.map((c) => html`<option value=${c} ?selected=${c === this.#call}>${c}</option>`)}
          </select></label>
        <label>with
          <select aria-label="Error to fail with" @change=${(e: Event) => this.#choose(this.#call, (e.target as HTMLSelectElement).value)}>
            ${Object.keys(FAULT_ERRORS).map((k) => html`<option value=${k} ?selected=${k === this.#error}>${k}</option>`)}
          </select></label>
        <button aria-disabled=${busy} @click=${this.#arm}>Arm</button>
        <button aria-disabled=${busy} @click=${() => this.actions.fault('clearFaults', [], 'Faults cleared')}>Clear faults</button>
      </div>
      ${faults.expiredNext
        ? html`<p class="note" data-field="expired-next-note">The backend's next token will be already expired. A refresh refuses it (invalid-response) and keeps the current token; a first or new anonymous token (start, regenerate, destroy) is kept and shows as expired.</p>`
        : nothing}
      <p class="note" data-field="faults">
        ${faults.offline ? 'Offline. ' : ''}${armed.length ? `Armed: ${armed.join(', ')}. ` : ''}${faults.expiredNext ? 'Next token expired. ' : ''}${!faults.offline && !armed.length && !faults.expiredNext ? 'No fault armed.' : ''}
      </p>
      ${this.actions.outcome('fault', (v) => (v as FaultOutcome).text, 'Working…')}
    </section>`;
  }

  #arm = (): Promise<void> => {
    const call = this.#call;
    return this.actions.fault('failNext', [call, FAULT_ERRORS[this.#error] ?? null], `Next ${call} call will fail`, (f) => !!f.failNext[call]);
  };

  #choose(call: BackendCall, error: string): void {
    this.#call = call;
    this.#error = error;
    this.host.requestUpdate();
  }
}
