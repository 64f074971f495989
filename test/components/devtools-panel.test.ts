// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { PanelHistory, PanelHistoryStore } from '../../components/session-panel/log-history.js';
import { RELOAD_LINE } from '../../components/session-panel/binding-controller.js';
import { logExportJson } from '../../components/session-panel/log-export.js';
import type { SessionPanel } from '../../components/session-panel/session-panel.js';
import { SessionPanelHarness, text } from './harness.js';
import { click, mount, panelFor, realSession, settle } from './helpers/fixture.js';

/*
 * The Session tab as a DevTools panel (issue #10, spec §8): layout by the element's own width, the timeline, the
 * log's DevTools features (preserve log, time column, state after a row, requests, import), the storage view and
 * the clock controls, on a real session and the real dev backend.
 */

/** A history store in memory, as chrome.storage.session is for one tab. */
function memoryHistory(): PanelHistoryStore & { saved: PanelHistory | null } {
  const store = {
    saved: null as PanelHistory | null,
    load: async () => (store.saved ? JSON.parse(JSON.stringify(store.saved)) : null),
    save: (h: PanelHistory) => {
      store.saved = JSON.parse(JSON.stringify(h)) as PanelHistory;
    },
  };
  return store;
}

/** Gives the element a content width, as a resize would (happy-dom lays nothing out). */
async function setWidth(el: SessionPanel, width: number): Promise<void> {
  Object.defineProperty(el, 'clientWidth', { configurable: true, get: () => width });
  window.dispatchEvent(new Event('resize'));
  await settle(el);
}

describe('layout by width', () => {
  it('is narrow (stacked) below 720 px and a split with toolbar, main pane and details from 720 px', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    await setWidth(el, 480);
    const layout = h.root.querySelector('.layout')!;
    expect(layout.classList.contains('narrow'), 'narrow at 480 px').toBe(true);
    expect(h.maybePart('details'), 'the details pane').toBeTruthy();
    expect(h.root.querySelector('.splitter'), 'no splitter when stacked').toBeNull();
    await setWidth(el, 1200);
    expect(layout.classList.contains('wide'), 'wide at 1200 px').toBe(true);
    const splitter = h.root.querySelector<HTMLElement>('.splitter');
    expect(splitter?.getAttribute('role'), 'a resizable split').toBe('separator');
    // The three areas, in the order the grid places them.
    expect([...layout.children].map((c) => c.getAttribute('part') ?? c.className)).toEqual(['toolbar', 'main', 'splitter', 'details']);
    expect(h.part('toolbar').contains(h.control('Filter log')), 'the toolbar holds the log tools').toBe(true);
    expect(h.part('details').contains(h.part('uuid')), 'identity is in the details').toBe(true);
    splitter!.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true }));
    await settle(el);
    expect((layout as HTMLElement).getAttribute('style'), 'the splitter sets the details width').toMatch(/--session-panel-details-width:\d+px/);
  });

  it('decides from its own width only: the same element with a transport is narrow when it is narrow', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    await setWidth(el, 719);
    expect(h.root.querySelector('.layout')!.classList.contains('narrow')).toBe(true);
  });
});

