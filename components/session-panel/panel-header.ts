import { html, nothing, type TemplateResult } from 'lit';
import type { SessionSnapshot } from '../../src/core/types.js';
import type { BindingController } from './binding-controller.js';
import type { FloatingController } from './floating.js';
import type { LiveTokenState } from './session-clock.js';

export interface PanelHeaderModel {
  readonly snap: SessionSnapshot | undefined;
  /** Token status and "signed in" now, on the session clock. */
  readonly live: LiveTokenState | null;
  readonly binding: BindingController;
  readonly selectedId: string | undefined;
  /** Set in floating mode, for its Move and Close buttons. */
  readonly floating: FloatingController | null;
}

/**
 * The header: status dot, namespace, the frame when the session is not the top page's, who is signed in and the
 * library version (the Session picker is in the toolbar); the connection state unless connected;
 * the floating mode's buttons.
 */
export function panelHeader({ snap, live, binding, selectedId, floating }: PanelHeaderModel): TemplateResult {
  const { sessions, connection } = binding;
  // Session ids are opaque (the port transport's are `<frameId>:<id>`): the frame shown is the summary's `frame`.
  const frame = sessions.find((s) => s.id === selectedId)?.frame;
  return html`<header>
    <h2><span class="dot ${live?.status ?? ''}"></span>Session${snap ? html` <small class="muted">${snap.namespace}</small>` : nothing}</h2>
    ${frame ? html`<span class="muted" data-field="frame" title="The session lives in a frame of this origin, not in the top page">in ${frame}</span>` : nothing}
    ${snap ? html`<span class="muted">${live?.signedIn ? snap.login : 'anonymous'} · v${snap.libraryVersion}</span>` : nothing}
    ${connection !== 'connected'
      ? html`<span class="badge ${connection === 'disconnected' ? 'expired' : 'expiring'}" title=${binding.connectionDetail}>${connection}</span>`
      : nothing}
    ${floating ? floating.headerButtons() : nothing}
  </header>`;
}
