import { errorInfoOf } from '../core/errors.js';
import { MAX_TOKEN_LENGTH } from '../core/jwt.js';
import {
  REALMS,
  SIGN_OUT_REASONS,
  TOKEN_ORIGINS,
  type BackendInfo,
  type BackendRequestInfo,
  type CrossTabInfo,
  type ErrorInfo,
  type FaultState,
  type IssuerClockInfo,
  type LogEntry,
  type LogFacts,
  type OperationName,
  type SessionEvent,
  type SessionSnapshot,
  type StorageEntry,
  type StorageInfo,
  type TokenRecord,
} from '../core/types.js';
import type { SessionSummary, TransportUpdate } from '../transport/types.js';
import { BACKEND_CALLS, COMMAND_NAMES, type CommandName, type CommandResult } from './commands.js';
import {
  INVALID,
  MAX_STRING,
  arr,
  bool,
  int,
  lit,
  nul,
  nullable,
  num,
  obj,
  oneOf,
  partialRecord,
  pattern,
  safeParse,
  str,
  tagged,
  type Parser,
} from './schema.js';

/**
 * The one wire protocol of the DevTools extension. Three hops, each with its own source tag:
 *
 *   page agent (MAIN world)  --MessageChannel-->  bridge (isolated world)  --port "bridge"-->  service worker
 *                            <--MessageChannel--                           <--port----------
 *   service worker  --port "panel:<tabId>"-->  panel (port transport)      and back.
 *
 * Both page scripts are injected only while a panel is open (docs/extension.md). The agent hands the bridge one end
 * of a MessageChannel in a single window message (`PageHandover`), so what follows never travels as window messages.
 *
 * Every message carries `source` (which side sent it), `v` (protocol version) and `kind` (the discriminant). Each
 * receiver parses what arrives with the guard for its direction: anything outside the schema (wrong tag, version,
 * shape, size) is dropped and counted by the receiver, never thrown. Parsing strips unknown keys, so what passes
 * a boundary is exactly what the schema names.
 */

export const PROTOCOL_VERSION = 1;
/** MAIN-world page script → bridge (window messages). */
export const PAGE_SOURCE = 'session-panel:page';
/** Bridge → MAIN-world page script (window messages). */
export const BRIDGE_SOURCE = 'session-panel:bridge';
/** Messages over extension ports (bridge ↔ worker ↔ panel). */
export const PORT_SOURCE = 'session-panel:port';

/** Port name of a content-script bridge. */
export const BRIDGE_PORT_NAME = 'session-panel:bridge';
/** Port name of a panel: one per inspected tab. */
export const PANEL_PORT_PREFIX = 'session-panel:panel:';

/** A Chrome tab id, branded so it cannot be mixed up with frame ids or counters. */
export type TabId = number & { readonly __brand: 'TabId' };
/** A frame id within a tab (0 is the top frame). */
export type FrameId = number & { readonly __brand: 'FrameId' };

export function asTabId(value: unknown): TabId | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? (value as TabId) : null;
}
export function asFrameId(value: unknown): FrameId | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? (value as FrameId) : null;
}
export function panelPortName(tabId: TabId): string {
  return `${PANEL_PORT_PREFIX}${tabId}`;
}
/** The tab id in a panel port's name, or null when the name is not a panel port's. */
export function tabIdFromPortName(name: string): TabId | null {
  if (!name.startsWith(PANEL_PORT_PREFIX)) return null;
  const rest = name.slice(PANEL_PORT_PREFIX.length);
  return /^\d{1,12}$/.test(rest) ? asTabId(Number(rest)) : null;
}

// ---- limits -------------------------------------------------------------------------------------------------

export const LIMITS = {
  sessions: 64,
  eventsPerBatch: 500,
  logEntries: 2000,
  token: MAX_TOKEN_LENGTH, // the longest token the core accepts
  id: 128,
  pending: 32,
  /** Strings derived from credentials (login, customId, clientId, sub …): the core accepts logins up to 1024. */
  credential: 1024,
  /** Other short page strings (namespace, uuid, deviceId). */
  short: 256,
  /** Updates in one batch: what one flush of the page agent sends (the session list, each session's events and snapshot). */
  batch: 1 + 2 * 64,
} as const;

