/**
 * The page agent, in the page's own JavaScript world (MAIN). Not in the manifest: the service worker injects it into a
 * document once that document's bridge is there (a Session panel is open for the tab). Self-contained IIFE: no
 * extension API exists here. Sessions created before it are on the page hook (globalThis.__SESSION_PANEL__, spec §4);
 * it creates the hook if the page has none yet, so sessions made later register on it.
 *
 * It talks to the bridge over a MessageChannel: one window message hands the bridge the other end (checked there
 * with event.source === window); everything after that stays off window messages. targetOrigin is the document's
 * own origin (`self.origin`), or '*' in an opaque-origin (sandboxed) frame, where no origin can be named; the receiver
 * is this window either way. Not `location.origin`: that is the URL's origin, which a sandboxed document does not
 * have, so a message aimed at it was never delivered there (sessions in sandboxed frames were not found).
 */
import { getSessionHook } from '../../core/hook.js';
import { makePageHandover } from '../../protocol/messages.js';
import { createPageAgent } from '../page-agent.js';
import { documentOrigin } from '../document-origin.js';

(() => {
  const channel = new MessageChannel();
  const agent = createPageAgent({ hook: () => getSessionHook(window), post: (message) => channel.port1.postMessage(message) });
  channel.port1.onmessage = (event) => agent.onMessage(event.data);
  const targetOrigin = documentOrigin() === 'null' ? '*' : documentOrigin();
  window.postMessage(makePageHandover(), targetOrigin, [channel.port2]);
})();
