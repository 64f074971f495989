import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ReactiveControllerHost } from 'lit';
import { LogStore, type PanelLogEntry } from '../../components/session-panel/log-store.js';
import { BindingController } from '../../components/session-panel/binding-controller.js';
import { CARRIED_LOG_BYTES, newestWithin, rowBytes } from '../../components/session-panel/retention.js';
import type { SessionTransport, TransportListener, TransportUpdate } from '../../src/transport/types.js';
import type { LogEntry } from '../../src/core/types.js';

/*
 * What the panel retains is bounded in bytes (issue #9, item 1): each session's log with its timeline, every log of
 * the panel together, and rows held while paused. Floods are generated (fast-check): long and short rows, rows that
 * make timeline bars and marks, late rows, equal timestamps. The retained total is measured independently of the
 * store's own accounting: every distinct row object the log and its timeline still reference, by its JSON size.
 */

const kinds = ['operation', 'event', 'error', 'request', 'storage'] as const;
const rowArb: fc.Arbitrary<PanelLogEntry> = fc
  .record({
    dt: fc.integer({ min: -50, max: 200 }),
    kind: fc.constantFrom(...kinds),
    len: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 1000, max: 4096 })),
    shape: fc.constantFrom('plain', 'token', 'refresh', 'fail', 'sign-in'),
  })
  .map(({ dt, kind, len, shape }) => {
    const base = { at: dt, kind, message: 'x'.repeat(len) } as PanelLogEntry;
    if (shape === 'token') return { ...base, facts: { token: { rlm: 'client', receivedAt: dt, expiresAt: dt + 60_000 } } } as PanelLogEntry;
    if (shape === 'refresh') return { ...base, kind: 'operation', operation: 'refreshToken', outcome: 'ok' } as PanelLogEntry;
    if (shape === 'fail') return { ...base, kind: 'operation', operation: 'refreshToken', outcome: 'error' } as PanelLogEntry;
    if (shape === 'sign-in') return { ...base, kind: 'event', facts: { login: 'a@b.example' } } as PanelLogEntry;
    return base;
  });
/** Rows with times: `dt` is added to a running clock, so a negative one is a late row. */
const floodArb = fc.array(rowArb, { minLength: 1, maxLength: 600 }).map((rows) => {
  let t = 1_000_000;
  return rows.map((r) => {
    t += Math.max(0, r.at);
    return { ...r, at: r.at < 0 ? t + r.at : t, facts: r.facts?.token ? { token: { ...r.facts.token, receivedAt: t, expiresAt: t + 60_000 } } : r.facts };
  });
});

/** Bytes of every distinct row the store still references: its rows and its timeline's bars and marks. */
function referencedBytes(store: LogStore): number {
  const rows = new Set<PanelLogEntry>(store.all());
  for (const b of store.timeline.bars) rows.add(b.entry);
  for (const m of store.timeline.marks) rows.add(m.entry);
  let total = 0;
  for (const r of rows) total += rowBytes(r);
  return total;
}

