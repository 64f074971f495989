import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AUTH_PATHS, generatePrivateJwk, normaliseFaults, startAuthServer, type AuthServer } from '../../server/index.js';
import { loadOrCreateKey } from '../../server/key-file.js';

// The reference auth server on its own, spoken to with plain fetch.

let server: AuthServer;
let clock = Date.now();
const lines: string[] = [];

beforeAll(async () => {
  server = await startAuthServer({ users: { alice: 'wonderland' }, apiKeys: ['key-1'], tokenTtlSeconds: 120, now: () => clock, log: (line) => lines.push(line) });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  clock = Date.now();
  server.setFaults({ reset: true });
  server.resetStats();
  lines.length = 0;
});

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function anonymousToken(uuid = 'u-1'): Promise<string> {
  const res = await post(AUTH_PATHS.anonymous, { apiKey: 'key-1', uuid, deviceId: 'd-1' });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

describe('endpoints', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('issues ES256 tokens that verify against /.well-known/jwks.json', async () => {
    const token = await anonymousToken();
    const res = await fetch(server.url + AUTH_PATHS.jwks);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const jwks = (await res.json()) as { keys: { kty: string; crv: string; alg: string; kid: string; d?: string }[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0]!.d, 'never the private part').toBeUndefined();
    const remote = createRemoteJWKSet(new URL(server.url + AUTH_PATHS.jwks));
    const { payload, protectedHeader } = await jwtVerify(token, remote, { currentDate: new Date(clock) });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: jwks.keys[0]!.kid });
    expect(payload).toMatchObject({ sub: 'u-1', rlm: 'anonymous_client', origin: 'ANONYMOUS', deviceId: 'd-1' });
    expect(payload.exp! - payload.iat!, 'the configured lifetime').toBe(120);
    expect(typeof payload.jti).toBe('string');
  });

  it('signs in known users only, with a stable numeric clientId', async () => {
    const ok = await post(AUTH_PATHS.signIn, { apiKey: 'key-1', login: 'alice', password: 'wonderland', uuid: 'u-2', deviceId: 'd' });
    expect(ok.status).toBe(200);
    const claims = decodeJwt(((await ok.json()) as { token: string }).token);
    expect(claims).toMatchObject({ sub: 'u-2', rlm: 'client', origin: 'SYNERISE', customId: 'alice' });
    expect(claims.clientId).toMatch(/^\d+$/);
    const again = await post(AUTH_PATHS.signIn, { apiKey: 'key-1', login: 'alice', password: 'wonderland', uuid: 'u-3', deviceId: 'd' });
    expect(decodeJwt(((await again.json()) as { token: string }).token).clientId).toBe(claims.clientId);
    const bad = await post(AUTH_PATHS.signIn, { apiKey: 'key-1', login: 'alice', password: 'x', uuid: 'u-2', deviceId: 'd' });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ status: 401, error: 'invalid_credentials', code: 3200 });
  });

  it('refreshes only a valid token; an expired one gets 401 with code 3210', async () => {
    const token = await anonymousToken();
    clock += 60_000;
    const fresh = await post(AUTH_PATHS.refresh, { apiKey: 'key-1' }, { authorization: `Bearer ${token}` });
    expect(fresh.status).toBe(200);
    const next = ((await fresh.json()) as { token: string }).token;
    expect(decodeJwt(next)).toMatchObject({ sub: 'u-1', rlm: 'anonymous_client', deviceId: 'd-1' });
    // The old token is not rotated out: a retried refresh (answer lost on the way) still works.
    expect((await post(AUTH_PATHS.refresh, { apiKey: 'key-1' }, { authorization: `Bearer ${token}` })).status).toBe(200);
    clock += 61_000;
    const expired = await post(AUTH_PATHS.refresh, { apiKey: 'key-1' }, { authorization: `Bearer ${token}` });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('token_expired');
    expect(await expired.json()).toMatchObject({ error: 'token_expired', code: 3210 });
  });

  it('refuses a missing, malformed, foreign or altered bearer token with 401 / 3200', async () => {
    const token = await anonymousToken();
    const other = await startAuthServer();
    try {
      const foreign = ((await (await fetch(other.url + AUTH_PATHS.anonymous, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey: 'k', uuid: 'u', deviceId: '' }) })).json()) as { token: string }).token;
      const [h, p, s] = token.split('.');
      const altered = [h, Buffer.from(JSON.stringify({ ...decodeJwt(token), rlm: 'client' })).toString('base64url'), s].join('.');
      for (const authorization of [undefined, 'Basic abc', 'Bearer not-a-jwt', `Bearer ${foreign}`, `Bearer ${altered}`, `Bearer ${p}`]) {
        const res = await post(AUTH_PATHS.refresh, { apiKey: 'key-1' }, authorization ? { authorization } : {});
        expect(res.status, String(authorization?.slice(0, 12))).toBe(401);
        expect(((await res.json()) as { code: number }).code).toBe(3200);
      }
    } finally {
      await other.close();
    }
  });

  it('logs out (both modes) and then refuses the token', async () => {
    for (const mode of ['LOGOUT', 'LOGOUT_WITH_SESSION_CLEARING']) {
      const token = await anonymousToken();
      const out = await post(AUTH_PATHS.signOut, { mode }, { authorization: `Bearer ${token}` });
      expect(out.status).toBe(204);
      const after = await post(AUTH_PATHS.refresh, { apiKey: 'key-1' }, { authorization: `Bearer ${token}` });
      expect(after.status).toBe(401);
      expect(await after.json()).toMatchObject({ error: 'token_revoked', code: 3200 });
    }
    const token = await anonymousToken();
    expect((await post(AUTH_PATHS.signOut, { mode: 'EVERYTHING' }, { authorization: `Bearer ${token}` })).status).toBe(400);
  });

  it('rotation: a refresh invalidates the token it replaced (for refresh and sign-out); off, both stay valid', async () => {
    const refresh = (token: string) => post(AUTH_PATHS.refresh, { apiKey: 'key-1' }, { authorization: `Bearer ${token}` });
    expect(server.rotation).toBe(false);
    const plain = await anonymousToken();
    expect((await refresh(plain)).status).toBe(200);
    expect((await refresh(plain)).status, 'without rotation the old token is still good').toBe(200);
    server.setRotation(true);
    try {
      const first = await anonymousToken();
      const answer = await refresh(first);
      expect(answer.status).toBe(200);
      const second = ((await answer.json()) as { token: string }).token;
      const again = await refresh(first);
      expect(again.status, 'the replaced token is refused').toBe(401);
      expect(await again.json()).toMatchObject({ error: 'token_rotated', code: 3200 });
      expect((await post(AUTH_PATHS.signOut, { mode: 'LOGOUT' }, { authorization: `Bearer ${first}` })).status).toBe(401);
      expect((await refresh(second)).status, 'the token that replaced it works').toBe(200);
    } finally {
      server.setRotation(false);
    }
  });

  it('validates requests: API key, fields, JSON, content type, size, method, path', async () => {
    const cases: [Promise<Response>, number, string][] = [
      [post(AUTH_PATHS.anonymous, { apiKey: 'wrong', uuid: 'u', deviceId: '' }), 403, 'forbidden'],
      [post(AUTH_PATHS.anonymous, { uuid: 'u', deviceId: '' }), 400, 'bad_request'],
      [post(AUTH_PATHS.anonymous, { apiKey: 'key-1', uuid: '', deviceId: '' }), 400, 'bad_request'],
      [post(AUTH_PATHS.anonymous, { apiKey: 'key-1', uuid: 'u'.repeat(2000), deviceId: '' }), 400, 'bad_request'],
      [post(AUTH_PATHS.anonymous, '{"apiKey":'), 400, 'bad_request'],
      [post(AUTH_PATHS.anonymous, '[1]'), 400, 'bad_request'],
      [post(AUTH_PATHS.anonymous, { apiKey: 'key-1', uuid: 'u', deviceId: '', pad: 'x'.repeat(20_000) }), 413, 'payload_too_large'],
      [fetch(server.url + AUTH_PATHS.anonymous, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }), 415, 'unsupported_media_type'],
      [fetch(server.url + AUTH_PATHS.anonymous), 405, 'method_not_allowed'],
      [post('/sauth/v3/nothing', {}), 404, 'not_found'],
    ];
    for (const [request, status, error] of cases) {
      const res = await request;
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await res.json()) as { error: string }).error).toBe(error);
    }
  });

  it('answers CORS preflights and sets CORS headers on answers', async () => {
    const pre = await fetch(server.url + AUTH_PATHS.refresh, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const res = await post(AUTH_PATHS.anonymous, { apiKey: 'key-1', uuid: 'u', deviceId: '' });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toContain('Retry-After');
    await res.body?.cancel();
  });

  it('logs method, path, status and time, never a token', async () => {
    const token = await anonymousToken();
    await (await post(AUTH_PATHS.refresh, { apiKey: 'key-1' }, { authorization: `Bearer ${token}` })).text();
    expect(lines[0]).toMatch(/^POST \/sauth\/v3\/auth\/login\/client\/anonymous 200 \d+\.\dms$/);
    expect(lines[1]).toMatch(/^POST \/sauth\/v3\/auth\/refresh\/client 200 /);
    expect(lines.join('\n')).not.toContain(token.split('.')[1]!);
  });

  it('counts requests per route', async () => {
    await anonymousToken();
    await anonymousToken();
    expect(server.stats().routes).toEqual({ anonymous: 2, refresh: 0, signIn: 0, signOut: 0 });
    const stats = (await (await fetch(server.url + AUTH_PATHS.stats)).json()) as { routes: Record<string, number> };
    expect(stats.routes.anonymous).toBe(2);
  });
});

