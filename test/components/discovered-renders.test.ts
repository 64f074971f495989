// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { observeStorageEntry } from '../../src/discovery/index.js';
import { SessionPanelHarness } from './harness.js';
import { fakeClock, mount, settle } from './helpers/fixture.js';
import { showFound, storeFeed } from './helpers/discovery-feed.js';

/*
 * What the once-a-second countdown costs in "Found on this page": Lit's own debug events (dev build, emitted while
 * globalThis.emitLitDebugLogEvents is set) name every template part Lit sets, so a tick's work is counted in parts,
 * per row, without timing anything. A row whose shown text did not change must cost nothing; a row whose countdown
 * moved must not redo its details (places, buttons, claims).
 */
const b64 = (v: unknown): string => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const jwt = (claims: Record<string, unknown>): string => `${b64({ alg: 'RS256' })}.${b64(claims)}.c2ln`;
const flag = globalThis as { emitLitDebugLogEvents?: boolean };
afterEach(() => {
  delete flag.emitLitDebugLogEvents;
});

interface LitPart {
  readonly element?: Element;
  readonly parentNode?: Node | null;
}

/** The nodes Lit set a part on while `run` ran (an attribute's element, a child part's parent). */
async function partsSetDuring(run: () => Promise<void>): Promise<Element[]> {
  const nodes: Element[] = [];
  const listener = (e: Event): void => {
    const detail = (e as CustomEvent<{ kind: string; part: LitPart }>).detail;
    if (detail.kind !== 'set part') return;
    const node = detail.part.element ?? detail.part.parentNode;
    if (node instanceof Element) nodes.push(node);
  };
  window.addEventListener('lit-debug', listener);
  flag.emitLitDebugLogEvents = true;
  try {
    await run();
  } finally {
    flag.emitLitDebugLogEvents = false;
    window.removeEventListener('lit-debug', listener);
  }
  return nodes;
}

describe('the countdown tick in "Found on this page"', () => {
  it('sets no part of a row whose text did not change, and only the header of a row whose countdown moved', async () => {
    fakeClock();
    const now = Date.now();
    const feed = storeFeed();
    const ticking = jwt({ sub: 'ticking', iat: now / 1000 - 60, exp: now / 1000 + 3600 });
    feed.store.observe(observeStorageEntry('localStorage', 'ticking', JSON.stringify({ access_token: ticking }), now));
    // Twenty rows whose text stays the same second to second: no expiry, or expired hours ago ("expired 2 h ago").
    for (let i = 0; i < 10; i++) feed.store.observe(observeStorageEntry('localStorage', `forever-${i}`, jwt({ sub: `forever-${i}`, iat: now / 1000 }), now));
    for (let i = 0; i < 10; i++) feed.store.observe(observeStorageEntry('localStorage', `old-${i}`, jwt({ sub: `old-${i}`, iat: now / 1000 - 9000, exp: now / 1000 - 7200 }), now));
    const el = await mount((e) => showFound(e, feed));
    const h = new SessionPanelHarness(el);
    const rows = [...h.root.querySelectorAll<HTMLElement>('[part~="discovered-token"]')];
    expect(rows).toHaveLength(21);
    const row = rows.find((r) => r.textContent?.includes('sub ticking'))!;
    expect(row.querySelector('[data-field="countdown"]')?.textContent).toBe('expires in 1:00:00');

    const set = await partsSetDuring(async () => {
      vi.advanceTimersByTime(1000);
      await settle(el);
    });
    expect(row.querySelector('[data-field="countdown"]')?.textContent, 'the countdown moved').toBe('expires in 59:59');
    const inRow = (r: Element): Element[] => set.filter((n) => r.contains(n));
    for (const other of rows.filter((r) => r !== row)) expect(inRow(other).length, `parts set in ${other.querySelector('[data-field="sub"]')?.textContent}`).toBe(0);
    expect(inRow(row).filter((n) => n.closest('dl, details, ul')).length, 'the ticking row\'s details are not redone').toBe(0);
    // Its header only: the row's attributes, the badge, the countdown and the unchanged header bits (today's code set
    // all 35 parts of every row, its places, buttons and claims included).
    expect(inRow(row).length, 'the ticking row sets only its header').toBeLessThanOrEqual(12);
    // The sessions' own headings and history are not redone either.
    expect(set.filter((n) => n.closest('.discovered-session > h4, .discovered-session > p')).length).toBe(0);
  });

  it('a row still renders again when its data or its own state changes: a new place, reveal, open claims', async () => {
    fakeClock();
    const now = Date.now();
    const feed = storeFeed();
    const t = jwt({ sub: 'alice', iat: now / 1000 - 60, exp: now / 1000 + 3600 });
    feed.store.observe(observeStorageEntry('localStorage', 'auth', JSON.stringify({ access_token: t }), now));
    const el = await mount((e) => showFound(e, feed));
    const h = new SessionPanelHarness(el);
    const item = (): HTMLElement => h.root.querySelector<HTMLElement>('[part~="discovered-token"]')!;
    const places = (): string[] => [...item().querySelectorAll('ul.places li')].map((li) => li.textContent ?? '');
    expect(places()).toEqual(['localStorage auth → access_token']);
    feed.store.observe(observeStorageEntry('sessionStorage', 'copy', t, now + 500));
    feed.emit();
    await settle(el);
    expect(places()).toEqual(['localStorage auth → access_token', 'sessionStorage copy']);
    [...item().querySelectorAll('button')].find((b) => b.textContent === 'Reveal')!.click();
    await settle(el);
    expect(item().querySelector('[part~="discovered-value"]')?.textContent).toBe(t);
    const details = item().querySelector('details')!;
    details.open = true;
    details.dispatchEvent(new Event('toggle'));
    await settle(el);
    expect(item().querySelector('details')?.textContent, 'claims rendered once opened').toContain('alice');
  });
});
