import { beforeAll, describe, expect, test } from 'vitest';
import { createSession } from '../../src/core/index.js';
import { BACKEND_CALLS, COMMAND_NAMES } from '../../src/protocol/commands.js';
import { MAX_STRING, cut, safeParse } from '../../src/protocol/schema.js';
import type { LogEntry, SessionEvent, SessionSnapshot } from '../../src/core/types.js';
import {
  BRIDGE_SOURCE,
  LIMITS,
  PAGE_SOURCE,
  PORT_SOURCE,
  PROTOCOL_VERSION,
  asTabId,
  OPERATION_NAMES,
  makeBridgeMessage,
  makePageMessage,
  panelPortName,
  parseBridgeMessage,
  parseLogEntry,
  parsePageMessage,
  parsePanelToWorker,
  parseSessionEvent,
  parseSnapshot,
  parseWireResult,
  parsePageUpdate,
  parseWorkerToPanel,
  resultFits,
  tabIdFromPortName,
} from '../../src/protocol/messages.js';

let snapshot: SessionSnapshot;
let log: readonly LogEntry[];
const events: SessionEvent[] = [];

beforeAll(async () => {
  const session = createSession({ storage: 'memory', devtools: false });
  session.subscribe((e) => events.push(e));
  await session.ready;
  await session.regenerateUUIDWithClientIdentifier('x');
  await session.signIn('ann@example.com', 'pw');
  await session.signOut();
  await session.refreshToken().catch(() => undefined);
  session.debug.expireToken();
  snapshot = session.snapshot();
  log = session.log();
  session.dispose();
});

describe('core data from a real session passes the schema unchanged', () => {
  test('snapshot, every event type seen, log entries', () => {
    expect(parseSnapshot(snapshot)).toEqual(snapshot);
    expect(new Set(events.map((e) => e.type)).size, 'a variety of events').toBeGreaterThan(5);
    for (const e of events) expect(parseSessionEvent(e), e.type).toEqual(e);
    for (const entry of log) expect(parseLogEntry(entry)).toEqual(entry);
  });

  test('a page message carrying them round-trips through structured clone and the guard', () => {
    const m = makePageMessage('update', { update: { type: 'snapshot', sessionId: snapshot.id, snapshot } });
    expect(parsePageMessage(structuredClone(m))).toEqual(m);
  });
});

