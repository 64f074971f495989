import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthServer, type AuthServer } from '../../server/index.js';
import { createDevBackend } from '../../src/core/dev-backend.js';
import { findSessionHook, getSessionHook } from '../../src/core/hook.js';
import * as full from '../../src/core/index.js';
import * as production from '../../src/core/production.js';
import type { SessionError } from '../../src/core/errors.js';
import { createSessionCore } from '../../src/core/session.js';

// session-panel/core/production (src/core/production.ts): the core an app ships, without the dev backend and with the
// devtools parts (page hook, log wording, session.debug, the HTTP backend's fault switches) loaded lazily, only for
// sessions with devtools on (issue #12, item 3).

let server: AuthServer;
beforeAll(async () => {
  server = await startAuthServer({ tokenTtlSeconds: 600 });
});
afterAll(async () => {
  await server.close();
});
const httpBackend = () => production.createHttpBackend({ baseUrl: server.url, apiKey: 'key' });

const caught = (run: () => unknown): SessionError => {
  try {
    run();
  } catch (error) {
    return error as SessionError;
  }
  throw new Error('did not throw');
};

describe('the production entry', () => {
  it('has no dev backend: a session without a backend is a typed error naming the way out', () => {
    const error = caught(() => production.createSession({} as never));
    expect(error).toBeInstanceOf(full.SessionError);
    expect(error.kind).toBe('invalid-argument');
    expect(error.code).toBe(full.ERROR_CODES['invalid-argument']);
    expect(error.message).toContain('createHttpBackend');
    expect(caught(() => production.createSession(null as never)).kind).toBe('invalid-argument');
    expect(caught(() => production.createSession({ backend: null } as never)).kind).toBe('invalid-argument');
    expect('createDevBackend' in production).toBe(false);
    expect('getSessionHook' in production).toBe(false);
  });

  it('exports what the full entry does, minus the dev backend and the page hook, with the same SessionError', () => {
    const devOnly = ['createDevBackend', 'getSessionHook', 'findSessionHook', 'HOOK_KEY'];
    expect(Object.keys(production).sort()).toEqual(Object.keys(full).filter((name) => !devOnly.includes(name)).sort());
    expect(production.SessionError).toBe(full.SessionError);
  });

  it('with devtools on (the default) puts the session on the page hook by ready, and takes it off on dispose', async () => {
    const hook = getSessionHook();
    const session = production.createSession({ backend: createDevBackend(), storage: 'memory' });
    await session.ready;
    expect(hook.get(session.id)).toBe(session);
    session.dispose();
    expect(hook.get(session.id)).toBeUndefined();
  });

  it('a session disposed before the lazy hook arrived never shows up on it', async () => {
    const hook = getSessionHook();
    const session = production.createSession({ backend: createDevBackend(), storage: 'memory' });
    session.dispose();
    await session.ready;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(hook.get(session.id)).toBeUndefined();
  });

  it('with devtools on words the log as the full entry does, events from before the lazy part arrived included', async () => {
    const session = production.createSession({ backend: createDevBackend(), storage: 'memory' });
    const early = session.retrieveToken(); // emits before the devtools chunk has loaded
    await session.ready;
    await early;
    const reference = full.createSession({ backend: createDevBackend(), storage: 'memory', devtools: false });
    const sameEarly = reference.retrieveToken();
    await reference.ready;
    await sameEarly;
    const words = (s: typeof session): string[] => s.log().map((e) => e.message.replace(/[0-9a-f-]{36}|\d{4}-\d\d-\d\dT[\d:.]+Z|[\d.]+ ms/g, '…'));
    expect(words(session)).toContain('retrieveToken started');
    expect(words(session)).toEqual(words(reference));
    session.dispose();
    reference.dispose();
  });

  it('says so when the lazy devtools part cannot be loaded (offline, a deploy removed the chunk), and works on', async () => {
    const failed = new TypeError('Failed to fetch dynamically imported module: https://app.example/assets/devtools-1a2b.js');
    const session = createSessionCore({ backend: createDevBackend(), storage: 'memory', register: () => Promise.reject(failed) });
    const said: string[] = [];
    session.subscribe((e) => e.type === 'state' && said.push(e.what));
    await session.ready;
    expect(said).toContain(`devtools could not be loaded: ${failed.message}; this session is not on the page hook`);
    expect(session.snapshot().tokenStatus).toBe('valid');
    expect((await session.retrieveToken()).rlm).toBe('anonymous_client');
    session.dispose();
  });

  it('with devtools off stays off the page hook, keeps no log, and works as the full entry does', async () => {
    const before = findSessionHook()?.list().length ?? 0;
    const session = production.createSession({ backend: createDevBackend(), storage: 'memory', devtools: false });
    const events: string[] = [];
    session.subscribe((e) => events.push(e.type));
    await session.ready;
    expect(findSessionHook()?.list().length ?? 0).toBe(before);
    const token = await session.retrieveToken();
    expect(token.rlm).toBe('anonymous_client');
    const uuid = session.getUUID();
    expect(await session.regenerateUUIDWithClientIdentifier('abc')).toBe(true);
    expect(session.getUUID()).not.toBe(uuid);
    expect(events).toEqual(expect.arrayContaining(['ready', 'operation-start', 'uuid-changed', 'token-changed', 'operation-end']));
    expect(session.log()).toEqual([]);
    session.dispose();
  });

  it('with devtools off: session.debug says it needs devtools, and the HTTP backend has no fault switches', async () => {
    const backend = httpBackend();
    const session = production.createSession({ backend, storage: 'memory', devtools: false });
    await session.ready;
    expect(session.snapshot().tokenStatus, 'the session works').toBe('valid');
    expect(session.debug.faults).toBeNull();
    for (const control of [() => session.debug.shiftClock(1000), () => session.debug.expireToken(), () => session.debug.storageEntries()]) {
      const error = caught(control);
      expect(error).toBeInstanceOf(full.SessionError);
      expect(error.kind).toBe('invalid-argument');
      expect(error.message).toContain('needs devtools on');
    }
    expect(session.snapshot().clockOffsetMs, 'nothing moved').toBe(0);
    expect(backend.faults).toBeUndefined();
    expect(session.snapshot().backend.faults).toBeUndefined();
    session.dispose();
  });

  it('with devtools on: by ready, session.debug works and the HTTP backend has its fault switches, as from the full entry', async () => {
    const backend = httpBackend();
    const session = production.createSession({ backend, storage: 'memory' });
    expect(backend.faults, 'not before the devtools chunk arrived').toBeUndefined();
    await session.ready;
    session.debug.shiftClock(60_000);
    expect(session.snapshot().clockOffsetMs).toBe(60_000);
    expect(session.log().map((e) => e.message)).toContain('clock shifted +1 min (now +1 min ahead)');
    expect(session.debug.faults).toBe(backend.faults);
    expect(session.snapshot().backend.faults).toEqual({ offline: false, failNext: {}, expiredNext: false });
    backend.faults!.setOffline(true);
    await expect(session.refreshToken()).rejects.toMatchObject({ kind: 'network', message: 'Offline (fault injection): POST /sauth/v3/auth/refresh/client was not sent' });
    backend.faults!.setOffline(false);
    backend.faults!.issueExpiredNext();
    await expect(session.refreshToken(), 'the server honoured the expired-token header').rejects.toMatchObject({ kind: 'invalid-response' });
    expect(session.debug.storageEntries()[0]!.value).toContain('[token masked]');
    session.dispose();
    // The full entry's HTTP backend has them at once, and its createSession arms one from the production entry;
    // `faultInjection: false` leaves them out of both.
    const mixed = httpBackend();
    full.createSession({ backend: mixed, storage: 'memory', devtools: false }).dispose();
    expect(mixed.faults?.state()).toEqual({ offline: false, failNext: {}, expiredNext: false });
    expect(full.createHttpBackend({ baseUrl: server.url, apiKey: 'key' }).faults).toBeDefined();
    const off = production.createHttpBackend({ baseUrl: server.url, apiKey: 'key', faultInjection: false });
    const offSession = production.createSession({ backend: off, storage: 'memory' });
    await offSession.ready;
    expect(off.faults).toBeUndefined();
    expect(offSession.debug.faults).toBeNull();
    offSession.dispose();
  });

  it('statically reaches neither the dev backend, its signing, the page hook, the log wording, session.debug nor the fault switches (a bundler keeps them out)', async () => {
    const entry = path.resolve('src/core/production.ts');
    const result = await build({
      stdin: { contents: `import { createSession, createHttpBackend } from ${JSON.stringify(entry)};\ncreateSession({ backend: createHttpBackend({ baseUrl: 'https://a.example', apiKey: 'k' }), devtools: false });`, resolveDir: process.cwd(), loader: 'js' },
      bundle: true,
      format: 'esm',
      splitting: true,
      outdir: 'out',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const outputs = result.metafile.outputs;
    const main = Object.keys(outputs).find((o) => outputs[o]!.entryPoint !== undefined)!;
    const initial = new Set<string>();
    const visit = (o: string): void => {
      if (initial.has(o)) return;
      initial.add(o);
      for (const i of outputs[o]!.imports) if (i.kind === 'import-statement') visit(i.path);
    };
    visit(main);
    const loaded = [...initial].flatMap((o) => Object.keys(outputs[o]!.inputs)).map((file) => path.basename(file));
    expect(loaded).toContain('session.ts');
    expect(loaded).toContain('http-backend.ts');
    const devtoolsParts = ['hook.ts', 'log-format.ts', 'debug-controls.ts', 'http-faults.ts', 'faults.ts'];
    for (const devOnly of ['dev-backend.ts', 'dev-signing.ts', ...devtoolsParts]) expect(loaded, devOnly).not.toContain(devOnly);
    // The devtools parts are there for a session with devtools on, as a chunk loaded on demand.
    const lazy = Object.keys(outputs).filter((o) => !initial.has(o) && o.endsWith('.js')).flatMap((o) => Object.keys(outputs[o]!.inputs));
    expect(lazy.map((file) => path.basename(file))).toEqual(expect.arrayContaining(devtoolsParts));
  });
});
