import { SessionError, errorInfo } from '../core/errors.js';
import {
  SIGN_OUT_MODES,
  type BackendCall,
  type ErrorInfo,
  type Session,
  type SignOutMode,
  type StorageEntry,
  type TokenRecord,
} from '../core/types.js';

/**
 * The commands a viewer (the element, the DevTools panel) may ask of a session, with their argument and result
 * types. Viewers only ask; the page's own core does the work (executeCommand). Arguments arriving from another
 * context are validated here, so a malformed request becomes a typed error result, never a throw.
 */
export interface SessionCommands {
  refreshToken: { args: []; result: TokenRecord | null };
  retrieveToken: { args: []; result: TokenRecord | null };
  /** `null` or an empty string regenerates unseeded. */
  regenerateUUID: { args: [seed: string | null]; result: boolean };
  destroySession: { args: []; result: null };
  signIn: { args: [login: string, password: string]; result: null };
  signOut: { args: [mode: SignOutMode]; result: null };
  expireToken: { args: []; result: null };
  failNext: { args: [call: BackendCall, error: FaultErrorSpec | null]; result: null };
  setOffline: { args: [offline: boolean]; result: null };
  issueExpiredNext: { args: []; result: null };
  clearFaults: { args: []; result: null };
  clearLog: { args: []; result: null };
  /** Moves the session's clock forward by `ms` (session.debug.shiftClock). */
  shiftClock: { args: [ms: number]; result: null };
  /** Back to real time (session.debug.resetClock). */
  resetClock: { args: []; result: null };
  /** Lifetime of the dev backend's next tokens in seconds; `null` restores the configured one. */
  setTokenTtl: { args: [seconds: number | null]; result: null };
  /** The keys the session uses in its storage and their raw values, tokens masked (the storage view). */
  storageEntries: { args: []; result: readonly StorageEntry[] };
}

export interface FaultErrorSpec {
  code?: number;
  kind?: string;
  message?: string;
}

export type CommandName = keyof SessionCommands;
export type CommandArgs<C extends CommandName> = SessionCommands[C]['args'];
export type CommandResult<C extends CommandName = CommandName> =
  | { readonly ok: true; readonly value: SessionCommands[C]['result'] }
  | { readonly ok: false; readonly error: ErrorInfo };

// Lists derived from records typed over the union: a name added to the type and not here fails to compile.
const COMMAND_SET: Readonly<Record<CommandName, true>> = {
  refreshToken: true,
  retrieveToken: true,
  regenerateUUID: true,
  destroySession: true,
  signIn: true,
  signOut: true,
  expireToken: true,
  failNext: true,
  setOffline: true,
  issueExpiredNext: true,
  clearFaults: true,
  clearLog: true,
  shiftClock: true,
  resetClock: true,
  setTokenTtl: true,
  storageEntries: true,
};
export const COMMAND_NAMES: readonly CommandName[] = Object.keys(COMMAND_SET) as CommandName[];

const BACKEND_CALL_SET: Readonly<Record<BackendCall, true>> = { anonymous: true, refresh: true, signIn: true, signOut: true };
/** Every backend call (the core's BackendCall), the one list the protocol uses. */
export const BACKEND_CALLS: readonly BackendCall[] = Object.keys(BACKEND_CALL_SET) as BackendCall[];
const MAX_STRING = 4096;

export function isCommandName(value: unknown): value is CommandName {
  return typeof value === 'string' && (COMMAND_NAMES as readonly string[]).includes(value);
}

/** Checks that `args` fit the command. Returns a reason when they do not. */
export function checkCommandArgs(command: CommandName, args: unknown): string | null {
  if (!Array.isArray(args)) return 'arguments must be an array';
  const str = (v: unknown): boolean => typeof v === 'string' && v.length <= MAX_STRING;
  switch (command) {
    case 'regenerateUUID':
      return args.length === 1 && (args[0] === null || str(args[0])) ? null : 'expects [seed: string | null]';
    case 'signIn':
      return args.length === 2 && str(args[0]) && str(args[1]) ? null : 'expects [login: string, password: string]';
    case 'signOut':
      return args.length === 1 && (SIGN_OUT_MODES as readonly unknown[]).includes(args[0]) ? null : 'expects [mode]';
    case 'failNext':
      return args.length === 2 && (BACKEND_CALLS as readonly unknown[]).includes(args[0]) && isFaultSpec(args[1])
        ? null
        : 'expects [call, error | null]';
    case 'setOffline':
      return args.length === 1 && typeof args[0] === 'boolean' ? null : 'expects [offline: boolean]';
    case 'shiftClock':
      return args.length === 1 && typeof args[0] === 'number' ? null : 'expects [ms: number]';
    case 'setTokenTtl':
      return args.length === 1 && (args[0] === null || typeof args[0] === 'number') ? null : 'expects [seconds: number | null]';
    default:
      return args.length === 0 ? null : 'expects no arguments';
  }
}

