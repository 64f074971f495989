// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { panelFor, realSession, settle } from './helpers/fixture.js';

/*
 * The log follows new rows without laying the panel out on every render. Reading the list's scrollHeight or
 * clientHeight, or writing its scrollTop, right after a render makes the browser lay out the whole panel on the
 * spot; a page change brings several updates in one frame, and that forced layout was most of the panel's time per
 * update (docs/benchmarks.md, "Page change → DOM"). Here each layout access on the list is counted.
 */

/** Counts reads of the list's layout and writes of its scroll; the values are those of a 220 px list. */
function watchLayout(view: HTMLElement): { reads: number; writes: number[]; userScroll(top: number): void } {
  let top = 0;
  let fresh = false;
  const seen = {
    reads: 0,
    writes: [] as number[],
    /** The user scrolls the list: it moves, then fires its scroll event. */
    userScroll(to: number): void {
      top = to;
      view.dispatchEvent(new Event('scroll'));
    },
  };
  const read = (value: () => number) => ({ configurable: true, get: () => (seen.reads++, value()) });
  Object.defineProperty(view, 'scrollHeight', read(() => 10_000));
  Object.defineProperty(view, 'clientHeight', read(() => 220));
  Object.defineProperty(view, 'scrollTop', {
    configurable: true,
    // Reading back right after a write costs nothing more: the write has just laid the list out.
    get: () => {
      if (fresh) fresh = false;
      else seen.reads++;
      return top;
    },
    set: (v: number) => {
      seen.writes.push(v);
      top = v;
      fresh = true;
    },
  });
  return seen;
}

const nextFrame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));

describe('log follow', () => {
  it('re-renders without new rows read no layout of the list and write no scroll', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    await settle(el);
    await nextFrame();
    const seen = watchLayout(h.root.querySelector<HTMLElement>('.log-view')!);
    for (let i = 0; i < 5; i++) {
      el.requestUpdate();
      await el.updateComplete;
    }
    await nextFrame();
    expect({ reads: seen.reads, writes: seen.writes }, 'five renders, the same rows').toEqual({ reads: 0, writes: [] });
  });

  it('new rows scroll the list to its end, in the next frame, without reading its layout', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    await settle(el);
    await nextFrame();
    const view = h.root.querySelector<HTMLElement>('.log-view')!;
    const seen = watchLayout(view);
    const before = Number(h.part('log').querySelector('[data-field="log-count"]')!.textContent!.match(/\d+/)![0]);
    await session.regenerateUUIDWithClientIdentifier('seed-1');
    await settle(el);
    expect(h.root.querySelector('.log-view'), 'the same list element').toBe(view);
    const after = Number(h.part('log').querySelector('[data-field="log-count"]')!.textContent!.match(/\d+/)![0]);
    expect(after, 'the change added log rows').toBeGreaterThan(before);
    await nextFrame();
    expect(seen.reads, 'no layout read by the panel').toBe(0);
    // Past the end (20 px a row, --_row): the browser clamps it to the bottom. At most one scroll per batch of new rows.
    expect(seen.writes.at(-1), 'the last scroll goes to the end of the new rows').toBe(after * 20);
    expect(seen.writes.length, 'no scroll without new rows').toBeLessThanOrEqual(after - before);
  });

  it('keeps following when its own scroll event comes after more rows, and stops when the user scrolls up', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    await settle(el);
    await nextFrame();
    const view = h.root.querySelector<HTMLElement>('.log-view')!;
    const seen = watchLayout(view);
    await session.regenerateUUIDWithClientIdentifier('seed-1');
    await settle(el);
    await nextFrame();
    const first = seen.writes.length;
    expect(first, 'followed the new rows').toBeGreaterThan(0);
    // The browser dispatches the scroll event of that write a frame later, after more rows came: still following.
    view.dispatchEvent(new Event('scroll'));
    await session.regenerateUUIDWithClientIdentifier('seed-2');
    await settle(el);
    await nextFrame();
    expect(seen.writes.length, 'followed the next rows too').toBeGreaterThan(first);
    // The user scrolls up: no more follow scrolls.
    seen.userScroll(0);
    const stopped = seen.writes.length;
    await session.regenerateUUIDWithClientIdentifier('seed-3');
    await settle(el);
    await nextFrame();
    expect(seen.writes.length, 'not dragged back down').toBe(stopped);
  });
});
