// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PanelDiscovery, type DiscoveryBrowser } from '../../src/extension/discovery/panel-discovery.js';
import { readPage, type PageReading } from '../../src/extension/discovery/page-reader.js';
import type { FrameRef } from '../../src/discovery/index.js';

/**
 * The panel's discovery with child frames: the top page is this happy-dom page read by the real reader; each child
 * frame answers with the reading its own reader would return (a storage delta), as executeScript hands it back.
 */
const b64 = (v: unknown): string => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const jwt = (claims: Record<string, unknown>): string => `${b64({ alg: 'ES256' })}.${b64(claims)}.c2ln`;

interface FakeFrame {
  ref: FrameRef;
  origin: string;
  storage: Map<string, string>;
  fail?: boolean;
  /** The reader's problems, as a frame the browser denies storage to reports them. */
  problems?: string[];
  reads: boolean[];
}

function frameReading(f: FakeFrame, reset: boolean): PageReading {
  f.reads.push(reset);
  return {
    full: true,
    at: Date.now(),
    url: f.ref.url,
    origin: f.origin,
    cookies: '',
    localStorage: { changed: [...f.storage], removed: [], size: f.storage.size },
    sessionStorage: null,
    indexedDB: null,
    problems: f.problems ?? [],
  };
}

function harness(frames: FakeFrame[]) {
  const removed: [string, string, number | undefined][] = [];
  const browser: DiscoveryBrowser = {
    network: null,
    readPage: async (reset, idb) => readPage(reset, idb),
    removeFromPage: async (source, key, frameId) => {
      removed.push([source, key, frameId]);
      const f = frames.find((x) => x.ref.frameId === frameId);
      if (f) f.storage.delete(key);
      return true;
    },
    syneriseGlobals: async () => [false, false],
    cookies: null,
    visible: () => true,
    onVisible: () => () => {},
    frames: async () => [{ frameId: 0, parentFrameId: -1, url: location.href }, ...frames.map((f) => f.ref)],
    readFrame: async (frameId, reset) => {
      const f = frames.find((x) => x.ref.frameId === frameId);
      if (!f || f.fail) throw new Error(`No frame with id ${frameId}`);
      return frameReading(f, reset);
    },
  };
  const calls = { frames: 0 };
  const listFrames = browser.frames!;
  browser.frames = () => (calls.frames++, listFrames());
  return { discovery: new PanelDiscovery(browser), removed, calls };
}

/** The poll's timers are fake: time is moved on by hand, in steps, until `ok` (at most a minute of panel time). */
const wait = (ms: number): Promise<void> => vi.advanceTimersByTimeAsync(ms).then(() => undefined);
const until = async (what: string, ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 1200 && !ok(); i++) await wait(50);
  if (!ok()) throw new Error(`timed out: ${what}`);
};

let running: PanelDiscovery[] = [];
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
  for (const d of running) d.stop();
  running = [];
  localStorage.clear();
  delete (globalThis as { __sessionPanelSeen?: unknown }).__sessionPanelSeen;
});

const framed = jwt({ sub: 'in-frame', exp: 4_000_000_000 });
const frame = (frameId: number, url: string, origin = new URL(url).origin, storage: Record<string, string> = { auth: JSON.stringify({ access_token: framed }) }): FakeFrame => ({
  ref: { frameId, parentFrameId: 0, url },
  origin,
  storage: new Map(Object.entries(storage)),
  reads: [],
});

describe('PanelDiscovery reads child frames', () => {
  it('finds a token in a cross-origin frame, labelled with the origin the frame reported; deletes it in that frame', async () => {
    const child = frame(7, 'https://auth.example/silent');
    const h = harness([child]);
    running.push(h.discovery);
    h.discovery.start();
    await until('the frame token', () => h.discovery.store.get(framed) !== undefined);
    const [record] = [...h.discovery.store.get(framed)!.places.values()];
    expect(record!.place).toEqual({ source: 'localStorage', key: 'auth', path: 'access_token', frame: 'https://auth.example' });
    expect(child.reads[0], 'the first reading of a frame starts from nothing').toBe(true);
    await h.discovery.remove(record!.place);
    expect(h.removed).toEqual([['localStorage', 'auth', 7]]);
    await until('gone', () => record!.goneAt !== null);
  });

  it('a frame that cannot be read this time keeps what it held; one that left the page takes it with it', async () => {
    const frames = [frame(7, 'https://auth.example/silent')];
    const h = harness(frames);
    running.push(h.discovery);
    h.discovery.start();
    await until('the frame token', () => h.discovery.store.get(framed) !== undefined);
    const record = [...h.discovery.store.get(framed)!.places.values()][0]!;
    frames[0]!.fail = true;
    const reads = frames[0]!.reads.length;
    await wait(2300);
    expect(record.goneAt, 'not read is not gone').toBeNull();
    frames[0]!.fail = false;
    await until('read again', () => frames[0]!.reads.length > reads);
    expect(frames[0]!.reads.at(-1), 'read afresh after a miss').toBe(true);
    frames.length = 0; // the iframe was removed
    await until('gone with its frame', () => record.goneAt !== null);
    await expect(h.discovery.remove(record.place)).rejects.toThrow('frame https://auth.example is not on the page any more');
  });

  it('an opaque-origin (sandboxed) frame is labelled as such, and its unreadable storage is not reported as a problem', async () => {
    const sandboxed = { ...frame(9, 'https://widgets.example/box', 'null'), problems: ["localStorage: Failed to read the 'localStorage' property from 'Window': The document is sandboxed"] };
    const h = harness([sandboxed]);
    running.push(h.discovery);
    h.discovery.start();
    await until('the sandboxed frame token', () => h.discovery.store.get(framed) !== undefined);
    expect([...h.discovery.store.get(framed)!.places.values()][0]!.place.frame).toBe('null');
    expect(h.discovery.state().detail).toBe('');
  });

  it('a cross-site frame the browser denies storage to is named in one short note', async () => {
    const denied = "Failed to read the 'localStorage' property from 'Window': Access is denied for this document.";
    const ads = { ...frame(4, 'https://ads.example/slot', 'https://ads.example', {}), problems: [`localStorage: ${denied}`, `sessionStorage: ${denied}`] };
    const h = harness([ads]);
    running.push(h.discovery);
    h.discovery.start();
    await until('the note', () => h.discovery.state().detail !== '');
    expect(h.discovery.state().detail).toBe('Could not read: frame https://ads.example: localStorage, sessionStorage not readable');
  });

  it('frames of the top page\'s origin are not read again (same storage); two frames of one origin are read once', async () => {
    const same = frame(3, `${location.origin}/widget`);
    const a = frame(4, 'https://auth.example/a');
    const b = frame(5, 'https://auth.example/b');
    const h = harness([same, a, b]);
    running.push(h.discovery);
    h.discovery.start();
    await until('read', () => a.reads.length > 0);
    expect(same.reads).toEqual([]);
    expect(b.reads).toEqual([]);
  });

  it('frames are listed and read only while the panel runs: nothing before start(), nothing after stop()', async () => {
    const child = frame(7, 'https://auth.example/silent');
    const h = harness([child]);
    await wait(1200);
    expect([h.calls.frames, child.reads.length], 'not started: nothing listed or read').toEqual([0, 0]);
    h.discovery.start();
    await until('read', () => child.reads.length > 0);
    h.discovery.stop();
    const after = [h.calls.frames, child.reads.length];
    await wait(1300);
    expect([h.calls.frames, child.reads.length], 'stopped').toEqual(after);
  });
});
