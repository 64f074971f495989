/**
 * The Session panel page, from the extension's root with the leading slash: Firefox resolves a relative path against
 * the DevTools page's own address (src/extension/src/extension/panel.html, a blank panel), Chrome against the root
 * either way. Its own module, so the background (which opens it in a tab for the cookies permission) can name it
 * without loading devtools.ts, which creates the panel as it loads.
 */
export const PANEL_PAGE = '/src/extension/panel.html';