// ---- core data -------------------------------------------------------------------------------------------------

// Typed over the core's union: an operation added to OperationName and not here fails to compile.
const OPERATION_SET: Readonly<Record<OperationName, true>> = {
  start: true,
  getUUID: true,
  retrieveToken: true,
  refreshToken: true,
  autoRefresh: true,
  regenerateUUID: true,
  regenerateUUIDWithClientIdentifier: true,
  destroySession: true,
  signIn: true,
  signOut: true,
  expireToken: true,
};
export const OPERATION_NAMES: readonly OperationName[] = Object.keys(OPERATION_SET) as OperationName[];

const shortStr = str(LIMITS.short);
const credStr = str(LIMITS.credential);
const idStr = str(LIMITS.id);
const operation = lit(...OPERATION_NAMES) as Parser<OperationName>;

export const parseErrorInfo: Parser<ErrorInfo> = obj({ code: num, kind: str(64), message: str() });

export const parseTokenRecord: Parser<TokenRecord> = obj(
  {
    tokenString: str(LIMITS.token),
    origin: lit(...TOKEN_ORIGINS),
    rlm: lit(...REALMS),
    exp: num,
    receivedAt: num,
    expiresAt: num,
  },
  { clientId: credStr, customId: credStr, sub: credStr, iat: num },
);

const parseRequestInfo: Parser<BackendRequestInfo> = obj(
  {
    operation: lit(...BACKEND_CALLS),
    target: str(1024),
    ok: bool,
    durationMs: num,
    attempt: num,
    at: num,
  },
  { status: num, error: parseErrorInfo, note: str(512) },
);

const parseFaultState: Parser<FaultState> = obj(
  {
    offline: bool,
    failNext: partialRecord(BACKEND_CALLS, parseErrorInfo),
    expiredNext: bool,
  },
  { tokenTtlSeconds: num },
);

const parseBackendInfo: Parser<BackendInfo> = obj(
  { kind: str(64) },
  { endpoint: str(1024), lastRequest: parseRequestInfo, faults: parseFaultState },
);

const parseStorageInfo: Parser<StorageInfo> = obj(
  { kind: lit('local', 'memory', 'custom'), persistent: bool, degraded: bool },
  { note: str(), backupKey: str(512) },
);

/** Issue #14: tabs sharing the session (optional: older library copies do not send it). */
const parseCrossTabInfo: Parser<CrossTabInfo> = obj({
  tabs: num,
  lock: lit('web-locks', 'lease'),
  lastTokenBy: nullable(idStr),
  lastTokenCause: nullable(lit('refresh', 'anonymous')),
});

const issuerClockFields = obj({ source: lit('measured', 'peer', 'none') }, { offsetMs: num, minOffsetMs: num, maxOffsetMs: num });
/**
 * The session's estimate of the token issuer's clock (optional: older library copies do not send it). All or nothing
 * even for a sender that fits: a source without its figures would mislead, so a malformed one is left out whole.
 */
const parseIssuerClockInfo: Parser<IssuerClockInfo> = (v) => issuerClockFields(v);

const parseSnapshotFields = obj({
  id: idStr,
  namespace: shortStr,
  libraryVersion: str(64),
  uuid: shortStr,
  deviceId: shortStr,
  token: nullable(parseTokenRecord),
  tokenStatus: lit('none', 'valid', 'expiring', 'expired'),
  refreshMarginMs: num,
  login: nullable(credStr),
  signedIn: bool,
  customEmail: nullable(credStr),
  customIdentifier: nullable(credStr),
  now: num,
  ready: bool,
  disposed: bool,
  autoRefresh: bool,
  refreshWindowSeconds: num,
  storage: parseStorageInfo,
  backend: parseBackendInfo,
  pending: arr(operation, LIMITS.pending),
}, { clockOffsetMs: num, crossTab: parseCrossTabInfo, issuerClock: parseIssuerClockInfo });

