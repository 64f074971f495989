// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { createDirectTransport } from '../../src/transport/direct.js';
import { SessionPanelHarness } from './harness.js';
import { mount, realSession, settle, tapTransport } from './helpers/fixture.js';

/** The panel says what its bounds let go (issue #9, item 1), and shows how many bytes it keeps in all. */
describe('the log heading says what the retention bounds let go', () => {
  it('after a flood over the row limit: the count and bytes let go, and the retained total on the log part', async () => {
    const { session } = await realSession();
    const tap = tapTransport(createDirectTransport({ session }));
    const el = await mount((e) => (e.transport = tap.transport), { 'log-limit': '20' });
    const h = new SessionPanelHarness(el);
    expect(h.root.querySelector('[data-field="log-let-go"]')).toBeNull();
    const kept = Number(h.part('log').getAttribute('data-retained-bytes'));
    const before = session.log().length;
    const at = Date.now() + 1000;
    tap.emit({ type: 'events', sessionId: session.id, events: Array.from({ length: 50 }, (_, i) => ({ type: 'state', at: at + i, what: `flood ${i}` })) });
    await settle(el);
    const letGo = before + 50 - 20 + (h.logRows().some((r) => r.includes('Connected')) ? 1 : 0);
    expect(h.field('log-count')).toBe('20 entries');
    expect(h.field('log-let-go')).toMatch(new RegExp(`^· ${letGo} older entries \\(\\d+ (B|KiB)\\) let go to stay within the panel's bounds \\(20 rows or 8\\.0 MiB per session, 32 MiB in all\\)$`));
    expect(h.logRows().at(-1)).toContain('flood 49');
    const retained = Number(h.part('log').getAttribute('data-retained-bytes'));
    expect(retained).toBeGreaterThan(kept);
    expect(retained).toBeLessThan(20 * 300);
  });
});
