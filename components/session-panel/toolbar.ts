import { html, nothing, type TemplateResult } from 'lit';
import type { SessionSummary } from '../../src/transport/types.js';
import type { LogView, TimeMode } from './log-view.js';

export interface ToolbarModel {
  readonly sessionId: string;
  readonly sessions: readonly SessionSummary[];
  /** The Session picker chose another session. */
  readonly pick: (sessionId: string) => void;
  readonly log: LogView;
  readonly preserve: boolean;
  readonly setPreserve: (on: boolean) => void;
  /** A file chosen in Import…: an exported log to look at. */
  readonly importFile: (file: File) => void;
  /** Set while an imported log is shown instead of the live one. */
  readonly imported: { readonly name: string; readonly back: () => void } | null;
}

/**
 * The toolbar (part="toolbar"), as DevTools' Network panel has it: which session, the log's filter and kind, Pause,
 * Clear, Preserve log, the time column's mode, Export (with "include tokens") and Import. One row in the wide
 * layout, wrapping in the narrow one.
 */
export function toolbar(m: ToolbarModel): TemplateResult {
  const mode = m.log.timeMode;
  return html`<div class="toolbar" part="toolbar" role="toolbar" aria-label="Log tools">
    ${m.sessions.length > 1
      ? html`<label class="picker">Session
          <select aria-label="Session" @change=${(e: Event) => m.pick((e.target as HTMLSelectElement).value)}>
            ${m.sessions.map((s) => html`<option value=${s.id} ?selected=${s.id === m.sessionId}>${optionText(s)}</option>`)}
          </select></label>
        <span class="sep"></span>`
      : nothing}
    ${m.log.tools(m.sessionId)}
    <label class="check"><input type="checkbox" part="preserve-log" .checked=${m.preserve} @change=${(e: Event) => m.setPreserve((e.target as HTMLInputElement).checked)} /><span>Preserve log</span></label>
    <span class="sep"></span>
    <button aria-label="Time column" title="Show times as +mm:ss.SSS or as the time of day" aria-pressed=${mode === 'wall'}
      @click=${() => m.log.setTimeMode(mode === 'wall' ? ('relative' satisfies TimeMode) : 'wall')}>${mode === 'wall' ? 'Time of day' : '+mm:ss'}</button>
    <span class="grow"></span>
    ${m.log.exportTools()}
    <label class="file-button"><input type="file" accept="application/json,.json" aria-label="Import log"
      @change=${(e: Event) => {
        const input = e.target as HTMLInputElement;
        const file = input.files?.[0];
        if (file) m.importFile(file);
        input.value = '';
      }} /><span aria-hidden="true">Import…</span></label>
    ${m.imported
      ? html`<span class="imported" data-field="imported" role="status">Viewing <strong>${m.imported.name}</strong> <button class="small" @click=${m.imported.back}>Back to live log</button></span>`
      : nothing}
  </div>`;
}

/** A picker option: namespace and short UUID, and the frame's origin for a session that is not the top page's. */
export function optionText(s: SessionSummary): string {
  const text = `${s.namespace} · ${s.uuid.slice(0, 8)}`;
  return s.frame ? `${text} — ${s.frame}` : text;
}
