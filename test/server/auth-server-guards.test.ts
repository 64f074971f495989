import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AUTH_PATHS, NO_FAULTS, startAuthServer, type AuthServer } from '../../server/index.js';

// The reference auth server against requests a web page could make: a "simple" cross-origin POST (text/plain, no
// preflight), a cross-origin preflight, and a DNS-rebinding page (the right address, a foreign Host). Raw node:http
// requests, because fetch may not set Host, Origin or Sec-Fetch-Site.

let server: AuthServer;

beforeAll(async () => {
  server = await startAuthServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.setFaults({ reset: true });
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function raw(method: string, path: string, headers: Record<string, string>, body?: string, setHost = true): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers, setHost }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const errorOf = (a: Answer): string => (JSON.parse(a.body) as { error: string }).error;
const host = (): string => `127.0.0.1:${server.port}`;
const switches = JSON.stringify({ status: 503 });

describe('POST /__faults cannot be flipped by a web page', () => {
  it('a text/plain POST (a "simple" request, no preflight) is refused with 415 and changes nothing', async () => {
    const a = await raw('POST', AUTH_PATHS.faults, { host: host(), 'content-type': 'text/plain;charset=UTF-8' }, switches);
    expect(a.status).toBe(415);
    expect(errorOf(a)).toBe('unsupported_media_type');
    const form = await raw('POST', AUTH_PATHS.faults, { host: host(), 'content-type': 'application/x-www-form-urlencoded' }, 'status=503');
    expect(form.status).toBe(415);
    const none = await raw('POST', AUTH_PATHS.faults, { host: host() }, switches);
    expect(none.status, 'no content type at all').toBe(415);
    expect(server.faults()).toEqual(NO_FAULTS);
  });

  it('a request from another origin is refused (403), whatever its content type, and gets no CORS allowance', async () => {
    const cases: Record<string, string>[] = [
      { origin: 'https://evil.example', 'content-type': 'application/json' },
      { origin: 'https://evil.example', 'content-type': 'text/plain' },
      { origin: 'null', 'content-type': 'application/json' },
      { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
      { origin: 'http://localhost:5173', 'content-type': 'application/json' }, // the demo page: another port is another origin
    ];
    for (const headers of cases) {
      const a = await raw('POST', AUTH_PATHS.faults, { host: host(), ...headers }, switches);
      expect(a.status, JSON.stringify(headers)).toBe(403);
      expect(errorOf(a)).toBe('forbidden');
      expect(a.headers['access-control-allow-origin'], 'no CORS header').toBeUndefined();
    }
    const read = await raw('GET', AUTH_PATHS.faults, { host: host(), origin: 'https://evil.example' });
    expect(read.status, 'reading them cross-origin too').toBe(403);
    expect(server.faults()).toEqual(NO_FAULTS);
  });

  it('a cross-origin preflight for /__faults is refused with no CORS headers (the auth routes still get theirs)', async () => {
    const preflight = {
      host: host(),
      origin: 'https://evil.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    };
    const a = await raw('OPTIONS', AUTH_PATHS.faults, preflight);
    expect(a.status).toBe(403);
    expect(a.headers['access-control-allow-origin']).toBeUndefined();
    expect(a.headers['access-control-allow-methods']).toBeUndefined();
    const auth = await raw('OPTIONS', AUTH_PATHS.refresh, preflight);
    expect(auth.status).toBe(204);
    expect(auth.headers['access-control-allow-origin']).toBe('*');
  });

  it('curl, tests and same-origin requests as application/json still work, without CORS headers', async () => {
    const curl = await raw('POST', AUTH_PATHS.faults, { host: host(), 'content-type': 'application/json' }, JSON.stringify({ latencyMs: 5 }));
    expect(curl.status).toBe(200);
    expect(JSON.parse(curl.body)).toMatchObject({ latencyMs: 5 });
    expect(curl.headers['access-control-allow-origin']).toBeUndefined();
    const same = await raw(
      'POST',
      AUTH_PATHS.faults,
      { host: host(), origin: `http://${host()}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json; charset=utf-8' },
      JSON.stringify({ hang: true }),
    );
    expect(same.status).toBe(200);
    expect(server.faults()).toMatchObject({ latencyMs: 5, hang: true });
  });
});

describe('only loopback Host values are answered (DNS rebinding)', () => {
  it('127.0.0.1, localhost and [::1] with the server’s port are answered', async () => {
    for (const name of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`, `LOCALHOST:${server.port}`]) {
      const a = await raw('GET', AUTH_PATHS.health, { host: name });
      expect([name, a.status, a.body]).toEqual([name, 200, 'ok']);
    }
  });

  it('any other Host is refused with 403 on every route, before anything runs', async () => {
    const hosts = [`evil.example:${server.port}`, 'evil.example', `127.0.0.1:${server.port + 1}`, '127.0.0.1', `127.0.0.1.evil.example:${server.port}`, `localhost.:${server.port}`];
    const before = server.stats().routes.anonymous;
    for (const name of hosts) {
      for (const [method, path, body] of [
        ['GET', AUTH_PATHS.health, undefined],
        ['GET', AUTH_PATHS.jwks, undefined],
        ['GET', AUTH_PATHS.faults, undefined],
        ['POST', AUTH_PATHS.faults, switches],
        ['POST', AUTH_PATHS.anonymous, JSON.stringify({ apiKey: 'k', uuid: 'u', deviceId: '' })],
        ['OPTIONS', AUTH_PATHS.refresh, undefined],
      ] as const) {
        const a = await raw(method, path, { host: name, 'content-type': 'application/json' }, body);
        expect([name, method, path, a.status, errorOf(a)]).toEqual([name, method, path, 403, 'forbidden_host']);
        expect(a.headers['access-control-allow-origin']).toBeUndefined();
      }
    }
    const missing = await raw('GET', AUTH_PATHS.health, {}, undefined, false);
    expect(missing.status, 'no Host at all: Node refuses an HTTP/1.1 request without one before the server sees it').toBe(400);
    expect(server.faults()).toEqual(NO_FAULTS);
    expect(server.stats().routes.anonymous, 'no token was issued').toBe(before);
  });
});
