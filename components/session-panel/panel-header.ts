import { html, nothing, type TemplateResult } from 'lit';
import type { SessionSnapshot, TokenStatus } from '../../src/core/types.js';
import type { BindingController } from './binding-controller.js';
import type { FloatingController } from './floating.js';

export interface PanelHeaderModel {
  readonly snap: SessionSnapshot | undefined;
  readonly status: TokenStatus | null;
  readonly binding: BindingController;
  readonly selectedId: string | undefined;
  /** The Session picker chose another session. */
  readonly pick: (sessionId: string) => void;
  /** Set in floating mode, for its Move and Close buttons. */
  readonly floating: FloatingController | null;
}

/**
 * The header: status dot, namespace, who is signed in and the library version; the Session picker when the page
 * has several sessions; the connection state unless connected; the floating mode's buttons.
 */
export function panelHeader({ snap, status, binding, selectedId, pick, floating }: PanelHeaderModel): TemplateResult {
  const { sessions, connection } = binding;
  return html`<header>
    <h2><span class="dot ${status ?? ''}"></span>Session${snap ? html` <small class="muted">${snap.namespace}</small>` : nothing}</h2>
    ${snap ? html`<span class="muted">${snap.signedIn ? snap.login : 'anonymous'} · v${snap.libraryVersion}</span>` : nothing}
    ${sessions.length > 1
      ? html`<label>Session
          <select aria-label="Session" @change=${(e: Event) => pick((e.target as HTMLSelectElement).value)}>
            ${sessions.map((s) => html`<option value=${s.id} ?selected=${s.id === selectedId}>${s.namespace} · ${s.uuid.slice(0, 8)}</option>`)}
          </select></label
        >`
      : nothing}
    ${connection !== 'connected'
      ? html`<span class="badge ${connection === 'disconnected' ? 'expired' : 'expiring'}" title=${binding.connectionDetail}>${connection}</span>`
      : nothing}
    ${floating ? floating.headerButtons() : nothing}
  </header>`;
}