describe('fault switches', () => {
  it('status: every auth request gets it, with Retry-After when set', async () => {
    server.setFaults({ status: 503, retryAfter: '3' });
    const res = await post(AUTH_PATHS.anonymous, { apiKey: 'key-1', uuid: 'u', deviceId: '' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.json()).toMatchObject({ status: 503, error: 'injected_fault' });
    // The JWKS and control endpoints are never faulted.
    expect((await fetch(server.url + AUTH_PATHS.jwks)).status).toBe(200);
  });

  it('remaining: faults switch off after N requests; routes: only the named routes', async () => {
    server.setFaults({ status: 500, remaining: 2, routes: ['anonymous'] });
    expect((await post(AUTH_PATHS.anonymous, { apiKey: 'key-1', uuid: 'u', deviceId: '' })).status).toBe(500);
    const signIn = await post(AUTH_PATHS.signIn, { apiKey: 'key-1', login: 'alice', password: 'wonderland', uuid: 'u', deviceId: '' });
    expect(signIn.status, 'other routes untouched').toBe(200);
    expect((await post(AUTH_PATHS.anonymous, { apiKey: 'key-1', uuid: 'u', deviceId: '' })).status).toBe(500);
    expect((await post(AUTH_PATHS.anonymous, { apiKey: 'key-1', uuid: 'u', deviceId: '' })).status).toBe(200);
    expect(server.faults()).toMatchObject({ status: null, remaining: null });
  });

  it('errorRate with errorStatus follows the random source', async () => {
    const rolls = [0.05, 0.95, 0.05];
    const seeded = await startAuthServer({ random: () => rolls.shift() ?? 1, faults: { errorRate: 0.1, errorStatus: 502 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(seeded.url + AUTH_PATHS.anonymous, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey: 'k', uuid: 'u', deviceId: '' }) });
        statuses.push(res.status);
        await res.text();
      }
      expect(statuses).toEqual([502, 200, 502]);
    } finally {
      await seeded.close();
    }
  });

  it('latency delays the answer but it still arrives', async () => {
    server.setFaults({ latencyMs: 30 });
    expect((await post(AUTH_PATHS.anonymous, { apiKey: 'key-1', uuid: 'u', deviceId: '' })).status).toBe(200);
  });

  it('bad answers: each kind of malformed success', async () => {
    const got: Record<string, { status: number; type: string | null; length: number }> = {};
    for (const badAnswer of ['non-json', 'missing-token', 'not-jwt', 'wrong-content-type', 'huge'] as const) {
      server.setFaults({ badAnswer, remaining: 1 });
      const res = await post(AUTH_PATHS.anonymous, { apiKey: 'key-1', uuid: 'u', deviceId: '' });
      const text = await res.text();
      got[badAnswer] = { status: res.status, type: res.headers.get('content-type'), length: text.length };
      if (badAnswer === 'non-json') expect(() => JSON.parse(text)).toThrow();
      if (badAnswer === 'missing-token') expect(JSON.parse(text)).not.toHaveProperty('token');
      if (badAnswer === 'not-jwt') expect((JSON.parse(text) as { token: string }).token.split('.')).toHaveLength(1);
      if (badAnswer === 'huge') expect(JSON.parse(text)).toHaveProperty('token');
    }
    expect(got['wrong-content-type']!.type).toMatch(/^text\/html/);
    expect(got.huge!.length).toBeGreaterThan(4 * 1024 * 1024);
    server.setFaults({ badAnswer: 'expired-token', remaining: 1 });
    const { token } = (await (await post(AUTH_PATHS.anonymous, { apiKey: 'key-1', uuid: 'u', deviceId: '' })).json()) as { token: string };
    const claims = decodeJwt(token);
    expect(claims.exp, 'a lifetime of zero').toBe(claims.iat);
    expect(claims.exp!).toBeLessThanOrEqual(clock / 1000);
    await expect(jwtVerify(token, createLocalJWKSet(server.jwks()), { currentDate: new Date(clock) })).rejects.toThrow(/exp/);
  });

  it('hang: the request is held until the client gives up, and close() ends held requests', async () => {
    const hanging = await startAuthServer({ faults: { hang: true } });
    const request = fetch(hanging.url + AUTH_PATHS.anonymous, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    request.catch(() => {});
    // Wait until the server has the request, then close: the client's fetch fails instead of hanging forever.
    while (hanging.stats().routes.anonymous === 0) await new Promise((resolve) => setImmediate(resolve));
    await hanging.close();
    await expect(request).rejects.toThrow();
    await hanging.close(); // idempotent
  });

  it('GET/POST /__faults reads and changes the switches; nonsense is a 400', async () => {
    const set = await post(AUTH_PATHS.faults, { latencyMs: 5, routes: ['refresh'] });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ latencyMs: 5, routes: ['refresh'] });
    expect(await (await fetch(server.url + AUTH_PATHS.faults)).json()).toMatchObject({ latencyMs: 5 });
    for (const bad of [{ nope: 1 }, { errorRate: 2 }, { status: 200 }, { badAnswer: 'weird' }, { routes: ['admin'] }, { hang: 'yes' }, { remaining: -1 }]) {
      const res = await post(AUTH_PATHS.faults, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      await res.text();
    }
    expect(await (await post(AUTH_PATHS.faults, { reset: true })).json()).toMatchObject({ latencyMs: 0, routes: null });
  });

  it('normaliseFaults fills defaults and rejects unknown switches', () => {
    expect(normaliseFaults({})).toMatchObject({ latencyMs: 0, hang: false, errorRate: 0, errorStatus: 503, status: null });
    expect(normaliseFaults({ retryAfter: 5 }).retryAfter).toBe('5');
    expect(() => normaliseFaults({ lag: 1 })).toThrow(/Unknown fault switch/);
  });
});

