import { beforeAll, describe, expect, test } from 'vitest';
import { createSession } from '../../src/core/index.js';
import type { LogEntry, SessionEvent, SessionSnapshot } from '../../src/core/types.js';
import {
  BRIDGE_SOURCE,
  LIMITS,
  PAGE_SOURCE,
  PORT_SOURCE,
  PROTOCOL_VERSION,
  asTabId,
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
    const m = { source: PORT_SOURCE, v: 1, kind: 'welcome', tabId: 3, frames: [{ frameId: 0, url: 'https://a/' }] };
    expect(parseWorkerToPanel(m)).toEqual(m);
    expect(parseWorkerToPanel({ ...m, tabId: -1 })).toBeNull();
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