/** A snapshot; one from a library copy older than debug.shiftClock has no clock offset, which means 0. */
export const parseSnapshot: Parser<SessionSnapshot> = (v, fit) => {
  const parsed = parseSnapshotFields(v, fit);
  return parsed === INVALID ? INVALID : { ...parsed, clockOffsetMs: parsed.clockOffsetMs ?? 0 };
};

export const parseSessionEvent: Parser<SessionEvent> = tagged('type', {
  ready: obj({ at: num }),
  'uuid-changed': obj({ at: num, uuid: shortStr, previous: shortStr }),
  'token-changed': obj({ at: num, token: nullable(parseTokenRecord) }),
  'signed-in': obj({ at: num, login: credStr }),
  'signed-out': obj({ at: num, reason: lit(...SIGN_OUT_REASONS) }),
  error: obj({ at: num, error: parseErrorInfo }, { operation }),
  'operation-start': obj({ at: num, id: num, operation }),
  'operation-end': obj(
    { at: num, id: num, operation, durationMs: num, outcome: lit('ok', 'error') },
    { result: str(), error: parseErrorInfo },
  ),
  request: obj({ at: num, request: parseRequestInfo }),
  state: obj({ at: num, what: str() }),
  disposed: obj({ at: num }),
}) as Parser<SessionEvent>;

const parseLogFacts: Parser<LogFacts> = obj(
  {},
  {
    uuid: shortStr,
    previousUuid: shortStr,
    token: nullable(obj({ rlm: lit(...REALMS), receivedAt: num, expiresAt: num })),
    login: nullable(credStr),
    request: parseRequestInfo,
  },
);

export const parseLogEntry: Parser<LogEntry> = obj(
  { seq: num, at: num, kind: lit('operation', 'event', 'error', 'request', 'storage'), message: str() },
  { operation, durationMs: num, outcome: lit('ok', 'error'), error: parseErrorInfo, facts: parseLogFacts },
);

const parseSummary: Parser<SessionSummary> = obj({ id: idStr, namespace: shortStr, uuid: shortStr }, { frame: str(2048) });

/** What the page streams: the TransportUpdate kinds that carry session data (connection state is the link's own). */
export type PageUpdate = Exclude<TransportUpdate, { type: 'connection' }>;

export const parsePageUpdate: Parser<PageUpdate> = tagged('type', {
  sessions: obj({ sessions: arr(parseSummary, LIMITS.sessions) }),
  snapshot: obj({ sessionId: idStr, snapshot: parseSnapshot }),
  events: obj({ sessionId: idStr, events: arr(parseSessionEvent, LIMITS.eventsPerBatch) }),
  log: obj({ sessionId: idStr, entries: arr(parseLogEntry, LIMITS.logEntries) }),
}) as Parser<PageUpdate>;

// ---- commands and results --------------------------------------------------------------------------------------

/** Request ids: random, URL-safe, bounded. */
export const parseRequestId: Parser<string> = pattern(/^[A-Za-z0-9_-]+$/, 64);
const commandName = lit(...COMMAND_NAMES) as Parser<CommandName>;
/** Arguments are checked per command by checkCommandArgs in the page; here only their size is bounded. */
const commandArgs: Parser<unknown[]> = arr(
  (v) =>
    v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= MAX_STRING)
      ? v
      : commandObject(v),
  4,
);
const commandObject = obj({}, { code: num, kind: str(64), message: str() });

