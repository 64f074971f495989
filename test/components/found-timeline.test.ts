// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { observeHarEntry, observeStorageEntry } from '../../src/discovery/index.js';
import { SessionPanelHarness } from './harness.js';
import { fakeClock, mount, panelFor, realSession, settle } from './helpers/fixture.js';
import { showFound, storeFeed } from './helpers/discovery-feed.js';
import { shortTime } from '../../components/session-panel/format.js';

/** Found tokens on the rendered timeline (components/session-panel/timeline-found-view.ts), in the element. */
const b64 = (v: unknown): string => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const jwt = (claims: Record<string, unknown>): string => `${b64({ alg: 'RS256' })}.${b64(claims)}.c2ln`;
const labels = (h: SessionPanelHarness, part: string): string[] => [...h.root.querySelectorAll(`[part~="${part}"]`)].map((e) => e.getAttribute('aria-label') ?? '');
const MIN = 60_000;

describe('the timeline draws found tokens', () => {
  it('on a page without a core session: a row per found session and kind, bars iat → exp, a new value and requests as marks', async () => {
    fakeClock();
    const now = Date.now();
    const feed = storeFeed();
    const a = jwt({ iss: 'https://id.example', sub: 'alice', iat: now / 1000 - 600, exp: now / 1000 + 3000 });
    const b = jwt({ iss: 'https://id.example', sub: 'alice', iat: now / 1000 - 60, exp: now / 1000 + 3540 });
    feed.store.observe(observeStorageEntry('localStorage', 'auth', JSON.stringify({ access_token: a }), now - 5 * MIN));
    feed.store.observe(observeHarEntry({ startedDateTime: new Date(now - 2 * MIN).toISOString(), time: 5, request: { method: 'GET', url: 'https://api.example/v1/me', headers: [{ name: 'Authorization', value: `Bearer ${a}` }] }, response: { status: 200, headers: [], content: {} } }, null));
    feed.store.observe(observeStorageEntry('localStorage', 'auth', JSON.stringify({ access_token: b }), now - MIN));
    const el = await mount((e) => showFound(e, feed));
    const h = new SessionPanelHarness(el);
    expect(h.root.textContent, 'still waiting for a core session').toContain('Looking for a session…');
    const timeline = h.part('timeline');
    expect(timeline.querySelector('.legend')?.textContent?.replace(/\s+/g, ' ').trim()).toBe('found token');
    expect(labels(h, 'timeline-found')).toEqual(['Found on this page: sub alice · access tokens']);
    const at = (minutes: number): string => shortTime(now + minutes * MIN); // local time, as drawn
    expect(labels(h, 'timeline-found-token')).toEqual([
      `sub alice · access tokens: found access token, ${at(-10)} – ${at(50)}, replaced ${at(-1)}`,
      `sub alice · access tokens: found access token, ${at(-1)} – ${at(59)} (stored)`,
    ]);
    expect(labels(h, 'timeline-found-mark')).toEqual([
      `sub alice · access tokens: sent in GET /v1/me at ${at(-2)}`,
      `sub alice · access tokens: new access token value at ${at(-1)}`,
    ]);
    expect(labels(h, 'timeline-token'), 'no core lanes without a core session').toEqual([]);
    // Hover names it; a click selects the token's entry in the list.
    const bar = h.root.querySelectorAll<SVGGElement>('[part~="timeline-found-token"]')[1]!;
    bar.dispatchEvent(new Event('mouseenter'));
    await settle(el);
    expect(h.root.querySelector('[data-field="timeline-hover"]')?.textContent).toContain(`found access token, ${at(-1)} – ${at(59)}`);
    bar.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    await settle(el);
    const selected = [...h.root.querySelectorAll<HTMLElement>('[part~="discovered-token"][aria-current="true"]')];
    expect(selected).toHaveLength(1);
    expect(selected[0]!.textContent).toContain('expires in 59:00');
    expect(h.root.activeElement ?? el.shadowRoot!.activeElement).toBe(selected[0]);
  });

  it('nothing found: no timeline on a page without a core session', async () => {
    const el = await mount((e) => showFound(e, storeFeed()));
    expect(new SessionPanelHarness(el).maybePart('timeline')).toBeNull();
  });

  it('with a core session: the found rows sit under the core lanes of the same timeline, and follow the feed', async () => {
    const { session } = await realSession();
    const feed = storeFeed();
    const { h } = await panelFor(session);
    showFound(h.el, feed);
    await settle(h.el);
    expect(labels(h, 'timeline-token').length, 'the core token bar').toBe(1);
    expect(labels(h, 'timeline-found-token')).toEqual([]);
    feed.store.observe(observeStorageEntry('sessionStorage', 'other', jwt({ sub: 'carol', nonce: 'n', iat: Date.now() / 1000, exp: Date.now() / 1000 + 300 }), Date.now()));
    feed.emit();
    await settle(h.el);
    expect(labels(h, 'timeline-found')).toEqual(['Found on this page: sub carol · id tokens']);
    expect(labels(h, 'timeline-found-token')[0]).toMatch(/found id token, .* \(stored\)$/);
    expect(h.part('timeline').querySelector('.legend')?.textContent?.replace(/\s+/g, ' ').trim()).toBe('customer token anonymous token found token');
  });

  it('a core session whose clock is shifted: found tokens are drawn on its clock, beside its "now" line', async () => {
    const { session } = await realSession();
    session.debug!.shiftClock(20 * MIN);
    const feed = storeFeed();
    const real = Date.now();
    feed.store.observe(observeStorageEntry('localStorage', 'k', jwt({ sub: 'dana', iat: real / 1000 - 60, exp: real / 1000 + 3600 }), real));
    const { h } = await panelFor(session);
    showFound(h.el, feed);
    await settle(h.el);
    const svgEl = h.part('timeline').querySelector('svg')!;
    const width = Number(svgEl.getAttribute('viewBox')!.split(' ')[2]);
    const nowX = Number(svgEl.querySelector('line.now')!.getAttribute('x1'));
    const barX = Number(h.root.querySelector('[part~="timeline-found-token"] rect')!.getAttribute('x'));
    // The default zoom (1 h) spans 69 min: a token issued a minute ago starts 1/69 of the width before "now",
    // not 21 minutes before it (where the local clock would put it).
    expect(Math.abs(nowX - width / 69 - barX)).toBeLessThan(2);
  });
});
