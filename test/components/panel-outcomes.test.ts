// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { describeEvent } from '../../src/core/log-format.js';
import { LogStore, type PanelLogEntry } from '../../components/session-panel/log-store.js';
import { SessionPanelHarness, text } from './harness.js';
import { click, fakeClock, panelFor, realSession, settle } from './helpers/fixture.js';

/*
 * What the panel says about the actions it ran, and when it stops saying it: outcomes describe the moment they
 * happened and go once the session's identity changes; fault arming lines go once the switch is spent; an expired
 * customer session says so and offers the way out; failures are found by the log's "error" filter and name their
 * code once.
 */


async function signIn(h: SessionPanelHarness, login: string): Promise<void> {
  await h.type(h.control('Login'), login);
  await h.type(h.control('Password'), 'pw');
  await click(h, h.part('sign-in-button'));
}

/** Every outcome line shown (not hidden), in order. */
function outcomes(h: SessionPanelHarness): string[] {
  return [...h.root.querySelectorAll<HTMLElement>('[data-outcome]')].filter((o) => !o.hidden && text(o) !== '').map((o) => text(o));
}

describe('action outcomes', () => {
  it('after Sign out, no sign-in outcome re-read from the signed-out state: only "Signed out"', async () => {
    const { session } = await realSession();
    const { h } = await panelFor(session);
    await signIn(h, 'ada@example.com');
    expect(h.outcome('sign-in'), 'sign-in outcome').toBe('Signed in as ada@example.com');
    await click(h, h.button('Sign out'));
    expect(outcomes(h), 'only the cause of the change is reported').toEqual(['Signed out']);
  });

  it('drops every outcome line when the identity changes, keeping the outcome of the action that caused it', async () => {
    const { session, backend } = await realSession();
    const { h } = await panelFor(session);
    await signIn(h, 'ada@example.com');
    await click(h, h.button('Expire token now'));
    expect(h.outcome('sign-in'), 'the sign-in no longer holds: its line went').toBe('');
    await click(h, h.refreshButton());
    await click(h, h.retrieveButton());
    expect(h.outcome('refresh'), 'refresh failed').toMatch(/^Error 3210 session-expired: /);
    expect(h.outcome('retrieve'), 'retrieve failed').toMatch(/^Error 3210 session-expired: /);
    await click(h, h.button('Sign out'));
    expect(h.field('signed-in'), 'a fresh anonymous session').toBe('Anonymous');
    expect(outcomes(h), 'the 3210 lines are gone; Sign out stays').toEqual(['Signed out']);

    // A change made elsewhere (another tab, the page's own code) drops them too, and keeps nothing.
    backend.faults.failNext('refresh', { kind: 'network', message: 'cable unplugged' });
    await click(h, h.refreshButton());
    expect(h.outcome('refresh'), 'a new failure').toBe('Error 9002 network: cable unplugged');
    await session.destroySession();
    await settle(h.el);
    expect(outcomes(h), 'destroyed elsewhere: nothing from before').toEqual([]);

    // Regenerate from the panel: earlier lines go, its own outcome names the UUID it made.
    backend.faults.failNext('refresh', { kind: 'network', message: 'cable unplugged' });
    await click(h, h.refreshButton());
    await h.type(h.seedInput(), 'abc');
    await click(h, h.regenerateButton());
    expect(outcomes(h), 'only the regenerate outcome').toEqual([`New UUID ${session.getUUID()}`]);
  });

  it('drops a fault arming line once the switch is no longer armed; Expire token now is worded neutrally', async () => {
    const { session } = await realSession();
    const { h } = await panelFor(session);
    await h.select(h.control('Call to fail'), 'refresh');
    await h.select(h.control('Error to fail with'), 'network');
    await click(h, h.button('Arm'));
    expect(h.field('faults'), 'armed').toBe('Armed: refresh → network.');
    expect(h.outcome('fault'), 'arming outcome').toBe('Next refresh call will fail');
    await click(h, h.refreshButton());
    expect(h.outcome('refresh'), 'the fault fired').toBe('Error 9002 network: Injected network failure');
    expect(h.field('faults'), 'state line').toBe('No fault armed.');
    expect(h.outcome('fault'), 'no "will fail" under "No fault armed."').toBe('');

    await click(h, h.button('Issue expired token next'));
    expect(h.outcome('fault')).toBe('Next token will be issued already expired');
    await click(h, h.refreshButton());
    expect(h.outcome('refresh'), 'the expired token was issued (and refused)').toMatch(/^Error 9007 invalid-response: .*already expired/);
    expect(h.field('faults'), 'used up').toBe('No fault armed.');
    expect(h.outcome('fault'), 'its line went with it').toBe('');

    await click(h, h.button('Expire token now'));
    expect(h.outcome('fault'), 'says what was done, not "Token expired" as a success').toBe('Token set to expire now');
  });
});

