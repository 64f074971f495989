/**
 * The protocol-over-ports suites that run the whole chain (page agent ⇄ bridge ⇄ router ⇄ port transport, real core
 * sessions), against the background's routing as Firefox drives it (spec §11): no documentId and no sender origin
 * anywhere, injection by frame id, and page messages that are objects of another realm until the bridge copies them
 * (Firefox's Xray wrappers). They are the Chrome suites, loaded again here after the harness is switched to Firefox,
 * so the two cannot drift apart. (router.test.ts drives the router with hand-made senders and already includes a
 * Firefox-shaped one.)
 */
import { flavour } from './harness.js';

flavour.firefox = true;
await import('../transport/port.test.js');