describe('signing key', () => {
  it('a given private JWK keeps tokens valid across restarts, with a stable kid', async () => {
    const privateJwk = await generatePrivateJwk();
    const first = await startAuthServer({ privateJwk });
    let token: string;
    try {
      const res = await fetch(first.url + AUTH_PATHS.anonymous, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey: 'k', uuid: 'u', deviceId: '' }) });
      token = ((await res.json()) as { token: string }).token;
    } finally {
      await first.close();
    }
    const second = await startAuthServer({ privateJwk });
    try {
      expect(second.jwks().keys[0]!.kid).toBe(privateJwk.kid);
      expect(second.jwks().keys[0]!.d, 'the JWKS never carries the private part').toBeUndefined();
      const res = await fetch(second.url + AUTH_PATHS.refresh, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ apiKey: 'k' }) });
      expect(res.status).toBe(200);
      await res.text();
    } finally {
      await second.close();
    }
  });

  it('refuses a key that is not a private P-256 JWK', async () => {
    const { d: _d, ...publicOnly } = await generatePrivateJwk();
    await expect(startAuthServer({ privateJwk: publicOnly })).rejects.toThrow(/private EC P-256/);
  });

  it('loadOrCreateKey creates a 0600 key file once, then reads it; replaces an unreadable one with a note', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'auth-key-'));
    try {
      const file = path.join(dir, 'nested', 'key.json');
      const made = await loadOrCreateKey(file);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(await loadOrCreateKey(file)).toEqual(made);
      const { writeFileSync } = await import('node:fs');
      writeFileSync(file, '{nope');
      const notes: string[] = [];
      const replaced = await loadOrCreateKey(file, (m) => notes.push(m));
      expect(replaced.d).not.toBe(made.d);
      expect(notes[0]).toContain('unreadable');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CLI (npm run auth-server)', () => {
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    child = undefined;
  });

  async function startCli(args: string[]): Promise<string> {
    child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const rl = createInterface({ input: child.stdout! });
    let url = '';
    for await (const line of rl) {
      const match = /^auth-server listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (match) {
        url = match[1]!;
        break;
      }
    }
    child.stdout!.resume();
    expect(url).not.toBe('');
    return url;
  }

  async function stopCli(): Promise<number | null> {
    const exited = once(child!, 'exit');
    child!.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    return code;
  }

  it('starts on the given port, prints its URL, serves, keeps its key across restarts, and exits cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'auth-cli-'));
    try {
      const keyFile = path.join(dir, 'key.json');
      let url = await startCli(['--port', '0', '--ttl', '90', '--latency', '1', '--key-file', keyFile]);
      const res = await fetch(url + AUTH_PATHS.anonymous, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey: 'k', uuid: 'u', deviceId: '' }) });
      const token = ((await res.json()) as { token: string }).token;
      const claims = decodeJwt(token);
      expect(claims.exp! - claims.iat!).toBe(90);
      expect(await (await fetch(url + AUTH_PATHS.faults)).json()).toMatchObject({ latencyMs: 1 });
      expect(await stopCli()).toBe(0);

      url = await startCli(['--port', '0', '--key-file', keyFile]);
      const again = await fetch(url + AUTH_PATHS.refresh, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ apiKey: 'k' }) });
      expect(again.status, 'a token from before the restart is still this server\'s').toBe(200);
      await again.text();
      expect(await stopCli()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad flag with exit code 2', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--bad-answer', 'weird'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toContain('--bad-answer must be one of');
  });
});
