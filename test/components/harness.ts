import { expect } from 'vitest';
import type { SessionPanel } from '../../components/session-panel/session-panel.js';

/**
 * How tests reach the panel's controls: by part name and accessible name (what users and themes rely on),
 * so tests do not depend on the internal DOM layout.
 */
export class SessionPanelHarness {
  constructor(readonly el: SessionPanel) {}

  get root(): ShadowRoot {
    const root = this.el.shadowRoot;
    expect(root, 'the element has an open shadow root').toBeInstanceOf(ShadowRoot);
    return root!;
  }

  part<T extends Element = HTMLElement>(name: string): T {
    const found = this.root.querySelector(`[part~="${name}"]`);
    expect(found, `part "${name}" is rendered`).toBeTruthy();
    return found as unknown as T;
  }

  maybePart(name: string): Element | null {
    return this.root.querySelector(`[part~="${name}"]`);
  }

  /** A button by its visible text or aria-label. */
  button(name: string): HTMLButtonElement {
    const match = [...this.root.querySelectorAll('button')].find(
      (b) => b.getAttribute('aria-label') === name || text(b) === name || text(b).startsWith(`${name} (`),
    );
    expect(match, `button "${name}" is rendered`).toBeInstanceOf(HTMLButtonElement);
    return match!;
  }

  hasButton(name: string): boolean {
    return [...this.root.querySelectorAll('button')].some((b) => b.getAttribute('aria-label') === name || text(b) === name);
  }

  /** An input or select by its aria-label or enclosing label text. */
  control<T extends HTMLInputElement | HTMLSelectElement>(label: string): T {
    const all = [...this.root.querySelectorAll('input, select')] as T[];
    const match = all.find((c) => c.getAttribute('aria-label') === label || text(c.closest('label') ?? c).startsWith(label));
    expect(match, `control "${label}" is rendered`).toBeTruthy();
    return match!;
  }

  refreshButton = (): HTMLButtonElement => this.part('refresh-button');
  retrieveButton = (): HTMLButtonElement => this.part('retrieve-button');
  regenerateButton = (): HTMLButtonElement => this.part('regenerate-button');
  destroyButton = (): HTMLButtonElement => this.part('destroy-button');
  destroyConfirm = (): HTMLButtonElement => this.part('destroy-confirm');
  seedInput = (): HTMLInputElement => this.part('seed-input');
  uuidText = (): string => text(this.part('uuid'));
  statusText = (): string => text(this.part('token-status'));
  tokenText = (): string => text(this.part('token'));
  field = (name: string): string => text(this.root.querySelector(`[data-field="${name}"]`) ?? fail(`field ${name}`));
  outcome = (key: string): string => text(this.root.querySelector(`[data-outcome="${key}"]`) ?? fail(`outcome ${key}`));
  announcement = (): string => text(this.root.querySelector('[aria-live]') ?? fail('live region'));
  logRows = (): string[] => [...this.root.querySelectorAll('.log-view li')].map((li) => text(li));
  rootText = (): string => text(this.root.querySelector('.panel') ?? this.root);

  async type(input: HTMLInputElement, value: string): Promise<void> {
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    await this.el.updateComplete;
  }

  async select(select: HTMLSelectElement, value: string): Promise<void> {
    select.value = value;
    select.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
    await this.el.updateComplete;
  }
}

export function text(node: Node): string {
  return (node.textContent ?? '').replace(/\s+/g, ' ').trim();
}

function fail(what: string): never {
  throw new Error(`${what} is not rendered`);
}