const parseStorageEntries: Parser<readonly StorageEntry[]> = arr(obj({ key: str(512), value: nullable(str(64 * 1024)) }), 16);
type ResultValue = TokenRecord | boolean | null | readonly StorageEntry[];
const resultValue: Parser<ResultValue> = oneOf(oneOf(oneOf(nul, bool), parseTokenRecord), parseStorageEntries);
export type WireResult = { readonly ok: true; readonly value: ResultValue } | { readonly ok: false; readonly error: ErrorInfo };
export const parseWireResult: Parser<WireResult> = (v) => {
  const okPart = obj({ ok: lit(true), value: resultValue })(v);
  if (okPart !== INVALID) return okPart as WireResult;
  const errPart = obj({ ok: lit(false), error: parseErrorInfo })(v);
  return errPart === INVALID ? INVALID : (errPart as WireResult);
};

/** The result value each command may carry, so a result for a refresh cannot deliver a boolean. */
export function resultFits(command: CommandName, result: WireResult): result is CommandResult<typeof command> {
  if (!result.ok) return true;
  const v = result.value;
  switch (command) {
    case 'refreshToken':
    case 'retrieveToken':
      return v === null || typeof v === 'object';
    case 'regenerateUUID':
      return typeof v === 'boolean';
    default:
      return v === null;
  }
}

// ---- envelopes -------------------------------------------------------------------------------------------------

type Envelope<S extends string, K extends string, B> = { readonly source: S; readonly v: typeof PROTOCOL_VERSION; readonly kind: K } & B;

export interface CommandBody {
  readonly id: string;
  readonly sessionId: string;
  readonly command: CommandName;
  readonly args: readonly unknown[];
}

/** MAIN world → bridge, the one window message: its transferred port is the agent's end of the channel. */
export type PageHandover = Envelope<typeof PAGE_SOURCE, 'channel', Record<never, never>>;

/** MAIN world → bridge, over the channel. */
export type PageMessage =
  | Envelope<typeof PAGE_SOURCE, 'update', { readonly update: PageUpdate }>
  /**
   * What one flush of the agent sends, in order, as one message: each hop then handles a page change in one task
   * (one render in the panel) instead of one per update. Checked and budgeted as a whole; over budget, item by item.
   */
  | Envelope<typeof PAGE_SOURCE, 'updates', { readonly updates: readonly PageUpdate[] }>
  | Envelope<typeof PAGE_SOURCE, 'result', { readonly id: string; readonly result: WireResult }>;

/** Bridge → MAIN world, over the channel. */
export type BridgeMessage =
  | Envelope<typeof BRIDGE_SOURCE, 'attach', Record<never, never>>
  | Envelope<typeof BRIDGE_SOURCE, 'detach', Record<never, never>>
  | Envelope<typeof BRIDGE_SOURCE, 'command', CommandBody>;

/**
 * Bridge → worker (the worker adds tab and frame from the port's sender, never from the message). `ready` comes first
 * on every connection: `instance` names the bridge's document where the browser gives no documentId (one bridge per
 * document), `origin` is the isolated world's own `location.origin` (the fallback where the sender has no origin),
 * and `agent` says whether a page agent is linked (if not, the worker injects one into that document).
 */
export type BridgeToWorker =
  | Envelope<typeof PORT_SOURCE, 'ready', { readonly instance: string; readonly origin: string; readonly agent: boolean }>
  | Envelope<typeof PORT_SOURCE, 'update', { readonly update: PageUpdate }>
  | Envelope<typeof PORT_SOURCE, 'updates', { readonly updates: readonly PageUpdate[] }>
  | Envelope<typeof PORT_SOURCE, 'result', { readonly id: string; readonly result: WireResult }>
  /** How many page updates this bridge dropped so far for the byte bounds (byte-budget.ts); sent at most once a second. */
  | Envelope<typeof PORT_SOURCE, 'drops', { readonly count: number }>;

/** Worker → bridge. */
export type WorkerToBridge =
  | Envelope<typeof PORT_SOURCE, 'attach', Record<never, never>>
  | Envelope<typeof PORT_SOURCE, 'detach', Record<never, never>>
  | Envelope<typeof PORT_SOURCE, 'command', CommandBody>;

/** Panel → worker: a command for one document (the frame's document the panel saw the session in). */
export type PanelToWorker = Envelope<
  typeof PORT_SOURCE,
  'command',
  CommandBody & { readonly frameId: number; readonly documentId: string }
