/**
 * The Session panel's log history for one inspected tab, in chrome.storage.session (in memory, per browser session,
 * readable by extension pages only, never by the inspected page). Per tab: the Preserve log choice and the rows the
 * panel showed, so they outlive the inspected page's reloads and a second DevTools panel on the tab starts with
 * them. Kept there rather than in the service worker's globals, which Chrome may drop whenever the worker idles.
 */
import type { PanelHistoryStore } from '../../components/session-panel/log-history.js';
import type { TabId } from '../protocol/messages.js';
import { ext } from './browser.js';

export function tabHistoryStore(tabId: TabId): PanelHistoryStore {
  const key = `panel-history:${tabId}`;
  const area = (): typeof ext.storage.session | undefined => ext.storage?.session;
  return {
    load: async () => {
      const got = await area()?.get(key);
      return got?.[key] ?? null;
    },
    save: async (history) => {
      await area()?.set({ [key]: history });
    },
  };
}
