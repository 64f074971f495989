import type { ReactiveControllerHost } from 'lit';

/**
 * Focuses `selector` in the host's shadow root once the pending render is done: the element to focus is often the
 * one that render creates (the confirmation's Cancel) or brings back (Destroy session, the corner button).
 */
export function focusAfterUpdate(host: ReactiveControllerHost & { readonly renderRoot: ParentNode }, selector: string): void {
  void host.updateComplete.then(() => host.renderRoot.querySelector<HTMLElement>(selector)?.focus());
}
