// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { isServer } from 'lit';
import { SignJWT } from 'jose';
import { createDevBackend, createSession, uuidFromName } from '../../src/core/index.js';
import { HOOK_KEY } from '../../src/core/hook.js';
import type { AuthBackend } from '../../src/core/types.js';
import { createDirectTransport } from '../../src/transport/direct.js';
import { REVEAL_TIMEOUT_MS, TOKEN_MASK } from '../../components/session-panel/session-panel.js';
import type {
  SessionCopyEvent,
  SessionDestroyEvent,
  SessionErrorEvent,
  SessionExportEvent,
  SessionRegenerateEvent,
  SessionSignOutEvent,
} from '../../components/session-panel/events.js';
import { SessionPanelHarness } from './harness.js';
import { recordEvents } from './helpers/expect-event.js';
import { click, fakeClock, mount, panelFor, realSession, registerSession, settle, tapTransport } from './helpers/fixture.js';

const ALL_EVENTS = [
  'session-bind',
  'session-refresh',
  'session-retrieve',
  'session-regenerate',
  'session-destroy',
  'session-destroyed',
  'session-sign-in',
  'session-sign-out',
  'session-copy',
  'session-export',
  'session-error',
];


describe('environment', () => {
  it('runs Lit in the browser build, in dev mode (so dev-mode warnings would be caught)', () => {
    expect(isServer, 'isServer').toBe(false);
    expect((globalThis as { litIssuedWarnings?: Set<unknown> }).litIssuedWarnings, 'Lit dev mode is on').toBeInstanceOf(Set);
  });
});

