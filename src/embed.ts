/**
 * The drop-in build (dist/session-panel.js): one <script type="module"> registers <session-panel>, which then finds
 * the page's sessions on the page hook by itself. Lit is bundled; the session core is not (the page brings its own).
 */
import { defineSessionPanel } from '../components/session-panel/define.js';

export { SessionPanel, TOKEN_MASK, REVEAL_TIMEOUT_MS, type PanelTheme, type PanelCorner } from '../components/session-panel/session-panel.js';
export * from '../components/session-panel/events.js';
export { defineSessionPanel, TAG } from '../components/session-panel/define.js';
export { createDirectTransport, type DirectTransportOptions } from './transport/direct.js';
export type { SessionTransport, TransportUpdate, TransportListener, SessionSummary, RequestOptions } from './transport/types.js';

defineSessionPanel();
