import { html, nothing, type LitElement, type ReactiveController, type TemplateResult } from 'lit';
import type { DirectiveResult } from 'lit/directive.js';
import { guard } from 'lit/directives/guard.js';
import { discoveredSessions, discoveredStatus, fingerprint, frameName, isDeletable, lifetimeMs, span, type DiscoveredSession, type DiscoveredTokenView, type DiscoveryFeed, type Place, type PlaceRecord } from '../../src/discovery/index.js';
import { claimsView, decode } from './claims-view.js';
import { countdown, dateTime, relativeTime } from './format.js';
import type { DiscoveryViewContext } from './discovery-contract.js';
import { REVEAL_TIMEOUT_MS, TOKEN_MASK } from './token-section.js';

/**
 * "Found on this page" (`part="discovered"`): the tokens the page holds without our core, from the discovery
 * feed (spec §9). One `discovered-token` per distinct JWT, grouped into sessions; each names its places, `sub`,
 * status with a live countdown, lifetime, issuer and audience, its history and warnings as sentences. Masked by
 * default (one token revealed at a time, hidden again after REVEAL_TIMEOUT_MS); Copy; Delete of a cookie or
 * storage entry asks first, like Destroy. Everything is text: page values never become HTML.
 */
const MAX_PLACES_SHOWN = 8;

const SOURCE_WORD: Record<Place['source'], string> = {
  cookie: 'cookie',
  localStorage: 'localStorage',
  sessionStorage: 'sessionStorage',
  indexedDB: 'indexedDB',
  network: 'network',
};

export function placeText(record: PlaceRecord): string {
  const { place } = record;
  const inside = place.path ? ` → ${place.path}` : '';
  if (place.source === 'network') {
    const method = record.request?.method ?? '';
    const how = place.direction === 'sent' ? 'sent in' : 'response of';
    const times = record.count > 1 ? ` (${record.count} requests)` : '';
    return `network ${how} ${method} ${place.key}${inside}${times}`;
  }
  const flag = place.source === 'cookie' ? (place.httpOnly ? ' (HttpOnly)' : '') : '';
  return `${SOURCE_WORD[place.source]} ${place.key}${flag}${inside}${inFrameText(place)}${record.goneAt !== null ? ` (gone ${dateTime(record.goneAt)})` : ''}`;
}

export class DiscoveredSection implements ReactiveController {
  #revealed: string | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #confirming: { token: string; place: Place } | null = null;
  #error = '';
  /** Tokens whose decoded claims are open: only those are rendered (a page may hold hundreds of tokens). */
  readonly #opened = new Set<string>();
  #cache: { version: number; sessions: DiscoveredSession[] } | null = null;
  /** The token a click on the timeline selected: marked, scrolled into view and focused. */
  #selected: string | null = null;

  readonly #announce: (text: string) => void;
  readonly #copy: (token: string) => void;

  constructor(
    private readonly host: LitElement,
    context: DiscoveryViewContext,
  ) {
    this.#announce = context.announce;
    this.#copy = context.copy;
    host.addController(this);
  }

  #feed: DiscoveryFeed | undefined;
  #unsubscribe: (() => void) | null = null;

