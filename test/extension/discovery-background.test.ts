// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { createDiscoveryService, type DiscoveryApis, type DiscoveryService } from '../../src/extension/discovery/background-discovery.js';
import { relayedDiscovery, type RelayedDiscovery } from '../../src/extension/discovery/relayed-discovery.js';
import { PanelDiscovery } from '../../src/extension/discovery/panel-discovery.js';
import { DISCOVERY_LIMITS, discoveryPortName, makeAnswer, makeAsk } from '../../src/protocol/discovery.js';
import { PORT_SOURCE, PROTOCOL_VERSION, asTabId } from '../../src/protocol/messages.js';
import { MemoryPort, MemoryRuntime, createPortPair } from '../../src/transport/memory-port.js';
import type { PortLike, PortSender } from '../../src/transport/port-like.js';

/**
 * Discovery through the background (Firefox's path, spec §11): the panel's relay ⇄ in-memory runtime ⇄ the
 * background's discovery service, whose page functions run for real against this happy-dom page as "the inspected
 * page" (the same page-reader.ts functions the browser runs with executeScript).
 */

const EXT_ID = 'session-panel@session-panel.extension';
const ORIGIN = 'moz-extension://5e55a0e1-0000-4000-8000-000000000013/';
const PANEL: PortSender = { id: EXT_ID, url: `${ORIGIN}src/extension/panel.html` };
const TAB = asTabId(7)!;
const b64 = (v: unknown): string => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const jwt = (claims: Record<string, unknown>): string => `${b64({ alg: 'ES256' })}.${b64(claims)}.c2ln`;
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
const until = async (what: string, ok: () => boolean): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

interface Fake {
  apis: DiscoveryApis;
  granted: boolean;
  cookieJar: { name: string; value: string; httpOnly: boolean }[];
  cookieListeners: Set<() => void>;
  permissionListeners: Set<(p: readonly string[]) => void>;
  tabListeners: Set<(tabId: number) => void>;
  opened: string[];
  runs: string[];
  tabUrl: string | undefined;
}

function fakeApis(): Fake {
  const f: Fake = {
    granted: false,
    cookieJar: [],
    cookieListeners: new Set(),
    permissionListeners: new Set(),
    tabListeners: new Set(),
    opened: [],
    runs: [],
    tabUrl: location.href,
    apis: {
      async run(tabId, frameId, world, func, args) {
        f.runs.push(`${tabId}/${frameId}/${world}/${func.name}`);
        // What executeScript does: the function on its own, with its arguments copied.
        return (func as (...a: unknown[]) => unknown)(...structuredClone([...args])) as never;
      },
      tabUrl: async () => f.tabUrl,
      frames: async () => [
        { frameId: 0, parentFrameId: -1, url: location.href },
        { frameId: 3, parentFrameId: 0, url: 'https://widget.example/frame' },
      ],
      cookiesGranted: async () => f.granted,
      cookiesGetAll: async () => {
        if (!f.granted) throw new Error('the cookies permission is not granted');
        return f.cookieJar;
      },
      cookiesRemove: async (_url, name) => {
        const before = f.cookieJar.length;
        f.cookieJar = f.cookieJar.filter((c) => c.name !== name);
        return f.cookieJar.length < before;
      },
      onCookieChanged: (l) => {
        f.cookieListeners.add(l);
        return () => f.cookieListeners.delete(l);
      },
      onPermissionsAdded: (l) => {
        f.permissionListeners.add(l);
        return () => f.permissionListeners.delete(l);
      },
      openTab: async (path) => {
        f.opened.push(path);
        return 99;
      },
      onTabRemoved: (l) => {
        f.tabListeners.add(l);
        return () => f.tabListeners.delete(l);
      },
    },
  };
  return f;
}

let service: DiscoveryService;
let fake: Fake;
let runtime: MemoryRuntime;
let relays: RelayedDiscovery[] = [];
let discoveries: PanelDiscovery[] = [];

