import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthServer, type AuthServer } from '../../server/index.js';
import { launchChromium, type LaunchedChromium } from './support/chromium.js';
import { serveStatic, type StaticServer } from './support/server.js';

// The built core (dist/core.js) in real Chromium, on one origin, talking to the reference auth server on another:
// CORS preflights, streamed bounded reads, AbortController timeouts and Retry-After exposure, as in a real app.
// Needs a dist/core.js with the HTTP backend (`node scripts/build.mjs core`; npm test builds first) and Chromium
// (CHROME_PATH): without either it fails, it never skips.

describe('the HTTP backend in Chromium, cross-origin', () => {
  let auth: AuthServer;
  let site: StaticServer;
  let chromium: LaunchedChromium;
  let page: Page;
  const seen: string[] = [];

  beforeAll(async () => {
    let core = '';
    try {
      // dist/core.js and the chunks it imports (the HTTP backend is in one shared with dist/production.js).
      core = readFileSync('dist/core.js', 'utf8');
      for (const [, chunk] of core.matchAll(/from"\.\/(chunks\/[^"]+\.js)"/g)) core += readFileSync(`dist/${chunk}`, 'utf8');
    } catch {
      // said below
    }
    if (!core.includes('/sauth/v3/auth/refresh/client')) {
      throw new Error('dist/core.js is missing or has no HTTP backend: run `node scripts/build.mjs core` first');
    }
    // The server's own log: each line is written as the answer is sent, so it is complete when the page's call returns.
    auth = await startAuthServer({ users: { alice: 'wonderland' }, log: (line) => seen.push(line.split(' ').slice(0, 3).join(' ')) });
    // The page loads the core itself (a function passed to page.evaluate must not contain import(): vitest rewrites it).
    site = await serveStatic('dist', {
      '/': '<!doctype html><title>http backend</title><script type="module">import * as core from "/core.js"; globalThis.core = core;</script>',
    });
    chromium = await launchChromium();
    page = await chromium.context.newPage();
    await page.goto(`${site.url}/`);
    await page.waitForFunction(() => 'core' in globalThis);
    await page.evaluate(async (baseUrl) => {
      const core = (globalThis as unknown as { core: typeof import('../../src/core/index.js') }).core;
      const session = core.createSession({
        backend: core.createHttpBackend({ baseUrl, apiKey: 'browser-key', timeoutMs: 1500, retryBaseMs: 1 }),
        storage: 'memory',
        devtools: false,
      });
      await session.ready;
      Object.assign(globalThis, { session });
    }, auth.url);
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
    await site?.close();
    await auth?.close();
  });

  it('gets, refreshes and signs in over real cross-origin requests', async () => {
    const result = await page.evaluate(async () => {
      const s = (globalThis as unknown as { session: import('../../src/core/types.js').Session }).session;
      const first = s.snapshot().token?.rlm;
      await s.refreshToken();
      await s.signIn('alice', 'wonderland');
      const snap = s.snapshot();
      return { first, signedIn: s.isSignedIn(), backend: snap.backend };
    });
    expect(result.first).toBe('anonymous_client');
    expect(result.signedIn).toBe(true);
    expect(result.backend).toMatchObject({ kind: 'http', endpoint: auth.url, lastRequest: { operation: 'signIn', status: 200, ok: true } });
    // Preflights (OPTIONS) and the POSTs are real requests the browser made, as the server saw them.
    expect(seen).toEqual(expect.arrayContaining([
      'POST /sauth/v3/auth/login/client/anonymous 200',
      'POST /sauth/v3/auth/refresh/client 200',
      'POST /sauth/v3/auth/login/client 200',
    ]));
    expect(seen.some((line) => line.startsWith('OPTIONS '))).toBe(true);
  });

  it('maps bad answers, Retry-After and a hanging server the same way as in Node', async () => {
    const run = () =>
      page.evaluate(async () => {
        const s = (globalThis as unknown as { session: import('../../src/core/types.js').Session }).session;
        try {
          await s.refreshToken();
          return { ok: true as const, attempt: s.snapshot().backend.lastRequest?.attempt };
        } catch (error) {
          const e = error as { kind: string; code: number; message: string };
          return { ok: false as const, kind: e.kind, code: e.code, ...(e.message.includes('retry after') ? { retryAfter: true } : {}) };
        }
      });
    auth.setFaults({ reset: true, badAnswer: 'huge', routes: ['refresh'] });
    expect(await run()).toEqual({ ok: false, kind: 'invalid-response', code: 9007 });
    auth.setFaults({ reset: true, badAnswer: 'wrong-content-type', routes: ['refresh'] });
    expect(await run()).toEqual({ ok: false, kind: 'invalid-response', code: 9007 });
    auth.setFaults({ reset: true, status: 503, retryAfter: '0', remaining: 1, routes: ['refresh'] });
    expect(await run()).toEqual({ ok: true, attempt: 2 });
    auth.setFaults({ reset: true, status: 429, retryAfter: '120', routes: ['refresh'] });
    expect(await run(), 'Retry-After is readable cross-origin, and past the budget it fails at once').toEqual({ ok: false, kind: 'backend', code: 9004, retryAfter: true });
    auth.setFaults({ reset: true, hang: true, routes: ['refresh'] });
    expect(await run()).toEqual({ ok: false, kind: 'timeout', code: 9003 });
    auth.setFaults({ reset: true });
  });

  it('the panel\'s "next token expired" fault control passes the CORS preflight and gets an expired token', async () => {
    const result = await page.evaluate(async () => {
      const s = (globalThis as unknown as { session: import('../../src/core/types.js').Session }).session;
      s.debug.faults!.issueExpiredNext();
      const error = await s.refreshToken().then(
        () => null,
        (e: { kind: string; message: string }) => ({ kind: e.kind, message: e.message }),
      );
      const snap = s.snapshot();
      return { error, tokenStatus: snap.tokenStatus, lastRequest: snap.backend.lastRequest?.status };
    });
    // The header passed the preflight (else a network error) and the server answered 200 with an expired token,
    // which the core refuses for a refresh, keeping the live token.
    expect(result).toEqual({
      error: { kind: 'invalid-response', message: 'The backend issued a token that has already expired' },
      tokenStatus: 'valid',
      lastRequest: 200,
    });
  });
});
