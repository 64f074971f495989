/**
 * The drop-in build (dist/session-panel.js): one <script type="module"> registers <session-panel>, which then finds
 * the page's sessions on the page hook by itself. Self-contained: Lit is bundled, and so are the pieces of the core
 * the panel runs on (the page hook, the error kinds and codes, the token-status rules, the log wording, the command
 * table and the direct transport) and jose's JWT decoding for the claims view. `createSession()` and what only a
 * session needs (storage, backends, cross-tab, signature checks) are not: the page brings its own session.
 */
import { defineSessionPanel } from '../components/session-panel/define.js';

export { SessionPanel, TOKEN_MASK, REVEAL_TIMEOUT_MS, type PanelTheme, type PanelCorner } from '../components/session-panel/session-panel.js';
export * from '../components/session-panel/events.js';
export { defineSessionPanel, TAG } from '../components/session-panel/define.js';
export { createDirectTransport, type DirectTransportOptions } from './transport/direct.js';
export type { SessionTransport, TransportUpdate, TransportListener, SessionSummary, RequestOptions } from './transport/types.js';

defineSessionPanel();