function setup(options: { maxAnswerBytes?: number; grantWaitMs?: number } = {}): void {
  fake = fakeApis();
  runtime = new MemoryRuntime(() => {
    service = createDiscoveryService({
      extensionId: EXT_ID,
      extensionOrigin: ORIGIN,
      apis: fake.apis,
      grantPagePath: (tabId) => `src/extension/panel.html?tabId=${tabId}`,
      ...options,
    });
    return (port) => {
      if (!service.onConnect(port)) port.disconnect();
    };
  });
}

function relay(askCookiePermission: (() => Promise<boolean>) | null = null): RelayedDiscovery {
  const r = relayedDiscovery({
    tabId: TAB,
    connect: (name) => runtime.connect(name, PANEL),
    base: { network: null, visible: () => true, onVisible: () => () => {} },
    askCookiePermission,
    timeoutMs: 2000,
  });
  relays.push(r);
  return r;
}

/** A raw panel-side port to the service, for messages the relay would never send. */
async function rawPort(sender: PortSender = PANEL, name = discoveryPortName(TAB)): Promise<MemoryPort> {
  const port = runtime.connect(name, sender);
  await tick();
  return port;
}
const answers = (port: MemoryPort): unknown[] => {
  const got: unknown[] = [];
  port.onMessage.addListener((m) => got.push(m));
  return got;
};

const START = location.href;
afterEach(() => {
  history.replaceState(null, '', START);
  for (const d of discoveries) d.stop();
  discoveries = [];
  relays = [];
  localStorage.clear();
  document.cookie.split(';').forEach((c) => (document.cookie = `${c.split('=')[0]!.trim()}=; expires=Thu, 01 Jan 1970 00:00:00 GMT`));
  delete (globalThis as { __sessionPanelSeen?: unknown }).__sessionPanelSeen;
});