>;

/** Worker → panel. */
export type WorkerToPanel =
  | Envelope<typeof PORT_SOURCE, 'welcome', { readonly tabId: number; readonly frames: readonly FrameInfo[] }>
  | Envelope<typeof PORT_SOURCE, 'frame', FrameInfo & { readonly state: 'attached' | 'detached' }>
  | Envelope<typeof PORT_SOURCE, 'update', { readonly frameId: number; readonly update: PageUpdate }>
  | Envelope<typeof PORT_SOURCE, 'updates', { readonly frameId: number; readonly updates: readonly PageUpdate[] }>
  | Envelope<typeof PORT_SOURCE, 'result', { readonly id: string; readonly result: WireResult }>
  /** Page updates of one frame dropped so far for the byte bounds (its bridge's and the worker's), for the panel to say. */
  | Envelope<typeof PORT_SOURCE, 'drops', { readonly frameId: number; readonly count: number }>
  /** Frames of the tab not followed so far because the tab has `limit` frames with sessions already (frame-cap.ts). */
  | Envelope<typeof PORT_SOURCE, 'unfollowed', { readonly count: number; readonly limit: number }>;

/** A frame's current document, as the browser records it (the port's sender), never as the page says. */
export interface FrameInfo {
  readonly frameId: number;
  /** The document: the browser's documentId, or the bridge's instance id where the browser has none. */
  readonly documentId: string;
  /** The document's origin (`null` for an opaque origin: sandboxed frames, data: URLs). */
  readonly origin: string;
  readonly url: string;
}

const V = lit(PROTOCOL_VERSION);
const frameIdP = int(0, 2 ** 40);
const commandBody = { id: parseRequestId, sessionId: idStr, command: commandName, args: commandArgs };
/** Browser documentIds (32 hex digits in Chrome) and bridge instance ids. */
export const parseDocumentId: Parser<string> = pattern(/^[A-Za-z0-9_-]+$/, 64);
const frameInfo = { frameId: frameIdP, documentId: parseDocumentId, origin: str(512), url: str(2048) };
const empty = obj({});

function envelope<S extends string, M extends Record<string, Parser<unknown>>>(source: S, members: M): Parser<unknown> {
  const inner = tagged('kind', members);
  return (v) => {
    if (typeof v !== 'object' || v === null) return INVALID;
    const head = obj({ source: lit(source), v: V })(v);
    if (head === INVALID) return INVALID;
    const body = inner(v);
    return body === INVALID ? INVALID : { source, v: PROTOCOL_VERSION, ...(body as object) };
  };
}

/** A batch: one update or more (LIMITS.batch at most), each checked as a single update is. */
const parseBatch: Parser<PageUpdate[]> = (v, fit) => {
  const items = arr(parsePageUpdate, LIMITS.batch)(v, fit);
  return items === INVALID || items.length === 0 ? INVALID : items;
};

const pageHandover = envelope(PAGE_SOURCE, { channel: empty }) as Parser<PageHandover>;

const pageMessage = envelope(PAGE_SOURCE, {
  update: obj({ update: parsePageUpdate }),
  updates: obj({ updates: parseBatch }),
  result: obj({ id: parseRequestId, result: parseWireResult }),
}) as Parser<PageMessage>;

const bridgeMessage = envelope(BRIDGE_SOURCE, {
  attach: empty,
  detach: empty,
  command: obj(commandBody),
}) as Parser<BridgeMessage>;

const bridgeToWorker = envelope(PORT_SOURCE, {
  ready: obj({ instance: parseDocumentId, origin: str(512), agent: bool }),
  update: obj({ update: parsePageUpdate }),
  updates: obj({ updates: parseBatch }),
  result: obj({ id: parseRequestId, result: parseWireResult }),
  drops: obj({ count: int(0) }),
}) as Parser<BridgeToWorker>;

