import { SessionError } from './errors.js';
import type { Session } from './types.js';

/**
 * The page hook: one registry on globalThis shared by every copy of the library on a page, so the embedded
 * element and the DevTools extension find sessions without `instanceof` or importing the page's copy.
 * Sessions are reached only through the structural Session interface. The registry is versioned; a future
 * incompatible version would install itself under a new version number and keep this shape working.
 */
export const HOOK_KEY = '__SESSION_PANEL__';
export const HOOK_VERSION = 1;

export type HookListener = (sessions: readonly Session[]) => void;

export interface SessionHook {
  readonly version: number;
  list(): readonly Session[];
  get(id: string): Session | undefined;
  /** Adds a session; returns the function that removes it. */
  register(session: Session): () => void;
  /** Called with the full list after every add or remove; returns unsubscribe. */
  subscribe(listener: HookListener): () => void;
}

type HookGlobal = { [HOOK_KEY]?: unknown };

/** The page's hook, created on first use. Another copy's compatible hook is reused as is. */
export function getSessionHook(scope: object = globalThis): SessionHook {
  requireScope(scope);
  const holder = scope as HookGlobal;
  const existing = holder[HOOK_KEY];
  if (isSessionHook(existing)) return existing;
  const hook = createHook();
  try {
    Object.defineProperty(holder, HOOK_KEY, { value: hook, configurable: true, enumerable: false, writable: false });
  } catch {
    // A frozen or exotic global: the hook still works for this copy, it just is not shared.
  }
  return hook;
}

/** The hook if the page has one, without creating it (for viewers that only look). */
export function findSessionHook(scope: object = globalThis): SessionHook | undefined {
  requireScope(scope);
  const existing = (scope as HookGlobal)[HOOK_KEY];
  return isSessionHook(existing) ? existing : undefined;
}

export function isSessionHook(value: unknown): value is SessionHook {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<SessionHook>;
  return (
    v.version === HOOK_VERSION &&
    typeof v.list === 'function' &&
    typeof v.get === 'function' &&
    typeof v.register === 'function' &&
    typeof v.subscribe === 'function'
  );
}

function requireScope(scope: unknown): void {
  if ((typeof scope !== 'object' && typeof scope !== 'function') || scope === null) {
    throw new SessionError('invalid-argument', 'the page hook needs an object scope (globalThis by default)');
  }
}

function createHook(): SessionHook {
  const sessions = new Map<string, Session>();
  const listeners = new Set<HookListener>();
  const notify = (): void => {
    const list = [...sessions.values()];
    for (const listener of [...listeners]) {
      try {
        listener(list);
      } catch {
        // One broken viewer must not stop the others or the session that registered.
      }
    }
  };
  return Object.freeze({
    version: HOOK_VERSION,
    list: () => [...sessions.values()],
    get: (id: string) => sessions.get(id),
    register(session: Session) {
      if (typeof session !== 'object' || session === null || typeof session.id !== 'string') {
        throw new SessionError('invalid-argument', 'register expects a session with a string id');
      }
      sessions.set(session.id, session);
      notify();
      return () => {
        if (sessions.get(session.id) === session) {
          sessions.delete(session.id);
          notify();
        }
      };
    },
    subscribe(listener: HookListener) {
      if (typeof listener !== 'function') throw new SessionError('invalid-argument', 'subscribe expects a function');
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  });
}