describe('timeline', () => {
  it('draws a bar per token and a mark per refresh, identity change and failure, each with its text equivalent', async () => {
    const { session, backend } = await realSession();
    const { el, h } = await panelFor(session);
    await session.refreshToken();
    await session.signIn('ann', 'pw');
    backend.faults.failNext('refresh');
    await session.refreshToken().catch(() => undefined);
    await session.signOut();
    await session.regenerateUUID();
    await session.destroySession();
    await settle(el);
    expect(h.maybePart('timeline'), 'part="timeline"').toBeTruthy();
    const bars = [...h.root.querySelectorAll('[part~="timeline-token"]')].map((b) => b.getAttribute('aria-label') ?? '');
    const marks = [...h.root.querySelectorAll('[part~="timeline-mark"]')].map((m) => m.getAttribute('aria-label') ?? '');
    const time = String.raw`\d\d:\d\d:\d\d`;
    expect(bars.some((b) => new RegExp(`^customer token, ${time} – ${time}$`).test(b)), `a customer bar: ${bars.join(' | ')}`).toBe(true);
    expect(bars.some((b) => /^anonymous token( ×\d+)?, /.test(b)), 'anonymous bars').toBe(true);
    expect(bars.at(-1), 'the current token says so').toMatch(/\(current\)$/);
    for (const kind of ['refresh', 'sign-in', 'failure', 'sign-out', 'regenerate', 'destroy']) {
      expect(marks.some((m) => new RegExp(`^${kind}( at | ×\\d+, )${time}`).test(m)), `a ${kind} mark in: ${marks.join(' | ')}`).toBe(true);
    }
    const title = h.root.querySelector('[part~="timeline-mark"] title');
    expect(title?.textContent, 'each item has a <title> tooltip too').toBe(h.root.querySelector('[part~="timeline-mark"]')!.getAttribute('aria-label'));
  });

  it('hovering names an item; clicking selects its log row and opens it', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    await session.refreshToken();
    await settle(el);
    const mark = [...h.root.querySelectorAll('[part~="timeline-mark"]')].find((m) => m.getAttribute('aria-label')?.startsWith('refresh'))!;
    mark.dispatchEvent(new Event('mouseenter'));
    await settle(el);
    expect(h.field('timeline-hover')).toBe(mark.getAttribute('aria-label'));
    mark.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    await settle(el);
    expect(h.field('log-detail'), 'the row opened in full').toContain('refreshToken done');
    expect(h.root.querySelector('.log-view li.selected')?.textContent, 'the row is selected').toContain('refreshToken done');
  });

  it('works from the keyboard: arrows walk the items (named in the caption), Enter opens the row', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    await session.refreshToken();
    await settle(el);
    const svg = h.root.querySelector<SVGElement>('.timeline svg')!;
    expect(svg.getAttribute('tabindex'), 'focusable').toBe('0');
    svg.dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true }));
    await settle(el);
    expect(h.field('timeline-hover'), 'the last item, named').toMatch(/^(refresh at|anonymous token)/);
    svg.dispatchEvent(new KeyboardEvent('keydown', { key: 'Home', bubbles: true }));
    await settle(el);
    expect(h.field('timeline-hover'), 'the first token').toMatch(/^anonymous token, /);
    svg.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await settle(el);
    expect(h.field('log-detail'), 'its row opened').toContain('new anonymous_client token');
  });

  it('zooms: last 5 min, last hour, all', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    await click(h, h.button('Last 5 min'));
    expect(h.button('Last 5 min').getAttribute('aria-pressed')).toBe('true');
    await click(h, h.button('All'));
    expect(h.button('All').getAttribute('aria-pressed')).toBe('true');
    expect(h.root.querySelectorAll('[part~="timeline-token"]').length, 'the first token is in "all"').toBeGreaterThan(0);
    expect(el.shadowRoot!.querySelector('.timeline .now'), 'a now line').toBeTruthy();
  });
});