describe('discovery through the background', () => {
  it('the panel finds a storage JWT and a cookie JWT through the background, which runs page-reader.ts in the top frame and keeps nothing', async () => {
    setup();
    localStorage.setItem('auth.token', jwt({ sub: 'stored', exp: 4_000_000_000 }));
    document.cookie = `app_jwt=${jwt({ sub: 'cookie', exp: 4_000_000_000 })}`;
    fake.apis.frames = async () => [{ frameId: 0, parentFrameId: -1, url: location.href }];
    const discovery = new PanelDiscovery(relay());
    discoveries.push(discovery);
    discovery.start();
    await until('both tokens', () => discovery.store.size === 2);
    const places = [...discovery.store.tokens()].flatMap((e) => [...e.places.values()].map((p) => `${p.place.source} ${p.place.key}`)).sort();
    expect(places).toEqual(['cookie app_jwt', 'localStorage auth.token']);
    expect(fake.runs).toContain(`${TAB}/0/ISOLATED/readPage`);
    expect(fake.runs).toContain(`${TAB}/0/MAIN/syneriseGlobals`);
    expect(service.stats()).toEqual({ ports: 1, following: 0, grantsWaiting: 0 });
    discovery.stop();
    runtime.restart(); // the panel went away (and the background with it): nothing of it is left
    expect(service.stats()).toEqual({ ports: 0, following: 0, grantsWaiting: 0 });
  });

  it('delete from the panel removes the storage entry through the background', async () => {
    setup();
    localStorage.setItem('auth.token', jwt({ sub: 'stored', exp: 4_000_000_000 }));
    const r = relay();
    expect(await r.removeFromPage('localStorage', 'auth.token')).toBe(true);
    expect(localStorage.getItem('auth.token')).toBeNull();
    await expect(r.removeFromPage('indexedDB', 'x')).rejects.toThrow('indexedDB entries are not deleted from the panel');
  });

  it('child frames: listed by the background, read and deleted in by frame id (only that tab’s frames exist for it)', async () => {
    setup();
    localStorage.setItem('widget.token', 'w');
    const r = relay();
    expect(await r.frames!()).toEqual([
      { frameId: 0, parentFrameId: -1, url: location.href },
      { frameId: 3, parentFrameId: 0, url: 'https://widget.example/frame' },
    ]);
    const reading = await r.readFrame!(3, true, false);
    expect(reading.localStorage?.changed).toEqual([['widget.token', 'w']]);
    expect(reading.origin).toBe(self.origin);
    expect(await r.removeFromPage('localStorage', 'widget.token', 3)).toBe(true);
    expect(fake.runs).toEqual([`${TAB}/3/ISOLATED/readPage`, `${TAB}/3/ISOLATED/removeFromPage`]);
    const port = await rawPort();
    port.postMessage(makeAsk('neg', { op: 'readPage', reset: true, withIndexedDb: false, frameId: -1 }));
    await until('dropped', () => service.dropped.byReason.get('schema') === 1);
  });

  it('child frames: an address over 8 KB or over a thousand frames no longer refuses the whole list; the others are read', async () => {
    setup();
    const long = 'q'.repeat(9000);
    fake.apis.frames = async () => [
      { frameId: 0, parentFrameId: -1, url: location.href },
      { frameId: 2, parentFrameId: 0, url: `https://ads.example/${long}` },
      { frameId: 3, parentFrameId: 0, url: `https://widget.example/frame?session=${long}#id_token=${long}` },
      ...Array.from({ length: 1100 }, (_, i) => ({ frameId: 10 + i, parentFrameId: 0, url: 'about:blank' })),
    ];
    localStorage.setItem('widget.token', jwt({ sub: 'framed', exp: 4_000_000_000 }));
    const r = relay();
    const listed = await r.frames!();
    expect(listed.slice(0, 2)).toEqual([
      { frameId: 0, parentFrameId: -1, url: location.href },
      { frameId: 3, parentFrameId: 0, url: 'https://widget.example/frame' },
    ]);
    expect(listed).toHaveLength(DISCOVERY_LIMITS.frames);
    const discovery = new PanelDiscovery(r);
    discoveries.push(discovery);
    discovery.start();
    await until('frame 3 read', () => fake.runs.includes(`${TAB}/3/ISOLATED/readPage`));
    expect(fake.runs.filter((run) => run.endsWith('/ISOLATED/readPage')), 'the top, then the one frame of another origin').toEqual([`${TAB}/0/ISOLATED/readPage`, `${TAB}/3/ISOLATED/readPage`]);
  });

  it('a port that is not from one of our pages is refused; a port of another name is left to the router', async () => {
    setup();
    const foreign = await rawPort({ id: 'someone-else', url: `${ORIGIN}x.html` });
    await tick();
    expect(foreign.closed).toBe(true);
    const page = await rawPort({ id: EXT_ID, url: 'https://evil.test/' });
    await tick();
    expect(page.closed).toBe(true);
    expect(service.dropped.byReason.get('foreign-port')).toBe(2);
    const [, server] = createPortPair('session-panel:panel:7', PANEL);
    expect(service.onConnect(server)).toBe(false);
  });

  it('asks outside the schema are dropped and counted; one of ours with a valid id gets an error answer, and the port keeps working', async () => {
    setup();
    localStorage.setItem('k', 'v');
    const port = await rawPort();
    const got = answers(port);
    const silent: unknown[] = [
      null,
      'readPage',
      { source: PORT_SOURCE, v: 2, kind: 'ask', id: 'a2', request: { op: 'syneriseGlobals' } },
      { source: PORT_SOURCE, v: PROTOCOL_VERSION, kind: 'ask', id: 'bad id!', request: { op: 'syneriseGlobals' } },
      { source: PORT_SOURCE, v: PROTOCOL_VERSION, kind: 'answer', id: 'a6', ok: true, value: null },
    ];
    const malformed: unknown[] = [
      { source: PORT_SOURCE, v: PROTOCOL_VERSION, kind: 'ask', id: 'a1', request: { op: 'eval', code: 'alert(1)' } },
      makeAsk('a3', { op: 'readPage', reset: 'yes' as unknown as boolean, withIndexedDb: false }),
      makeAsk('a4', { op: 'removeFromPage', source: 'indexedDB' as 'cookie', key: 'x' }),
      makeAsk('a5', { op: 'removeFromPage', source: 'localStorage', key: 'k'.repeat(DISCOVERY_LIMITS.key + 1) }),
    ];
    for (const m of [...silent, ...malformed]) port.postMessage(m);
    await until('drops counted', () => (service.dropped.byReason.get('schema') ?? 0) === silent.length + malformed.length);
    await until('the error answers', () => got.length === malformed.length);
    expect(got).toEqual(['a1', 'a3', 'a4', 'a5'].map((id) => makeAnswer(id, { ok: false, error: 'the request was malformed' })));
    expect(localStorage.getItem('k'), 'nothing ran').toBe('v');
    port.postMessage(makeAsk('ok1', { op: 'syneriseGlobals' }));
    await until('the answer', () => got.length === malformed.length + 1);
    expect(got.at(-1)).toEqual(makeAnswer('ok1', { ok: true, value: [false, false] }));
    expect(fake.runs).toEqual([`${TAB}/0/MAIN/syneriseGlobals`]);
  });

  it('a cookie ask the background cannot take (an address over the wire’s limit) fails at once, not after the ask’s timeout', async () => {
    setup();
    fake.granted = true;
    const r = relay(); // its timeout: 2 s
    // Today's answer, not the relay's "did not answer" after its timeout.
    await expect(r.cookies!.getAll(`${location.origin}/cb#access_token=${'x'.repeat(9000)}`)).rejects.toThrow('the request was malformed');
    expect(service.dropped.byReason.get('schema')).toBe(1);
  });

  it('a page whose address is over 8 KB (an OAuth callback with tokens in its fragment) is read, and its fragment never leaves it', async () => {
    setup();
    fake.granted = true;
    fake.cookieJar = [{ name: 'sid', value: jwt({ sub: 'httponly', exp: 4_000_000_000 }), httpOnly: true }];
    fake.apis.frames = async () => [{ frameId: 0, parentFrameId: -1, url: location.href }];
    const fragmentToken = 'y'.repeat(9000);
    history.replaceState(null, '', `/callback?state=s#access_token=${fragmentToken}`);
    fake.tabUrl = location.href;
    localStorage.setItem('auth.token', jwt({ sub: 'stored', exp: 4_000_000_000 }));
    const asked: string[] = [];
    const cookiesGetAll = fake.apis.cookiesGetAll;
    fake.apis.cookiesGetAll = (url) => (asked.push(url), cookiesGetAll(url));
    const discovery = new PanelDiscovery(relay());
    discoveries.push(discovery);
    discovery.start();
    await until('both tokens', () => discovery.store.size === 2);
    expect(discovery.state().detail).toBe('');
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked), 'the cookies API is asked about the page without its query or fragment').toEqual(new Set([`${location.origin}/callback`]));
  });

  it('each answer goes to the port that asked, and only there', async () => {
    setup();
    const a = await rawPort();
    const b = await rawPort();
    const gotA = answers(a);
    const gotB = answers(b);
    a.postMessage(makeAsk('from-a', { op: 'cookiesGranted' }));
    b.postMessage(makeAsk('from-b', { op: 'syneriseGlobals' }));
    await until('both answers', () => gotA.length === 1 && gotB.length === 1);
    expect(gotA).toEqual([makeAnswer('from-a', { ok: true, value: false })]);
    expect(gotB).toEqual([makeAnswer('from-b', { ok: true, value: [false, false] })]);
  });

  it('cookie asks are only about the tab’s own site', async () => {
    setup();
    fake.granted = true;
    fake.cookieJar = [{ name: 'sid', value: 'v', httpOnly: true }];
    const r = relay();
    expect(await r.cookies!.getAll(location.href)).toEqual(fake.cookieJar);
    await expect(r.cookies!.getAll('https://bank.example/')).rejects.toThrow('the page changed meanwhile');
    await expect(r.cookies!.remove('https://bank.example/', 'sid')).rejects.toThrow('the page changed meanwhile');
    fake.tabUrl = undefined;
    await expect(r.cookies!.getAll(location.href)).rejects.toThrow('this tab’s address is not available to the extension');
    expect(fake.cookieJar).toHaveLength(1);
  });

  it('granted, but the cookies API fails once (just after the grant): it is asked again on the next reading, not only when a cookie changes', async () => {
    setup();
    fake.granted = true;
    fake.cookieJar = [{ name: 'sid', value: jwt({ sub: 'httponly', exp: 4_000_000_000 }), httpOnly: true }];
    fake.apis.frames = async () => [];
    let calls = 0;
    const cookiesGetAll = fake.apis.cookiesGetAll;
    fake.apis.cookiesGetAll = async (url) => {
      if (calls++ === 0) throw new Error('the cookies permission is not granted');
      return cookiesGetAll(url);
    };
    const discovery = new PanelDiscovery(relay());
    discoveries.push(discovery);
    discovery.start();
    await until('the HttpOnly cookie, on a later reading', () => discovery.store.size === 1);
    expect(calls).toBe(2);
    expect([...discovery.store.tokens()][0]!.places.values().next().value?.place).toMatchObject({ source: 'cookie', key: 'sid' });
  });

  it('an answer over the byte cap becomes a plain error, not a message that big', async () => {
    setup({ maxAnswerBytes: 50_000 });
    localStorage.setItem('big', 'x'.repeat(60_000));
    const r = relay();
    await expect(r.readPage(true, false)).rejects.toThrow(/holds more than the 0 MiB a reading may carry/);
    expect(service.dropped.byReason.get('too-large')).toBe(1);
  });

  it('the background stopped: asks in flight fail with a plain reason, the next ask opens a new port', async () => {
    setup();
    const r = relay();
    expect(await r.syneriseGlobals()).toEqual([false, false]);
    fake.apis.run = () => new Promise(() => {}); // hangs until the background dies
    const inFlight = r.readPage(true, false);
    await tick();
    runtime.restart();
    await expect(inFlight).rejects.toThrow('the extension’s background stopped; reading again');
    fake = fakeApis(); // the restarted background's APIs
    setup();
    expect(await relay().syneriseGlobals()).toEqual([false, false]);
    expect(r.connections()).toBe(1);
  });

  it('cookie changes are followed only while a panel follows, and the follow is renewed after a restart', async () => {
    setup();
    fake.granted = true;
    const r = relay();
    let changes = 0;
    const stop = r.cookies!.onChanged(() => changes++);
    await until('following', () => service.stats().following === 1 && fake.cookieListeners.size === 1);
    for (const l of fake.cookieListeners) l();
    await until('the change told', () => changes === 1);
    fake.cookieListeners.clear(); // the old background's listener dies with it
    runtime.restart(); // a fresh background, with no listener of its own
    await until('followed again on a fresh port', () => service.stats().following === 1);
    expect(changes, 'told to read again after the restart').toBe(2);
    stop();
    await until('no longer following', () => service.stats().following === 0);
    expect(fake.cookieListeners.size).toBe(0);
  });
});

