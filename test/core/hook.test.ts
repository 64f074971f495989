import { describe, expect, it } from 'vitest';
import { createDevBackend } from '../../src/core/dev-backend.js';
import { findSessionHook, getSessionHook, HOOK_KEY, isSessionHook } from '../../src/core/hook.js';
import { createSession } from '../../src/core/index.js';
import { createSessionCore } from '../../src/core/session.js';
import type { Session } from '../../src/core/types.js';

describe('page hook', () => {
  it('registers sessions created with devtools on, and removes them on dispose', async () => {
    const scope = globalThis as Record<string, unknown>;
    const hook = getSessionHook();
    const seen: number[] = [];
    const stop = hook.subscribe((list) => seen.push(list.length));
    const base = hook.list().length;
    const session = createSession({ backend: createDevBackend(), storage: 'memory' });
    expect(scope[HOOK_KEY]).toBe(hook);
    expect(hook.get(session.id)).toBe(session);
    session.dispose();
    expect(hook.get(session.id)).toBeUndefined();
    expect(seen).toEqual([base + 1, base]);
    stop();
  });

  it('is shared with another copy of the library (structural, no instanceof)', () => {
    const scope = {};
    const first = getSessionHook(scope);
    expect(getSessionHook(scope)).toBe(first);
    expect(findSessionHook(scope)).toBe(first);
    // Another copy only relies on the shape and the version number.
    expect(isSessionHook({ ...first })).toBe(true);
    expect(isSessionHook({ version: 2, list() {}, get() {}, register() {}, subscribe() {} })).toBe(false);
  });

  it('does not register with devtools off, and finds nothing on an empty scope', () => {
    const before = getSessionHook().list().length;
    createSessionCore({ backend: createDevBackend(), storage: 'memory', devtools: false }).dispose();
    expect(getSessionHook().list().length).toBe(before);
    expect(findSessionHook({})).toBeUndefined();
  });

  it('a throwing listener does not stop the others', () => {
    const hook = getSessionHook({});
    const seen: number[] = [];
    hook.subscribe(() => {
      throw new Error('broken viewer');
    });
    hook.subscribe((list) => seen.push(list.length));
    const fake = { id: 'x' } as unknown as Session;
    hook.register(fake)();
    expect(seen).toEqual([1, 0]);
  });
});