describe('properties and binding', () => {
  it('shows the session given as .session: identity, token, backend and storage', async () => {
    // A frozen clock on a whole second: on the real clock the countdown reads 59:59 whenever a second ticks (or the
    // token's exp, rounded down to seconds, lands) between the token's arrival and the render.
    fakeClock();
    const { session } = await realSession();
    const { h } = await panelFor(session);
    const snap = session.snapshot();
    expect(h.uuidText(), 'UUID').toBe(session.getUUID());
    expect(h.field('signed-in'), 'anonymous').toBe('Anonymous');
    expect(h.statusText(), 'token status').toBe('valid');
    expect(h.field('countdown'), 'countdown').toBe('expires in 1:00:00');
    expect(h.field('origin'), 'origin').toBe('ANONYMOUS');
    expect(h.field('realm'), 'realm').toBe('anonymous_client');
    expect(h.field('client-id'), 'no client id').toBe('—');
    expect(h.field('backend'), 'backend kind and endpoint').toBe(`dev ${snap.backend.endpoint ?? ''}`.trim());
    expect(h.field('last-request'), 'last request status and timing').toMatch(/anonymous.*ok.*ms/);
    expect(h.field('storage'), 'storage state').toBe('memory · in memory only');
  });

  it('shows "looking for a session" with tips until a session appears on the page hook', async () => {
    const el = await mount();
    const h = new SessionPanelHarness(el);
    expect(h.rootText(), 'looking state').toContain('Looking for a session…');
    expect(h.rootText(), 'setup tip').toContain('createSession()');
    const events = recordEvents(el, ['session-bind']);
    const session = createSession({ storage: 'memory', devtools: true });
    registerSession(session);
    await session.ready;
    await settle(el);
    expect(h.uuidText(), 'bound to the new session').toBe(session.getUUID());
    expect(events.seen.map((e) => (e as Event & { sessionId: string }).sessionId), 'bind event').toEqual([session.id]);
    session.dispose();
    await settle(el);
    expect(h.rootText(), 'back to looking once it is gone').toContain('Looking for a session…');
    expect(events.seen.map((e) => (e as Event & { sessionId: string | null }).sessionId), 'unbound').toEqual([session.id, null]);
  });

  it('offers a picker when the page has several sessions', async () => {
    const a = createSession({ storage: 'memory', devtools: true, namespace: 'shop' });
    const b = createSession({ storage: 'memory', devtools: true, namespace: 'admin' });
    registerSession(a);
    registerSession(b);
    await Promise.all([a.ready, b.ready]);
    const el = await mount();
    const h = new SessionPanelHarness(el);
    const picker = h.control<HTMLSelectElement>('Session');
    expect([...picker.options].map((o) => o.textContent), 'both sessions listed').toEqual([
      `shop · ${a.getUUID().slice(0, 8)}`,
      `admin · ${b.getUUID().slice(0, 8)}`,
    ]);
    expect(h.uuidText(), 'first session shown').toBe(a.getUUID());
    const events = recordEvents(el, ['session-bind']);
    await h.select(picker, b.id);
    await settle(el);
    expect(h.uuidText(), 'picked session shown').toBe(b.getUUID());
    expect(el.sessionId, 'sessionId follows the picker').toBe(b.id);
    expect(events.names(), 'bind event').toEqual(['session-bind']);
  });

  it('names the frame of a session that is not the top page, in the picker and in the header', async () => {
    const a = createSession({ storage: 'memory', devtools: true, namespace: 'shop' });
    const b = createSession({ storage: 'memory', devtools: true, namespace: 'shop' });
    registerSession(a);
    registerSession(b);
    await Promise.all([a.ready, b.ready]);
    // As the port transport reports a session of an iframe: its frame's origin, beside an opaque id.
    const frame = 'https://ads.example';
    const tap = tapTransport(createDirectTransport(), (u) =>
      u.type === 'sessions' ? { ...u, sessions: u.sessions.map((s) => (s.id === b.id ? { ...s, frame } : s)) } : u,
    );
    const el = await mount((e) => (e.transport = tap.transport));
    const h = new SessionPanelHarness(el);
    const picker = h.control<HTMLSelectElement>('Session');
    expect([...picker.options].map((o) => o.textContent), 'the frame tells the two apart').toEqual([
      `shop · ${a.getUUID().slice(0, 8)}`,
      `shop · ${b.getUUID().slice(0, 8)} — ${frame}`,
    ]);
    expect(h.root.querySelector('[data-field="frame"]'), 'no frame in the header for the top page').toBeNull();
    await h.select(picker, b.id);
    await settle(el);
    expect(h.uuidText(), 'picked').toBe(b.getUUID());
    expect(h.field('frame'), 'the frame in the header').toBe(`in ${frame}`);
    expect(h.root.querySelector('header')?.textContent, 'the id itself is never shown').not.toContain(b.id);
  });

  it('uses a given transport rather than .session, and needs no page global for it', async () => {
    const { session: a } = await realSession();
    const { session: b } = await realSession();
    const global = globalThis as Record<string, unknown>;
    const saved = Object.getOwnPropertyDescriptor(global, HOOK_KEY);
    delete global[HOOK_KEY];
    try {
      const el = await mount((e) => {
        e.transport = createDirectTransport({ session: a });
        e.session = b;
      });
      expect(new SessionPanelHarness(el).uuidText(), 'the transport wins').toBe(a.getUUID());
      expect(HOOK_KEY in global, 'no page hook created').toBe(false);
    } finally {
      if (saved) Object.defineProperty(global, HOOK_KEY, saved);
    }
  });

  it('says "not persisting" only for degraded storage, "in memory only" for memory that was asked for', async () => {
    const { session } = await realSession();
    const note = 'stored state was unreadable (bad JSON); started fresh';
    const tap = tapTransport(createDirectTransport({ session }), (u) =>
      u.type === 'snapshot' ? { ...u, snapshot: { ...u.snapshot, storage: { kind: 'memory', persistent: false, degraded: false, note } } } : u,
    );
    const el = await mount((e) => (e.transport = tap.transport));
    expect(new SessionPanelHarness(el).field('storage'), 'memory asked for, with a note').toBe(`memory · in memory only ${note}`);
    const failing = {
      getItem: (): string | null => null,
      setItem: (): void => {
        throw new Error('quota exceeded');
      },
      removeItem: (): void => {},
    };
    const degraded = createSession({ storage: failing, devtools: false, backend: createDevBackend() });
    registerSession(degraded);
    await degraded.ready;
    expect(degraded.snapshot().storage.degraded, 'the core says degraded').toBe(true);
    const { h } = await panelFor(degraded);
    expect(h.field('storage'), 'degraded').toMatch(/^custom · not persisting writing storage failed: quota exceeded/);
  });

  it('reflects theme, floating and open as attributes', async () => {
    const { session } = await realSession();
    const { el } = await panelFor(session, { theme: 'dark' });
    expect(el.theme, 'theme from attribute').toBe('dark');
    el.theme = 'light';
    await el.updateComplete;
    expect(el.getAttribute('theme'), 'theme reflected').toBe('light');
    const fresh = await mount((e) => (e.session = session));
    expect(fresh.getAttribute('theme'), 'default theme').toBe('auto');
  });
});

