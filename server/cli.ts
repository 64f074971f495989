/**
 * npm run auth-server -- [options]: the reference auth server on 127.0.0.1.
 *
 *   --port N              port (default 8787; 0 = any free port)
 *   --ttl SECONDS         token lifetime (default 3600)
 *   --api-key KEY         accept only this API key (repeatable; default: any non-empty key)
 *   --user LOGIN:PASSWORD accept only these credentials (repeatable; default: any non-empty login/password)
 *   --cors-origin ORIGIN  Access-Control-Allow-Origin (default *)
 *   --latency MS          fault: delay every auth answer
 *   --error-rate P        fault: answer --error-status (default 503) with probability P in [0, 1]
 *   --error-status N      status used by --error-rate
 *   --status N            fault: answer every auth request with status N
 *   --retry-after VALUE   fault: Retry-After header on fault answers
 *   --hang                fault: never answer auth requests
 *   --bad-answer KIND     fault: non-json | missing-token | not-jwt | huge | wrong-content-type | expired-token
 *   --key-file PATH       signing key, created if missing (default node_modules/.cache/session-panel/auth-server-key.json),
 *                         so tokens stay valid across restarts
 *   --ephemeral-key       a fresh signing key for this run only
 *   --rotation            refresh-token rotation: a refresh invalidates the token it replaced
 *   --quiet               no request log
 *
 * Faults can be changed while it runs: curl -X POST <url>/__faults -H 'content-type: application/json' -d '{"hang":true}'
 * (and -d '{"reset":true}' to clear). The first line printed is `auth-server listening on <url>`.
 */
import { parseArgs } from 'node:util';
import { BAD_ANSWERS, startAuthServer, type AuthServerFaults, type BadAnswer } from './index.js';
import { DEFAULT_KEY_FILE, loadOrCreateKey } from './key-file.js';

function fail(message: string): never {
  console.error(`auth-server: ${message}`);
  process.exit(2);
}

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) fail(`--${name} must be a number, not ${JSON.stringify(value)}`);
  return n;
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      port: { type: 'string' },
      ttl: { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      user: { type: 'string', multiple: true },
      'cors-origin': { type: 'string' },
      latency: { type: 'string' },
      'error-rate': { type: 'string' },
      'error-status': { type: 'string' },
      status: { type: 'string' },
      'retry-after': { type: 'string' },
      hang: { type: 'boolean' },
      'bad-answer': { type: 'string' },
      'key-file': { type: 'string' },
      'ephemeral-key': { type: 'boolean' },
      quiet: { type: 'boolean' },
      rotation: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
}
try {
  parsed = parse();
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const args = parsed.values;
if (args.help) {
  console.log('usage: npm run auth-server -- [--port N] [--ttl S] [--api-key K] [--user L:P] [--cors-origin O]');
  console.log('       [--latency MS] [--error-rate P] [--error-status N] [--status N] [--retry-after V] [--hang]');
  console.log(`       [--bad-answer ${BAD_ANSWERS.join('|')}] [--key-file PATH | --ephemeral-key] [--rotation] [--quiet]`);
  console.log('       (see docs/http-backend.md)');
  process.exit(0);
}

const faults: Partial<AuthServerFaults> = {};
const latency = number(args.latency, 'latency');
if (latency !== undefined) faults.latencyMs = latency;
const errorRate = number(args['error-rate'], 'error-rate');
if (errorRate !== undefined) faults.errorRate = errorRate;
const errorStatus = number(args['error-status'], 'error-status');
if (errorStatus !== undefined) faults.errorStatus = errorStatus;
const status = number(args.status, 'status');
if (status !== undefined) faults.status = status;
if (args['retry-after'] !== undefined) faults.retryAfter = args['retry-after'];
if (args.hang) faults.hang = true;
if (args['bad-answer'] !== undefined) {
  if (!(BAD_ANSWERS as readonly string[]).includes(args['bad-answer'])) fail(`--bad-answer must be one of ${BAD_ANSWERS.join(', ')}`);
  faults.badAnswer = args['bad-answer'] as BadAnswer;
}
const users: Record<string, string> = {};
for (const pair of args.user ?? []) {
  const at = pair.indexOf(':');
  if (at <= 0 || at === pair.length - 1) fail(`--user must be LOGIN:PASSWORD, not ${JSON.stringify(pair)}`);
  users[pair.slice(0, at)] = pair.slice(at + 1);
}

const port = number(args.port, 'port') ?? 8787;
const ttl = number(args.ttl, 'ttl');
try {
  const privateJwk = args['ephemeral-key'] ? undefined : await loadOrCreateKey(args['key-file'] ?? DEFAULT_KEY_FILE, (m) => console.error(`auth-server: ${m}`));
  const server = await startAuthServer({
    port,
    ...(privateJwk ? { privateJwk } : {}),
    faults,
    ...(ttl !== undefined ? { tokenTtlSeconds: ttl } : {}),
    ...(args['api-key'] ? { apiKeys: args['api-key'] } : {}),
    ...(Object.keys(users).length > 0 ? { users } : {}),
    ...(args['cors-origin'] !== undefined ? { corsOrigin: args['cors-origin'] } : {}),
    ...(args.rotation ? { rotation: true } : {}),
    ...(args.quiet ? {} : { log: (line: string) => console.log(`${new Date().toISOString()} ${line}`) }),
  });
  console.log(`auth-server listening on ${server.url}`);
  if (!args.quiet) {
    console.log(`  JWKS:   ${server.url}/.well-known/jwks.json`);
    console.log(`  faults: ${JSON.stringify(server.faults())}`);
    console.log(`  change: curl -X POST ${server.url}/__faults -H 'content-type: application/json' -d '{"latencyMs":500}'`);
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
