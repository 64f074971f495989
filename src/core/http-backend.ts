import { monotonicNow, requireString } from './checks.js';
import { SessionError } from './errors.js';
import type { FaultSwitches } from './faults.js';
import { MAX_TOKEN_LENGTH, tokenRecordFromJwt } from './jwt.js';
import type { AuthBackend, BackendCallContext, BackendCall, BackendInfo, BackendRequestInfo, FaultControls, SignOutMode } from './types.js';

/**
 * An AuthBackend over HTTP, speaking the Synerise-shaped REST paths:
 *
 *   POST {baseUrl}/sauth/v3/auth/login/client/anonymous  { apiKey, uuid, deviceId }            → { token }
 *   POST {baseUrl}/sauth/v3/auth/refresh/client          { apiKey } + Authorization: Bearer    → { token }
 *   POST {baseUrl}/sauth/v3/auth/login/client            { apiKey, login, password, uuid, deviceId } → { token }
 *   POST {baseUrl}/sauth/v3/my-account/logout            { mode } + Authorization: Bearer     → anything 2xx
 *
 * Rules (see docs/http-backend.md):
 * - `timeoutMs` bounds the whole call, retries and waits included: the promise settles by then, whatever the server
 *   does (a custom fetch that ignores its AbortSignal included). `attemptTimeoutMs` optionally bounds each attempt;
 *   an attempt that runs out of it counts as a network failure and may be retried within `timeoutMs`.
 * - Retries only on network errors, 5xx and 429, with exponential backoff (`retryBaseMs` · 2^n, capped at
 *   `retryMaxMs`, jittered between 50 % and 100 %). A `Retry-After` header (seconds or HTTP date) is honoured as the
 *   minimum wait; when it asks for longer than the time left, the call fails at once instead of retrying early.
 *   Other 4xx answers are never retried.
 * - 401/403 → `unauthorized` (3200); a 401/403 that says the token expired → `session-expired` (3210).
 * - Every answer is validated: status, content type (JSON), size (read through the stream reader with a bound),
 *   JSON shape (`{ token: string }`) and the token itself (a decodable, signed JWT with `exp` and a realm), so a bad
 *   answer is a `SessionError` and never reaches the session's state.
 * - Each attempt is reported through `onRequest` (status, timing, attempt number, error); tokens never appear in it.
 *
 * Pure TypeScript over fetch, AbortController and TextDecoder: runs in browsers and Node ≥ 20.
 */
export interface HttpBackendOptions {
  /** Origin (and optional path prefix) of the auth API, e.g. `http://127.0.0.1:8787`. http or https. */
  baseUrl: string;
  /** The API key sent in every body. */
  apiKey: string;
  /** Default: globalThis.fetch. */
  fetch?: FetchLike;
  /** Upper bound on one call, retries and backoff waits included, in ms. Default 15 000. */
  timeoutMs?: number;
  /** Upper bound on one attempt, in ms. Default: timeoutMs (one attempt may use the whole budget). */
  attemptTimeoutMs?: number;
  /** Retries after the first attempt (network errors, 5xx, 429 only). Default 2. */
  retries?: number;
  /** First backoff delay, in ms. Default 250. */
  retryBaseMs?: number;
  /** Backoff cap, in ms. Default 4 000. */
  retryMaxMs?: number;
  /** Largest response body read, in bytes. Default 64 KiB. */
  maxResponseBytes?: number;
  /** Clock in ms for `at` timestamps and Retry-After dates. Default Date.now. */
  now?: () => number;
  /** Jitter source in [0, 1). Default Math.random. */
  random?: () => number;
  /** How to wait between attempts (tests pass a recorder). Default: setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Fault injection for the panel (`faults`). Default true. Offline and "fail next" act in this backend, before
   * anything is sent; "next token expired" asks the server with an `X-Session-Panel-Fault: expired-token` request
   * header, which the reference auth server honours (other servers ignore it, or refuse it in their CORS preflight).
   * From `session-panel/core` the switches are there at once; from `session-panel/core/production` they come with
   * the devtools chunk, for the backend of a session with `devtools` on (by its `ready`), and never with it off.
   */
  faultInjection?: boolean;
}

/** The part of fetch this backend uses, so any fetch-compatible function can be passed. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpBackend extends AuthBackend {
  describe(): BackendInfo;
  /** Present unless created with `faultInjection: false`. */
  readonly faults?: FaultControls;
  /** The normalised base URL (no trailing slash). */
  readonly endpoint: string;
}

