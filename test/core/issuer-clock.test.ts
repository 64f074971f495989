import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDevBackend, createSession } from '../../src/core/index.js';
import { IssuerClock } from '../../src/core/issuer-clock.js';
import type { TokenRecord } from '../../src/core/types.js';
import { MapStorage } from './support/map-storage.js';

const T = Date.UTC(2026, 10, 24, 12, 0, 0);
const record = (over: Partial<TokenRecord> = {}): TokenRecord => ({
  tokenString: 'x.y.z', origin: 'ANONYMOUS', rlm: 'anonymous_client', exp: T + 60_000, iat: T, receivedAt: T + 300, expiresAt: T + 60_000, ...over,
});

describe('IssuerClock: how far the issuer runs ahead of this clock', () => {
  it('from its own request: 0 when the clocks agree within the request and iat rounding, else the end that expires soonest', () => {
    const agree = new IssuerClock();
    agree.measure(T + 200, T + 300, T); // iat in the second the request left in
    expect([agree.source, agree.offset()]).toEqual(['measured', 0]);
    const behind = new IssuerClock(); // this clock an hour ahead of the issuer
    behind.measure(T + 3_600_200, T + 3_600_300, T);
    expect(behind.interval).toEqual({ lo: -3_600_300, hi: -3_599_200 });
    expect(behind.offset()).toBe(-3_599_200);
    const ahead = new IssuerClock(); // this clock an hour behind
    ahead.measure(T - 3_600_000, T - 3_599_900, T);
    expect(ahead.offset()).toBe(3_601_000);
  });

  it('narrows with each request; a measurement that does not overlap (a clock jump) starts over', () => {
    const clock = new IssuerClock();
    clock.measure(T - 3_600_000 + 100, T - 3_600_000 + 400, T); // issuer an hour ahead: [3_599_600, 3_600_900]
    clock.measure(T - 3_598_900, T - 3_598_700, T + 2000); // [3_600_700, 3_601_900]
    expect(clock.interval).toEqual({ lo: 3_600_700, hi: 3_600_900 });
    clock.measure(T + 100, T + 200, T); // the clock was set right meanwhile
    expect(clock.interval).toEqual({ lo: -200, hi: 900 });
    expect(clock.offset()).toBe(0);
  });

  it('converts a stored end to this clock and back; a later estimate moves the record, not its end', () => {
    const clock = new IssuerClock();
    const stored = record({ receivedAt: T + 3_600_300, expiresAt: T + 3_660_000 }); // written by a tab an hour ahead
    const none = clock.localize(stored, T + 60_000);
    expect(none, 'no estimate: the writer’s times as stored').toBe(stored);
    clock.measure(T + 200, T + 300, T);
    const local = clock.relocalize(none);
    expect([local.expiresAt, local.expiresAt - local.receivedAt]).toEqual([T + 60_000, stored.expiresAt - stored.receivedAt]);
    expect(clock.endOf(local)).toBe(T + 60_000);
    expect(clock.relocalize(local), 'nothing changed: the same record').toBe(local);
  });

  it('never stores an end later than exp, and none without an estimate', () => {
    const clock = new IssuerClock();
    expect(clock.endOf(record())).toBeUndefined();
    clock.measure(T - 10_000, T - 9_900, T); // the issuer 10 s ahead
    expect(clock.endOf(record({ expiresAt: T + 60_000 }))).toBe(T + 60_000); // + 11 s would pass exp: capped
  });

  it('from a peer over a round trip; refuses slow answers, nonsense and peers once it measured itself', () => {
    const clock = new IssuerClock();
    clock.fromPeer({ lo: 0, hi: 1000 }, T + 3_600_000, T, T + 5000); // 5 s round trip: says too little
    clock.fromPeer({ lo: Number.NaN, hi: 1000 }, T + 3_600_000, T, T + 10);
    clock.fromPeer({ lo: 5, hi: 1 }, T + 3_600_000, T, T + 10);
    clock.fromPeer({ lo: 0, hi: 1000 }, T + 1e12, T, T + 10); // about 30 years: a broken clock or a forgery
    clock.fromPeer({ lo: 0, hi: 1000 }, T, Number.NaN, T + 10); // never asked
    expect([clock.source, clock.version]).toEqual(['none', 0]);
    clock.fromPeer({ lo: -200, hi: 800 }, T + 3_600_000, T, T + 10); // the peer's clock an hour ahead of this one
    expect(clock.source).toBe('peer');
    expect(clock.interval).toEqual({ lo: 3_600_000 - 200 - 10, hi: 3_600_000 + 800 });
    clock.measure(T + 20, T + 30, T + 3_600_000);
    clock.fromPeer({ lo: 0, hi: 1 }, T, T, T + 1);
    expect(clock.source).toBe('measured');
  });
});

describe('stored timing between tabs', () => {
  it('a stored end after exp, or a receipt a day past its own expiry, is unreadable (set aside, reported)', async () => {
    for (const [edit, reason] of [
      [(t: Record<string, unknown>) => (t.endsAt = Number(t.exp) + 1), /endsAt/],
      [(t: Record<string, unknown>) => (t.endsAt = 'soon'), /endsAt/],
      [(t: Record<string, unknown>) => (t.receivedAt = Number(t.expiresAt) + 25 * 3_600_000), /future/],
    ] as const) {
      const storage = new MapStorage();
      const namespace = `stored-${randomUUID().slice(0, 8)}`;
      const backend = createDevBackend({ keyStorage: 'memory' });
      const seed = createSession({ backend, storage, namespace, devtools: false, crossTab: false });
      await seed.ready;
      seed.dispose();
      const value = JSON.parse(storage.getItem(`${namespace}:state`)!) as { token: Record<string, unknown> };
      expect(typeof value.token.endsAt).toBe('number');
      edit(value.token);
      storage.setItem(`${namespace}:state`, JSON.stringify(value));
      const next = createSession({ backend, storage, namespace, devtools: false, crossTab: false });
      const errors: string[] = [];
      next.subscribe((e) => e.type === 'error' && errors.push(e.error.message));
      await next.ready;
      expect(errors.join(' ')).toMatch(reason);
      expect(next.snapshot().storage.backupKey).toMatch(/:unreadable:/);
      next.dispose();
    }
  });

  it('a value written before ends were stored (no endsAt) is read with the writer’s times, as before', async () => {
    const storage = new MapStorage();
    const namespace = `old-${randomUUID().slice(0, 8)}`;
    const backend = createDevBackend({ keyStorage: 'memory' });
    const seed = createSession({ backend, storage, namespace, devtools: false, crossTab: false });
    await seed.ready;
    const token = seed.snapshot().token!;
    seed.dispose();
    const value = JSON.parse(storage.getItem(`${namespace}:state`)!) as { token: Record<string, unknown> };
    delete value.token.endsAt;
    storage.setItem(`${namespace}:state`, JSON.stringify(value));
    const next = createSession({ backend, storage, namespace, devtools: false, crossTab: false });
    await next.ready;
    expect([next.snapshot().token?.tokenString, next.snapshot().token?.expiresAt]).toEqual([token.tokenString, token.expiresAt]);
    next.dispose();
  });
});
