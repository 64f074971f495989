import { html, nothing, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { SessionSnapshot, StorageEntry } from '../../src/core/types.js';
import type { PanelActions } from './panel-actions.js';

/**
 * The storage view, like the Application panel's: the keys the session uses in its storage and their raw values
 * (tokens masked by the page's core before anything leaves it), the backup of an unreadable value when one was
 * kept. Read with the `storageEntries` command whenever the session's stored state may have changed.
 */
export class StorageSection {
  #entries: readonly StorageEntry[] | null = null;
  #error = '';
  #key = '';
  #seq = 0;
  /** Read only while open: a closed view costs the page nothing. */
  #open = false;
  #inFlight: AbortController | null = null;
  #last: { readonly id: string; readonly snap: SessionSnapshot } | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly actions: PanelActions,
  ) {}

  /** Call before each render: asks for the entries again when what the session stores may have changed. */
  sync(sessionId: string, snap: SessionSnapshot): void {
    this.#last = { id: sessionId, snap };
    if (!this.#open) return;
    const t = snap.token;
    const key = JSON.stringify([sessionId, snap.uuid, snap.login, t?.receivedAt, t?.expiresAt, snap.storage.backupKey, snap.customEmail, snap.customIdentifier]);
    if (key === this.#key) return;
    this.#key = key;
    const seq = ++this.#seq;
    this.#inFlight?.abort(); // a newer read replaces one still on its way
    const controller = (this.#inFlight = new AbortController());
    void this.actions.request('storageEntries', [], controller.signal).then((r) => {
      if (seq !== this.#seq) return;
      this.#inFlight = null;
      this.#entries = r.ok ? r.value : null;
      this.#error = r.ok ? '' : `${r.error.kind} ${r.error.code}: ${r.error.message}`;
      this.host.requestUpdate();
    });
  }

  reset(): void {
    this.#inFlight?.abort();
    this.#inFlight = null;
    this.#key = '';
    this.#entries = null;
    this.#error = '';
  }

  render(snap: SessionSnapshot): TemplateResult {
    const { storage } = snap;
    return html`<section aria-labelledby="h-storage" class="storage"><details ?open=${this.#open} @toggle=${this.#onToggle}>
      <summary><h3 id="h-storage">Storage <span class="count">${storage.kind}${storage.persistent ? '' : ' · not persisted'}</span></h3></summary>
      ${this.#error ? html`<p class="note error">${this.#error}</p>` : nothing}
      ${this.#entries === null
        ? html`<p class="note">${this.#error ? '' : 'Reading…'}</p>`
        : html`<dl class="storage-entries" data-field="storage-entries">
            ${this.#entries.map(
              (e) => html`<dt><code>${e.key}</code>${e.key === storage.backupKey ? html` <span class="badge expiring">backup</span>` : nothing}</dt>
                <dd><pre class="raw">${e.value === null ? '(nothing stored)' : pretty(e.value)}</pre></dd>`,
            )}
          </dl>`}
    </details></section>`;
  }

  /** Opening reads the entries at once; closing stops reading. */
  #onToggle = (e: Event): void => {
    const open = (e.target as HTMLDetailsElement).open;
    if (open === this.#open) return;
    this.#open = open;
    this.#key = '';
    if (open && this.#last) this.sync(this.#last.id, this.#last.snap);
    this.host.requestUpdate();
  };

  /** Opens the view (tests and screenshots; a user clicks its summary). */
  show(): void {
    this.#open = true;
    this.#key = '';
    if (this.#last) this.sync(this.#last.id, this.#last.snap);
    this.host.requestUpdate();
  }
}

/** A stored JSON value indented for reading; anything else as it is. */
function pretty(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}