describe('expired customer session', () => {
  it('says the session expired for the login and offers sign in (prefilled) and sign out, nothing stale', async () => {
    const { session } = await realSession();
    // Signed in by the page itself, so the panel's form was never typed into: the login must come prefilled.
    await session.signIn('alice', 'pw');
    const { h } = await panelFor(session);
    expect(h.root.querySelector('[data-field="session-expired"]'), 'no expiry line while signed in').toBeNull();
    await click(h, h.button('Expire token now'));
    expect(h.field('signed-in'), 'Customer, live').toBe('Not signed in (last login alice)');
    expect(h.field('session-expired'), 'the way out, said').toBe('Session expired for alice: sign in again, or sign out to continue anonymously.');
    expect(h.control<HTMLInputElement>('Login').value, 'login prefilled').toBe('alice');
    expect(h.hasButton('Sign out'), 'sign out offered').toBe(true);
    expect(h.part('sign-out-button').getAttribute('aria-describedby'), 'linked to the explanation').toBe('session-expired');
    expect(h.hasButton('Sign out and destroy session'), 'one way out per line, not both sign-outs').toBe(false);
    expect(h.hasButton('Sign in'), 'sign in offered').toBe(true);
    expect(outcomes(h), 'only what was just done').toEqual(['Token set to expire now']);
    await click(h, h.retrieveButton());
    expect(h.outcome('retrieve'), 'retrieve fails as the SDK does').toMatch(/^Error 3210 session-expired: /);
    // The way out, taken: sign in again with the prefilled login.
    await h.type(h.control('Password'), 'pw');
    await click(h, h.part('sign-in-button'));
    expect(h.field('signed-in')).toBe('Signed in as alice');
    expect(h.root.querySelector('[data-field="session-expired"]'), 'the expiry line is gone').toBeNull();
    expect(outcomes(h), 'the 3210 line went with the expired session').toEqual(['Signed in as alice']);
  });

  it('also when the token runs out on the clock, and Sign out leads to an anonymous session', async () => {
    fakeClock();
    const { session } = await realSession({ ttl: 120, autoRefresh: false });
    const { el, h } = await panelFor(session);
    await signIn(h, 'alice');
    vi.advanceTimersByTime(121_000);
    await el.updateComplete;
    expect(h.field('session-expired')).toBe('Session expired for alice: sign in again, or sign out to continue anonymously.');
    expect(h.rootText(), 'no stale sign-in outcome').not.toContain('Signed in as alice');
    await click(h, h.button('Sign out'));
    expect(h.field('signed-in')).toBe('Anonymous');
    expect(h.root.querySelector('[data-field="session-expired"]')).toBeNull();
    expect(outcomes(h)).toEqual(['Signed out']);
  });
});