describe('guards', () => {
  const command = makeBridgeMessage('command', { id: 'abc_1', sessionId: 's', command: 'regenerateUUID', args: ['seed'] });

  test('source tag, version and discriminant are checked', () => {
    expect(parseBridgeMessage(command)).toEqual(command);
    expect(parseBridgeMessage({ ...command, source: PAGE_SOURCE }), 'page tag on a bridge message').toBeNull();
    expect(parseBridgeMessage({ ...command, v: PROTOCOL_VERSION + 1 }), 'future version').toBeNull();
    expect(parseBridgeMessage({ ...command, kind: 'eval' }), 'unknown kind').toBeNull();
    expect(parsePageMessage(command), 'bridge message as page message').toBeNull();
    expect(parsePanelToWorker({ ...command, source: PORT_SOURCE }), 'a panel command needs its frame').toBeNull();
  });

  test('ids, command names and argument sizes are bounded', () => {
    expect(parseBridgeMessage({ ...command, id: 'a b' })).toBeNull();
    expect(parseBridgeMessage({ ...command, id: 'x'.repeat(65) })).toBeNull();
    expect(parseBridgeMessage({ ...command, command: 'constructor' })).toBeNull();
    expect(parseBridgeMessage({ ...command, args: ['x'.repeat(5000)] })).toBeNull();
    expect(parseBridgeMessage({ ...command, args: [1, 2, 3, 4, 5] })).toBeNull();
    expect(parseBridgeMessage({ ...command, args: [{ toString: 'x' }] }), 'unknown object keys are not arguments').toEqual({
      ...command,
      args: [{}],
    });
  });

  test('unknown keys are stripped; prototypes other than Object are refused', () => {
    const withExtra = { ...command, extra: '<img onerror=alert(1)>' };
    expect(parseBridgeMessage(withExtra)).toEqual(command);
    expect(Object.keys(parseBridgeMessage(withExtra)!)).not.toContain('extra');
    expect(parseBridgeMessage({ ...command, __proto__: { polluted: true } }), 'object with a custom prototype').toBeNull();
    expect(parseBridgeMessage(JSON.parse(`{"source":"${BRIDGE_SOURCE}","v":1,"kind":"attach","__proto__":{"x":1}}`))).toEqual(
      makeBridgeMessage('attach', {}),
    );
    class Fancy {
      source = BRIDGE_SOURCE;
      v = PROTOCOL_VERSION;
      kind = 'attach';
    }
    expect(parseBridgeMessage(new Fancy())).toBeNull();
    expect(parseBridgeMessage(Object.assign(Object.create(null), { source: BRIDGE_SOURCE, v: 1, kind: 'attach' }))).not.toBeNull();
  });

  test('a hostile getter does not throw out of a guard', () => {
    const evil = { source: BRIDGE_SOURCE, v: 1, get kind(): string { throw new Error('boom'); } };
    expect(parseBridgeMessage(evil)).toBeNull();
  });

  test('oversized lists and tokens are refused', () => {
    const sessions = Array.from({ length: LIMITS.sessions + 1 }, (_, i) => ({ id: `s${i}`, namespace: 'n', uuid: 'u' }));
    expect(parsePageMessage(makePageMessage('update', { update: { type: 'sessions', sessions } }))).toBeNull();
    const big = { ...snapshot, token: snapshot.token && { ...snapshot.token, tokenString: 'x'.repeat(LIMITS.token + 1) } };
    expect(parseSnapshot(big)).toBe(parseSnapshot(null));
  });

  test('results: ok/value or ok/error, and each command gets only its own result shape', () => {
    expect(parseWireResult({ ok: true, value: null })).toEqual({ ok: true, value: null });
    expect(parseWireResult({ ok: false, error: { code: 1, kind: 'k', message: 'm' } })).not.toBeNull();
    expect(parseWireResult({ ok: true, value: 'text' })).toBe(parseWireResult(undefined));
    expect(resultFits('regenerateUUID', { ok: true, value: true })).toBe(true);
    expect(resultFits('regenerateUUID', { ok: true, value: null })).toBe(false);
    expect(resultFits('destroySession', { ok: true, value: true })).toBe(false);
    expect(resultFits('refreshToken', { ok: true, value: snapshot.token })).toBe(true);
  });

  test('worker → panel welcome', () => {
    const frame = { frameId: 0, documentId: 'A1B2', origin: 'null', url: 'https://a/' };
    const m = { source: PORT_SOURCE, v: 1, kind: 'welcome', tabId: 3, frames: [frame] };
    expect(parseWorkerToPanel(m)).toEqual(m);
    expect(parseWorkerToPanel({ ...m, tabId: -1 })).toBeNull();
    expect(parseWorkerToPanel({ ...m, frames: [{ ...frame, documentId: 'has space' }] }), 'document ids are plain tokens').toBeNull();
  });
});

describe('port names and branded ids', () => {
  test('panel ports are named by tab id and parsed back strictly', () => {
    const tab = asTabId(123)!;
    expect(panelPortName(tab)).toBe('session-panel:panel:123');
    expect(tabIdFromPortName(panelPortName(tab))).toBe(123);
    for (const bad of ['session-panel:panel:', 'session-panel:panel:-1', 'session-panel:panel:1.5', 'session-panel:panel:1e3', 'x:1'])
      expect(tabIdFromPortName(bad), bad).toBeNull();
    expect(asTabId(-1)).toBeNull();
    expect(asTabId(1.5)).toBeNull();
    expect(asTabId('1')).toBeNull();
  });
});