describe('actions', () => {
  it('Refresh token: pending state, then the result inline, then session-refresh', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    const events = recordEvents(el, ALL_EVENTS);
    const before = session.snapshot().token?.tokenString;
    h.refreshButton().click();
    await el.updateComplete;
    expect(h.outcome('refresh'), 'pending text').toBe('Refreshing…');
    expect(h.refreshButton().getAttribute('aria-disabled'), 'marked busy while pending (keeping focus)').toBe('true');
    await el.actionComplete;
    await settle(el);
    expect(h.outcome('refresh'), 'result').toMatch(/^Refreshed: valid until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(h.refreshButton().getAttribute('aria-disabled'), 'not busy again').toBe('false');
    expect(session.snapshot().token?.tokenString, 'the session has a new token').not.toBe(before);
    expect(events.names(), 'events').toEqual(['session-refresh']);
    expect(h.announcement(), 'announced').toBe('Token refreshed');
  });

  it('Refresh token on an expired token shows 3210 and fires session-error', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    session.debug.expireToken();
    await settle(el);
    expect(h.statusText(), 'expired').toBe('expired');
    const events = recordEvents<SessionErrorEvent>(el, ALL_EVENTS);
    await click(h, h.refreshButton());
    expect(h.outcome('refresh'), 'error inline').toMatch(/^Error 3210 session-expired: /);
    expect(events.names(), 'events').toEqual(['session-error']);
    expect(events.seen[0]?.action, 'action').toBe('refresh');
    expect(events.seen[0]?.error.code, 'code').toBe(3210);
  });

  it('Retrieve token: success and the backend error it meets', async () => {
    const { session, backend } = await realSession();
    const { el, h } = await panelFor(session);
    await click(h, h.retrieveButton());
    expect(h.outcome('retrieve'), 'result').toMatch(/^Retrieved: valid until /);
    // An expired anonymous token makes retrieveToken ask for a new one: make that call fail.
    session.debug.expireToken();
    backend.faults.failNext('anonymous', { kind: 'network', message: 'cable unplugged' });
    const events = recordEvents<SessionErrorEvent>(el, ['session-error']);
    await click(h, h.retrieveButton());
    expect(h.outcome('retrieve'), 'error inline').toBe('Error 9002 network: cable unplugged');
    expect(events.seen.map((e) => e.action), 'session-error').toEqual(['retrieve']);
  });

  it('Regenerate UUID with a seed gives the seeded UUID; an empty seed a random one', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    const events = recordEvents<SessionRegenerateEvent>(el, ALL_EVENTS);
    await h.type(h.seedInput(), 'abc');
    await click(h, h.regenerateButton());
    const seeded = uuidFromName(session.snapshot().deviceId + 'abc');
    expect(h.uuidText(), 'seeded UUID').toBe(seeded);
    expect(h.outcome('regenerate'), 'outcome').toBe(`New UUID ${seeded}`);
    await h.type(h.seedInput(), '');
    await click(h, h.regenerateButton());
    expect(h.uuidText(), 'random UUID').not.toBe(seeded);
    expect(h.uuidText()).toBe(session.getUUID());
    expect(events.seen.map((e) => [e.type, e.seed, e.changed]), 'events').toEqual([
      ['session-regenerate', 'abc', true],
      ['session-regenerate', null, true],
    ]);
  });

  it('Regenerate UUID with an absurd seed shows the error', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    const before = session.getUUID();
    const events = recordEvents<SessionErrorEvent>(el, ALL_EVENTS);
    await h.type(h.seedInput(), 'x'.repeat(5000));
    await click(h, h.regenerateButton());
    expect(h.outcome('regenerate'), 'error').toMatch(/^Error 9001 invalid-argument: /);
    expect(h.uuidText(), 'UUID unchanged').toBe(before);
    expect(events.names()).toEqual(['session-error']);
  });

  it('Regenerate UUID is disabled while signed in, with the reason', async () => {
    const { session } = await realSession();
    await session.signIn('ada@example.com', 'pw');
    const { h } = await panelFor(session);
    const button = h.regenerateButton();
    expect(button.disabled, 'disabled').toBe(true);
    const reason = h.root.getElementById(button.getAttribute('aria-describedby') ?? '');
    expect(reason?.textContent, 'reason shown and linked').toContain('Sign out first');
  });

  it('a customer token that runs out is signed out at once: Customer, header and Regenerate follow the clock', async () => {
    fakeClock();
    const { session } = await realSession({ ttl: 120, autoRefresh: false });
    const { el, h } = await panelFor(session);
    await h.type(h.control('Login'), 'ada@example.com');
    await h.type(h.control('Password'), 'pw');
    await click(h, h.part('sign-in-button'));
    const header = (): string => (h.root.querySelector('header')?.textContent ?? '').replace(/\s+/g, ' ');
    expect(h.field('signed-in'), 'signed in').toBe('Signed in as ada@example.com');
    expect(header(), 'header names the customer').toContain('ada@example.com ·');
    expect(h.regenerateButton().disabled, 'Regenerate disabled while signed in').toBe(true);
    // The core sends nothing when the token runs out: only the panel's clock moves.
    vi.advanceTimersByTime(121_000);
    await el.updateComplete;
    expect(h.statusText(), 'expired').toBe('expired');
    expect(session.isSignedIn(), 'the core no longer counts the customer as signed in').toBe(false);
    expect(h.field('signed-in'), 'Customer no longer says signed in').toBe('Not signed in (last login ada@example.com)');
    expect(header(), 'header says anonymous').toContain('anonymous ·');
    expect(h.regenerateButton().disabled, 'Regenerate enabled').toBe(false);
    expect(h.root.getElementById('regen-reason'), 'no "Sign out first"').toBeNull();
    await click(h, h.regenerateButton());
    expect(h.outcome('regenerate'), 'and the core does regenerate').toBe(`New UUID ${session.getUUID()}`);
  });

  it('Destroy session asks for confirmation, then fires session-destroy and session-destroyed in order', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    const before = { uuid: session.getUUID(), token: session.snapshot().token?.tokenString };
    const events = recordEvents(el, ALL_EVENTS);
    h.destroyButton().click();
    await el.updateComplete;
    expect(h.destroyButton().getAttribute('aria-expanded'), 'confirmation open').toBe('true');
    expect(events.names(), 'nothing yet').toEqual([]);
    expect(session.getUUID(), 'nothing destroyed before confirming').toBe(before.uuid);
    await click(h, h.destroyConfirm());
    expect(events.names(), 'request then done').toEqual(['session-destroy', 'session-destroyed']);
    expect(h.uuidText(), 'new UUID shown').toBe(session.getUUID());
    expect(session.getUUID(), 'new UUID').not.toBe(before.uuid);
    expect(session.snapshot().token?.tokenString, 'new token').not.toBe(before.token);
    expect(h.outcome('destroy'), 'outcome').toBe(`Destroyed: new UUID ${session.getUUID()}`);
    expect(h.maybePart('destroy-confirm'), 'confirmation closed').toBeNull();
    expect(h.root.activeElement?.getAttribute('part'), 'focus back on Destroy session').toBe('destroy-button');
  });

  it('a cancelled session-destroy destroys nothing', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    const before = session.getUUID();
    const events = recordEvents<SessionDestroyEvent>(el, ALL_EVENTS);
    el.addEventListener('session-destroy', (e) => e.preventDefault());
    h.destroyButton().click();
    await el.updateComplete;
    await click(h, h.destroyConfirm());
    expect(events.names(), 'only the request').toEqual(['session-destroy']);
    expect(events.seen[0]?.cancelable, 'cancelable').toBe(true);
    expect(events.seen[0]?.sessionId, 'names the session').toBe(session.id);
    expect(session.getUUID(), 'UUID unchanged').toBe(before);
    expect(h.outcome('destroy'), 'outcome').toBe('Cancelled by the page');
  });

  it('Cancel and Escape close the confirmation without destroying', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    const before = session.getUUID();
    h.destroyButton().click();
    await el.updateComplete;
    await el.updateComplete;
    expect(h.root.activeElement?.textContent, 'focus moves into the confirmation').toBe('Cancel');
    h.button('Cancel').click();
    await el.updateComplete;
    expect(h.maybePart('destroy-confirm'), 'closed by Cancel').toBeNull();
    h.destroyButton().click();
    await el.updateComplete;
    h.destroyConfirm().dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    await el.updateComplete;
    expect(h.maybePart('destroy-confirm'), 'closed by Escape').toBeNull();
    await settle(el);
    expect(session.getUUID(), 'nothing destroyed').toBe(before);
  });

  it('Destroy on a disposed session shows the error', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    session.dispose();
    await settle(el);
    expect(h.rootText(), 'disposed flag').toContain('This session was disposed');
    h.destroyButton().click();
    await el.updateComplete;
    const events = recordEvents(el, ALL_EVENTS);
    await click(h, h.destroyConfirm());
    expect(h.outcome('destroy'), 'error').toMatch(/^Error 9006 disposed: /);
    expect(events.names(), 'request, then error').toEqual(['session-destroy', 'session-error']);
  });

  it('Sign in with login and password, then sign out in both modes', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    const events = recordEvents<SessionSignOutEvent>(el, ALL_EVENTS);
    await h.type(h.control('Login'), 'ada@example.com');
    await h.type(h.control('Password'), 'secret');
    await click(h, h.part('sign-in-button'));
    expect(h.field('signed-in'), 'signed in').toBe('Signed in as ada@example.com');
    expect(h.outcome('sign-in'), 'outcome').toBe('Signed in as ada@example.com');
    expect(h.field('realm'), 'client realm').toBe('client');
    const uuid = session.getUUID();
    await click(h, h.button('Sign out'));
    expect(h.field('signed-in'), 'signed out').toBe('Anonymous');
    expect(session.getUUID(), 'plain sign-out keeps the UUID').toBe(uuid);
    await h.type(h.control('Login'), 'ada@example.com');
    expect(h.control<HTMLInputElement>('Password').value, 'password was cleared after sign-in').toBe('');
    await h.type(h.control('Password'), 'secret');
    await click(h, h.part('sign-in-button'));
    await click(h, h.button('Sign out and destroy session'));
    expect(session.getUUID(), 'sign-out with destroy gives a new UUID').not.toBe(uuid);
    expect(events.seen.map((e) => e.type + (e.type === 'session-sign-out' ? `:${e.mode}` : '')), 'events').toEqual([
      'session-sign-in',
      'session-sign-out:SIGN_OUT',
      'session-sign-in',
      'session-sign-out:SIGN_OUT_WITH_SESSION_DESTROY',
    ]);
  });

  it('Sign in with a wrong password shows the backend error', async () => {
    const strict = createSession({ storage: 'memory', devtools: false, backend: createDevBackend({ users: { ada: 'right' } }) });
    registerSession(strict);
    await strict.ready;
    const { el, h } = await panelFor(strict);
    const events = recordEvents<SessionErrorEvent>(el, ALL_EVENTS);
    await h.type(h.control('Login'), 'ada');
    await h.type(h.control('Password'), 'wrong');
    await click(h, h.part('sign-in-button'));
    expect(h.outcome('sign-in'), 'error inline').toMatch(/^Error 3200 unauthorized: /);
    expect(events.seen.map((e) => [e.action, e.error.code]), 'session-error').toEqual([['sign-in', 3200]]);
    expect(h.field('signed-in'), 'still anonymous').toBe('Anonymous');
  });

  it('Sign out on a disposed session shows the error', async () => {
    const { session } = await realSession();
    await session.signIn('ada', 'pw');
    const { el, h } = await panelFor(session);
    session.dispose();
    await settle(el);
    await click(h, h.button('Sign out'));
    expect(h.outcome('sign-out'), 'error').toMatch(/^Error 9006 disposed: /);
  });

  it('the result of a superseded click is dropped: Refresh twice shows one answer', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    const events = recordEvents(el, ALL_EVENTS);
    // A pending button stays clickable (aria-disabled keeps focus): the second click supersedes the first.
    h.refreshButton().click();
    h.refreshButton().click();
    await el.actionComplete;
    await settle(el);
    expect(events.names(), 'one refresh event').toEqual(['session-refresh']);
    expect(h.outcome('refresh')).toMatch(/^Refreshed: /);
  });
});