describe('operation log failures', () => {
  it('the "error" kind shows failed operations and requests, and each failed row names its code once', async () => {
    const { session, backend } = await realSession();
    const { h } = await panelFor(session);
    backend.faults.failNext('refresh', { kind: 'network', message: 'cable unplugged' });
    await click(h, h.refreshButton());
    const failed = h.logRows().filter((r) => r.includes('9002'));
    expect(failed.length, 'the failure is logged').toBeGreaterThanOrEqual(2);
    for (const row of failed) expect(row.match(/9002/g)?.length, `code once in "${row}"`).toBe(1);
    await h.select(h.control('Kind'), 'error');
    const rows = h.logRows();
    expect(rows.some((r) => /operationrefreshToken failed: network 9002: cable unplugged/.test(r)), 'the failed operation').toBe(true);
    expect(rows.some((r) => /request.*failed \(network 9002\)/.test(r)), 'the failed request').toBe(true);
    expect(rows.every((r) => !/refreshToken done|session ready/.test(r)), 'nothing that went well').toBe(true);
  });

  it('LogStore: kind "error" matches kind error or outcome error, and follows appends', () => {
    const store = new LogStore(10);
    const e = (message: string, kind: PanelLogEntry['kind'], outcome?: 'ok' | 'error'): PanelLogEntry => ({ at: 0, kind, message, ...(outcome ? { outcome } : {}) });
    store.append(e('a', 'operation', 'error'));
    store.append(e('b', 'operation', 'ok'));
    store.setFilter('', 'error');
    store.append(e('c', 'request', 'error'));
    store.append(e('d', 'error'));
    store.append(e('e', 'event'));
    expect([...store].map((x) => x.message)).toEqual(['a', 'c', 'd']);
    store.setFilter('', 'operation');
    expect([...store].map((x) => x.message), 'other kinds match by kind only').toEqual(['a', 'b']);
  });

  it('log-format: a failed operation names kind and code once, as the error and request lines do', () => {
    const error = { code: 9002, kind: 'network', message: 'cable unplugged' };
    const end = describeEvent({ type: 'operation-end', at: 0, id: 1, operation: 'refreshToken', durationMs: 3, outcome: 'error', error } as never);
    expect(end?.message).toBe('refreshToken failed: network 9002: cable unplugged');
  });

  it('a row cut short opens in full from its message (a button: click, Enter or Space), as text, and closes again', async () => {
    const { session, backend } = await realSession();
    const { el, h } = await panelFor(session);
    const long = `<img src=x onerror=alert(1)> ${'upstream said no, '.repeat(20)}end`;
    backend.faults.failNext('refresh', { kind: 'backend', message: long });
    await click(h, h.refreshButton());
    const row = [...h.root.querySelectorAll('.log-view li')].find((li) => li.textContent?.includes('refreshToken failed'))!;
    expect(row, 'the failed row').toBeTruthy();
    expect(row.getAttribute('title'), 'the full text as a tooltip').toMatch(/^refreshToken failed: backend \d+: <img src=x onerror=alert\(1\)> (upstream said no, ){20}end$/);
    const open = row.querySelector<HTMLButtonElement>('button.m')!;
    expect(open, 'the message is a native button, so Tab reaches it and Enter or Space opens it').toBeInstanceOf(HTMLButtonElement);
    expect(open.getAttribute('aria-expanded')).toBe('false');
    open.click();
    await el.updateComplete;
    const detail = h.root.querySelector('[data-field="log-detail"]')!;
    expect(detail.textContent, 'the whole message').toContain(`${long}`);
    expect(detail.querySelector('img'), 'as text, never HTML').toBeNull();
    expect(h.root.querySelector('.log-view li button[aria-expanded="true"]')?.getAttribute('aria-controls'), 'linked').toBe('log-detail');
    h.button('Close').click();
    await el.updateComplete;
    await el.updateComplete;
    expect(h.root.querySelector('[data-field="log-detail"]'), 'closed').toBeNull();
    expect(h.root.activeElement?.classList.contains('log-view'), 'focus back on the list').toBe(true);
  });
});