describe('limits follow the core; receivers stay all-or-nothing, the sender fits', () => {
  test('credential-derived strings up to 1024 characters pass (the core accepts logins that long), longer ones do not', () => {
    const login = 'l'.repeat(LIMITS.credential);
    const token = snapshot.token && { ...snapshot.token, customId: login, clientId: login, sub: login };
    const long = { ...snapshot, login, customEmail: login, customIdentifier: login, signedIn: true, token };
    expect(LIMITS.credential).toBe(1024);
    expect(parseSnapshot(long)).toEqual(long);
    expect(parseSessionEvent({ type: 'signed-in', at: 1, login })).toEqual({ type: 'signed-in', at: 1, login });
    expect(parseSnapshot({ ...long, login: `${login}x` })).toBe(parseSnapshot(null));
  });

  test('a receiver refuses a batch with one bad item; fitting keeps the others and counts what it left out or cut', () => {
    const events = [{ type: 'ready', at: 1 }, { type: 'ready', at: 'x' }, { type: 'state', at: 2, what: 'w'.repeat(MAX_STRING + 1) }];
    const update = { type: 'events', sessionId: 's', events };
    expect(parsePageUpdate(update), 'strict').toBe(parseSnapshot(null));
    const counted: Record<string, number> = {};
    const fitted = safeParse(parsePageUpdate, update, { drop: (reason, n = 1) => void (counted[reason] = (counted[reason] ?? 0) + n) });
    expect(fitted).toEqual({ type: 'events', sessionId: 's', events: [{ type: 'ready', at: 1 }, { type: 'state', at: 2, what: `${'w'.repeat(MAX_STRING - 1)}…` }] });
    expect(counted).toEqual({ 'array-item': 1, 'string-cut': 1 });
    expect(parsePageUpdate(fitted), 'what fitting gives passes the strict parser').toEqual(fitted);
  });

  test('cut marks the cut and never splits a surrogate pair', () => {
    expect(cut('abcdef', 10)).toBe('abcdef');
    expect(cut('abcdef', 4)).toBe('abc…');
    expect(cut('ab😀cd', 4)).toBe('ab…');
    expect(cut('ab😀cd', 5)).toBe('ab😀…');
  });

  test('the name lists are complete and without duplicates', () => {
    // The compiler enforces completeness (records typed over the unions); this guards the lists' contents.
    expect([...BACKEND_CALLS].sort()).toEqual(['anonymous', 'refresh', 'signIn', 'signOut']);
    expect(new Set(OPERATION_NAMES).size).toBe(OPERATION_NAMES.length);
    expect(OPERATION_NAMES).toContain('regenerateUUIDWithClientIdentifier');
    expect(new Set(COMMAND_NAMES).size).toBe(16);
  });
});

describe('the snapshot\'s issuer clock estimate (issuerClock)', () => {
  test('passes as the core gives it; a snapshot from an older copy without it still parses', () => {
    expect(snapshot.issuerClock?.source).toBe('measured');
    expect(parseSnapshot(snapshot)).toEqual(snapshot);
    const { issuerClock: _left, ...older } = snapshot;
    expect(parseSnapshot(older)).toEqual(older);
  });

  test('a malformed one: the receiver refuses the snapshot, the sender leaves out that field only and counts it', () => {
    for (const bad of [{ source: 'guessed' }, { source: 'measured', offsetMs: '12' }, 'measured', null]) {
      const malformed = { ...snapshot, issuerClock: bad };
      expect(parseSnapshot(malformed), JSON.stringify(bad)).toBe(parseSnapshot(null));
      const dropped: string[] = [];
      const { issuerClock: _gone, ...rest } = snapshot;
      expect(safeParse(parseSnapshot, malformed, { drop: (reason) => void dropped.push(reason) })).toEqual(rest);
      expect(dropped).toEqual(['field']);
    }
  });
});
