/**
 * MAIN-world content script (the page's own JavaScript world), in every frame at document_start, before the page's
 * scripts. Self-contained IIFE: no extension API exists here. Owns the page side: only while a panel is attached,
 * it reads the page hook (globalThis.__SESSION_PANEL__, spec §4; created then if the page has none yet, so sessions
 * made later register on it), streams the sessions' state to the bridge and runs the panel's commands in the page's
 * own core. Until then it only listens.
 */
import { getSessionHook } from '../../core/hook.js';
import { BRIDGE_SOURCE, makePageMessage } from '../../protocol/messages.js';
import { createPageAgent } from '../page-agent.js';

(() => {
  const marker = Symbol.for('session-panel.extension-agent');
  const holder = window as unknown as Record<symbol, unknown>;
  if (holder[marker]) return; // injected twice (extension reloaded): the first agent keeps the page
  holder[marker] = true;

  const targetOrigin = location.origin === 'null' ? '*' : location.origin;
  const post = (message: unknown): void => window.postMessage(message, targetOrigin);
  // The hook is created (if the page has none yet) only when a panel attaches; later sessions then register on it.
  const agent = createPageAgent({ hook: () => getSessionHook(window), post });

  window.addEventListener('message', (event) => {
    if (event.source !== window) return;
    const data: unknown = event.data;
    if (typeof data !== 'object' || data === null || (data as { source?: unknown }).source !== BRIDGE_SOURCE) return;
    agent.onMessage(data);
  });
  post(makePageMessage('ready', { hook: true }));
})();
