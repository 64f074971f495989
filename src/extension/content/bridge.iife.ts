/**
 * Content script, isolated world. Not in the manifest: the service worker injects it (scripting.executeScript) into
 * every frame of a tab when a Session panel opens for it, and into each document that commits there while a panel
 * is open. Lives as long as the frame's document. Owns the link between the page agent (a MessageChannel it hands
 * over once) and the service worker (a port). Validates everything in both directions; see bridge-core.ts.
 *
 * Injected again into a document that has a bridge (the panel was closed and opened again), it wakes that bridge
 * instead of starting a second one. The record of it lives on this isolated world's own global, which the page
 * cannot see.
 */
import { createBridge, type Bridge } from '../bridge-core.js';
import { pageMessageData, runtimeConnector } from '../browser.js';
import { documentOrigin } from '../document-origin.js';

(() => {
  const KEY = '__sessionPanelBridge';
  const world = globalThis as unknown as Record<string, Bridge | undefined>;
  if (world[KEY]?.wake()) return;

  const bridge = createBridge({
    connect: runtimeConnector,
    instance: crypto.randomUUID().replace(/-/g, ''),
    origin: documentOrigin(), // the document's origin ('null' in a sandboxed frame), as the page agent names it
    readPageData: pageMessageData,
  });
  world[KEY] = bridge;
  const onMessage = (event: MessageEvent): void => {
    bridge.onWindowMessage(event, window);
    if (bridge.hasPage()) window.removeEventListener('message', onMessage);
  };
  window.addEventListener('message', onMessage);
  bridge.start();
})();
