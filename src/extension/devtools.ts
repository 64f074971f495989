/**
 * DevTools page: runs (invisibly) once per open DevTools window, for as long as it is open. Owns one thing: the
 * "Session" tab. The panel page it names opens its own port, named by the inspected tab id.
 */
import { createDevtoolsPanel } from './browser.js';

export const PANEL_TITLE = 'Session';
export const PANEL_PAGE = '/src/extension/panel.html';

void createDevtoolsPanel(PANEL_TITLE, '', PANEL_PAGE);