export const HTTP_PATHS = {
  anonymous: '/sauth/v3/auth/login/client/anonymous',
  refresh: '/sauth/v3/auth/refresh/client',
  signIn: '/sauth/v3/auth/login/client',
  signOut: '/sauth/v3/my-account/logout',
} as const satisfies Record<BackendCall, string>;

/** The wire names of the sign-out modes. */
export const LOGOUT_MODES = {
  SIGN_OUT: 'LOGOUT',
  SIGN_OUT_WITH_SESSION_DESTROY: 'LOGOUT_WITH_SESSION_CLEARING',
} as const satisfies Record<SignOutMode, string>;

const DEFAULTS = {
  timeoutMs: 15_000,
  retries: 2,
  retryBaseMs: 250,
  retryMaxMs: 4_000,
  maxResponseBytes: 64 * 1024,
} as const;

/**
 * Where a backend made here takes its fault switches (http-faults.ts arms them): a symbol off the public type, named
 * with Symbol.for so the fault code needs no import of this module (it must stay out of the chunk pages load).
 */
export const ARM_FAULTS = Symbol.for('session-panel:http-backend:arm-faults');

/**
 * What fault injection does around one call, before anything is sent: throws the failure armed for it (reported as a
 * request not sent), or adds request headers (asking for an expired token) and gives back what to do once the call
 * succeeded.
 */
export type FaultGate = (call: BackendCall, target: string, headers: Record<string, string>) => (() => void) | undefined;
export type ArmFaults = (switches: FaultSwitches, gate: FaultGate) => void;

/** Longest server message carried into an error, in characters. */
const MAX_MESSAGE = 200;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Attempt {
  readonly status?: number;
  /** Set when the call succeeded. */
  readonly body?: unknown;
  readonly error?: SessionError;
  readonly retryable: boolean;
  /** From a Retry-After header, in ms. */
  readonly retryAfterMs?: number;
}

