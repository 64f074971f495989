/**
 * DevTools page: runs (invisibly) once per open DevTools window, for as long as it is open. Owns one thing: the
 * "Session" tab. The panel page it names opens its own port, named by the inspected tab id.
 */
import { createDevtoolsPanel } from './browser.js';

export const PANEL_TITLE = 'Session';
/**
 * From the extension's root, with the leading slash: Firefox resolves a relative path against the DevTools page's own
 * address (src/extension/src/extension/panel.html, a blank panel), Chrome against the root either way.
 */
export const PANEL_PAGE = '/src/extension/panel.html';

void createDevtoolsPanel(PANEL_TITLE, '', PANEL_PAGE);
