import { html, nothing, type TemplateResult } from 'lit';
import type { BackendRequestInfo } from '../../src/core/types.js';
import { duration, relativeTime } from './format.js';

/**
 * Recent backend requests, newest first, as the Network panel would list them: target, status, timing, attempt and
 * the error of a failed one. `now` is the session clock, for "2 s ago". Rows the log no longer holds are gone here too.
 */
export function requestsSection(requests: readonly BackendRequestInfo[], now: number): TemplateResult {
  return html`<section aria-labelledby="h-requests" class="requests">
    <h3 id="h-requests">Backend requests <span class="count">${requests.length ? `last ${requests.length}` : ''}</span></h3>
    ${requests.length === 0
      ? html`<p class="note">None yet.</p>`
      : html`<table data-field="requests">
          <thead><tr><th scope="col">Request</th><th scope="col">Status</th><th scope="col">Time</th><th scope="col">When</th></tr></thead>
          <tbody>
            ${requests.map(
              (r) => html`<tr class=${r.ok ? '' : 'o-error'} title=${r.error ? `${r.error.kind} ${r.error.code}: ${r.error.message}` : (r.note ?? '')}>
                <td class="value">${r.target}${r.attempt > 1 ? html` <span class="muted">#${r.attempt}</span>` : nothing}</td>
                <td><strong class=${r.ok ? 'ok' : 'error'}>${r.status ?? (r.ok ? 'ok' : (r.error?.kind ?? 'failed'))}</strong>${r.note ? html` <span class="muted">${r.note}</span>` : nothing}</td>
                <td>${duration(r.durationMs)}</td>
                <td class="muted">${relativeTime(r.at - now)}</td>
              </tr>`,
            )}
          </tbody>
        </table>`}
  </section>`;
}
