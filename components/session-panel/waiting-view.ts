import { html, nothing, type TemplateResult } from 'lit';
import type { SessionSummary } from '../../src/transport/types.js';

/** Sessions of other frames: listed, never shown by themselves; the user picks one. */
export interface OtherFrames {
  readonly others: readonly SessionSummary[];
  readonly pick: (id: string) => void;
}

/**
 * What the panel shows until it has a session: "Connecting…" until the transport has listed the sessions (with
 * the transport's detail, e.g. why a port is reconnecting), then "Looking for a session…"; both with setup tips.
 */
export function waitingView(listed: boolean, connectionDetail: string, kind: 'direct' | 'port' = 'direct', frames?: OtherFrames): TemplateResult {
  const connecting = !listed;
  const others = frames?.others.length
    ? html`<div data-field="other-frames"><p>The top page has no session. Sessions in its frames (shown only if you pick one):</p>
        <ul>${frames.others.map((s) => html`<li><button @click=${() => frames.pick(s.id)}>${s.namespace} in ${s.frame}</button></li>`)}</ul></div>`
    : nothing;
  // In the DevTools tab the panel cannot be handed a session: it finds the ones the inspected page registers.
  if (kind === 'port') {
    return html`<div class="tips" role="status">
      <h3>${connecting ? 'Connecting…' : 'Looking for a session…'}</h3>
      ${connecting && connectionDetail ? html`<p class="note">${connectionDetail}</p>` : nothing}
      ${others}
      <p>This tab shows the sessions the inspected page creates. None is registered yet:</p>
      <ul>
        <li>The page creates one with <code>createSession()</code> from <code>session-panel/core</code>; it registers on <code>globalThis.__SESSION_PANEL__</code> unless created with <code>devtools: false</code>.</li>
        <li>Sessions in iframes are found too. The tab attaches by itself once one exists, also after a reload.</li>
      </ul>
    </div>`;
  }
  return html`<div class="tips" role="status">
    <h3>${connecting ? 'Connecting…' : 'Looking for a session…'}</h3>
    ${connecting && connectionDetail ? html`<p class="note">${connectionDetail}</p>` : nothing}
    ${others}
    <p>The panel attaches by itself as soon as the page has a session. To give it one:</p>
    <ul>
      <li>Create one: <code>createSession()</code> from <code>session-panel/core</code>. Sessions register on <code>globalThis.__SESSION_PANEL__</code> unless created with <code>devtools: false</code>.</li>
      <li>Or hand it over: <code>document.querySelector('session-panel').session = session</code>.</li>
      <li>Loading order does not matter: a session made later, or by another copy of the library, is found too.</li>
    </ul>
  </div>`;
}