export function createHttpBackend(options: HttpBackendOptions): HttpBackend {
  if (typeof options !== 'object' || options === null) {
    throw new SessionError('invalid-argument', 'createHttpBackend needs an options object with baseUrl and apiKey');
  }
  const endpoint = normaliseBaseUrl(options.baseUrl);
  if (typeof options.apiKey !== 'string' || options.apiKey.length === 0) {
    throw new SessionError('invalid-argument', 'apiKey must be a non-empty string');
  }
  const apiKey = options.apiKey;
  const timeoutMs = positive(options.timeoutMs, DEFAULTS.timeoutMs, 'timeoutMs');
  const attemptTimeoutMs = Math.min(positive(options.attemptTimeoutMs, timeoutMs, 'attemptTimeoutMs'), timeoutMs);
  const retries = nonNegativeInteger(options.retries, DEFAULTS.retries, 'retries');
  const retryBaseMs = Math.min(nonNegative(options.retryBaseMs, DEFAULTS.retryBaseMs, 'retryBaseMs'), MAX_TIMEOUT_MS);
  const retryMaxMs = Math.min(Math.max(nonNegative(options.retryMaxMs, DEFAULTS.retryMaxMs, 'retryMaxMs'), retryBaseMs), MAX_TIMEOUT_MS);
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULTS.maxResponseBytes;
  if (typeof maxResponseBytes !== 'number' || !Number.isInteger(maxResponseBytes) || maxResponseBytes < 256 || maxResponseBytes > 16 * 1024 * 1024) {
    throw new SessionError('invalid-argument', 'maxResponseBytes must be a whole number of bytes from 256 to 16 MiB');
  }
  for (const name of ['fetch', 'now', 'random', 'sleep'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new SessionError('invalid-argument', `${name} must be a function`);
    }
  }
  const foundFetch: FetchLike | undefined = options.fetch ?? (typeof globalThis.fetch === 'function' ? globalThis.fetch.bind(globalThis) : undefined);
  if (!foundFetch) throw new SessionError('invalid-argument', 'No fetch in this environment: pass options.fetch');
  const fetchImpl: FetchLike = foundFetch;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;

  let lastRequest: BackendRequestInfo | undefined;

  // Fault injection (see HttpBackendOptions.faultInjection): armed from outside, once (http-faults.ts).
  let gate: FaultGate | undefined;

  /** An injected failure: reported like a request that was never sent, then thrown. */
  function injected(call: BackendCall, error: SessionError, context: BackendCallContext | undefined): never {
    report({ operation: call, target: `${describeTarget(call)} (fault injection: not sent)`, ok: false, durationMs: 0, attempt: 1, at: now(), error: error.toJSON() }, context);
    throw error;
  }

  function report(info: BackendRequestInfo, context: BackendCallContext | undefined): void {
    lastRequest = info;
    for (const listener of [context?.onRequest, backend.onRequest]) {
      try {
        listener?.(info);
      } catch {
        // A failing listener must not turn a good answer into a failure.
      }
    }
  }

  /** One attempt: fetch + bounded read + JSON parse, all under the attempt's AbortSignal and deadline. */
  async function attempt(call: BackendCall, init: RequestInit, budgetMs: number, signal: AbortSignal | undefined): Promise<Attempt> {
    const controller = new AbortController();
    // The caller gave up (session disposed, its own timeout): stop this attempt too, and release the connection.
    const onCallerAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut = false;
    // Rejects when the attempt's time is up, even if fetch or the body stream ignores the abort.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
        reject(new SessionError('timeout', `No answer from ${describeTarget(call)} within ${Math.round(budgetMs)} ms`));
      }, budgetMs);
    });
    deadline.catch(() => {});
    // Completed means the answer was read to its end or its body cancelled: the request is over, nothing to abort.
    let completed = false;
    const work = exchange(call, { ...init, signal: controller.signal }).then((result) => {
      completed = true;
      return result;
    });
    // If the deadline wins, the exchange may still reject later (aborted): that rejection is expected, not unhandled.
    work.catch(() => {});
    try {
      return await Promise.race([deadline, work]);
    } catch (error) {
      // The caller gave up: not a network failure, not to be retried.
      if (signal?.aborted) return { error: cancelled(call), retryable: false };
      if (timedOut || (error instanceof SessionError && error.kind === 'timeout')) {
        const timeout = new SessionError('timeout', `No answer from ${describeTarget(call)} within ${Math.round(budgetMs)} ms`, { cause: error });
        return { error: timeout, retryable: true };
      }
      if (error instanceof SessionError) return { error, retryable: false };
      // fetch rejects with a TypeError (or a DOMException) on DNS, connection, CORS and TLS failures.
      const message = error instanceof Error && error.message ? error.message : 'request failed';
      return { error: new SessionError('network', `Network error calling ${describeTarget(call)}: ${sanitise(message)}`, { cause: error }), retryable: true };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerAbort);
      // Release the connection only when the exchange did not complete (timeout, network error, caller gave up).
      // Aborting a finished request makes Chromium list a good 200 as "(canceled)" in the Network panel.
      if (!completed) controller.abort();
    }
  }

  async function exchange(call: BackendCall, init: RequestInit): Promise<Attempt> {
    const response = await fetchImpl(endpoint + HTTP_PATHS[call], init);
    const status = response.status;
    if (response.ok) {
      try {
        if (call === 'signOut') {
          // Read to its end by the platform (arrayBuffer), neither cancelled nor through a stream reader: Chromium
          // lists a 204 read either way as "(canceled)" in the Network panel. Only a declared-huge one is cut off.
          const declared = Number(response.headers.get('content-length'));
          if (Number.isFinite(declared) && declared > maxResponseBytes) await discard(response);
          else await response.arrayBuffer();
          return { status, retryable: false, body: null };
        }
        const text = await readJsonText(response, maxResponseBytes, status);
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch (cause) {
          throw new SessionError('invalid-response', `The server's answer (HTTP ${status}) is not valid JSON`, { status, cause });
        }
        // Validated inside the attempt, so the request report shows a bad answer as a failed request.
        return { status, body: validateTokenAnswer(body, now(), status), retryable: false };
      } catch (error) {
        // A timeout while reading the body is handled (and retried) by attempt(); anything else is a bad answer.
        if (!(error instanceof SessionError)) throw error;
        return { status, error, retryable: false };
      }
    }
    // An error answer: read a little of it for the server's own explanation, tolerating anything.
    const details = await readErrorDetails(response);
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now());
    const retryable = status >= 500 || status === 429;
    const error = mapStatus(call, status, details, response.headers.get('www-authenticate'));
    return retryAfterMs === undefined ? { status, error, retryable } : { status, error, retryable, retryAfterMs };
  }

  /** Runs a call with retries; resolves with the parsed JSON body or rejects with a SessionError. */
  async function run(call: BackendCall, payload: Record<string, unknown>, token: string | undefined, context: BackendCallContext | undefined): Promise<unknown> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    let faultTaken: (() => void) | undefined;
    try {
      faultTaken = gate?.(call, describeTarget(call), headers);
    } catch (error) {
      injected(call, error as SessionError, context);
    }
    const init: RequestInit = { method: 'POST', headers, body: JSON.stringify(payload) };
    const callStart = monotonicNow();
    const deadline = callStart + timeoutMs;
    for (let n = 1; ; n++) {
      const remaining = deadline - monotonicNow();
      if (remaining <= 0) throw new SessionError('timeout', `No answer from ${describeTarget(call)} within ${timeoutMs} ms`);
      const at = now();
      const started = monotonicNow();
      if (context?.signal?.aborted) throw cancelled(call);
      const result = await attempt(call, init, Math.min(attemptTimeoutMs, remaining), context?.signal);
      const info: Mutable<BackendRequestInfo> = {
        operation: call,
        target: describeTarget(call),
        ok: result.error === undefined,
        durationMs: round(monotonicNow() - started),
        attempt: n,
        at,
      };
      if (result.status !== undefined) info.status = result.status;
      if (result.error) info.error = result.error.toJSON();
      report(info, context);
      if (!result.error) {
        faultTaken?.();
        return result.body;
      }
      if (!result.retryable || n > retries) throw result.error;
      // Backoff: exponential with a cap, jittered to 50–100 % so clients that failed together do not retry together.
      const backoff = Math.min(retryMaxMs, retryBaseMs * 2 ** (n - 1)) * (0.5 + 0.5 * clamp01(random()));
      const wait = Math.max(backoff, result.retryAfterMs ?? 0);
      const left = deadline - monotonicNow();
      if (wait >= left) {
        // Retrying sooner than the server asked would be rude; waiting past the deadline would break the promise.
        if (result.retryAfterMs !== undefined && result.retryAfterMs >= left) {
          throw new SessionError(
            result.error.kind,
            `${result.error.message} (the server asked to retry after ${Math.ceil(result.retryAfterMs / 1000)} s, past this call's ${timeoutMs} ms budget)`,
            errorOptions(result.error),
          );
        }
        throw result.error;
      }
      await untilAborted(sleep(wait), context?.signal, call);
    }
  }

  async function tokenCall(call: Exclude<BackendCall, 'signOut'>, payload: Record<string, unknown>, token: string | undefined, context: BackendCallContext | undefined): Promise<string> {
    return (await run(call, payload, token, context)) as string;
  }

  const arm: ArmFaults = (switches, armedGate) => {
    gate = armedGate;
    (backend as { faults?: FaultSwitches }).faults = switches;
    delete (backend as { [ARM_FAULTS]?: ArmFaults })[ARM_FAULTS];
  };
  const backend: HttpBackend & { [ARM_FAULTS]?: ArmFaults } = {
    endpoint,
    onRequest: undefined,
    ...(options.faultInjection === false ? {} : { [ARM_FAULTS]: arm }),
    describe() {
      const info: Mutable<BackendInfo> = { kind: 'http', endpoint };
      if (lastRequest) info.lastRequest = lastRequest;
      if (backend.faults) info.faults = backend.faults.state();
      return info;
    },
    anonymous(req, context) {
      return guard(async () => {
        const uuid = requireString(req?.uuid, 'uuid');
        const deviceId = requireString(req?.deviceId, 'deviceId', { allowEmpty: true });
        return tokenCall('anonymous', { apiKey, uuid, deviceId }, undefined, context);
      });
    },
    refresh(req, context) {
      return guard(async () => {
        const token = requireString(req?.token, 'token');
        return tokenCall('refresh', { apiKey }, token, context);
      });
    },
    signIn(req, context) {
      return guard(async () => {
        const login = requireString(req?.login, 'login');
        const password = requireString(req?.password, 'password');
        const uuid = requireString(req?.uuid, 'uuid');
        const deviceId = requireString(req?.deviceId, 'deviceId', { allowEmpty: true });
        return tokenCall('signIn', { apiKey, login, password, uuid, deviceId }, undefined, context);
      });
    },
    signOut(req, context) {
      return guard(async () => {
        const token = requireString(req?.token, 'token');
        const mode = req?.mode ?? 'SIGN_OUT';
        if (mode !== 'SIGN_OUT' && mode !== 'SIGN_OUT_WITH_SESSION_DESTROY') {
          throw new SessionError('invalid-argument', `mode must be SIGN_OUT or SIGN_OUT_WITH_SESSION_DESTROY, not ${JSON.stringify(mode)}`);
        }
        await run('signOut', { mode: LOGOUT_MODES[mode] }, token, context);
      });
    },
  };
  return backend;
}