function isFaultSpec(value: unknown): value is FaultErrorSpec | null {
  if (value === null) return true;
  if (typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    (v.code === undefined || (typeof v.code === 'number' && Number.isFinite(v.code))) &&
    (v.kind === undefined || (typeof v.kind === 'string' && v.kind.length <= 64)) &&
    (v.message === undefined || (typeof v.message === 'string' && v.message.length <= MAX_STRING))
  );
}

/** Runs a command on the page's session. Never throws: failures come back as `{ ok: false, error }`. */
export async function executeCommand<C extends CommandName>(
  session: Session,
  command: C,
  args: unknown,
): Promise<CommandResult<C>> {
  try {
    if (!isCommandName(command)) throw new SessionError('invalid-argument', `Unknown command ${String(command)}`);
    const problem = checkCommandArgs(command, args);
    if (problem) throw new SessionError('invalid-argument', `${command} ${problem}`);
    const value = await run(session, command, args as unknown[]);
    return { ok: true, value: value as SessionCommands[C]['result'] };
  } catch (error) {
    return { ok: false, error: errorInfo(error) };
  }
}

async function run(session: Session, command: CommandName, args: unknown[]): Promise<unknown> {
  const faults = (): NonNullable<Session['debug']['faults']> => {
    const f = session.debug.faults;
    if (!f) throw new SessionError('invalid-argument', "This session's backend has no fault injection");
    return f;
  };
  // A session from a library copy older than the clock controls has no shiftClock: said plainly, not a TypeError.
  const clock = (): Pick<Session['debug'], 'shiftClock' | 'resetClock'> => {
    const d = session.debug;
    if (typeof d.shiftClock !== 'function' || typeof d.resetClock !== 'function') {
      throw new SessionError('invalid-argument', "This session's library has no clock controls (update it)");
    }
    return d;
  };
  switch (command) {
    case 'refreshToken':
      await session.refreshToken();
      return session.snapshot().token;
    case 'retrieveToken':
      await session.retrieveToken();
      return session.snapshot().token;
    case 'regenerateUUID': {
      const seed = args[0] as string | null;
      return seed === null || seed === '' ? session.regenerateUUID() : session.regenerateUUIDWithClientIdentifier(seed);
    }
    case 'destroySession':
      await session.destroySession();
      return null;
    case 'signIn':
      await session.signIn(args[0] as string, args[1] as string);
      return null;
    case 'signOut':
      await session.signOut(args[0] as SignOutMode);
      return null;
    case 'expireToken':
      session.debug.expireToken();
      return null;
    case 'failNext': {
      const spec = args[1] as FaultErrorSpec | null;
      faults().failNext(args[0] as BackendCall, spec ?? undefined);
      return null;
    }
    case 'setOffline':
      faults().setOffline(args[0] as boolean);
      return null;
    case 'issueExpiredNext':
      faults().issueExpiredNext();
      return null;
    case 'clearFaults':
      faults().clear();
      return null;
    case 'clearLog':
      session.debug.clearLog();
      return null;
    case 'shiftClock':
      clock().shiftClock(args[0] as number);
      return null;
    case 'resetClock':
      clock().resetClock();
      return null;
    case 'setTokenTtl': {
      const f = faults();
      if (!f.setTokenTtl) throw new SessionError('invalid-argument', "This session's backend does not let the token lifetime be changed");
      f.setTokenTtl(args[0] as number | null);
      return null;
    }
    case 'storageEntries': {
      const d = session.debug;
      if (typeof d.storageEntries !== 'function') throw new SessionError('invalid-argument', "This session's library has no storage view (update it)");
      return d.storageEntries();
    }
  }
}