describe('the optional cookies permission from a panel without a permissions API (Firefox’s toolbox)', () => {
  it('the background opens the panel page in a tab; the ask is answered when the permission is added there', async () => {
    setup();
    const r = relay(null);
    const asked = r.cookies!.request();
    await until('the grant tab', () => fake.opened.length === 1);
    expect(fake.opened).toEqual([`src/extension/panel.html?tabId=${TAB}`]);
    expect(service.stats().grantsWaiting).toBe(1);
    fake.granted = true;
    for (const l of fake.permissionListeners) l(['cookies']);
    expect(await asked).toBe(true);
    expect(service.stats().grantsWaiting).toBe(0);
    expect(fake.permissionListeners.size + fake.tabListeners.size, 'no listener left behind').toBe(0);
  });

  it('the grant tab closed without granting: the ask answers false', async () => {
    setup();
    const asked = relay(null).cookies!.request();
    await until('the grant tab', () => fake.opened.length === 1);
    for (const l of fake.tabListeners) l(12); // another tab: nothing
    await tick();
    expect(service.stats().grantsWaiting).toBe(1);
    for (const l of fake.tabListeners) l(99);
    expect(await asked).toBe(false);
  });

  it('the grant tab cannot open: the ask fails at once with the reason, and nothing is left waiting', async () => {
    setup();
    fake.apis.openTab = async () => {
      throw new Error('Tabs cannot be opened in this window');
    };
    await expect(relay(null).cookies!.request()).rejects.toThrow('could not open the permission page: Tabs cannot be opened in this window');
    expect(service.stats().grantsWaiting).toBe(0);
    expect(fake.permissionListeners.size + fake.tabListeners.size, 'no listener left behind').toBe(0);
    fake.apis.openTab = async () => undefined; // opened, but the browser gave no tab id: it could never be followed
    await expect(relay(null).cookies!.request()).rejects.toThrow('could not open the permission page');
    expect(service.stats().grantsWaiting).toBe(0);
  });

  it('a grant that ends while another grant tab opens leaves that one still listening', async () => {
    setup();
    const first = relay(null).cookies!.request();
    await until('the first grant tab', () => fake.opened.length === 1);
    let open: (tab: number) => void = () => {};
    fake.apis.openTab = (path) => (fake.opened.push(path), new Promise<number>((r) => (open = r)));
    const second = relay(null).cookies!.request();
    await until('the second tab opening', () => fake.opened.length === 2);
    for (const l of fake.tabListeners) l(99); // the first tab closed: its grant ends, and with it the listeners
    expect(await first).toBe(false);
    open(100);
    await until('the second grant waiting', () => service.stats().grantsWaiting === 1);
    fake.granted = true;
    for (const l of fake.permissionListeners) l(['cookies']);
    expect(await second).toBe(true);
    expect(fake.permissionListeners.size + fake.tabListeners.size, 'no listener left behind').toBe(0);
  });

  it('nobody decides: the ask answers false after the wait; already granted: true at once, no tab', async () => {
    setup({ grantWaitMs: 30 });
    expect(await relay(null).cookies!.request()).toBe(false);
    setup();
    fake.granted = true;
    expect(await relay(null).cookies!.request()).toBe(true);
    expect(fake.opened).toEqual([]);
  });

  it('a panel with a permissions API (the panel page in a tab) asks itself, within its click', async () => {
    setup();
    let asked = 0;
    const r = relay(async () => {
      asked++;
      return true;
    });
    expect(await r.cookies!.request()).toBe(true);
    expect(asked).toBe(1);
    expect(fake.opened).toEqual([]);
  });
});

