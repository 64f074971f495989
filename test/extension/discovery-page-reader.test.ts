// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { readPage, removeFromPage, syneriseGlobals, type PageReading } from '../../src/extension/discovery/page-reader.js';
import { DISCOVERY_LIMITS } from '../../src/protocol/discovery.js';

/**
 * Chrome runs these functions in the page from their source text (executeScript({ func })), so each must work
 * rebuilt from its own source, with nothing from the module around it. The tests run those rebuilt copies.
 */
function rebuilt<F extends (...args: never[]) => unknown>(fn: F): F {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the point: the source alone must be enough
  return new Function(`return (${fn.toString()})`)() as F;
}
const read = rebuilt(readPage) as (reset: boolean, idb: boolean) => Promise<PageReading>;
const remove = rebuilt(removeFromPage);

const START = location.href;
afterEach(() => {
  history.replaceState(null, '', START);
  localStorage.clear();
  sessionStorage.clear();
  for (const c of document.cookie.split(';')) {
    const name = c.split('=')[0]?.trim();
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`;
  }
  delete (globalThis as { __sessionPanelSeen?: unknown }).__sessionPanelSeen;
});

describe('page reader (runs in the page from its source)', () => {
  it('reads everything first, then only what changed, and what was removed', async () => {
    localStorage.setItem('a', '1');
    localStorage.setItem('b', '2');
    sessionStorage.setItem('s', 'x');
    document.cookie = 'c=1; path=/';
    const first = await read(false, false);
    expect(first.full).toBe(true);
    expect(first.localStorage?.changed.sort()).toEqual([['a', '1'], ['b', '2']]);
    expect(first.sessionStorage?.changed).toEqual([['s', 'x']]);
    expect(first.cookies).toBe('c=1');
    const quiet = await read(false, false);
    expect([quiet.full, quiet.localStorage, quiet.sessionStorage, quiet.cookies], 'nothing changed: nothing sent').toEqual([false, null, null, null]);
    localStorage.setItem('b', '3');
    localStorage.removeItem('a');
    const delta = await read(false, false);
    expect(delta.localStorage).toEqual({ changed: [['b', '3']], removed: ['a'], size: 1 });
    expect((await read(true, false)).localStorage?.changed, 'reset reads all again').toEqual([['b', '3']]);
  });

  it('cuts huge values at 1 MB', async () => {
    localStorage.setItem('huge', 'x'.repeat(3 * 1024 * 1024));
    const reading = await read(false, false);
    expect(reading.localStorage?.changed[0]?.[1].length).toBe(1024 * 1024);
  });

  it('reports the page’s address without its query or fragment (where an OAuth callback carries its tokens), within the wire’s limit', async () => {
    const token = 'x'.repeat(9000);
    history.replaceState(null, '', `/callback?code=abc#access_token=${token}&token_type=bearer`);
    expect(location.href.length).toBeGreaterThan(DISCOVERY_LIMITS.url);
    expect((await read(false, false)).url).toBe(`${location.origin}/callback`);
    // A path longer than the limit is cut there (cookies match a path by its start, so nothing they need is lost).
    history.replaceState(null, '', `/${'p'.repeat(9000)}?q=1`);
    const cut = (await read(false, false)).url;
    expect(cut).toHaveLength(DISCOVERY_LIMITS.url);
    expect(cut).toBe(`${location.origin}/${'p'.repeat(9000)}`.slice(0, DISCOVERY_LIMITS.url));
  });

  it('removes a storage entry or a cookie, and says whether it is gone', () => {
    localStorage.setItem('k', 'v');
    expect(remove('localStorage', 'k')).toBe(true);
    expect(localStorage.getItem('k')).toBeNull();
    document.cookie = '__session=abc; path=/';
    expect(remove('cookie', '__session')).toBe(true);
    expect(document.cookie).not.toContain('__session');
    expect(remove('indexedDB', 'x'), 'not deletable from here').toBe(false);
  });

  it('reports the Synerise globals as booleans only, even when reading them throws', () => {
    const globals = rebuilt(syneriseGlobals);
    expect(globals()).toEqual([false, false]);
    Object.defineProperty(window, 'SR', { configurable: true, get: () => { throw new Error('hostile'); } });
    (window as unknown as { SyneriseTC: unknown }).SyneriseTC = { secret: 1 };
    expect(globals()).toEqual([true, true]);
    delete (window as unknown as { SR?: unknown }).SR;
    delete (window as unknown as { SyneriseTC?: unknown }).SyneriseTC;
  });
});
