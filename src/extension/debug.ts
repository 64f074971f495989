/**
 * Dev-only diagnostics for the extension. Off in release builds: `__SESSION_PANEL_DEV__` is replaced at build time
 * (SESSION_PANEL_DEV=1 turns it on). Never pass a token or a snapshot here, only ids and counts.
 */
declare const __SESSION_PANEL_DEV__: boolean | undefined;

const enabled = typeof __SESSION_PANEL_DEV__ !== 'undefined' && __SESSION_PANEL_DEV__ === true;

export function devLog(context: string): (message: string) => void {
  return enabled ? (message) => console.debug(`[session-panel:${context}] ${message}`) : () => {};
}
