import { supportsAdoptingStyleSheets, type CSSResult } from 'lit';

/**
 * Adds `extra` after the styles a shadow root already has (the element's own), for a view the element was given
 * at run time (the discovery view). A constructed sheet in adoptedStyleSheets where the browser has them (Chrome,
 * Firefox: no inline style, so a strict CSP allows it), else a <style> with Lit's nonce, as Lit itself falls back.
 * Returns what takes it off again.
 */
export function addStyles(root: ShadowRoot, extra: CSSResult): () => void {
  const sheet = supportsAdoptingStyleSheets ? extra.styleSheet : undefined;
  if (sheet) {
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    return () => (root.adoptedStyleSheets = root.adoptedStyleSheets.filter((s) => s !== sheet));
  }
  const style = document.createElement('style');
  const nonce = (globalThis as { litNonce?: string }).litNonce;
  if (nonce !== undefined) style.setAttribute('nonce', nonce);
  style.textContent = extra.cssText;
  root.append(style);
  return () => style.remove();
}