describe('the relay checks what the background answers', () => {
  /** A relay over a hand-driven background end. */
  function handDriven(): { r: RelayedDiscovery; server: () => PortLike } {
    let server: PortLike | null = null;
    const r = relayedDiscovery({
      tabId: TAB,
      connect: (name) => {
        const [client, s] = createPortPair(name, PANEL);
        server = s;
        return client;
      },
      base: { network: null, visible: () => true, onVisible: () => () => {} },
      askCookiePermission: null,
      timeoutMs: 200,
    });
    return { r, server: () => server! };
  }
  const lastAskId = (port: PortLike): string => ((port as MemoryPort).peer!.sent.at(-1) as { id: string }).id;

  it('an answer that is not what the op returns is refused and counted', async () => {
    const { r, server } = handDriven();
    const reading = r.readPage(true, false);
    await tick();
    server().postMessage(makeAnswer(lastAskId(server()), { ok: true, value: { full: true, url: 'x', problems: '<img src=x onerror=alert(1)>' } }));
    await expect(reading).rejects.toThrow('the background’s answer to readPage was not what it should be');
    const globals = r.syneriseGlobals();
    await tick();
    server().postMessage(makeAnswer(lastAskId(server()), { ok: true, value: true }));
    await expect(globals).rejects.toThrow('syneriseGlobals');
    expect(r.dropped.byReason.get('answer-schema')).toBe(2);
  });

  it('messages outside the schema and answers to nobody are dropped; a silent background times out', async () => {
    const { r, server } = handDriven();
    const waiting = r.cookies!.granted();
    await tick();
    server().postMessage({ source: PORT_SOURCE, v: PROTOCOL_VERSION, kind: 'answer', id: 'x', ok: 'maybe' });
    server().postMessage(makeAnswer('nobody-asked', { ok: true, value: true }));
    server().postMessage('hello');
    await expect(waiting).rejects.toThrow('the extension’s background did not answer (cookiesGranted)');
    expect(r.dropped.byReason.get('schema')).toBe(2);
    expect(r.dropped.byReason.get('unknown-id')).toBe(1);
  });

  it('an error answer arrives as the error, in plain words', async () => {
    const { r, server } = handDriven();
    const reading = r.readPage(false, false);
    await tick();
    server().postMessage(makeAnswer(lastAskId(server()), { ok: false, error: 'Missing host permission for the tab' }));
    await expect(reading).rejects.toThrow('Missing host permission for the tab');
  });
});
