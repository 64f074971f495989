/**
 * Service worker. Chrome starts it when a bridge or a panel connects (or a page says hello) and stops it whenever it
 * is idle; it may die between any two messages. It owns routing only: panel ports (named by tab id) to the
 * content-script bridges of that tab, and back. No session data lives here; see router.ts for how every side
 * rebuilds the routes after a restart. Listeners are registered synchronously so Chrome can wake the worker.
 */
import { adaptPort, ext, type MessageSender } from './browser.js';
import { devLog } from './debug.js';
import { createRouter } from './router.js';

const router = createRouter({
  extensionId: ext.runtime.id,
  extensionOrigin: ext.runtime.getURL(''),
  wakeTab: (tabId, message) => {
    ext.tabs.sendMessage(tabId, message).catch(() => {
      // No bridge in that tab yet (a page loaded before install, or about:blank): nothing to wake.
    });
  },
  debug: devLog('background'),
});

ext.runtime.onConnect.addListener((port) => router.onConnect(adaptPort(port)));
ext.runtime.onMessage.addListener((message: unknown, sender: MessageSender) => {
  const reply = router.onHello(message, {
    ...(sender.id !== undefined ? { id: sender.id } : {}),
    ...(sender.tab?.id !== undefined ? { tab: { id: sender.tab.id } } : {}),
  });
  return reply ? Promise.resolve(reply) : undefined;
});