const workerToBridge = envelope(PORT_SOURCE, {
  attach: empty,
  detach: empty,
  command: obj(commandBody),
}) as Parser<WorkerToBridge>;

const panelToWorker = envelope(PORT_SOURCE, {
  command: obj({ ...commandBody, frameId: frameIdP, documentId: parseDocumentId }),
}) as Parser<PanelToWorker>;


const workerToPanel = envelope(PORT_SOURCE, {
  welcome: obj({ tabId: int(0), frames: arr(obj(frameInfo), 256) }),
  frame: obj({ ...frameInfo, state: lit('attached', 'detached') }),
  update: obj({ frameId: frameIdP, update: parsePageUpdate }),
  updates: obj({ frameId: frameIdP, updates: parseBatch }),
  result: obj({ id: parseRequestId, result: parseWireResult }),
  drops: obj({ frameId: frameIdP, count: int(0) }),
  unfollowed: obj({ count: int(0), limit: int(1, 100_000) }),
}) as Parser<WorkerToPanel>;

// ---- guards (one per direction) --------------------------------------------------------------------------------

/** Parses a message for one direction; `null` when it is outside the schema. Never throws. */
const guard =
  <T>(p: Parser<T>) =>
  (value: unknown): T | null => {
    const x = safeParse(p, value);
    return x === INVALID ? null : x;
  };

export const parsePageHandover = guard(pageHandover);
export const parsePageMessage = guard(pageMessage);
export const parseBridgeMessage = guard(bridgeMessage);
export const parseBridgeToWorker = guard(bridgeToWorker);
export const parseWorkerToBridge = guard(workerToBridge);
export const parsePanelToWorker = guard(panelToWorker);
export const parseWorkerToPanel = guard(workerToPanel);

// ---- factories -------------------------------------------------------------------------------------------------

type Body<T, K> = Omit<Extract<T, { kind: K }>, 'source' | 'v' | 'kind'>;

export function makePageHandover(): PageHandover {
  return { source: PAGE_SOURCE, v: PROTOCOL_VERSION, kind: 'channel' };
}
export function makePageMessage<K extends PageMessage['kind']>(kind: K, body: Body<PageMessage, K>): PageMessage {
  return { source: PAGE_SOURCE, v: PROTOCOL_VERSION, kind, ...body } as unknown as PageMessage;
}
export function makeBridgeMessage<K extends BridgeMessage['kind']>(kind: K, body: Body<BridgeMessage, K>): BridgeMessage {
  return { source: BRIDGE_SOURCE, v: PROTOCOL_VERSION, kind, ...body } as unknown as BridgeMessage;
}
export function makePortMessage<T extends { kind: string }, K extends T['kind']>(kind: K, body: Body<T, K>): T {
  return { source: PORT_SOURCE, v: PROTOCOL_VERSION, kind, ...body } as unknown as T;
}

// ---- drop counting ---------------------------------------------------------------------------------------------

/** Per-boundary counters of dropped messages, by reason. */
export class DropCounter {
  total = 0;
  readonly byReason = new Map<string, number>();
  drop(reason: string, count = 1): void {
    this.total += count;
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + count);
  }
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.byReason);
  }
}

/** Errors the link itself produces (not the session's), with the core's kinds and codes. */
export const LINK_ERRORS = {
  timeout: (ms: number): ErrorInfo => errorInfoOf('timeout', `No answer from the page within ${ms} ms`),
  aborted: (): ErrorInfo => errorInfoOf('aborted', 'The request was aborted'),
  noPage: (): ErrorInfo => errorInfoOf('network', 'The page is not connected (it may be reloading, or have no session library)'),
  unknownSession: (id: string): ErrorInfo => errorInfoOf('no-session', `No session ${id} on this page`),
  /** The frame navigated (or reloaded) between the panel's click and the delivery: the command is not delivered. */
  documentGone: (): ErrorInfo =>
    errorInfoOf('network', 'Not sent: the document this was meant for has gone (the frame reloaded or navigated)'),
} as const;
