import { html, nothing, type TemplateResult } from 'lit';
import type { SessionSnapshot } from '../../src/core/types.js';
import { duration, relativeTime } from './format.js';

/**
 * The Backend and storage section: which backend the session uses, its last request, where the session persists
 * (and when it does not, why), and the auto-refresh margin. `now` is the session clock, for "2 s ago".
 * "Not persisting" is for `degraded` storage only (the storage asked for failed); memory that was asked for is
 * "in memory only", whatever note it carries.
 */
export function backendSection(snap: SessionSnapshot, now: number): TemplateResult {
  const { backend, storage } = snap;
  const last = backend.lastRequest;
  return html`<section aria-labelledby="h-backend">
    <h3 id="h-backend">Backend and storage</h3>
    <dl>
      <dt>Backend</dt>
      <dd data-field="backend"><strong>${backend.kind}</strong>${backend.endpoint ? html` <span class="muted">${backend.endpoint}</span>` : nothing}</dd>
      <dt>Last request</dt>
      <dd data-field="last-request">
        ${last
          ? html`<span><span class="value">${last.target}</span> <strong class=${last.ok ? 'ok' : 'error'}>${last.status ?? (last.ok ? 'ok' : 'failed')}</strong>
                <span class="muted">· ${duration(last.durationMs)}${last.attempt > 1 ? ` · attempt ${last.attempt}` : ''} · ${relativeTime(last.at - now)}</span></span>
              ${last.note ? html`<span class="warn-text">${last.note}</span>` : nothing}
              ${last.error ? html`<span class="error">${last.error.code} ${last.error.kind}: ${last.error.message}</span>` : nothing}`
          : html`<span class="muted">none yet</span>`}
      </dd>
      <dt>Storage</dt>
      <dd data-field="storage">
        ${storage.kind} ·
        ${storage.degraded ? html`<strong class="error">not persisting</strong>` : storage.persistent ? 'persistent' : 'in memory only'}
        ${storage.note ? html`<span class="muted">${storage.note}</span>` : nothing}
        ${storage.backupKey ? html`<span class="muted">backup kept under <code>${storage.backupKey}</code></span>` : nothing}
      </dd>
      ${snap.crossTab ? sharedTabs(snap) : nothing}
      <dt>Auto refresh</dt>
      <dd data-field="auto-refresh">${!snap.autoRefresh ? 'off' : snap.token ? `on, ${Math.round(snap.refreshMarginMs / 1000)} s before expiry` : 'on (no token yet)'}</dd>
    </dl>
  </section>`;
}

/** Issue #14: how many tabs share this session's storage, and which did the last refresh (or anonymous login). */
function sharedTabs(snap: SessionSnapshot): TemplateResult {
  const info = snap.crossTab!;
  const by = info.lastTokenBy === null ? null : info.lastTokenBy === snap.id ? 'this tab' : `another tab (${info.lastTokenBy})`;
  const what = info.lastTokenCause === 'anonymous' ? 'last anonymous login' : 'last refresh';
  return html`<dt>Tabs</dt>
    <dd data-field="tabs">${info.tabs === 1 ? 'this tab only' : `shared by ${info.tabs} tabs`}
      <span class="muted">· ${info.lock === 'web-locks' ? 'one refresh at a time (Web Locks)' : 'one refresh at a time (storage lease)'}</span>
      ${by ? html`<span class="muted">${what}: ${by}</span>` : nothing}</dd>`;
}