describe('LogStore bounded in bytes', () => {
  it('a generated flood: what the log and its timeline reference stays within the byte limit, and the count let go is exact', () => {
    fc.assert(
      fc.property(floodArb, fc.integer({ min: 4 * 1024, max: 200 * 1024 }), fc.integer({ min: 5, max: 1000 }), (rows, byteLimit, limit) => {
        const store = new LogStore(limit, byteLimit);
        // Half the runs with a live filter: the filtered view must follow rows let go by the byte bound too.
        const filtered = byteLimit % 2 === 0;
        if (filtered) store.setFilter('', 'operation');
        let bytesIn = 0;
        rows.forEach((row, i) => {
          store.append(row);
          if (filtered) {
            const view = Array.from({ length: store.length }, (_, j) => store.at(j));
            expect(view.every((e) => e?.kind === 'operation')).toBe(true);
            expect(view.length).toBe([...store.all()].filter((e) => e.kind === 'operation').length);
          }
          bytesIn += rowBytes(row);
          expect(store.retainedBytes).toBeLessThanOrEqual(byteLimit);
          expect(referencedBytes(store), "what the log and timeline reference").toBeLessThanOrEqual(byteLimit);
          expect(store.size + store.letGo).toBe(i + 1);
        });
        const kept = [...store.all()].reduce((n, r) => n + rowBytes(r), 0);
        expect(store.letGoBytes).toBe(bytesIn - kept);
        expect(store.size).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the newest rows: what it lets go is the oldest', () => {
    const store = new LogStore(100_000, 10 * 1024);
    for (let i = 0; i < 100; i++) store.append({ at: i, kind: 'event', message: `${i} ${'y'.repeat(1000)}` });
    const kept = [...store.all()].map((r) => Number(r.message.split(' ')[0]));
    expect(kept.length).toBe(100 - store.letGo);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 100 - kept.length + i));
    expect(kept.length).toBeGreaterThan(5);
  });

  it('a row larger than the whole budget is never kept, and is counted', () => {
    const store = new LogStore(10, 100);
    store.append({ at: 1, kind: 'event', message: 'z'.repeat(500) });
    expect(store.size).toBe(0);
    expect(store.letGo).toBe(1);
    expect(store.retainedBytes).toBe(0);
  });

  it('the timeline keeps the current token bar from before the oldest row, counted in the retained bytes', () => {
    const store = new LogStore(100_000, 20 * 1024);
    const token = { at: 10, kind: 'operation', operation: 'retrieveToken', outcome: 'ok', message: 'token', facts: { token: { rlm: 'client', receivedAt: 10, expiresAt: 10_000_000 } } } as PanelLogEntry;
    store.append(token);
    for (let i = 0; i < 400; i++) store.append({ at: 20 + i, kind: 'event', message: 'w'.repeat(500) });
    expect([...store.all()]).not.toContain(token);
    expect(store.timeline.bars.map((b) => b.entry)).toEqual([token]);
    expect(store.retainedBytes).toBeLessThanOrEqual(20 * 1024);
    expect(referencedBytes(store)).toBeLessThanOrEqual(store.retainedBytes);
  });

  it('clear() releases everything and resets the counts', () => {
    const store = new LogStore(100, 4096);
    for (let i = 0; i < 50; i++) store.append({ at: i, kind: 'event', message: 'q'.repeat(300) });
    expect(store.letGo).toBeGreaterThan(0);
    store.clear();
    expect([store.size, store.letGo, store.letGoBytes, store.retainedBytes]).toEqual([0, 0, 0, 0]);
  });
});

/** A transport the test drives: updates go straight to the controller. */
function drivenTransport(): { transport: SessionTransport; emit(u: TransportUpdate): void } {
  let listener: TransportListener | null = null;
  return {
    transport: {
      kind: 'port',
      connect(l) {
        listener = l;
        return () => (listener = null);
      },
      request: async () => ({ ok: false, error: { code: 0, kind: 'network', message: 'no page' } }) as never,
    },
    emit: (u) => listener!(u),
  };
}

const host: ReactiveControllerHost = { addController: () => {}, removeController: () => {}, requestUpdate: () => {}, updateComplete: Promise.resolve(true) };
const logEntry = (seq: number, message: string): LogEntry => ({ seq, at: 1000 + seq, kind: 'event', message });
const sessionsUpdate = (...ids: string[]): TransportUpdate => ({ type: 'sessions', sessions: ids.map((id) => ({ id, namespace: id, uuid: '00000000-0000-4000-8000-000000000000' })) });

function boundController(limits: { session: number; panel: number }) {
  const t = drivenTransport();
  const binding = new BindingController(host, () => 100_000, Date.now, limits);
  binding.useHistory(null);
  binding.use(t.transport);
  binding.hostConnected();
  return { binding, emit: t.emit };
}

describe('BindingController: the panel as a whole bounded in bytes', () => {
  it('generated floods over many sessions: the total never passes the panel limit, a quiet session loses nothing, each count is exact', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ session: fc.integer({ min: 0, max: 7 }), len: fc.integer({ min: 0, max: 3000 }), n: fc.integer({ min: 1, max: 40 }) }), { minLength: 1, maxLength: 80 }),
        fc.boolean(),
        (batches, paused) => {
          const limits = { session: 64 * 1024, panel: 160 * 1024 };
          const { binding, emit } = boundController(limits);
          const ids = Array.from({ length: 8 }, (_, i) => `f${i}`);
          emit(sessionsUpdate(...ids, 'quiet'));
          emit({ type: 'log', sessionId: 'quiet', entries: [logEntry(1, 'quiet one'), logEntry(2, 'quiet two')] });
          if (paused) binding.setPaused(true);
          const sent = new Map<string, number>();
          let seq = 10;
          for (const b of batches) {
            const id = ids[b.session]!;
            emit({ type: 'events', sessionId: id, events: Array.from({ length: b.n }, () => ({ type: 'state', at: 2000 + seq++, what: 's'.repeat(b.len) }) as never) });
            sent.set(id, (sent.get(id) ?? 0) + b.n);
            expect(binding.retainedBytes()).toBeLessThanOrEqual(limits.panel);
          }
          if (paused) binding.setPaused(false);
          expect(binding.retainedBytes()).toBeLessThanOrEqual(limits.panel);
          for (const [id, n] of sent) {
            const log = binding.log(id);
            expect(log.retainedBytes).toBeLessThanOrEqual(limits.session);
            // Paused, the held rows' own count is gone with them once they are taken in: rows reached the log or were let go.
            if (!paused) expect(log.size + log.letGo).toBe(n);
          }
          expect(binding.log('quiet').letGo).toBe(0);
          expect([...binding.log('quiet').all()].map((r) => r.message)).toEqual(['quiet one', 'quiet two']);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("a session's retained rows are released when its document goes (it leaves the list), rows held while paused too", () => {
    const { binding, emit } = boundController({ session: 1024 * 1024, panel: 4 * 1024 * 1024 });
    emit(sessionsUpdate('flood', 'stay'));
    emit({ type: 'events', sessionId: 'stay', events: [{ type: 'state', at: 1, what: 'kept' }] });
    for (let i = 0; i < 20; i++) emit({ type: 'events', sessionId: 'flood', events: Array.from({ length: 20 }, (_, j) => ({ type: 'state', at: 10 + i * 20 + j, what: 'f'.repeat(2000) })) });
    binding.setPaused(true);
    emit({ type: 'events', sessionId: 'flood', events: [{ type: 'state', at: 9999, what: 'h'.repeat(2000) }] });
    const before = binding.retainedBytes();
    expect(before).toBeGreaterThan(400 * 2000);
    emit(sessionsUpdate('stay'));
    expect(binding.logs.has('flood')).toBe(false);
    expect(binding.held.has('flood')).toBe(false);
    expect(binding.retainedBytes()).toBe(binding.log('stay').retainedBytes);
    expect(binding.retainedBytes()).toBeLessThan(1000);
  });

  it('rows carried to the next page are bounded in bytes too: the newest that fit', () => {
    const rows = Array.from({ length: 3000 }, (_, i): PanelLogEntry => ({ at: i, kind: 'event', message: `${i}:${'c'.repeat(2000)}` }));
    const kept = newestWithin(rows, CARRIED_LOG_BYTES);
    expect(kept.reduce((n, r) => n + rowBytes(r), 0)).toBeLessThanOrEqual(CARRIED_LOG_BYTES);
    expect(kept.at(-1)).toBe(rows.at(-1));
    expect(kept.length).toBeGreaterThan(900);
    expect(kept.length).toBeLessThan(1100);
  });
});