describe('token display', () => {
  it('masks the token with a fixed-length mask whatever its length', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    expect(h.tokenText(), 'anonymous token masked').toBe(TOKEN_MASK);
    await session.signIn('someone-with-a-very-long-login-name@example.com', 'pw');
    await settle(el);
    expect(h.tokenText(), 'longer token, same mask').toBe(TOKEN_MASK);
    expect(h.rootText(), 'the token string is nowhere in the panel').not.toContain(session.snapshot().token!.tokenString);
  });

  it('Reveal shows the real token and hides it again after 30 s (and on disconnect)', async () => {
    fakeClock();
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    const token = session.snapshot().token!.tokenString;
    const reveal = h.button('Reveal');
    reveal.click();
    await el.updateComplete;
    expect(h.tokenText(), 'revealed').toBe(token);
    expect(h.button('Hide').getAttribute('aria-pressed'), 'toggle pressed').toBe('true');
    vi.advanceTimersByTime(REVEAL_TIMEOUT_MS - 1);
    await el.updateComplete;
    expect(h.tokenText(), 'still shown just before 30 s').toBe(token);
    vi.advanceTimersByTime(1);
    await el.updateComplete;
    expect(h.tokenText(), 'hidden after 30 s').toBe(TOKEN_MASK);
    h.button('Reveal').click();
    await el.updateComplete;
    el.remove();
    expect(vi.getTimerCount(), 'no timer left after disconnect').toBe(0);
  });

  it('Copy buttons copy the real UUID and token and fire session-copy without the value', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    const events = recordEvents<SessionCopyEvent>(el, ['session-copy']);
    await click(h, h.button('Copy UUID'));
    expect(await navigator.clipboard.readText(), 'UUID copied').toBe(session.getUUID());
    await click(h, h.button('Copy token'));
    expect(await navigator.clipboard.readText(), 'real token copied').toBe(session.snapshot().token!.tokenString);
    expect(events.seen.map((e) => e.what), 'events').toEqual(['uuid', 'token']);
    expect(h.outcome('copy')).toBe('Token copied');
  });

  it('a clipboard that refuses shows the error', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    const write = vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new Error('denied'));
    const events = recordEvents<SessionErrorEvent>(el, ['session-error']);
    try {
      await click(h, h.button('Copy UUID'));
    } finally {
      write.mockRestore();
    }
    expect(h.outcome('copy'), 'error shown').toBe('Error 0 clipboard: The clipboard is not available here');
    expect(events.seen.map((e) => e.action), 'session-error').toEqual(['copy']);
  });

  it('counts down, turns expiring then expired, and runs no timer when disconnected or hidden', async () => {
    fakeClock();
    const { session } = await realSession({ ttl: 120 });
    const { el, h } = await panelFor(session);
    expect(h.field('countdown'), 'start').toBe('expires in 2:00');
    expect(h.statusText()).toBe('valid');
    vi.advanceTimersByTime(1000);
    await el.updateComplete;
    expect(h.field('countdown'), 'one second later').toBe('expires in 1:59');
    vi.advanceTimersByTime(60_000);
    await el.updateComplete;
    expect(h.statusText(), 'within the refresh margin (half of 120 s)').toBe('expiring');
    expect(h.announcement(), 'status change announced').toBe('Token expiring');
    vi.advanceTimersByTime(59_000);
    await el.updateComplete;
    expect(h.statusText(), 'expired').toBe('expired');
    expect(h.field('countdown')).toBe('expired just now');
    // Hidden page: the countdown pauses.
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
    await el.updateComplete;
    expect(vi.getTimerCount(), 'paused while hidden').toBe(0);
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    document.dispatchEvent(new Event('visibilitychange'));
    await el.updateComplete;
    expect(vi.getTimerCount(), 'running again when visible').toBe(1);
    el.remove();
    expect(vi.getTimerCount(), 'no timer after disconnect').toBe(0);
    Reflect.deleteProperty(document, 'visibilityState');
  });

  it('shows decoded header and claims with times in words', async () => {
    fakeClock();
    const { session } = await realSession();
    const { h } = await panelFor(session);
    const details = h.root.querySelector('details');
    expect(details, 'claims section').toBeTruthy();
    const text = details!.textContent!.replace(/\s+/g, ' ');
    expect(text, 'unverified label').toContain('not verified');
    expect(text, 'alg').toContain('alg ES256');
    expect(text, 'exp in words').toMatch(/exp \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(in 60 min\)Expires at/);
    expect(text, 'iat in words').toMatch(/iat .*\(just now\)Issued at/);
    expect(text, 'sub explained').toContain('Subject: whom the token is about');
    expect(h.root.querySelector('.flag'), 'ES256 is not flagged').toBeNull();
  });

  it('flags an HS256 token from a backend that signs with a shared secret', async () => {
    const backend = hsBackend();
    const session = createSession({ storage: 'memory', devtools: false, backend });
    registerSession(session);
    await session.ready;
    const { h } = await panelFor(session);
    expect(h.root.querySelector('.flag.warn')?.textContent, 'HS flagged').toContain('HS256 uses a shared secret');
    expect(h.rootText(), 'no fault controls for a backend without them').not.toContain('Fault injection');
    expect(h.field('backend'), 'custom backend').toBe('custom');
  });
});

