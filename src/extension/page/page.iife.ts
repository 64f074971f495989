/**
 * MAIN-world content script (the page's own JavaScript world), in every frame at document_start, before the page's
 * scripts. Self-contained IIFE: no extension API exists here. Owns the page side: it makes sure the page hook
 * (globalThis.__SESSION_PANEL__, spec §4) exists so the page's sessions register on it, and, only while a panel is
 * attached, streams their state to the bridge and runs the panel's commands in the page's own core.
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
  const agent = createPageAgent({ hook: getSessionHook(window), post });

  window.addEventListener('message', (event) => {
    if (event.source !== window) return;
    const data: unknown = event.data;
    if (typeof data !== 'object' || data === null || (data as { source?: unknown }).source !== BRIDGE_SOURCE) return;
    agent.onMessage(data);
  });
  post(makePageMessage('ready', { hook: true }));
})();
