/**
 * Copies through the async Clipboard API, falling back to a hidden textarea and execCommand: DevTools panels
 * block the API. The textarea goes into `root` (the panel's shadow root) so the page's own DOM is never touched.
 */
export async function writeClipboard(text: string, root: ShadowRoot): Promise<void> {
  try {
    if (!navigator.clipboard) throw new Error('no clipboard');
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.cssText = 'position:fixed;opacity:0';
    root.appendChild(area);
    area.select();
    const ok = typeof document.execCommand === 'function' && document.execCommand('copy');
    area.remove();
    if (!ok) throw new Error('The clipboard is not available here');
  }
}