/** `{ token: "<JWT>" }` or a SessionError: the token must decode as a signed JWT with `exp` and a realm. */
function validateTokenAnswer(body: unknown, receivedAt: number, status: number): string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SessionError('invalid-response', 'The server answered with JSON that is not an object (expected { "token": "<JWT>" })', { status });
  }
  const token = (body as { token?: unknown }).token;
  if (token === undefined) throw new SessionError('invalid-response', 'The server\'s answer has no "token" field', { status });
  if (typeof token !== 'string') {
    throw new SessionError('invalid-response', `The server's "token" field is ${token === null ? 'null' : `a ${typeof token}`}, not a string`, { status });
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new SessionError('invalid-jwt', `Invalid JWT from the server: ${token.length} characters (limit ${MAX_TOKEN_LENGTH})`, { status });
  }
  try {
    tokenRecordFromJwt(token, receivedAt);
  } catch (error) {
    const message = error instanceof Error ? error.message : 'undecodable token';
    throw new SessionError('invalid-jwt', `The server returned a token that is not a usable JWT (${message})`, { cause: error, status });
  }
  return token;
}

/** Reads a JSON body with a byte bound, checking the content type first. */
async function readJsonText(response: Response, maxBytes: number, status: number): Promise<string> {
  const type = response.headers.get('content-type') ?? '';
  if (!isJsonType(type)) {
    await discard(response);
    throw new SessionError(
      'invalid-response',
      `The server answered HTTP ${status} with content type ${type ? JSON.stringify(type.slice(0, 80)) : '(none)'}, expected application/json`,
      { status },
    );
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await discard(response);
    throw tooLarge(status, maxBytes);
  }
  const bytes = await readBounded(response, maxBytes);
  if (bytes === null) throw tooLarge(status, maxBytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new SessionError('invalid-response', `The server's answer (HTTP ${status}) is not valid UTF-8`, { status, cause });
  }
}

