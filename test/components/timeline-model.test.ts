import { describe, expect, it } from 'vitest';
import { TimelineModel, markKindOf, zoomRange } from '../../components/session-panel/timeline-model.js';
import type { PanelLogEntry } from '../../components/session-panel/log-store.js';
import { HOUR, MINUTE, readySession } from '../core/support/session-fixture.js';

/** The timeline's model, without a DOM: built from a real session's own log (a scripted history). */
async function scriptedHistory() {
  const f = await readySession();
  const t0 = f.clock.t;
  f.clock.advance(10 * MINUTE);
  await f.session.refreshToken();
  f.clock.advance(10 * MINUTE);
  await f.session.signIn('ann', 'pw');
  f.clock.advance(5 * MINUTE);
  f.session.debug.faults!.failNext('refresh');
  await f.session.refreshToken().catch(() => undefined);
  f.clock.advance(5 * MINUTE);
  await f.session.signOut();
  f.clock.advance(MINUTE);
  await f.session.regenerateUUID();
  f.clock.advance(MINUTE);
  await f.session.destroySession();
  const model = new TimelineModel();
  for (const e of f.session.log()) model.append(e);
  return { ...f, t0, model };
}

describe('TimelineModel', () => {
  it('draws each token the session held as one bar, from arrival to replacement, realms told apart', async () => {
    const { model, t0 } = await scriptedHistory();
    expect(model.bars.map((b) => [b.realm, b.start - t0, b.end - t0, b.current])).toEqual([
      ['anonymous_client', 0, 10 * MINUTE, false],
      ['anonymous_client', 10 * MINUTE, 20 * MINUTE, false], // refreshed
      ['client', 20 * MINUTE, 30 * MINUTE, false], // signed in, then out
      ['anonymous_client', 30 * MINUTE, 31 * MINUTE, false], // after sign-out; regenerate clears it
      ['anonymous_client', 31 * MINUTE, 32 * MINUTE, false],
      ['anonymous_client', 32 * MINUTE, 32 * MINUTE + HOUR, true], // after destroy: still held, until its expiry
    ]);
  });

  it('marks refreshes, identity changes and failures at their times', async () => {
    const { model, t0 } = await scriptedHistory();
    const marks = model.marks.map((m) => `${m.kind}@${(m.at - t0) / MINUTE}`);
    expect(marks).toEqual(['refresh@10', 'sign-in@20', 'failure@25', 'sign-out@30', 'regenerate@31', 'destroy@32']);
  });

  it('a view shows only what overlaps the range', async () => {
    const { model, t0 } = await scriptedHistory();
    const v = model.view(t0 + 15 * MINUTE, t0 + 26 * MINUTE, 600);
    expect(v.bars.map((b) => b.realm)).toEqual(['anonymous_client', 'client']);
    expect(v.marks.map((m) => m.kind)).toEqual(['sign-in', 'failure']);
  });

  it('downsamples: 100,000 rows give at most a few items per pixel column, and keep the counts', () => {
    const model = new TimelineModel();
    const t0 = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 100_000; i++) {
      const at = t0 + i * 100;
      const e: PanelLogEntry = i % 2
        ? { at, kind: 'operation', operation: 'refreshToken', outcome: 'ok', message: 'refreshToken done' }
        : { at, kind: 'event', message: 'new anonymous_client token', facts: { token: { rlm: 'anonymous_client', receivedAt: at, expiresAt: at + HOUR } } };
      model.append(e);
    }
    const v = model.view(t0, t0 + 100_000 * 100, 800);
    expect(v.marks.length, 'marks after downsampling').toBeLessThanOrEqual(800);
    expect(v.bars.length, 'bars after downsampling').toBeLessThanOrEqual(800);
    expect(v.marks.reduce((n, m) => n + m.count, 0), 'every refresh counted').toBe(50_000);
    expect(v.bars.reduce((n, b) => n + b.count, 0), 'every token counted').toBe(50_000);
  });

  it('puts a late row (a reattach replaying older history) where it belongs', () => {
    const model = new TimelineModel();
    const row = (at: number, operation: string): PanelLogEntry => ({ at, kind: 'operation', operation, outcome: 'ok', message: '' });
    model.append(row(300, 'refreshToken'));
    model.append(row(100, 'destroySession'));
    model.append(row(200, 'regenerateUUID'));
    expect(model.marks.map((m) => m.at)).toEqual([100, 200, 300]);
  });

  it('names the mark kinds of the spec for the rows that make them, and nothing for the rest', () => {
    expect(markKindOf({ at: 0, kind: 'operation', operation: 'autoRefresh', outcome: 'ok', message: '' })).toBe('refresh');
    expect(markKindOf({ at: 0, kind: 'operation', operation: 'signIn', outcome: 'error', message: '' })).toBe('failure');
    expect(markKindOf({ at: 0, kind: 'error', message: '' })).toBe('failure');
    expect(markKindOf({ at: 0, kind: 'operation', operation: 'refreshToken', message: 'refreshToken started' })).toBeNull();
    expect(markKindOf({ at: 0, kind: 'request', outcome: 'error', message: '' }), 'the failed operation is the mark, not each attempt').toBeNull();
  });

  it('zoom ranges end a little after now; "all" starts at the first row', () => {
    const model = new TimelineModel();
    model.append({ at: 1_000_000, kind: 'event', message: 'session ready' });
    const now = 1_000_000 + HOUR * 3;
    expect(zoomRange(model, '5 min', now).start).toBe(now - 5 * MINUTE);
    expect(zoomRange(model, '1 h', now).start).toBe(now - HOUR);
    expect(zoomRange(model, 'all', now).start).toBe(1_000_000);
    expect(zoomRange(model, '1 h', now).end).toBeGreaterThan(now);
  });
});