  /** Follows a feed's changes while the host is connected (set again whenever the element's `discovery` changes). */
  use(feed: DiscoveryFeed | undefined): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#feed = feed;
    this.#confirming = null;
    this.hide();
    if (feed) this.#unsubscribe = feed.subscribe(() => this.host.requestUpdate());
  }

  hostConnected(): void {
    if (this.#feed && !this.#unsubscribe) this.#unsubscribe = this.#feed.subscribe(() => this.host.requestUpdate());
  }

  hostDisconnected(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.hide();
  }

  /** Leaves the host for good (the element was given another discovery view, or none). */
  detach(): void {
    this.hostDisconnected();
    this.#feed = undefined;
    this.host.removeController(this);
  }

  hide(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#revealed === null) return;
    this.#revealed = null;
    this.host.requestUpdate();
  }

  /** Escape closes an open delete confirmation; returns whether there was one. */
  cancelDelete(): boolean {
    if (!this.#confirming) return false;
    this.#confirming = null;
    this.host.requestUpdate();
    return true;
  }

  /** Selects a found token's entry (from the timeline): marks it, then scrolls it into view and focuses it. */
  select(token: string): void {
    this.#selected = token;
    this.host.requestUpdate();
    void this.host.updateComplete.then(() => {
      const el = this.host.renderRoot.querySelector<HTMLElement>(`[part~="discovered-token"][data-token-id="${fingerprint(token)}"]`);
      if (!el) return;
      el.scrollIntoView?.({ block: 'nearest' });
      el.focus({ preventScroll: true });
    });
  }

  sessions(feed: DiscoveryFeed): DiscoveredSession[] {
    const version = feed.store.version;
    if (this.#cache?.version !== version) this.#cache = { version, sessions: discoveredSessions(feed.store, dateTime) };
    return this.#cache.sessions;
  }

  /** `now` is the local clock (found tokens are judged on it, not on a session's). */
  render(feed: DiscoveryFeed, now: number): TemplateResult {
    const sessions = this.sessions(feed);
    const count = sessions.reduce((n, s) => n + s.tokens.length, 0);
    const state = feed.state();
    const synerise = feed.synerise();
    const opaque = feed.store.opaque();
    return html`<section class="wide discovered" part="discovered" aria-labelledby="h-discovered">
      <h3 id="h-discovered">Found on this page<span class="count">${count} ${count === 1 ? 'token' : 'tokens'}${sessions.length > 1 ? ` in ${sessions.length} sessions` : ''}</span></h3>
      <p class="note">Read from cookies, storage and requests while this panel is open; nothing found leaves the panel. Decoded only: signatures are not verified.</p>
      ${state.detail ? html`<p class="note" role="status">${state.detail}</p>` : nothing} ${this.#cookieAccess(feed)}
      ${synerise ? this.#synerise(synerise) : nothing}
      ${this.#error ? html`<p class="flag danger" role="alert">${this.#error}</p>` : nothing}
      ${count === 0 && !synerise ? html`<p class="muted">${state.reading ? 'No JWT in cookies, storage or requests so far.' : 'Not reading the page yet.'}</p>` : nothing}
      ${sessions.map((s) => this.#session(feed, s, now))}
      ${opaque.length
        ? html`<p class="note">Also here, not JWTs (not listed): ${opaque
            .slice(0, 12)
            .map((m) => `${m.name} in ${SOURCE_WORD[m.place.source]} ${m.place.key}${inFrameText(m.place)} (${m.length} characters)`)
            .join('; ')}${opaque.length > 12 ? '; …' : ''}.</p>`
        : nothing}
    </section>`;
  }

  #cookieAccess(feed: DiscoveryFeed): TemplateResult | typeof nothing {
    const access = feed.cookieAccess();
    if (access !== 'not-granted') return nothing;
    return html`<p class="note">
      HttpOnly cookies are hidden from scripts. To list them too, allow the extension to read cookies (asked once, revocable in the browser’s extension settings):
      <button class="small" part="cookies-permission" @click=${() => void this.#requestCookies(feed)}>Read HttpOnly cookies</button>
    </p>`;
  }

  async #requestCookies(feed: DiscoveryFeed): Promise<void> {
    try {
      const granted = await feed.requestCookieAccess();
      this.#announce(granted ? 'Cookie access granted' : 'Cookie access not granted');
    } catch (error) {
      this.#error = `Could not ask for cookie access: ${error instanceof Error ? error.message : String(error)}`;
    }
    this.host.requestUpdate();
  }

  #synerise(info: NonNullable<ReturnType<DiscoveryFeed['synerise']>>): TemplateResult {
    const sdk = [info.globals.SR ? 'SR' : '', info.globals.SyneriseTC ? 'SyneriseTC' : ''].filter(Boolean);
    return html`<div class="discovered-session" part="synerise-web">
      <h4>Synerise Web SDK</h4>
      <dl>
        <dt>Profile UUID</dt>
        <dd><span class="mono" data-field="snrs-uuid">${info.uuid ?? '— (no _snrs_uuid cookie)'}</span></dd>
        <dt>SDK</dt>
        <dd>${sdk.length ? `loaded (${sdk.join(', ')})` : 'not loaded on this page (cookies only)'}</dd>
        ${info.profile.length
          ? html`<dt>_snrs_p</dt>
              <dd class="mono">${info.profile.map(([k, v]) => `${k}: ${v}`).join(' · ')}</dd>`
          : nothing}
      </dl>
    </div>`;
  }

  /*
   * The once-a-second tick re-renders the element, so this list renders again every second: each part below is
   * guarded on what it shows. A session's heading, warnings and history change only with the store (a new
   * DiscoveredSession per store version); a token's row only when its data (a new view per store version), its
   * status or countdown text, or its own state (revealed, confirming, selected, claims open) changed, and then its
   * details (places, buttons, claims) only when they did. A row whose countdown text stayed the same costs a few
   * comparisons (test/components/discovered-renders.test.ts counts the parts Lit sets).
   */
  #session(feed: DiscoveryFeed, session: DiscoveredSession, now: number): TemplateResult {
    return html`<article class="discovered-session" aria-label=${sessionLabel(session)}>
      ${guard([session], () => sessionHead(session))} ${newestFirst(session).map((t) => this.#token(feed, t, now))}
    </article>`;
  }

  #token(feed: DiscoveryFeed, view: DiscoveredTokenView, now: number): DirectiveResult {
    const { entry } = view;
    const { facts } = entry;
    const status = discoveredStatus(facts, entry.firstSeen, now);
    const left = facts.exp !== null ? facts.exp - now : null;
    const text = left === null ? 'no expiry' : left > 0 ? `expires in ${countdown(left)}` : `expired ${relativeTime(left)}`;
    const revealed = this.#revealed === entry.token;
    const confirming = this.#confirming?.token === entry.token ? this.#confirming : null;
    const selected = this.#selected === entry.token;
    const opened = this.#opened.has(entry.token);
    // The decoded claims, while open, read the clock ("in 59 min"): then the details follow it.
    const clock = opened ? now : 0;
    return guard(
      [view, status, text, revealed, confirming, selected, opened, clock],
      () => html`<div class="discovered-token${selected ? ' selected' : ''}" part="discovered-token" data-status=${status} data-token-id=${fingerprint(entry.token)}
        tabindex="-1" aria-current=${selected ? 'true' : nothing}>
        <p>
          <span class="badge ${status}">${status}</span>
          <strong>${facts.kind} token</strong>
          <span data-field="countdown">${text}</span>
          ${facts.exp !== null ? html`<span class="muted">· ${dateTime(facts.exp)}</span>` : nothing}
          ${view.present ? nothing : html`<span class="muted">· no longer stored</span>`}
        </p>
        ${guard([view, revealed, confirming, opened, clock], () => this.#details(feed, view, revealed, confirming, opened, now))}
      </div>`,
    );
  }

  #details(feed: DiscoveryFeed, view: DiscoveredTokenView, revealed: boolean, confirming: { place: Place } | null, opened: boolean, now: number): TemplateResult {
    const { entry } = view;
    const { facts } = entry;
    const life = lifetimeMs(facts);
    const places = [...entry.places.values()];
    const deletable = places.filter((r) => r.goneAt === null && isDeletable(r.place));
    return html`<dl>
        <dt>Subject</dt>
        <dd class="mono" data-field="sub">sub ${facts.sub ?? '—'}</dd>
        <dt>Issuer</dt>
        <dd class="mono">${facts.iss ?? '—'}</dd>
        <dt>Audience</dt>
        <dd class="mono">${facts.aud ?? '—'}</dd>
        <dt>Lifetime</dt>
        <dd>${life !== null ? `${span(life)} (issued ${dateTime(facts.iat ?? 0)})` : 'unknown (no iat)'}</dd>
        <dt>First seen</dt>
        <dd>${dateTime(entry.firstSeen)}${entry.broughtBy ? ` · brought by ${entry.broughtBy.method} ${entry.broughtBy.path} (${entry.broughtBy.status})` : ''}</dd>
        <dt>Found in</dt>
        <dd>
          <ul class="places">
            ${places.slice(0, MAX_PLACES_SHOWN).map((r) => html`<li>${placeText(r)}</li>`)}
            ${places.length > MAX_PLACES_SHOWN ? html`<li class="muted">and ${places.length - MAX_PLACES_SHOWN} more</li>` : nothing}
          </ul>
        </dd>
        <dt>Token</dt>
        <dd>
          <span class="value" part="discovered-value">${revealed ? entry.token : TOKEN_MASK}</span>
          <button class="small" aria-pressed=${revealed} @click=${() => this.#toggle(entry.token)}>${revealed ? 'Hide' : 'Reveal'}</button>
          <button class="small" aria-label="Copy this token" @click=${() => this.#copy(entry.token)}>Copy</button>
          ${deletable.map(
            (r) => html`<button class="small danger" part="discovered-delete" aria-label=${`Delete ${placeName(r.place)}`} @click=${() => this.#askDelete(entry.token, r.place)}>
              Delete ${r.place.source === 'cookie' ? 'cookie' : 'entry'}
            </button>`,
          )}
        </dd>
      </dl>
      ${confirming ? this.#confirm(feed, confirming.place) : nothing}
      ${view.warnings.map((w) => html`<p class="flag ${w.level}" role="note">${w.text}</p>`)}
      <details ?open=${opened} @toggle=${(e: Event) => this.#toggled(entry.token, e)}>
        <summary>Decoded header and claims</summary>
        ${opened ? claimsView(decode(entry.token), now) : nothing}
      </details>`;
  }

  #confirm(feed: DiscoveryFeed, place: Place): TemplateResult {
    return html`<div class="confirm" role="alertdialog" aria-label="Confirm delete">
      <p>Delete ${placeName(place)} from the page? The page's auth library may sign the user out or fetch a new token. This cannot be undone.</p>
      <button class="danger" part="discovered-delete-confirm" @click=${() => void this.#delete(feed, place)}>Delete</button>
      <button @click=${() => this.cancelDelete()}>Cancel</button>
    </div>`;
  }

  #askDelete(token: string, place: Place): void {
    this.#confirming = { token, place };
    this.#error = '';
    this.host.requestUpdate();
  }

  async #delete(feed: DiscoveryFeed, place: Place): Promise<void> {
    this.#confirming = null;
    this.host.requestUpdate();
    try {
      await feed.remove(place);
      this.#announce(`Deleted ${placeName(place)}`);
    } catch (error) {
      this.#error = `Could not delete ${placeName(place)}: ${error instanceof Error ? error.message : String(error)}`;
    }
    this.host.requestUpdate();
  }

  #toggled(token: string, event: Event): void {
    const open = (event.currentTarget as HTMLDetailsElement).open;
    if (open === this.#opened.has(token)) return;
    if (open) this.#opened.add(token);
    else this.#opened.delete(token);
    this.host.requestUpdate();
  }

  #toggle(token: string): void {
    if (this.#revealed === token) return this.hide();
    clearTimeout(this.#timer);
    this.#revealed = token;
    this.#timer = setTimeout(() => this.hide(), REVEAL_TIMEOUT_MS);
    this.host.requestUpdate();
  }
}

function sessionTitle(session: DiscoveredSession): string {
  return session.sub !== null ? `sub ${session.sub}` : 'no subject';
}

function sessionLabel(session: DiscoveredSession): string {
  return `Session ${sessionTitle(session)}${session.iss ? ` from ${session.iss}` : ''}`;
}

/** A session's heading, warnings and history line (oldest → newest; the rows below are newest first). */
function sessionHead(session: DiscoveredSession): TemplateResult {
  return html`<h4>${sessionTitle(session)}${session.iss ? html` <span class="muted">· ${session.iss}</span>` : nothing}</h4>
    ${session.warnings.map((w) => html`<p class="flag ${w.level}" role="note">${w.text}</p>`)}
    ${session.tokens.length > 1
      ? html`<p class="note">History: ${session.tokens
          .map((t) => `${t.entry.facts.kind} token issued ${dateTime(t.entry.facts.iat ?? t.entry.firstSeen)}, first seen ${dateTime(t.entry.firstSeen)}${t.entry.broughtBy ? ` from ${t.entry.broughtBy.method} ${t.entry.broughtBy.path}` : ''}`)
          .join(' → ')}</p>`
      : nothing}`;
}

/** The session's tokens newest first, computed once per session (a new one per store version). */
const reversed = new WeakMap<DiscoveredSession, readonly DiscoveredTokenView[]>();
function newestFirst(session: DiscoveredSession): readonly DiscoveredTokenView[] {
  let list = reversed.get(session);
  if (!list) reversed.set(session, (list = [...session.tokens].reverse()));
  return list;
}

function placeName(place: Place): string {
  return `${place.source === 'cookie' ? `cookie ${place.key}` : `${place.source} entry ${place.key}`}${inFrameText(place)}`;
}

/** ` in frame https://b.example` for a child frame's place (its origin as the browser records it), else ''. */
function inFrameText(place: Place): string {
  return place.frame === undefined ? '' : ` in ${frameName(place.frame)}`;
}
