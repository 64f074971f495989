import { describe, expect, it } from 'vitest';
import { readHistory } from '../../components/session-panel/log-history.js';
import { parseLogExport } from '../../components/session-panel/log-import.js';

/** What comes back from storage or an imported file is checked before any view draws it. */
describe('readHistory / parseLogExport', () => {
  const good = { at: 1, kind: 'event', message: 'new token', facts: { token: { rlm: 'client', receivedAt: 1, expiresAt: 2 } } };

  it('keeps well-formed rows and leaves out the rest, field by field', () => {
    const rows = [
      good,
      { at: 'x', kind: 'event', message: 'bad time' },
      { at: 2, kind: 'nope', message: 'bad kind' },
      { at: 3, kind: 'event', message: 'bad token', facts: { token: { rlm: 'root', receivedAt: 1, expiresAt: 2 } } },
      { at: 4, kind: 'request', message: 'bad request', facts: { request: { operation: 'refresh', target: 1 } } },
      { at: 5, kind: 'operation', message: 'bad outcome', outcome: 'maybe' },
      { at: 6, kind: 'event', message: 'signed out', facts: { login: null } },
    ];
    const history = readHistory({ preserve: true, sessionId: 's-1', rows });
    expect(history?.rows.map((r) => r.message)).toEqual(['new token', 'signed out']);
    expect(history?.preserve).toBe(true);
  });

  it('anything that is not a history is none', () => {
    for (const v of [null, 'x', 1, [], { preserve: 'yes', rows: [] }, { preserve: true, rows: 'x' }]) expect(readHistory(v), JSON.stringify(v)).toBeNull();
  });

  it('an export reads back with its rows; a file that is no export is a typed error', () => {
    const { log, skipped } = parseLogExport('a.json', JSON.stringify({ exportedAt: '2026-01-01T00:00:00.000Z', session: null, entries: [good, { junk: 1 }] }), 100);
    expect(log.store.size).toBe(1);
    expect(skipped).toBe(1);
    expect(log.exportedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(() => parseLogExport('b.json', 'not json', 100)).toThrow('b.json is not JSON');
    expect(() => parseLogExport('c.json', '[]', 100)).toThrow('c.json is not a session log export');
  });
});
