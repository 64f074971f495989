import type { ReactiveControllerHost } from 'lit';

/**
 * The last laid-out size of one element of the shadow root, kept by a ResizeObserver, so a render can read it
 * without forcing a layout (reading clientWidth while the DOM is dirty makes the browser lay out on the spot).
 * A change of size re-renders the host. Without ResizeObserver (old engines, some test DOMs) it stays at zero and
 * callers use their fallback.
 */
export class SizeWatch {
  width = 0;
  height = 0;
  #observer: ResizeObserver | undefined;
  #target: Element | null = null;

  constructor(private readonly host: ReactiveControllerHost) {}

  /** Call after each render with the element to watch (it may have been replaced). */
  watch(target: Element | null): void {
    if (target === this.#target) return;
    this.#observer?.disconnect();
    this.#target = target;
    if (!target || typeof ResizeObserver !== 'function') return;
    this.#observer = new ResizeObserver((entries) => {
      const box = entries[0]?.contentRect;
      if (!box) return;
      const width = Math.round(box.width);
      const height = Math.round(box.height);
      if (width === this.width && height === this.height) return;
      this.width = width;
      this.height = height;
      this.host.requestUpdate();
    });
    this.#observer.observe(target);
  }

  stop(): void {
    this.#observer?.disconnect();
    this.#observer = undefined;
    this.#target = null;
  }
}
