/**
 * DevTools page: runs (invisibly) once per open DevTools window, for as long as it is open. Owns one thing: the
 * "Session" tab. The panel page it names opens its own port, named by the inspected tab id.
 */
import { createDevtoolsPanel } from './browser.js';
import { PANEL_PAGE } from './panel-page.js';

export { PANEL_PAGE };
export const PANEL_TITLE = 'Session';

void createDevtoolsPanel(PANEL_TITLE, '', PANEL_PAGE);
