/**
 * A tiny parser-combinator kit for wire messages. A parser takes `unknown` and returns either a fresh value that
 * contains only what the schema names (unknown keys are stripped, so nothing outside the schema travels on) or
 * `INVALID`. Parsers never throw on plain data; callers at a boundary still wrap them (a hostile getter could).
 * Every string and array has a size limit, so a message cannot smuggle megabytes through a boundary.
 */

export const INVALID: unique symbol = Symbol('invalid');
export type Invalid = typeof INVALID;
export type Parser<T> = (value: unknown) => T | Invalid;
export type Parsed<P> = P extends Parser<infer T> ? T : never;

/** Default limit for page-provided strings (messages, names, URLs). */
export const MAX_STRING = 4096;

export const str =
  (max: number = MAX_STRING): Parser<string> =>
  (v) =>
    typeof v === 'string' && v.length <= max ? v : INVALID;

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
  return (v) => (v === null ? null : p(v));
}

export function oneOf<A, B>(a: Parser<A>, b: Parser<B>): Parser<A | B> {
  return (v) => {
    const x = a(v);
    return x === INVALID ? b(v) : x;
  };
}

export function arr<T>(p: Parser<T>, max: number): Parser<T[]> {
  return (v) => {
    if (!Array.isArray(v) || v.length > max) return INVALID;
    const out: T[] = [];
    for (const item of v) {
      const x = p(item);
      if (x === INVALID) return INVALID;
      out.push(x);
    }
    return out;
  };
}

/** Tuple of fixed length. */
export function tuple<const P extends readonly Parser<unknown>[]>(...parts: P): Parser<{ [K in keyof P]: Parsed<P[K]> }> {
  return (v) => {
    if (!Array.isArray(v) || v.length !== parts.length) return INVALID;
    const out: unknown[] = [];
    for (let i = 0; i < parts.length; i++) {
      const x = (parts[i] as Parser<unknown>)(v[i]);
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
  return (v) => {
    if (!isRecord(v)) return INVALID;
    const out: Record<string, unknown> = {};
    for (const k of reqKeys) {
      if (!own(v, k)) return INVALID;
      const x = (req[k] as Parser<unknown>)(v[k]);
      if (x === INVALID) return INVALID;
      out[k] = x;
    }
    for (const k of optKeys) {
      if (!own(v, k) || v[k] === undefined) continue;
      const x = (opt![k] as Parser<unknown>)(v[k]);
      if (x === INVALID) return INVALID;
      out[k] = x;
    }
    return out as Flat<Req<R> & Opt<O>>;
  };
}

/** A union discriminated by `key`: picks the parser by the discriminant's value. */
export function tagged<K extends string, M extends Record<string, Parser<unknown>>>(
  key: K,
  members: M,
): Parser<Parsed<M[keyof M]>> {
  return (v) => {
    if (!isRecord(v) || !own(v, key)) return INVALID;
    const tag = v[key];
    if (typeof tag !== 'string' || !own(members, tag)) return INVALID;
    const parsed = (members[tag] as Parser<unknown>)(v);
    if (parsed === INVALID) return INVALID;
    return { [key]: tag, ...(parsed as object) } as Parsed<M[keyof M]>;
  };
}

/** A partial record over a closed key set. */
export function partialRecord<K extends string, T>(keys: readonly K[], p: Parser<T>): Parser<Partial<Record<K, T>>> {
  return (v) => {
    if (!isRecord(v)) return INVALID;
    const out: Partial<Record<K, T>> = {};
    for (const k of Object.keys(v)) {
      if (!(keys as readonly string[]).includes(k)) return INVALID;
      if (v[k] === undefined) continue;
      const x = p(v[k]);
      if (x === INVALID) return INVALID;
      out[k as K] = x;
    }
    return out;
  };
}

/** Runs a parser at a boundary: never throws, whatever the value (hostile getters, proxies, cycles). */
export function safeParse<T>(p: Parser<T>, v: unknown): T | Invalid {
  try {
    return p(v);
  } catch {
    return INVALID;
  }
}