describe('fault injection', () => {
  it('expires the token, arms a failing call, goes offline and clears', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    expect(h.field('faults'), 'nothing armed').toBe('No fault armed.');
    await click(h, h.button('Expire token now'));
    expect(h.statusText(), 'expired by hand').toBe('expired');
    await click(h, h.retrieveButton());
    expect(h.statusText(), 'a new anonymous token').toBe('valid');
    await h.select(h.control('Call to fail'), 'refresh');
    await h.select(h.control('Error to fail with'), 'network');
    await click(h, h.button('Arm'));
    expect(h.field('faults'), 'armed').toBe('Armed: refresh → network.');
    await click(h, h.refreshButton());
    expect(h.outcome('refresh'), 'the armed failure').toBe('Error 9002 network: Injected network failure');
    const offline = h.control<HTMLInputElement>('Offline');
    offline.checked = true;
    offline.dispatchEvent(new Event('change'));
    await el.actionComplete;
    await settle(el);
    expect(h.field('faults'), 'offline').toBe('Offline.');
    await click(h, h.refreshButton());
    expect(h.outcome('refresh'), 'offline failure').toMatch(/^Error \d+ network: /);
    await click(h, h.button('Clear faults'));
    expect(h.field('faults'), 'cleared').toBe('No fault armed.');
    expect(h.outcome('fault')).toBe('Faults cleared');
  });
});