describe('log', () => {
  it('marks every rendered row as part="log-entry" and switches the time column between +mm:ss.SSS and time of day', async () => {
    const { session } = await realSession();
    const { h } = await panelFor(session);
    const first = (): string => h.root.querySelector('[part~="log-entry"] .t')?.textContent ?? '';
    expect(first()).toMatch(/^\+\d\d:\d\d\.\d{3}$/);
    await click(h, h.button('Time column'));
    expect(first(), 'time of day').toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);
  });

  it('shows the state after a selected row and what it changed', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    const before = session.getUUID();
    await session.regenerateUUID();
    await settle(el);
    const pick = async (prefix: string): Promise<string> => {
      const row = [...h.root.querySelectorAll<HTMLButtonElement>('.log-view .m')].find((b) => b.textContent?.startsWith(prefix))!;
      row.click();
      await settle(el);
      return h.field('state-after');
    };
    const afterUuid = await pick('UUID changed');
    expect(afterUuid, 'what changed').toContain('changed: UUID');
    expect(afterUuid, 'the UUID after').toContain(session.getUUID());
    expect(afterUuid).not.toContain(before);
    const afterClear = await pick('token cleared');
    expect(afterClear, 'the next row clears the token').toContain('changed: token');
    expect(afterClear).toMatch(/Token\s*none/);
    expect(afterClear, 'on the new UUID').toContain(session.getUUID());
  });

  it('lists the recent backend requests with status and timing, not only the last', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    await session.refreshToken();
    await session.refreshToken();
    await settle(el);
    const rows = [...h.root.querySelectorAll('[data-field="requests"] tbody tr')].map((r) => text(r));
    expect(rows.length, 'three requests').toBe(3);
    expect(rows[0]).toMatch(/^dev backend: refresh ok \d+ ms just now$/);
    expect(rows[2]).toMatch(/^dev backend: anonymous ok/);
  });

  it('imports an exported log to look at it, and goes back to the live log', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    const json = logExportJson(session.snapshot(), [{ at: Date.now() - 60_000, kind: 'event', message: 'from last week' }, { junk: true } as never], Date.now(), false);
    const input = h.control<HTMLInputElement>('Import log');
    Object.defineProperty(input, 'files', { configurable: true, value: [new File([json], 'saved.json', { type: 'application/json' })] });
    input.dispatchEvent(new Event('change', { bubbles: true }));
    await new Promise((r) => setTimeout(r, 20));
    await settle(el);
    expect(h.field('imported')).toContain('Viewing saved.json');
    expect(h.logRows().some((r) => r.includes('from last week')), 'the imported rows').toBe(true);
    expect(h.field('import-error'), 'a row that was not a row is counted').toContain('1 rows of saved.json were not log rows');
    await click(h, h.button('Back to live log'));
    expect(h.logRows().some((r) => r.includes('from last week'))).toBe(false);
  });

  it('an import that is not an export says so and changes nothing', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    const input = h.control<HTMLInputElement>('Import log');
    Object.defineProperty(input, 'files', { configurable: true, value: [new File(['{"nope":1}'], 'other.json')] });
    input.dispatchEvent(new Event('change', { bubbles: true }));
    await new Promise((r) => setTimeout(r, 20));
    await settle(el);
    expect(h.field('import-error')).toBe('other.json is not a session log export (no "entries" list)');
    expect(h.root.querySelector('[data-field="imported"]')).toBeNull();
  });
});

describe('preserve log', () => {
  it('is off by default; a reload starts a fresh log', async () => {
    const history = memoryHistory();
    const first = await realSession();
    const a = await mount((e) => {
      e.historyStore = history;
      e.session = first.session;
    });
    const h = new SessionPanelHarness(a);
    expect(h.part<HTMLInputElement>('preserve-log').checked, 'off by default').toBe(false);
    await first.session.refreshToken();
    await settle(a, 3);
    await new Promise((r) => setTimeout(r, 1100)); // the history is written once a burst settles
    a.remove();
    // The page reloads: a new session, a new panel.
    const second = await realSession();
    const b = await mount((e) => {
      e.historyStore = history;
      e.session = second.session;
    });
    const rows = new SessionPanelHarness(b).logRows().join('\n');
    expect(rows).not.toContain('refreshToken done');
    expect(rows).not.toContain(RELOAD_LINE);
  });

  it('ticked: the next page load keeps the earlier rows, after a line that says the page reloaded; the choice is remembered', async () => {
    const history = memoryHistory();
    const first = await realSession();
    const a = await mount((e) => {
      e.historyStore = history;
      e.session = first.session;
    });
    const h = new SessionPanelHarness(a);
    h.part<HTMLInputElement>('preserve-log').click();
    await settle(a);
    await first.session.refreshToken();
    await settle(a);
    a.remove(); // disconnecting writes the history at once
    const second = await realSession();
    const b = await mount((e) => {
      e.historyStore = history;
      e.session = second.session;
    });
    const hb = new SessionPanelHarness(b);
    expect(hb.part<HTMLInputElement>('preserve-log').checked, 'remembered').toBe(true);
    const rows = hb.logRows();
    const refreshed = rows.findIndex((r) => r.includes('refreshToken done'));
    const line = rows.findIndex((r) => r.includes(RELOAD_LINE));
    const ready = rows.length - 1 - [...rows].reverse().findIndex((r) => r.includes('session ready'));
    expect(refreshed, 'the earlier page\'s rows').toBeGreaterThanOrEqual(0);
    expect(line, 'then the reload line').toBeGreaterThan(refreshed);
    expect(ready, 'then the new page').toBeGreaterThan(line);
    expect(b.shadowRoot!.querySelectorAll('[part~="timeline-token"]').length, 'the timeline keeps the earlier tokens too').toBeGreaterThanOrEqual(2);
  });

  it('a second panel on the same page starts with the first one\'s history, rows not repeated', async () => {
    const history = memoryHistory();
    const { session } = await realSession();
    const a = await mount((e) => {
      e.historyStore = history;
      e.session = session;
    });
    await session.refreshToken();
    await settle(a);
    a.remove();
    const b = await mount((e) => {
      e.historyStore = history;
      e.session = session;
    });
    const rows = new SessionPanelHarness(b).logRows();
    expect(rows.filter((r) => r.includes('refreshToken done')), 'once').toHaveLength(1);
    expect(rows.some((r) => r.includes(RELOAD_LINE)), 'no reload line: the same page').toBe(false);
  });

  it('Clear clears the kept history too', async () => {
    const history = memoryHistory();
    const { session } = await realSession();
    const a = await mount((e) => {
      e.historyStore = history;
      e.session = session;
    });
    await session.refreshToken();
    await settle(a);
    await new Promise((r) => setTimeout(r, 1100));
    expect(history.saved?.rows.some((r) => r.message.startsWith('refreshToken done')), 'kept before').toBe(true);
    await click(new SessionPanelHarness(a), new SessionPanelHarness(a).button('Clear'));
    await new Promise((r) => setTimeout(r, 1100)); // the panel stays open (a second one may open on the tab later)
    expect(history.saved?.rows.some((r) => r.message.startsWith('refreshToken done')), 'nothing cleared comes back').toBe(false);
  });

  it('an unreadable history is ignored (no crash, default off)', async () => {
    const { session } = await realSession();
    const el = await mount((e) => {
      e.historyStore = { load: async () => ({ preserve: 'yes', rows: 'x' }), save: () => undefined };
      e.session = session;
    });
    expect(new SessionPanelHarness(el).part<HTMLInputElement>('preserve-log').checked).toBe(false);
  });
});

