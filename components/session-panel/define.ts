import { LIBRARY_VERSION } from '../../src/core/version.js';
import { SessionPanel } from './session-panel.js';

export const TAG = 'session-panel';

/**
 * Registers <session-panel> unless the page already has one (a second copy of the library must not throw).
 * Returns the class that is registered under the tag, ours or the earlier copy's.
 */
export function defineSessionPanel(registry: CustomElementRegistry = customElements): CustomElementConstructor {
  const existing = registry.get(TAG);
  if (existing) {
    if (existing !== SessionPanel) console.info(`<${TAG}> is already defined by another copy; this copy (${LIBRARY_VERSION}) leaves it in place.`);
    return existing;
  }
  registry.define(TAG, SessionPanel);
  return SessionPanel;
}

declare global {
  interface HTMLElementTagNameMap {
    'session-panel': SessionPanel;
  }
}