describe('operation log', () => {
  it('lists operations with relative time, duration and outcome; filters by text and kind', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    await click(h, h.refreshButton());
    const rows = h.logRows();
    expect(rows[0], 'first row starts at +00:00.000').toMatch(/^\+00:00\.000/);
    expect(rows.some((r) => /^\+\d\d:\d\d\.\d{3}operationrefreshToken done: .*\d+ ms$/.test(r)), 'refresh with duration').toBe(true);
    await h.type(h.control('Filter log'), 'refresh');
    expect(h.logRows().length, 'text filter narrows').toBeGreaterThan(0);
    expect(h.logRows().every((r) => /refresh/i.test(r)), 'only matching rows').toBe(true);
    await h.type(h.control('Filter log'), '');
    await h.select(h.control('Kind'), 'request');
    expect(h.logRows().every((r) => /request/.test(r)), 'only requests').toBe(true);
    await h.select(h.control('Kind'), 'error');
    expect(h.root.querySelector('.log-empty')?.textContent, 'nothing matches').toBe('No entry matches the filter.');
    await settle(el);
  });

  it('pauses (holding new rows) and resumes; clear empties the panel and the session log', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    const count = (): number => h.logRows().length;
    const before = count();
    h.button('Pause').click();
    await el.updateComplete;
    await session.refreshToken();
    await settle(el);
    expect(count(), 'frozen while paused').toBe(before);
    expect(h.button('Resume').textContent, 'held rows counted').toMatch(/Resume \(\d+ new\)/);
    h.button('Resume').click();
    await el.updateComplete;
    expect(count(), 'held rows shown on resume').toBeGreaterThan(before);
    h.button('Clear').click();
    await settle(el);
    expect(h.root.querySelector('.log-empty')?.textContent, 'cleared').toBe('No entries yet.');
    expect(session.log(), 'session log cleared too').toEqual([]);
  });

  it('exports JSON with tokens redacted by default', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    const token = session.snapshot().token!.tokenString;
    const events = recordEvents<SessionExportEvent>(el, ['session-export']);
    el.addEventListener('session-export', (e) => e.preventDefault());
    h.button('Export JSON').click();
    const first = events.seen[0]!;
    expect(first.redacted, 'redacted by default').toBe(true);
    expect(first.json, 'no token in the export').not.toContain(token);
    const data = JSON.parse(first.json) as { session: { uuid: string; token: { tokenString: string } }; entries: unknown[] };
    expect(data.session.uuid, 'session state included').toBe(session.getUUID());
    expect(data.session.token.tokenString, 'token redacted').toBe('[redacted]');
    expect(data.entries.length, 'entries included').toBeGreaterThan(0);
    const include = h.control<HTMLInputElement>('include tokens');
    include.checked = true;
    include.dispatchEvent(new Event('change'));
    await el.updateComplete;
    h.button('Export JSON').click();
    expect(events.seen[1]?.redacted, 'opted in').toBe(false);
    expect(events.seen[1]?.json, 'token included on request').toContain(token);
  });

  it('redacts a JWT quoted in a log message unless include tokens is ticked', async () => {
    const { session, backend } = await realSession();
    const { el, h } = await panelFor(session);
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJxdW90ZWQifQ.c2lnbmF0dXJl';
    backend.faults.failNext('refresh', { kind: 'backend', message: `upstream rejected ${jwt}` });
    await click(h, h.refreshButton());
    expect(h.logRows().some((r) => r.includes(jwt)), 'the message is in the log').toBe(true);
    const events = recordEvents<SessionExportEvent>(el, ['session-export']);
    el.addEventListener('session-export', (e) => e.preventDefault());
    h.button('Export JSON').click();
    const redacted = JSON.parse(events.seen[0]!.json) as { entries: { message: string }[] };
    expect(events.seen[0]!.json, 'the quoted JWT is nowhere in the default export').not.toContain(jwt);
    expect(redacted.entries.some((e) => e.message.includes('upstream rejected [redacted]')), 'redacted inside the message').toBe(true);
    const include = h.control<HTMLInputElement>('include tokens');
    include.checked = true;
    include.dispatchEvent(new Event('change'));
    await el.updateComplete;
    h.button('Export JSON').click();
    const full = JSON.parse(events.seen[1]!.json) as { entries: { message: string }[] };
    expect(full.entries.some((e) => e.message.includes(`upstream rejected ${jwt}`)), 'kept when tokens are included').toBe(true);
  });

  it('stamps the export with the session clock at export time, also with no token to count down', async () => {
    fakeClock();
    const backend = createDevBackend({ now: () => Date.now() });
    backend.faults.failNext('anonymous', { kind: 'network', message: 'no token today' });
    const session = createSession({ storage: 'memory', devtools: false, now: () => Date.now(), backend, autoRefresh: false });
    registerSession(session);
    await session.ready.catch(() => {});
    const { el, h } = await panelFor(session);
    expect(h.statusText(), 'no token, so no countdown timer').toBe('none');
    vi.advanceTimersByTime(5 * 60_000);
    const at = new Date().toISOString();
    expect((JSON.parse(el.exportLog()) as { exportedAt: string }).exportedAt, 'exportLog').toBe(at);
    const names: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      names.push(this.download);
    });
    try {
      h.button('Export JSON').click();
    } finally {
      click.mockRestore();
    }
    expect(names, 'file name').toEqual([`session-log-${at.replace(/[:.]/g, '-')}.json`]);
    vi.runOnlyPendingTimers(); // the object URL's revocation
  });

  it('logs every connection update with a detail, before any session too, and keeps them across a history replay', async () => {
    const { session } = await realSession();
    const tap = tapTransport(createDirectTransport({ session }), undefined, [
      { type: 'connection', state: 'connecting', detail: 'Connecting to the page' },
    ]);
    const el = await mount((e) => (e.transport = tap.transport));
    const h = new SessionPanelHarness(el);
    const connectionRows = (): string[] => h.logRows().filter((r) => /^\+[\d:.]+connection/.test(r)).map((r) => r.replace(/^\+[\d:.]+connection/, ''));
    expect(connectionRows(), 'logged before the session was listed').toEqual(['Connecting to the page']);
    tap.emit({ type: 'connection', state: 'connected', detail: 'Page agent answered' });
    await settle(el);
    expect(connectionRows(), 'logged though the state did not change').toEqual(['Connecting to the page', 'Page agent answered']);
    tap.emit({ type: 'log', sessionId: session.id, entries: session.log() });
    await settle(el);
    expect(connectionRows(), 'kept across the replay').toEqual(['Connecting to the page', 'Page agent answered']);
    expect(h.root.querySelector('[data-field="log-count"]')?.textContent, 'the replay and the two lines').toBe(`${session.log().length + 2} entries`);
  });

  it('applies the filter to logs made later: after a log-limit change and for a session that appears', async () => {
    const a = createSession({ storage: 'memory', devtools: true, namespace: 'shop' });
    registerSession(a);
    await a.ready;
    const el = await mount();
    const h = new SessionPanelHarness(el);
    expect(h.logRows().length, 'rows to hide').toBeGreaterThan(0);
    await h.type(h.control('Filter log'), 'no-such-row');
    expect(h.logRows(), 'filtered').toEqual([]);
    el.logLimit = 500;
    await settle(el);
    expect(h.control<HTMLInputElement>('Filter log').value, 'the input still shows the filter').toBe('no-such-row');
    expect(h.logRows(), 'still filtered after a log-limit change').toEqual([]);
    const b = createSession({ storage: 'memory', devtools: true, namespace: 'admin' });
    registerSession(b);
    await b.ready;
    await settle(el);
    await h.select(h.control('Session'), b.id);
    await settle(el);
    expect(h.uuidText(), 'the new session').toBe(b.getUUID());
    expect(h.root.querySelector('.log-empty')?.textContent, 'filtered too').toBe('No entry matches the filter.');
  });

  it('keeps at most log-limit rows and renders only a window of them', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session, { 'log-limit': '50' });
    for (let i = 0; i < 200; i++) session.debug.faults!.setOffline(i % 2 === 0); // each flip is one event
    await settle(el);
    expect(h.root.querySelector('[data-field="log-count"]')?.textContent, 'bounded').toBe('50 entries');
    expect(h.logRows().length, 'a window, not every row').toBeLessThan(20);
  });
});