describe('storage view', () => {
  it('lists the keys the session uses and their raw values, the token masked', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    expect(h.root.querySelector('[data-field="storage-entries"]'), 'nothing read while closed').toBeNull();
    const details = h.root.querySelector<HTMLDetailsElement>('.storage details')!;
    details.open = true;
    details.dispatchEvent(new Event('toggle'));
    await settle(el);
    const view = h.field('storage-entries');
    expect(view).toContain('session-panel:state');
    expect(view).toContain('session-panel:device-id');
    expect(view).toContain(session.getUUID());
    expect(view).toContain('[token masked]');
    expect(view, 'never the token').not.toContain(session.snapshot().token!.tokenString);
  });
});

describe('clock controls', () => {
  it('fast-forward, to 10 s before expiry, past expiry, the offset shown, and back to real time', async () => {
    const { session } = await realSession();
    const { h } = await panelFor(session);
    expect(h.field('clock-offset')).toBe('Real time.');
    await click(h, h.button('+10 min'));
    expect(session.snapshot().clockOffsetMs).toBe(600_000);
    expect(h.field('clock-offset')).toContain('Session clock +10 min ahead');
    await click(h, h.button('10 s before expiry'));
    expect(h.statusText(), 'in the margin now').toBe('expiring');
    expect(h.field('countdown')).toMatch(/^expires in 0:(09|10)$/);
    await click(h, h.button('Past expiry'));
    expect(h.statusText()).toBe('expired');
    await click(h, h.button('Back to real time'));
    expect(session.snapshot().clockOffsetMs).toBe(0);
    expect(h.field('clock-offset')).toBe('Real time.');
    expect(h.statusText()).toBe('valid');
  });

  it('sets the dev backend\'s token lifetime for the next tokens', async () => {
    const { session } = await realSession();
    const { h } = await panelFor(session);
    await h.type(h.control('Token lifetime in seconds'), '90');
    await click(h, h.button('Set lifetime'));
    expect(h.outcome('clock')).toBe('Next tokens live 90 s');
    expect(h.field('token-ttl')).toBe('now 90 s');
    await click(h, h.refreshButton());
    // On the real clock: a second may pass between the refresh and the render on a loaded machine.
    expect(h.field('countdown')).toMatch(/^expires in 1:(30|29)$/);
    await h.type(h.control('Token lifetime in seconds'), '-3');
    await click(h, h.button('Set lifetime'));
    expect(h.outcome('clock'), 'a bad lifetime is a typed error').toMatch(/^Error 9001 invalid-argument: tokenTtlSeconds must be a positive number/);
  });
});
