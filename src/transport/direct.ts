import { errorInfoOf } from '../core/errors.js';
import { getSessionHook, type SessionHook } from '../core/hook.js';
import type { Session, SessionEvent } from '../core/types.js';
import { executeCommand, type CommandArgs, type CommandName, type CommandResult } from '../protocol/commands.js';
import type { RequestOptions, SessionSummary, SessionTransport, TransportListener } from './types.js';

/**
 * The in-page SessionTransport: the embedded <session-panel> reaches sessions of its own page through it.
 * Either one given Session, or every session on the page hook (globalThis.__SESSION_PANEL__, shared by all copies
 * of the library), followed as sessions come and go. Sessions are used only through the structural Session
 * interface, so a session made by another copy of the library works the same.
 *
 * Updates are coalesced per microtask: a burst of session events yields one `events` update (in emission order)
 * and one `snapshot`, so a viewer renders once per burst however many changes the session made.
 */
export interface DirectTransportOptions {
  /** Show only this session. Without it, every session on the page hook. */
  readonly session?: Session;
  /** Where the page hook lives (default globalThis). Ignored when `session` is given. */
  readonly scope?: object;
  /** Default request timeout (ms). Default 60 s. */
  readonly timeoutMs?: number;
}


interface Attached {
  readonly session: Session;
  readonly unsubscribe: () => void;
  events: SessionEvent[];
  dirty: boolean;
  uuid: string;
}

export function createDirectTransport(options: DirectTransportOptions = {}): SessionTransport {
  const defaultTimeout = options.timeoutMs ?? 60_000;
  const single = options.session;
  // The hook is only touched when no session was given; created if absent so a library copy loaded later joins it.
  let hook: SessionHook | undefined;
  const sessionHook = (): SessionHook => (hook ??= getSessionHook(options.scope));
  const find = (id: string): Session | undefined =>
    single ? (single.id === id ? single : undefined) : sessionHook().get(id);

  return {
    kind: 'direct',
    connect(listener: TransportListener) {
      const attached = new Map<string, Attached>();
      let scheduled = false;
      let stopped = false;
      const schedule = (): void => {
        if (!scheduled) {
          scheduled = true;
          queueMicrotask(flush);
        }
      };
      const emit: TransportListener = (update) => {
        if (!stopped) listener(update);
      };
      const summaries = (): SessionSummary[] =>
        [...attached.values()].map(({ session, uuid }) => ({ id: session.id, namespace: safe(() => session.snapshot().namespace, ''), uuid }));

      const flush = (): void => {
        scheduled = false;
        let uuidChanged = false;
        for (const entry of attached.values()) {
          if (!entry.dirty) continue;
          entry.dirty = false;
          const id = entry.session.id;
          if (entry.events.length > 0) {
            const events = entry.events;
            entry.events = [];
            emit({ type: 'events', sessionId: id, events });
          }
          const snapshot = safe(() => entry.session.snapshot(), null);
          if (snapshot) {
            if (snapshot.uuid !== entry.uuid) {
              entry.uuid = snapshot.uuid;
              uuidChanged = true;
            }
            emit({ type: 'snapshot', sessionId: id, snapshot });
          }
        }
        if (uuidChanged) emit({ type: 'sessions', sessions: summaries() });
      };

      const attach = (session: Session): void => {
        if (attached.has(session.id)) return;
        const entry: Attached = {
          session,
          events: [],
          dirty: false,
          uuid: safe(() => session.getUUID(), ''),
          unsubscribe: session.subscribe((event) => {
            entry.events.push(event);
            entry.dirty = true;
            schedule();
          }),
        };
        attached.set(session.id, entry);
      };

      // Attach to the current sessions and replay each one's log and state, newest state last.
      const sync = (sessions: readonly Session[]): void => {
        const ids = new Set(sessions.map((s) => s.id));
        for (const [id, entry] of attached) {
          if (!ids.has(id)) {
            entry.unsubscribe();
            attached.delete(id);
          }
        }
        const added = sessions.filter((s) => !attached.has(s.id));
        for (const session of added) attach(session);
        emit({ type: 'sessions', sessions: summaries() });
        for (const session of added) {
          emit({ type: 'log', sessionId: session.id, entries: safe(() => session.log(), []) });
          const snapshot = safe(() => session.snapshot(), null);
          if (snapshot) emit({ type: 'snapshot', sessionId: session.id, snapshot });
        }
      };

      emit({ type: 'connection', state: 'connected' });
      let unhook = (): void => {};
      if (single) sync([single]);
      else {
        const h = sessionHook();
        unhook = h.subscribe(sync);
        sync(h.list());
      }
      return () => {
        if (stopped) return;
        stopped = true;
        unhook();
        for (const entry of attached.values()) entry.unsubscribe();
        attached.clear();
      };
    },

    request<C extends CommandName>(
      sessionId: string,
      command: C,
      args: CommandArgs<C>,
      requestOptions: RequestOptions = {},
    ): Promise<CommandResult<C>> {
      const session = find(sessionId);
      if (!session) return Promise.resolve(failure('no-session', `No session ${sessionId} on this page`));
      const { signal } = requestOptions;
      if (signal?.aborted) return Promise.resolve(failure('aborted', `${command} was aborted`));
      const timeoutMs = requestOptions.timeoutMs ?? defaultTimeout;
      return new Promise<CommandResult<C>>((resolve) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const settle = (result: CommandResult<C>): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        };
        const onAbort = (): void => settle(failure('aborted', `${command} was aborted`));
        signal?.addEventListener('abort', onAbort, { once: true });
        if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
          timer = setTimeout(() => settle(failure('timeout', `${command} timed out after ${timeoutMs} ms`)), timeoutMs);
        }
        // The command itself runs on in the page's core; an abort or timeout only stops waiting for it. Whatever it
        // changes reaches viewers as session events (fault switches included), like any other change.
        void executeCommand(session, command, args).then(settle);
      });
    },
  };
}

function failure<C extends CommandName>(kind: 'no-session' | 'aborted' | 'timeout', message: string): CommandResult<C> {
  return { ok: false, error: errorInfoOf(kind, message) };
}

function safe<T, F>(fn: () => T, fallback: F): T | F {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