/** The body's bytes, or null when it is longer than maxBytes (reading stops there and the stream is cancelled). */
async function readBounded(response: Response, maxBytes: number): Promise<Uint8Array | null> {
  const stream = response.body;
  if (!stream) return new Uint8Array(0);
  // A declared length within bounds: let the platform read it (arrayBuffer). A response read through a stream reader
  // and then dropped is sometimes listed as "(canceled)" by Chromium's Network panel although it completed.
  const declared = Number(response.headers.get('content-length'));
  if (response.headers.has('content-length') && Number.isInteger(declared) && declared >= 0 && declared <= maxBytes) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    return bytes.byteLength <= maxBytes ? bytes : null;
  }
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        reader.cancel().catch(() => {});
        return null;
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

interface ErrorDetails {
  readonly message?: string;
  readonly code?: number;
  readonly error?: string;
}

/** The server's own explanation of an error answer, read with a small bound; never throws. */
async function readErrorDetails(response: Response): Promise<ErrorDetails> {
  try {
    if (!isJsonType(response.headers.get('content-type') ?? '')) {
      await discard(response);
      return {};
    }
    const bytes = await readBounded(response, 8 * 1024);
    if (bytes === null) return {};
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof parsed !== 'object' || parsed === null) return {};
    const record = parsed as Record<string, unknown>;
    const details: Mutable<ErrorDetails> = {};
    const message = typeof record.message === 'string' ? record.message : typeof record.error_description === 'string' ? record.error_description : undefined;
    if (message) details.message = sanitise(message);
    if (typeof record.code === 'number' && Number.isInteger(record.code)) details.code = record.code;
    if (typeof record.error === 'string') details.error = sanitise(record.error);
    return details;
  } catch {
    return {};
  }
}

