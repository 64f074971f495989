import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpBackend, createSession, type Session, type Token } from '../../src/core/index.js';
import { startAuthServer, type AuthServer } from '../../server/index.js';
import { MapStorage } from './support/map-storage.js';

// Sessions on one storage with crossTab on stand for tabs of one app (Node has no Web Locks, so this is the lease
// path; test/e2e/cross-tab.e2e.ts runs the Web Locks path in Chromium). Against the reference auth server over real
// HTTP, with its latency and rotation switches: the counts are what the design guarantees, exactly.

let server: AuthServer;
const open: Session[] = [];

beforeAll(async () => {
  server = await startAuthServer({ tokenTtlSeconds: 3600 });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.setFaults({ reset: true });
  server.setRotation(false);
  server.resetStats();
});
afterEach(() => {
  for (const s of open.splice(0)) s.dispose();
});

const delivered = (ms = 40): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function tabs(n: number, options: { requestTimeoutMs?: number; storage?: MapStorage } = {}) {
  const storage = options.storage ?? new MapStorage();
  const namespace = `flight-${randomUUID().slice(0, 8)}`;
  const make = (): Session => {
    const backend = createHttpBackend({ baseUrl: server.url, apiKey: 'k', retries: 0 });
    const session = createSession({ backend, storage, namespace, crossTab: true, devtools: false, autoRefresh: false, requestTimeoutMs: options.requestTimeoutMs ?? 5000 });
    open.push(session);
    return session;
  };
  const list = Array.from({ length: n }, make);
  await Promise.all(list.map((s) => s.ready));
  await delivered();
  return { list, storage, namespace, stored: () => JSON.parse(storage.getItem(`${namespace}:state`)!) as { uuid: string; rev: number; token: { tokenString: string } | null } };
}

function outcome(promise: Promise<Token>): Promise<string> {
  return promise.then((t) => `ok:${t.tokenString}`, (e: { kind: string; code: number }) => `${e.kind}:${e.code}`);
}

describe('one flight across tabs', () => {
  it('N tabs starting together on an empty storage end on one UUID after one anonymous login', async () => {
    const { list, stored } = await tabs(6);
    expect(new Set(list.map((s) => s.getUUID())).size).toBe(1);
    expect(stored().uuid).toBe(list[0]!.getUUID());
    expect(server.stats().routes.anonymous).toBe(1);
    expect(new Set(list.map((s) => s.snapshot().token?.tokenString)).size).toBe(1);
  });

  it('10 tabs calling refreshToken() at once: 1 request, all 10 get the new token, no superseded (with rotation on)', async () => {
    const { list, stored } = await tabs(10);
    server.setRotation(true);
    server.setFaults({ latencyMs: 150, routes: ['refresh'] });
    server.resetStats();
    const before = list[0]!.snapshot().token!.tokenString;
    const results = await Promise.all(list.map((s) => outcome(s.refreshToken())));
    expect(server.stats().routes.refresh).toBe(1);
    expect(new Set(results).size, results.join('\n')).toBe(1);
    expect(results[0]).toMatch(/^ok:/);
    expect(results[0]).not.toBe(`ok:${before}`);
    expect(`ok:${stored().token!.tokenString}`).toBe(results[0]);
    await delivered();
    for (const s of list) expect(s.snapshot().token?.tokenString).toBe(stored().token!.tokenString);
  });

  it('a destroy in one of 10 tabs costs 1 anonymous login, however many tabs ask for a token meanwhile', async () => {
    const { list, stored } = await tabs(10);
    server.setFaults({ latencyMs: 300, routes: ['anonymous'] });
    server.resetStats();
    const destroying = list[0]!.destroySession();
    await delivered(20);
    const asking = list.map((s) => outcome(s.retrieveToken()));
    await destroying;
    const results = await Promise.all(asking);
    expect(server.stats().routes.anonymous).toBe(1);
    expect(results.every((r) => r === `ok:${stored().token!.tokenString}`), results.join('\n')).toBe(true);
    expect(new Set(list.map((s) => s.getUUID()))).toEqual(new Set([stored().uuid]));
  });

  it('retrieveToken() waiting for an anonymous token resolves with the new identity when another tab destroys meanwhile', async () => {
    const { list, stored } = await tabs(2);
    server.setFaults({ latencyMs: 200, routes: ['anonymous'] });
    const first = list[0]!.destroySession();
    await delivered(20);
    // Tab B now has no token and waits for the anonymous login under way; tab A destroys again meanwhile.
    const waiting = outcome(list[1]!.retrieveToken());
    await delivered(50);
    await Promise.all([first, list[0]!.destroySession()]);
    const result = await waiting;
    await delivered();
    expect(result).toBe(`ok:${stored().token!.tokenString}`);
    expect(list[1]!.getUUID()).toBe(stored().uuid);
  });

  it('a lease whose holder died blocks a refresh for at most the wait, then the tab steps over it', async () => {
    const { list, namespace, storage } = await tabs(1, { requestTimeoutMs: 600 });
    // A tab that took the lease and was then killed: the lease says it holds it for a long time yet.
    storage.setItem(`session-panel:${namespace}:flight:lease`, JSON.stringify({ holder: 'dead-tab', until: Date.now() + 3_600_000 }));
    const result = await outcome(list[0]!.refreshToken());
    expect(result).toMatch(/^ok:/);
    expect(server.stats().routes.refresh).toBe(1);
  });

  it('under rotation, a tab that refreshed behind the lock never sends a rotated token, and nobody is signed out', async () => {
    const { list, stored } = await tabs(4);
    server.setRotation(true);
    await list[0]!.signIn('ann', 'pw');
    await delivered();
    server.resetStats();
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(list.map((s) => outcome(s.refreshToken())));
      expect(results.every((r) => r.startsWith('ok:')), results.join('\n')).toBe(true);
    }
    expect(server.stats().routes.refresh, 'one request per round').toBe(3);
    await delivered();
    expect(list.every((s) => s.isSignedIn())).toBe(true);
    for (const s of list) expect(s.snapshot().token?.tokenString).toBe(stored().token!.tokenString);
  });

  it('the snapshot says how many tabs share the session and which did the last refresh; the others log it', async () => {
    const { list } = await tabs(3);
    expect(list.map((s) => s.snapshot().crossTab?.tabs)).toEqual([3, 3, 3]);
    await list[1]!.refreshToken();
    await delivered();
    expect(list.map((s) => s.snapshot().crossTab?.lastTokenBy)).toEqual([list[1]!.id, list[1]!.id, list[1]!.id]);
    expect(list[0]!.log().some((e) => e.message.includes(`token refreshed in another tab (${list[1]!.id})`))).toBe(true);
    list[2]!.dispose();
    await delivered();
    expect(list[0]!.snapshot().crossTab?.tabs).toBe(2);
  });
});
