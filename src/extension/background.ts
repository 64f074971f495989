/**
 * Service worker. Chrome starts it when a panel connects (a bridge reconnecting after a restart also starts it) and
 * stops it whenever it is idle; it may die between any two messages. Page loads never start it: nothing of ours runs
 * in pages until a panel opens, and navigations are followed only while a panel is open. It owns routing (panel ports,
 * named by tab id, to the bridges of that tab) and the injection of the page scripts; no session data lives here.
 * See router.ts for how every side rebuilds the routes after a restart. Listeners are registered synchronously so
 * Chrome can wake the worker.
 */
import { adaptPort, discoveryApis, ext, followCommits, forgetStaleCommitListener, runScript } from './browser.js';
import { devLog } from './debug.js';
import { createDiscoveryService } from './discovery/background-discovery.js';
import { PANEL_PAGE } from './panel-page.js';
import { createRouter } from './router.js';
// crxjs builds each as a self-contained IIFE and gives its path in the build (no web_accessible_resources: see
// vite.extension.ts), for scripting.executeScript.
import agentFile from './page/page.iife.ts?script';
import bridgeFile from './content/bridge.iife.ts?script';

forgetStaleCommitListener();

const router = createRouter({
  extensionId: ext.runtime.id,
  extensionOrigin: ext.runtime.getURL(''),
  inject: {
    bridges: (tabId) => void runScript({ tabId, allFrames: true }, bridgeFile, 'ISOLATED'),
    bridgeInto: (tabId, frameId, documentId) => void runScript({ tabId, frameId, documentId }, bridgeFile, 'ISOLATED'),
    agentInto: (tabId, frameId, documentId) => void runScript({ tabId, frameId, documentId }, agentFile, 'MAIN'),
    watchNavigations: followCommits((frame) => router.onFrameCommitted(frame)),
  },
  debug: devLog('background'),
});

// Discovery for panels that cannot read the page themselves (Firefox's): their own port, answered and forgotten.
const discovery = createDiscoveryService({
  extensionId: ext.runtime.id,
  extensionOrigin: ext.runtime.getURL(''),
  apis: discoveryApis,
  // The panel page in a tab, where one click can grant the cookies permission.
  grantPagePath: (tabId) => `${PANEL_PAGE}?tabId=${tabId}`,
});

ext.runtime.onConnect.addListener((raw) => {
  const port = adaptPort(raw);
  if (!discovery.onConnect(port)) router.onConnect(port);
});
