// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { createSession } from '../../src/core/index.js';
import type { Session } from '../../src/core/types.js';
import { createDirectTransport } from '../../src/transport/direct.js';
import type { TransportUpdate } from '../../src/transport/types.js';
import { SessionPanelHarness } from './harness.js';
import { mount, registerSession, settle, tapTransport } from './helpers/fixture.js';

/**
 * Credentials reach only the session the user chose (issue #9, item 2): typed fields are cleared when the shown
 * session changes, a session of another frame is never shown unless picked, and a password for another origin's
 * session goes only after a confirmation naming that origin. Real sessions on the page hook; the tap marks one of
 * them as an iframe's, as the port transport does.
 */

const FRAME = 'https://ads.example';

async function sessions(...namespaces: string[]): Promise<Session[]> {
  const list = namespaces.map((namespace) => createSession({ storage: 'memory', devtools: true, namespace }));
  for (const s of list) registerSession(s);
  await Promise.all(list.map((s) => s.ready));
  return list;
}

/** A panel where `framed` sessions are reported as living in an iframe of another origin. */
async function panelWith(framed: readonly Session[], crossOrigin = true) {
  const ids = new Set(framed.map((s) => s.id));
  const tap = tapTransport(createDirectTransport(), (u: TransportUpdate) =>
    u.type === 'sessions' ? { ...u, sessions: u.sessions.map((s) => (ids.has(s.id) ? { ...s, frame: FRAME, crossOrigin } : s)) } : u,
  );
  const el = await mount((e) => (e.transport = tap.transport));
  return { el, h: new SessionPanelHarness(el) };
}

const input = (h: SessionPanelHarness, label: string): HTMLInputElement => h.control<HTMLInputElement>(label);
const submitSignIn = async (h: SessionPanelHarness): Promise<void> => {
  h.part<HTMLButtonElement>('sign-in-button').click();
  await settle(h.el);
};

describe('credentials reach only the chosen session', () => {
  it('never shows another frame’s session by itself: it is listed, and shown only once picked', async () => {
    const [framed] = await sessions('shop');
    const { el, h } = await panelWith([framed!]);
    await settle(el);
    expect(h.maybePart('uuid'), 'the look-alike is not shown').toBeNull();
    expect(h.root.querySelector('form[aria-label="Sign in"]'), 'no sign-in form for it').toBeNull();
    expect(h.field('other-frames')).toContain(`shop in ${FRAME}`);
    h.root.querySelector<HTMLButtonElement>('[data-field="other-frames"] button')!.click();
    await settle(el);
    expect(h.uuidText(), 'picked by the user: shown').toBe(framed!.getUUID());
    expect(h.field('frame')).toBe(`in ${FRAME}`);
  });

  it('the top page’s session, created later, is shown; the iframe’s look-alike is not chosen instead', async () => {
    const [framed] = await sessions('shop');
    const { el, h } = await panelWith([framed!]);
    await settle(el);
    const [top] = await sessions('shop');
    await settle(el);
    expect(h.uuidText()).toBe(top!.getUUID());
    expect(h.maybePart('uuid')).not.toBeNull();
  });

  it('typed login, password and seed are cleared whenever the shown session changes', async () => {
    const [a, b] = await sessions('one', 'two');
    const { el, h } = await panelWith([]);
    await settle(el);
    await h.type(input(h, 'Login'), 'alice');
    await h.type(input(h, 'Password'), 'secret-for-one');
    await h.type(h.seedInput(), 'seed-for-one');
    await h.select(h.control<HTMLSelectElement>('Session'), b!.id);
    await settle(el);
    expect(h.uuidText()).toBe(b!.getUUID());
    expect([input(h, 'Login').value, input(h, 'Password').value, h.seedInput().value], 'nothing typed for one carries over').toEqual(['', '', '']);
    await h.select(h.control<HTMLSelectElement>('Session'), a!.id);
    await settle(el);
    expect([input(h, 'Login').value, input(h, 'Password').value, h.seedInput().value], 'nor back').toEqual(['', '', '']);
  });

  it('a password for another origin’s session goes only after a confirmation naming the origin', async () => {
    const [framed] = await sessions('shop');
    const { el, h } = await panelWith([framed!]);
    await settle(el);
    h.root.querySelector<HTMLButtonElement>('[data-field="other-frames"] button')!.click();
    await settle(el);
    await h.type(input(h, 'Login'), 'alice');
    await h.type(input(h, 'Password'), 'pw');
    await submitSignIn(h);
    expect(h.field('sign-in-confirm'), 'names the origin').toContain(`Send the password to ${FRAME}?`);
    expect(framed!.isSignedIn(), 'nothing sent yet').toBe(false);
    expect((h.el.shadowRoot!.activeElement as HTMLElement | null)?.textContent, 'focus on the safe choice').toBe('Cancel');
    h.button('Cancel').click();
    await settle(el);
    expect(h.root.querySelector('[data-field="sign-in-confirm"]')).toBeNull();
    expect(framed!.isSignedIn(), 'cancelled: nothing sent').toBe(false);

    await submitSignIn(h);
    h.part<HTMLButtonElement>('sign-in-confirm').click();
    await el.updateComplete;
    await el.actionComplete;
    await settle(el);
    expect(framed!.isSignedIn(), 'confirmed: signed in there').toBe(true);
    expect(framed!.snapshot().login).toBe('alice');
  });

  it('no confirmation for the top page’s own session, nor for a frame of the same origin', async () => {
    const [top, sameOrigin] = await sessions('top', 'same');
    const { el, h } = await panelWith([sameOrigin!], false);
    await settle(el);
    await h.type(input(h, 'Login'), 'bob');
    await h.type(input(h, 'Password'), 'pw');
    h.part<HTMLButtonElement>('sign-in-button').click();
    await el.updateComplete;
    await el.actionComplete;
    await settle(el);
    expect(h.root.querySelector('[data-field="sign-in-confirm"]')).toBeNull();
    expect(top!.isSignedIn()).toBe(true);
    await h.select(h.control<HTMLSelectElement>('Session'), sameOrigin!.id);
    await settle(el);
    await h.type(input(h, 'Login'), 'carol');
    await h.type(input(h, 'Password'), 'pw');
    h.part<HTMLButtonElement>('sign-in-button').click();
    await el.updateComplete;
    await el.actionComplete;
    await settle(el);
    expect(sameOrigin!.isSignedIn(), 'same origin as the top page: no question').toBe(true);
  });
});
