// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { render } from 'lit';
import { ActionController, ActionStatus, type Outcome } from '../../components/session-panel/action-controller.js';
import { algWarnings, claimsView, decode } from '../../components/session-panel/claims-view.js';
import { countdown, relativeTime } from '../../components/session-panel/format.js';
import { LogStore, relativeStamp, type PanelLogEntry } from '../../components/session-panel/log-store.js';

const b64 = (v: unknown): string => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const jwt = (header: unknown, claims: unknown): string => `${b64(header)}.${b64(claims)}.sig`;

function shown(template: unknown): string {
  const div = document.createElement('div');
  render(template, div);
  return (div.textContent ?? '').replace(/\s+/g, ' ').trim();
}

describe('claims view', () => {
  it('flags alg none as unsigned and still shows the claims', () => {
    const text = shown(claimsView(decode(jwt({ alg: 'none' }, { sub: 'x', exp: 10 })), 0));
    expect(text, 'flag').toContain('Unsigned token (alg: none): anyone can forge it.');
    expect(text, 'claims still shown').toContain('sub x');
  });

  it('flags a missing alg, warns on HS*, and says nothing for ES256', () => {
    expect(algWarnings({}).map((w) => w.level)).toEqual(['danger']);
    expect(algWarnings({ alg: 'HS512' }).map((w) => w.level)).toEqual(['warn']);
    expect(algWarnings({ alg: 'ES256' })).toEqual([]);
  });

  it('shows an undecodable token as such, never throwing', () => {
    for (const bad of ['not a token', 'a.b', '###.###.###', '', 'x'.repeat(20_000)]) {
      const text = shown(claimsView(decode(bad), 0));
      expect(text, `"${bad.slice(0, 10)}"`).toMatch(/^Cannot decode this token: Invalid JWT: /);
    }
  });

  it('renders page-provided strings as text, never as HTML', () => {
    const div = document.createElement('div');
    render(claimsView(decode(jwt({ alg: 'ES256' }, { sub: '<img src=x onerror=alert(1)>' })), 0), div);
    expect(div.querySelector('img'), 'no element created').toBeNull();
    expect(div.textContent).toContain('<img src=x onerror=alert(1)>');
  });
});

describe('formatters', () => {
  it('words relative times and countdowns', () => {
    expect(relativeTime(12 * 60_000)).toBe('in 12 min');
    expect(relativeTime(-3 * 60_000)).toBe('3 min ago');
    expect(relativeTime(400)).toBe('just now');
    expect(relativeTime(3 * 86_400_000)).toBe('in 3 d');
    expect(countdown(59_000 + 12 * 60_000)).toBe('12:59');
    expect(countdown(3_723_000)).toBe('1:02:03');
    expect(relativeStamp(1_234 + 61_000, 0)).toBe('+01:02.234');
    expect(relativeStamp(3_600_000 + 5, 0)).toBe('+1:00:00.005');
  });
});

describe('log store', () => {
  const entry = (i: number, kind: PanelLogEntry['kind'] = 'event'): PanelLogEntry => ({ at: i, kind, message: `m${i}` });

  it('is a bounded ring: keeps the newest `limit` rows, oldest first', () => {
    const store = new LogStore(3);
    for (let i = 0; i < 10; i++) store.append(entry(i));
    expect([...store].map((e) => e.message)).toEqual(['m7', 'm8', 'm9']);
    expect(store.origin, 'origin is the first row ever seen').toBe(0);
  });

  it('filters by text and kind, follows appends and evictions, and compacts its index', () => {
    const store = new LogStore(2000);
    store.setFilter('', 'request');
    for (let i = 0; i < 10_000; i++) store.append(entry(i, i % 2 ? 'request' : 'event'));
    expect(store.size).toBe(2000);
    expect(store.length, 'half of the kept rows match').toBe(1000);
    expect(store.at(0)?.message, 'oldest kept match').toBe('m8001');
    store.setFilter('m9999', '');
    expect([...store].map((e) => e.message)).toEqual(['m9999']);
    store.setFilter('', '');
    expect(store.length).toBe(2000);
  });
});

describe('action controller', () => {
  function host() {
    const updates: number[] = [];
    return {
      updates,
      addController() {},
      removeController() {},
      requestUpdate() {
        updates.push(1);
      },
      updateComplete: Promise.resolve(true),
    };
  }

  it('drops the result of a superseded run and aborts its signal', async () => {
    const c = new ActionController<'refresh'>(host());
    const resolvers: ((v: Outcome<string>) => void)[] = [];
    const signals: AbortSignal[] = [];
    const run = () =>
      c.run<string>('refresh', (signal) => {
        signals.push(signal);
        return new Promise((r) => resolvers.push(r));
      });
    const first = run();
    const second = run();
    expect(signals[0]?.aborted, 'first aborted').toBe(true);
    resolvers[1]!({ ok: true, value: 'second' });
    resolvers[0]!({ ok: true, value: 'first' });
    expect(await first, 'first dropped').toBeNull();
    expect(await second).toEqual({ ok: true, value: 'second' });
    expect(c.state('refresh')).toEqual({ status: ActionStatus.COMPLETE, value: 'second' });
  });

  it('turns a thrown failure into an error state and renders by status', async () => {
    const c = new ActionController<'x'>(host());
    await c.run('x', () => Promise.reject(new Error('boom')));
    expect(c.render('x', { error: (e) => `${e.kind}: ${e.message}` })).toBe('panel: boom');
    c.reset('x');
    expect(c.render('x', { initial: () => 'idle' })).toBe('idle');
  });
});
