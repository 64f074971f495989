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

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly actions: PanelActions,
  ) {}

  /** Call before each render: asks for the entries again when what the session stores may have changed. */
  sync(sessionId: string, snap: SessionSnapshot): void {
    const t = snap.token;
    const key = JSON.stringify([sessionId, snap.uuid, snap.login, t?.receivedAt, t?.expiresAt, snap.storage.backupKey, snap.customEmail, snap.customIdentifier]);
    if (key === this.#key) return;
    this.#key = key;
    const seq = ++this.#seq;
    void this.actions.request('storageEntries', []).then((r) => {
      if (seq !== this.#seq) return; // a newer read is on its way
      this.#entries = r.ok ? r.value : null;
      this.#error = r.ok ? '' : `${r.error.kind} ${r.error.code}: ${r.error.message}`;
      this.host.requestUpdate();
    });
  }

  reset(): void {
    this.#key = '';
    this.#entries = null;
    this.#error = '';
  }

  render(snap: SessionSnapshot): TemplateResult {
    const { storage } = snap;
    return html`<section aria-labelledby="h-storage" class="storage">
      <h3 id="h-storage">Storage <span class="count">${storage.kind}${storage.persistent ? '' : ' · not persisted'}</span></h3>
      ${this.#error ? html`<p class="note error">${this.#error}</p>` : nothing}
      ${this.#entries === null
        ? html`<p class="note">${this.#error ? '' : 'Reading…'}</p>`
        : html`<dl class="storage-entries" data-field="storage-entries">
            ${this.#entries.map(
              (e) => html`<dt><code>${e.key}</code>${e.key === storage.backupKey ? html` <span class="badge expiring">backup</span>` : nothing}</dt>
                <dd><pre class="raw">${e.value === null ? '(nothing stored)' : pretty(e.value)}</pre></dd>`,
            )}
          </dl>`}
    </section>`;
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
