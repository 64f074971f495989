import { afterEach, describe, expect, it } from 'vitest';
import { HOP_PROBE_GLOBAL, HOP_PROBE_KEYS, stampHop } from '../../src/protocol/hop-probe.js';
import type { PageUpdate } from '../../src/protocol/messages.js';

const g = globalThis as Record<string, unknown>;
const snapshot = (uuid: string): PageUpdate => ({ type: 'snapshot', sessionId: 's1', snapshot: { uuid } as never });

describe('hop probe (bench/extension.bench.mjs)', () => {
  afterEach(() => {
    delete g[HOP_PROBE_GLOBAL];
  });

  it('records nothing and creates no global unless a benchmark put a Map there', () => {
    stampHop('bridge-in', snapshot('u-1'));
    expect(HOP_PROBE_GLOBAL in g).toBe(false);
    g[HOP_PROBE_GLOBAL] = { set: () => { throw new Error('not a Map'); } };
    expect(() => stampHop('bridge-in', snapshot('u-1'))).not.toThrow();
  });

  it('keeps the first time a snapshot UUID passed each hop, for snapshots only', () => {
    const probe = new Map<string, number>();
    g[HOP_PROBE_GLOBAL] = probe;
    stampHop('worker-in', snapshot('u-1'), 10);
    stampHop('worker-in', snapshot('u-1'), 20);
    stampHop('worker-out', snapshot('u-1'), 30);
    stampHop('worker-in', { type: 'sessions', sessions: [] });
    expect([...probe]).toEqual([
      ['worker-in:u-1', 10],
      ['worker-out:u-1', 30],
    ]);
    stampHop('panel-in', snapshot('u-2'));
    expect(probe.get('panel-in:u-2')).toBeGreaterThan(performance.timeOrigin);
  });

  it('keeps at most HOP_PROBE_KEYS entries, the oldest going first', () => {
    const probe = new Map<string, number>();
    g[HOP_PROBE_GLOBAL] = probe;
    for (let i = 0; i < HOP_PROBE_KEYS + 5; i++) stampHop('bridge-in', snapshot(`u-${i}`), i);
    expect(probe.size).toBe(HOP_PROBE_KEYS);
    expect(probe.has('bridge-in:u-0')).toBe(false);
    expect(probe.has(`bridge-in:u-${HOP_PROBE_KEYS + 4}`)).toBe(true);
  });
});