describe('floating', () => {
  it('shows a corner button that opens the panel; open state and corner are remembered', async () => {
    const { session } = await realSession();
    const el = await mount((e) => (e.session = session), { floating: '' });
    const h = new SessionPanelHarness(el);
    expect(h.maybePart('uuid'), 'closed at first').toBeNull();
    const fab = h.part<HTMLButtonElement>('fab');
    expect(fab.getAttribute('aria-expanded')).toBe('false');
    fab.click();
    await settle(el);
    expect(el.open, 'open').toBe(true);
    expect(h.uuidText(), 'panel shown').toBe(session.getUUID());
    h.button('Move to another corner').click();
    await el.updateComplete;
    expect(el.corner, 'moved').toBe('bottom-left');
    const again = await mount((e) => (e.session = session), { floating: '' });
    expect(again.open, 'open state remembered').toBe(true);
    expect(again.corner, 'corner remembered').toBe('bottom-left');
    const h2 = new SessionPanelHarness(again);
    h2.part('uuid').dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    await again.updateComplete;
    expect(again.open, 'Escape closes').toBe(false);
  });
});

describe('events', () => {
  it('bubble and are composed, so the page hears them from outside the shadow root', async () => {
    const { session } = await realSession();
    const { el, h } = await panelFor(session);
    const events = recordEvents(document, ['session-refresh']);
    await click(h, h.refreshButton());
    events.stop();
    expect(events.seen.length, 'heard on document').toBe(1);
    expect(events.seen[0]?.bubbles && events.seen[0]?.composed, 'bubbles and composed').toBe(true);
    expect(events.seen[0]?.target, 'retargeted to the host').toBe(el);
  });
});

