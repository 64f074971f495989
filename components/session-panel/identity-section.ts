import { html, nothing, type TemplateResult } from 'lit';
import type { SessionSnapshot } from '../../src/core/types.js';
import type { PanelActions } from './panel-actions.js';

/**
 * The Identity section: the UUID (with Copy), who is signed in, the device id and the custom identifiers.
 * `signedIn` is judged live on the session clock (a customer token that ran out is no longer signed in).
 */
export function identitySection(snap: SessionSnapshot, signedIn: boolean, actions: PanelActions): TemplateResult {
  return html`<section aria-labelledby="h-identity">
    <h3 id="h-identity">Identity</h3>
    <div class="uuid-row">
      <span class="muted">UUID</span>
      <span class="value big" part="uuid">${snap.uuid}</span>
      <button class="small" aria-label="Copy UUID" @click=${() => actions.copy('uuid', snap.uuid)}>Copy</button>
      ${actions.copyOutcome('uuid')}
    </div>
    <dl>
      <dt>Customer</dt>
      <dd data-field="signed-in">${signedIn ? html`Signed in as <strong>${snap.login}</strong>` : snap.login ? `Not signed in (last login ${snap.login})` : 'Anonymous'}</dd>
      <dt>Device id</dt>
      <dd class="value">${snap.deviceId}</dd>
      ${snap.customIdentifier ? html`<dt>Custom id</dt><dd class="value">${snap.customIdentifier}</dd>` : nothing}
      ${snap.customEmail ? html`<dt>Custom email</dt><dd class="value">${snap.customEmail}</dd>` : nothing}
    </dl>
  </section>`;
}
