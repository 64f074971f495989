// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { PanelDiscovery, type DiscoveryBrowser } from '../../src/extension/discovery/panel-discovery.js';
import { readPage, removeFromPage } from '../../src/extension/discovery/page-reader.js';
import type { FinishedRequest } from '../../src/extension/discovery/network-observer.js';
import { MAX_BODIES_IN_FLIGHT } from '../../src/extension/discovery/network-observer.js';

const b64 = (v: unknown): string => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const jwt = (claims: Record<string, unknown>): string => `${b64({ alg: 'ES256' })}.${b64(claims)}.c2ln`;

/** The panel's discovery over this happy-dom page as "the inspected page" and a hand-driven network. */
function harness(options: { visible?: () => boolean; getContent?: (r: FinishedRequest) => Promise<unknown> } = {}) {
  const listeners = new Set<(r: FinishedRequest) => void>();
  let reads = 0;
  const browser: DiscoveryBrowser = {
    network: { onRequestFinished: { addListener: (l) => listeners.add(l), removeListener: (l) => listeners.delete(l) } },
    readPage: async (reset, idb) => {
      reads++;
      return readPage(reset, idb);
    },
    removeFromPage: async (source, key) => removeFromPage(source, key),
    syneriseGlobals: async () => [false, false],
    cookies: null,
    visible: options.visible ?? (() => true),
    onVisible: () => () => {},
  };
  const discovery = new PanelDiscovery(browser);
  const finish = (url: string, body: unknown, headers: Record<string, string> = {}): void => {
    const entry: FinishedRequest = {
      startedDateTime: new Date().toISOString(),
      time: 5,
      request: { method: 'POST', url, headers: Object.entries(headers).map(([name, value]) => ({ name, value })) },
      response: { status: 200, headers: [], content: { mimeType: 'application/json', size: 100 } },
      getContent: () => (options.getContent ? options.getContent(entry) : Promise.resolve([JSON.stringify(body), ''])),
    };
    for (const l of listeners) l(entry);
  };
  return { discovery, finish, reads: () => reads, listeners };
}

const until = async (what: string, ok: () => boolean): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

let running: PanelDiscovery[] = [];
afterEach(() => {
  for (const d of running) d.stop();
  running = [];
  localStorage.clear();
  delete (globalThis as { __sessionPanelSeen?: unknown }).__sessionPanelSeen;
});

describe('PanelDiscovery', () => {
  it('reads the page at once, then follows a change on the next poll (at most once a second)', async () => {
    const a = jwt({ sub: 'first', exp: 4_000_000_000 });
    localStorage.setItem('auth', JSON.stringify({ access_token: a }));
    const h = harness();
    running.push(h.discovery);
    h.discovery.start();
    await until('the first reading', () => h.discovery.store.size === 1);
    expect(h.discovery.state().reading).toBe(true);
    const started = Date.now();
    const b = jwt({ sub: 'first', exp: 4_000_000_001 });
    localStorage.setItem('auth', JSON.stringify({ access_token: b }));
    await until('the change', () => h.discovery.store.get(b) !== undefined);
    expect(Date.now() - started, 'picked up by the poll').toBeLessThan(3000);
    expect(h.reads(), 'one read a second at most').toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 1000) + 1);
    expect([...(h.discovery.store.get(a)?.places.values() ?? [])][0]?.goneAt, 'the old value left the entry').not.toBeNull();
  });

  it('does not read while the panel is hidden', async () => {
    const h = harness({ visible: () => false });
    running.push(h.discovery);
    h.discovery.start();
    await new Promise((r) => setTimeout(r, 1200));
    expect(h.reads()).toBe(0);
  });

  it('reads token responses from the network, at most a few bodies at once; one notification per burst', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const h = harness({ getContent: async () => (await gate, [JSON.stringify({ access_token: jwt({ sub: 'net', exp: 4_000_000_000 }) }), '']) });
    running.push(h.discovery);
    let notified = 0;
    h.discovery.subscribe(() => notified++);
    h.discovery.start();
    for (let i = 0; i < MAX_BODIES_IN_FLIGHT + 5; i++) h.finish('https://id.example/oauth/token', null);
    expect(h.discovery.store.requestsObserved, 'the 5 beyond the cap are read without their body').toBe(5);
    release();
    await until('bodies', () => h.discovery.store.requestsObserved === MAX_BODIES_IN_FLIGHT + 5);
    expect(h.discovery.store.size).toBe(1);
    expect(notified, 'coalesced').toBeLessThan(MAX_BODIES_IN_FLIGHT + 5);
    h.discovery.stop();
    expect(h.listeners.size, 'stop removes the network listener').toBe(0);
  });

  it('delete removes the entry from the page and reads again; a failure is an error with a reason', async () => {
    localStorage.setItem('auth', jwt({ sub: 'x', exp: 4_000_000_000 }));
    const h = harness();
    running.push(h.discovery);
    h.discovery.start();
    await until('found', () => h.discovery.store.size === 1);
    await h.discovery.remove({ source: 'localStorage', key: 'auth', path: '' });
    expect(localStorage.getItem('auth')).toBeNull();
    expect([...(h.discovery.store.tokens())][0]?.places.values().next().value?.goneAt).not.toBeNull();
    await expect(h.discovery.remove({ source: 'indexedDB', key: 'db/s/k', path: '' })).rejects.toThrow('indexedDB entries are not deleted from the panel');
  });
});