describe('accessibility', () => {
  it('labels every control and names the actions as the spec says', async () => {
    const { session } = await realSession();
    const { h } = await panelFor(session);
    for (const name of ['Refresh token', 'Retrieve token', 'Regenerate UUID', 'Destroy session', 'Sign in']) {
      expect(h.button(name).disabled, `${name} enabled`).toBe(false);
    }
    expect(h.seedInput().closest('label')?.textContent?.trim().startsWith('Seed'), 'Seed label').toBe(true);
    const unlabelled = [...h.root.querySelectorAll('input, select')].filter(
      (c) => !c.getAttribute('aria-label') && !c.closest('label'),
    );
    expect(unlabelled, 'every input and select is labelled').toEqual([]);
    const nameless = [...h.root.querySelectorAll('button')].filter((b) => !b.getAttribute('aria-label') && !b.textContent?.trim());
    expect(nameless, 'every button has a name').toEqual([]);
    expect(h.root.querySelector('[aria-live="polite"]'), 'live region').toBeTruthy();
  });
});

function hsBackend(): AuthBackend {
  const secret = new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!');
  const issue = async (sub: string, rlm: 'anonymous_client' | 'client'): Promise<string> =>
    new SignJWT({ rlm, origin: rlm === 'client' ? 'SIMPLE_AUTH' : 'ANONYMOUS' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(secret);
  return {
    anonymous: ({ uuid }) => issue(uuid, 'anonymous_client'),
    refresh: async () => issue('refreshed', 'anonymous_client'),
    signIn: ({ uuid }) => issue(uuid, 'client'),
    signOut: async () => {},
  };
}
