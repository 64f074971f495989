/**
 * Content script, isolated world, in every frame at document_start. Lives as long as the frame's document. Owns the
 * link between the page (window messages from page.iife.ts) and the service worker (a port opened only while a
 * panel is open for this tab). Validates everything in both directions; see bridge-core.ts.
 */
import { createBridge } from '../bridge-core.js';
import { ext, runtimeConnector, type MessageSender } from '../browser.js';

const targetOrigin = location.origin === 'null' ? '*' : location.origin;

const bridge = createBridge({
  connect: runtimeConnector,
  hello: (message) => ext.runtime.sendMessage(message),
  postToPage: (message) => window.postMessage(message, targetOrigin),
});

window.addEventListener('message', (event) => bridge.onWindowMessage(event, window));
ext.runtime.onMessage.addListener((message: unknown, sender: MessageSender) => {
  if (sender.id === ext.runtime.id) bridge.onRuntimeMessage(message);
  return undefined;
});
void bridge.start();
