// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { createDevBackend, createSession } from '../../src/core/index.js';
import type { SessionTransport } from '../../src/transport/types.js';
import { SessionPanelHarness, text } from './harness.js';
import { click, fakeClock, mount, panelFor, realSession, registerSession, settle, tapTransport } from './helpers/fixture.js';
import { createDirectTransport } from '../../src/transport/direct.js';

/*
 * The defects the new-user walkthrough found (issue #10, item 6). Each test fails on the code before the fix.
 */

function visibleOutcomes(h: SessionPanelHarness): string[] {
  return [...h.root.querySelectorAll<HTMLElement>('[data-outcome]')].filter((o) => !o.hidden && text(o) !== '').map((o) => text(o));
}

describe('walkthrough defects', () => {
  it('an outcome line does not survive a UUID change it did not cause (regenerate that changed nothing, then destroy)', async () => {
    const { session } = await realSession();
    const { h } = await panelFor(session);
    await h.type(h.seedInput(), 'abc');
    await click(h, h.regenerateButton());
    await click(h, h.regenerateButton()); // the same seed again: the same UUID, nothing changed
    expect(h.outcome('regenerate'), 'says the UUID stayed').toMatch(/^Same UUID .*: this seed gives it again/);
    await click(h, h.destroyButton());
    await click(h, h.destroyConfirm());
    expect(visibleOutcomes(h), 'only the destroy, which changed the UUID').toEqual([`Destroyed: new UUID ${session.getUUID()}`]);
  });

  it('"Issue expired token next": the fault note, the refresh outcome and the backend line tell one story', async () => {
    const { session } = await realSession();
    const { h } = await panelFor(session);
    const before = session.snapshot().token!.tokenString;
    await click(h, h.button('Issue expired token next'));
    expect(h.field('expired-next-note'), 'what will happen').toMatch(/A refresh refuses it \(invalid-response\) and keeps the current token/);
    await click(h, h.refreshButton());
    expect(h.outcome('refresh')).toBe('Error 9007 invalid-response: The backend issued a token that has already expired');
    expect(h.field('last-request'), 'the backend line says what it answered').toContain('answered with an already-expired token');
    expect(h.statusText(), 'the current token is kept, still valid').toBe('valid');
    expect(session.snapshot().token?.tokenString).toBe(before);
  });

  it('Escape closes the floating overlay right after it opened, with focus still on the corner button', async () => {
    const { session } = await realSession();
    const el = await mount((e) => (e.session = session), { floating: '' });
    const h = new SessionPanelHarness(el);
    const fab = h.part<HTMLButtonElement>('fab');
    fab.focus();
    fab.click();
    await settle(el);
    expect(el.open, 'opened').toBe(true);
    fab.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    await settle(el);
    expect(el.open, 'Escape closed it').toBe(false);
  });

  it('"Token copied" shows beside the token\'s Copy button, not under Identity, and goes after a few seconds', async () => {
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: () => Promise.resolve() } });
    fakeClock();
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    await click(h, h.button('Copy token'));
    const line = h.root.querySelector('[data-outcome="copy"]:not([hidden])');
    expect(line && text(line), 'the note').toBe('Token copied');
    expect(line?.closest('section')?.getAttribute('aria-labelledby'), 'in the token section').toBe('h-token');
    await click(h, h.button('Copy UUID'));
    const uuidLine = h.root.querySelector('[data-outcome="copy"]:not([hidden])');
    expect(uuidLine?.closest('section')?.getAttribute('aria-labelledby'), 'the UUID note is by the UUID').toBe('h-identity');
    const { vi } = await import('vitest');
    vi.advanceTimersByTime(3500);
    await settle(el);
    expect(h.root.querySelector('[data-outcome="copy"]:not([hidden])'), 'gone after a few seconds').toBeNull();
  });

  it('"Auto refresh" says there is no token instead of "0 s before expiry"', async () => {
    const backend = createDevBackend({ keyStorage: 'memory' });
    backend.faults.failNext('anonymous');
    const session = createSession({ storage: 'memory', devtools: false, backend });
    registerSession(session);
    await session.ready;
    const { h } = await panelFor(session);
    expect(h.field('auto-refresh')).toBe('on (no token yet)');
  });

  it('"Hides again in 30 s." counts down', async () => {
    fakeClock();
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    await click(h, h.button('Reveal'));
    expect(h.field('reveal-note')).toBe('Hides again in 30 s.');
    const { vi } = await import('vitest');
    vi.advanceTimersByTime(10_000);
    await el.updateComplete;
    expect(h.field('reveal-note')).toBe('Hides again in 20 s.');
  });

  it('wording: no "start started", regenerate and destroy say what happened, sign out and destroy says both', async () => {
    const { session } = await realSession();
    const { h } = await panelFor(session);
    await h.type(h.seedInput(), 'abc');
    await click(h, h.regenerateButton());
    const rows = h.logRows().join('\n');
    expect(rows, 'the start-up reads as such').not.toContain('start started');
    expect(rows).toContain('session start-up: getting a token');
    expect(rows, 'regenerate names the new UUID').toContain(`regenerateUUIDWithClientIdentifier done: new UUID ${session.getUUID()}`);
    expect(rows).not.toContain('done: true');
    await h.type(h.control('Login'), 'ann');
    await h.type(h.control('Password'), 'pw');
    await click(h, h.part('sign-in-button'));
    await click(h, h.button('Sign out and destroy session'));
    expect(h.outcome('sign-out')).toBe(`Signed out and session destroyed: new UUID ${session.getUUID()}`);
  });

  it('error rows are marked like failed operations', async () => {
    const { session } = await realSession();
    const { h } = await panelFor(session);
    session.debug.faults!.setOffline(true);
    await session.destroySession().catch(() => undefined); // the new anonymous token fails: an error entry
    await settle(h.el);
    const errorRow = [...h.root.querySelectorAll('.log-view li')].find((li) => li.querySelector('.k')?.textContent === 'error');
    expect(errorRow, 'an error row').toBeTruthy();
    expect(errorRow!.classList.contains('o-error'), 'marked as a failure').toBe(true);
  });

  it('the DevTools tab\'s "Looking for a session…" does not suggest .session = session', async () => {
    const inner = createDirectTransport({ scope: {} });
    const port: SessionTransport = { kind: 'port', connect: (l) => inner.connect(l), request: (...a) => inner.request(...a) };
    const el = await mount((e) => (e.transport = port));
    const h = new SessionPanelHarness(el);
    expect(h.rootText()).toContain('Looking for a session');
    expect(h.rootText()).not.toContain('.session = session');
    expect(h.rootText()).toContain('the inspected page');
  });

  it('log rows stay in time order when a reattach replays older history after live rows', async () => {
    const { session } = await realSession();
    const tap = tapTransport(createDirectTransport({ session }));
    const el = await mount((e) => (e.transport = tap.transport));
    const h = new SessionPanelHarness(el);
    const id = session.id;
    const t = Date.now();
    tap.emit({ type: 'connection', state: 'connected', detail: 'Reattached to the page after reload or navigation' });
    // An event from before that line, delivered after it (a batch flushed late across the reattach).
    tap.emit({ type: 'events', sessionId: id, events: [{ type: 'state', at: t - 5000, what: 'an older row' }] });
    tap.emit({ type: 'log', sessionId: id, entries: [{ seq: 1, at: t - 6000, kind: 'event', message: 'replayed history' }] });
    tap.emit({ type: 'log', sessionId: id, entries: [{ seq: 1, at: t - 6000, kind: 'event', message: 'replayed history' }] });
    await settle(el);
    const rows = h.logRows();
    const older = rows.findIndex((r) => r.includes('an older row'));
    const line = rows.findIndex((r) => r.includes('Reattached'));
    expect(older, 'the older row is listed').toBeGreaterThanOrEqual(0);
    expect(older, 'before the line stamped after it').toBeLessThan(line);
    expect(rows.filter((r) => r.includes('replayed history')), 'a replay given twice shows once').toHaveLength(1);
    const times = [...h.root.querySelectorAll('.log-view li .t')].map((t) => t.textContent ?? '');
    expect([...times].sort(), 'every row in time order').toEqual(times);
  });

  it('the Lit dev-mode banner is not printed (tests and the demo mark it issued before Lit loads)', async () => {
    expect((globalThis as { litIssuedWarnings?: Set<string> }).litIssuedWarnings?.has('dev-mode')).toBe(true);
    const { readFileSync } = await import('node:fs');
    const main = readFileSync(`${process.cwd()}/demo/main.ts`, 'utf8');
    expect(main.match(/^import .*$/m)?.[0], "the demo's first import quiets it").toBe("import './quiet-lit.js';");
  });
});
