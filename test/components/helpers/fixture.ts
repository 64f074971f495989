import { afterEach, beforeEach, expect, vi } from 'vitest';
import { createDevBackend, createSession, type DevBackend } from '../../../src/core/index.js';
import type { Session, SessionOptions } from '../../../src/core/types.js';
import type { SessionTransport, TransportListener, TransportUpdate } from '../../../src/transport/types.js';
import '../../../src/embed.js';
import type { SessionPanel } from '../../../components/session-panel/session-panel.js';
import { SessionPanelHarness } from '../harness.js';

/**
 * Mounts <session-panel> into a fresh container and always cleans up (element, sessions, warning spy).
 * Any console.warn (Lit's dev-mode warnings go there) fails the test that caused it.
 */
const containers: HTMLElement[] = [];
const sessions: Session[] = [];
let warn: ReturnType<typeof vi.spyOn>;

beforeEach(() => {
  warn = vi.spyOn(console, 'warn');
});

afterEach(() => {
  vi.useRealTimers();
  for (const c of containers.splice(0)) c.remove();
  for (const s of sessions.splice(0)) s.dispose();
  const calls = warn.mock.calls;
  warn.mockRestore();
  expect(calls, 'no console.warn (Lit dev-mode warnings) during the test').toEqual([]);
  localStorage.clear();
  sessionStorage.clear(); // the panel keeps its log history there by default (Preserve log)
});

/** The clock for the session and its dev backend: Date.now, which fakeClock() also drives. */
const clock = (): (() => number) => () => Date.now();

export interface SessionSetup {
  readonly session: Session;
  readonly backend: DevBackend;
}

/** A real session on the real dev backend, in memory, off the page hook unless asked. */
export async function realSession(options: Partial<SessionOptions> & { ttl?: number } = {}): Promise<SessionSetup> {
  const now = clock();
  const backend = createDevBackend({ now, ...(options.ttl ? { tokenTtlSeconds: options.ttl } : {}) });
  const session = createSession({ storage: 'memory', devtools: false, now, backend, ...options });
  sessions.push(session);
  await session.ready;
  return { session, backend };
}

export async function mount(setup: (el: SessionPanel) => void = () => {}, attrs: Record<string, string> = {}): Promise<SessionPanel> {
  const container = document.createElement('div');
  document.body.appendChild(container);
  containers.push(container);
  const el = document.createElement('session-panel');
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  setup(el);
  container.appendChild(el);
  await settle(el);
  return el;
}

/** Lets transports flush (microtasks, the dev backend's async signing) and the element re-render. */
export async function settle(el: SessionPanel, rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await el.updateComplete;
    await macrotask();
  }
  await el.updateComplete;
}

/** One real turn of the event loop, also under fake timers (setImmediate is left real by fakeClock()). */
function macrotask(): Promise<void> {
  return new Promise<void>((r) => setImmediate(r));
}

/** Fake timers for countdowns and the reveal timeout: setTimeout/setInterval and Date, nothing else. */
export function fakeClock(now = new Date('2026-03-01T12:00:00Z')): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now });
}

export function registerSession(session: Session): void {
  sessions.push(session);
}

/**
 * A transport that passes another one's updates through `map` (to add a frame, change a snapshot...) and lets the
 * test send updates of its own, as the port transport would (connection details, a history replay).
 */
export function tapTransport(
  inner: SessionTransport,
  map: (update: TransportUpdate) => TransportUpdate = (u) => u,
  first: readonly TransportUpdate[] = [],
): { readonly transport: SessionTransport; emit(update: TransportUpdate): void } {
  let listener: TransportListener | null = null;
  return {
    transport: {
      kind: inner.kind,
      connect(l) {
        listener = l;
        for (const u of first) l(u);
        const stop = inner.connect((u) => l(map(u)));
        return () => {
          listener = null;
          stop();
        };
      },
      request: (id, command, args, options) => inner.request(id, command, args, options),
    },
    emit(update) {
      expect(listener, 'the panel is connected').toBeTruthy();
      listener!(update);
    },
  };
}

/** A panel bound to this session, with its harness. */
export async function panelFor(session: Session, attrs: Record<string, string> = {}): Promise<{ el: SessionPanel; h: SessionPanelHarness }> {
  const el = await mount((e) => (e.session = session), attrs);
  return { el, h: new SessionPanelHarness(el) };
}

/** Clicks and waits until the panel's action has settled and the session's updates are rendered. */
export async function click(h: SessionPanelHarness, button: HTMLElement): Promise<void> {
  button.click();
  await h.el.updateComplete;
  await h.el.actionComplete;
  await settle(h.el);
}

