/**
 * A tiny parser-combinator kit for wire messages. A parser takes `unknown` and returns either a fresh value that
 * contains only what the schema names (unknown keys are stripped, so nothing outside the schema travels on) or
 * `INVALID`. Parsers never throw on plain data; callers at a boundary still wrap them (a hostile getter could).
 * Every string and array has a size limit, so a message cannot smuggle megabytes through a boundary.
 */

export const INVALID: unique symbol = Symbol('invalid');
export type Invalid = typeof INVALID;
/**
 * Fitting mode, for the sender that owns the data (the page agent), never for a receiver: strings over their limit
 * are cut (ending in "…"), array items outside the schema are left out one by one (and arrays over their limit keep
 * their newest items), optional fields outside the schema are left out; each is counted. What comes out passes the
 * same parser in strict mode (the default), which receivers use: all or nothing.
 */
export interface Fit {
  drop(reason: string, count?: number): void;
}
export type Parser<T> = (value: unknown, fit?: Fit) => T | Invalid;
export type Parsed<P> = P extends Parser<infer T> ? T : never;

/** Default limit for page-provided strings (messages, names, URLs). */
export const MAX_STRING = 4096;

export const str =
  (max: number = MAX_STRING): Parser<string> =>
  (v, fit) => {
    if (typeof v !== 'string') return INVALID;
    if (v.length <= max) return v;
    if (!fit || max < 1) return INVALID;
    fit.drop('string-cut');
    return cut(v, max);
  };

/** `s` in at most `max` UTF-16 units, ending in "…" when cut (never between the halves of a surrogate pair). */
export function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max < 1) return '';
  let end = max - 1;
  const last = s.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

export const num: Parser<number> = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : INVALID);

export const int =
  (min: number = Number.MIN_SAFE_INTEGER, max: number = Number.MAX_SAFE_INTEGER): Parser<number> =>
  (v) =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max ? v : INVALID;

export const bool: Parser<boolean> = (v) => (typeof v === 'boolean' ? v : INVALID);

export const nul: Parser<null> = (v) => (v === null ? null : INVALID);

export function lit<const T extends readonly (string | number | boolean)[]>(...values: T): Parser<T[number]> {
  return (v) => ((values as readonly unknown[]).includes(v) ? (v as T[number]) : INVALID);
}

/** A string matching a pattern (ids, tags). */
export const pattern =
  (re: RegExp, max: number): Parser<string> =>
  (v) =>
    typeof v === 'string' && v.length <= max && re.test(v) ? v : INVALID;

export function nullable<T>(p: Parser<T>): Parser<T | null> {
  return (v, fit) => (v === null ? null : p(v, fit));
}

export function oneOf<A, B>(a: Parser<A>, b: Parser<B>): Parser<A | B> {
  return (v, fit) => {
    const x = a(v, fit);
    return x === INVALID ? b(v, fit) : x;
  };
}

/** At most `max` items, each passing `p`. Fitting: the newest `max` items, and bad items left out one by one. */
export function arr<T>(p: Parser<T>, max: number): Parser<T[]> {
  return (v, fit) => {
    if (!Array.isArray(v)) return INVALID;
    let items: readonly unknown[] = v;
    if (items.length > max) {
      if (!fit) return INVALID;
      fit.drop('array-cut', items.length - max);
      items = items.slice(items.length - max);
    }
    const out: T[] = [];
    for (const item of items) {
      const x = p(item, fit);
      if (x !== INVALID) out.push(x);
      else if (fit) fit.drop('array-item');
      else return INVALID;
    }
    return out;
  };
}

/** Tuple of fixed length. */
export function tuple<const P extends readonly Parser<unknown>[]>(...parts: P): Parser<{ [K in keyof P]: Parsed<P[K]> }> {
  return (v, fit) => {
    if (!Array.isArray(v) || v.length !== parts.length) return INVALID;
    const out: unknown[] = [];
    for (let i = 0; i < parts.length; i++) {
      const x = (parts[i] as Parser<unknown>)(v[i], fit);
      if (x === INVALID) return INVALID;
      out.push(x);
    }
    return out as { [K in keyof P]: Parsed<P[K]> };
  };
}

type Shape = Record<string, Parser<unknown>>;
type Req<S extends Shape> = { -readonly [K in keyof S]: Parsed<S[K]> };
type Opt<S extends Shape> = { -readonly [K in keyof S]?: Parsed<S[K]> };
type Flat<T> = { [K in keyof T]: T[K] };

function isRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * A plain object with required keys `req` and optional keys `opt` (absent or `undefined` both mean absent). Keys the
 * schema does not name are dropped from the result.
 */
export function obj<R extends Shape, O extends Shape = Record<never, never>>(
  req: R,
  opt?: O,
): Parser<Flat<Req<R> & Opt<O>>> {
  const reqKeys = Object.keys(req);
  const optKeys = opt ? Object.keys(opt) : [];
  return (v, fit) => {
    if (!isRecord(v)) return INVALID;
    const out: Record<string, unknown> = {};
    for (const k of reqKeys) {
      if (!own(v, k)) return INVALID;
      const x = (req[k] as Parser<unknown>)(v[k], fit);
      if (x === INVALID) return INVALID;
      out[k] = x;
    }
    for (const k of optKeys) {
      if (!own(v, k) || v[k] === undefined) continue;
      const x = (opt![k] as Parser<unknown>)(v[k], fit);
      if (x !== INVALID) out[k] = x;
      else if (fit) fit.drop('field');
      else return INVALID;
    }
    return out as Flat<Req<R> & Opt<O>>;
  };
}

/** A union discriminated by `key`: picks the parser by the discriminant's value. */
export function tagged<K extends string, M extends Record<string, Parser<unknown>>>(
  key: K,
  members: M,
): Parser<Parsed<M[keyof M]>> {
  return (v, fit) => {
    if (!isRecord(v) || !own(v, key)) return INVALID;
    const tag = v[key];
    if (typeof tag !== 'string' || !own(members, tag)) return INVALID;
    const parsed = (members[tag] as Parser<unknown>)(v, fit);
    if (parsed === INVALID) return INVALID;
    return { [key]: tag, ...(parsed as object) } as Parsed<M[keyof M]>;
  };
}

/** A partial record over a closed key set. */
export function partialRecord<K extends string, T>(keys: readonly K[], p: Parser<T>): Parser<Partial<Record<K, T>>> {
  return (v, fit) => {
    if (!isRecord(v)) return INVALID;
    const out: Partial<Record<K, T>> = {};
    for (const k of Object.keys(v)) {
      const known = (keys as readonly string[]).includes(k);
      if (known && v[k] === undefined) continue;
      const x = known ? p(v[k], fit) : INVALID;
      if (x !== INVALID) out[k as K] = x;
      else if (fit) fit.drop('field');
      else return INVALID;
    }
    return out;
  };
}

/** Runs a parser at a boundary: never throws, whatever the value (hostile getters, proxies, cycles). */
export function safeParse<T>(p: Parser<T>, v: unknown, fit?: Fit): T | Invalid {
  try {
    return p(v, fit);
  } catch {
    return INVALID;
  }
}