function mapStatus(call: BackendCall, status: number, details: ErrorDetails, wwwAuthenticate: string | null): SessionError {
  const target = describeTarget(call);
  const said = details.message ? `: ${details.message}` : '';
  if (status === 401 || status === 403) {
    const expired =
      details.code === 3210 ||
      /expired/i.test(details.error ?? '') ||
      /expired/i.test(details.message ?? '') ||
      /expired/i.test(wwwAuthenticate ?? '');
    if (expired) return new SessionError('session-expired', `The session has expired (HTTP ${status} from ${target})${said}`, { status });
    const what = call === 'signIn' ? 'Sign-in refused' : status === 401 ? 'Unauthorized' : 'Forbidden';
    return new SessionError('unauthorized', `${what} (HTTP ${status} from ${target})${said}`, { status });
  }
  if (status === 429) return new SessionError('backend', `Too many requests (HTTP 429 from ${target})${said}`, { status });
  if (status >= 500) return new SessionError('backend', `Server error (HTTP ${status} from ${target})${said}`, { status });
  if (status === 404) return new SessionError('backend', `Not found (HTTP 404 from ${target}): check baseUrl${said}`, { status });
  if (status >= 400) return new SessionError('backend', `Request refused (HTTP ${status} from ${target})${said}`, { status });
  // 1xx/3xx that fetch did not resolve itself (e.g. a redirect it was not allowed to follow).
  return new SessionError('invalid-response', `Unexpected HTTP ${status} from ${target}`, { status });
}

/** Retry-After as ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date always names its month (and usually its weekday); Date.parse alone would read "-5" as a year.
  if (!/[A-Za-z]{3}/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

function isJsonType(type: string): boolean {
  const essence = type.split(';')[0]!.trim().toLowerCase();
  return essence === 'application/json' || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(essence);
}

function tooLarge(status: number, maxBytes: number): SessionError {
  return new SessionError('invalid-response', `The server's answer (HTTP ${status}) is larger than ${maxBytes} bytes; reading stopped there`, { status });
}

async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing useful to do: the connection is released by the abort in attempt().
  }
}

/** Server text carried into messages: bounded, single-line, and with anything JWT-shaped masked. */
function sanitise(text: string): string {
  const oneLine = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, '[token]');
  return oneLine.length > MAX_MESSAGE ? `${oneLine.slice(0, MAX_MESSAGE)}…` : oneLine;
}

function cancelled(call: BackendCall): SessionError {
  return new SessionError('aborted', `The ${call} call was cancelled by its caller`);
}

/** A backoff wait the caller can cut short: it rejects as `aborted` as soon as the caller gives up. */
function untilAborted(wait: Promise<void>, signal: AbortSignal | undefined, call: BackendCall): Promise<void> {
  if (!signal) return wait;
  if (signal.aborted) return Promise.reject(cancelled(call));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(cancelled(call));
    signal.addEventListener('abort', onAbort, { once: true });
    wait.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function describeTarget(call: BackendCall): string {
  return `POST ${HTTP_PATHS[call]}`;
}

function errorOptions(error: SessionError): { code: number; cause: unknown; status?: number } {
  return error.status === undefined ? { code: error.code, cause: error } : { code: error.code, cause: error, status: error.status };
}

/** Runs a backend method so that every failure, including a programming error, is a SessionError. */
async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SessionError) throw error;
    throw new SessionError('backend', error instanceof Error ? error.message : 'Unknown failure in the HTTP backend', { cause: error });
  }
}

function normaliseBaseUrl(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new SessionError('invalid-argument', 'baseUrl must be a non-empty URL string');
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new SessionError('invalid-argument', `baseUrl is not a valid URL: ${JSON.stringify(value.slice(0, 100))}`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SessionError('invalid-argument', `baseUrl must be http or https, not ${url.protocol}`);
  }
  if (url.username || url.password) throw new SessionError('invalid-argument', 'baseUrl must not contain credentials');
  if (url.search || url.hash) throw new SessionError('invalid-argument', 'baseUrl must not have a query or fragment');
  return (url.origin + url.pathname).replace(/\/+$/, '');
}

/** Longest timeout accepted: 10 minutes (setTimeout fires at once past 2^31 ms, and no auth call should take longer). */
const MAX_TIMEOUT_MS = 600_000;

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
    throw new SessionError('invalid-argument', `${name} must be a positive number of milliseconds, at most ${MAX_TIMEOUT_MS}`);
  }
  return value;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new SessionError('invalid-argument', `${name} must be 0 or more`);
  }
  return value;
}

function nonNegativeInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 10) {
    throw new SessionError('invalid-argument', `${name} must be an integer from 0 to 10`);
  }
  return value;
}

function clamp01(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0.5;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}


function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
