import { describe, expect, it } from 'vitest';
import { DiscoveryStore, MAX_FRAMES, frameName, framesToRead, inFrame, observeStorageEntry, tokenWarnings } from '../../src/discovery/index.js';
import { T0, jwt } from './support.js';

describe('child frames: which are read, and how what they hold is labelled', () => {
  it('reads http(s) frames of other origins than the top, one per origin, in order, at most MAX_FRAMES', () => {
    const frames = [
      { frameId: 0, parentFrameId: -1, url: 'https://app.example/home' },
      { frameId: 3, parentFrameId: 0, url: 'https://app.example/widget' }, // same origin as the top: its storage is the top's
      { frameId: 4, parentFrameId: 0, url: 'https://auth.example/silent?code=1' },
      { frameId: 5, parentFrameId: 0, url: 'https://auth.example/other' }, // same origin as 4: same storage
      { frameId: 6, parentFrameId: 0, url: 'about:blank' },
      { frameId: 7, parentFrameId: 0, url: 'data:text/html,<p>x' },
      { frameId: 8, parentFrameId: 4, url: 'http://ads.example:8080/x' },
      { frameId: 9, parentFrameId: 0, url: 'not a url' },
    ];
    expect(framesToRead(frames, 'https://app.example/home').map((f) => f.frameId)).toEqual([4, 8]);
    const many = Array.from({ length: 40 }, (_, i) => ({ frameId: i + 1, parentFrameId: 0, url: `https://f${i}.example/` }));
    expect(framesToRead(many, 'https://app.example/')).toHaveLength(MAX_FRAMES);
    expect(framesToRead([], 'https://app.example/')).toEqual([]);
  });

  it('names a frame by its origin; an opaque origin as such; anything else as unknown', () => {
    expect(frameName('https://auth.example')).toBe('frame https://auth.example');
    expect(frameName('null')).toBe('a sandboxed frame (opaque origin)');
    expect(frameName('https://auth.example/path')).toBe('a frame of unknown origin');
    expect(frameName('<b>x</b>')).toBe('a frame of unknown origin');
  });

  it('the same key in the top page and in a frame are two places; a scan of one leaves the other alone', () => {
    const store = new DiscoveryStore();
    const top = jwt({ sub: 'top', exp: 4e9 });
    const framed = jwt({ sub: 'framed', exp: 4e9 });
    store.observe(observeStorageEntry('localStorage', 'auth', top, T0));
    store.observe(inFrame(observeStorageEntry('localStorage', 'auth', framed, T0), 'https://auth.example'));
    expect([...store.get(framed)!.places.values()].map((r) => r.place)).toEqual([{ source: 'localStorage', key: 'auth', path: '', frame: 'https://auth.example' }]);
    expect(store.frames()).toEqual(new Set(['https://auth.example']));
    // A full scan of the top page's localStorage that no longer lists "auth" empties the top's entry only.
    store.scan('localStorage', [], T0 + 1000);
    expect([...store.get(top)!.places.values()][0]!.goneAt).toBe(T0 + 1000);
    expect([...store.get(framed)!.places.values()][0]!.goneAt).toBeNull();
    // The frame went away: scanned empty under its origin.
    store.scan('localStorage', [], T0 + 2000, 'https://auth.example');
    expect([...store.get(framed)!.places.values()][0]!.goneAt).toBe(T0 + 2000);
    expect(store.frames()).toEqual(new Set());
  });

  it('a token readable by the frame\'s scripts says which frame', () => {
    const store = new DiscoveryStore();
    const t = jwt({ sub: 'framed', exp: 4e9 });
    store.observe(inFrame(observeStorageEntry('sessionStorage', 'k', t, T0), 'https://auth.example'));
    expect(tokenWarnings(store.get(t)!, String).map((w) => w.text)).toEqual([expect.stringMatching(/^Any script in frame https:\/\/auth\.example can read it \(sessionStorage "k"\)/)]);
  });
});
