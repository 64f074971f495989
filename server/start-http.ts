/**
 * npm run start:http: the reference auth server, then the `npm start` demo pointed at it (the demo reads
 * `?auth=<baseUrl>`), so every panel action is a real request in the browser's Network panel.
 *
 *   AUTH_PORT  auth server port (default 8787; any free port if that one is taken)
 *   PORT       demo port, passed on to scripts/start.mjs
 *   --latency MS, --ttl S  initial latency fault and token lifetime: npm run start:http -- --latency 300 --ttl 120
 *
 * Ctrl+C stops both.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startAuthServer, type AuthServer } from './index.js';
import { DEFAULT_KEY_FILE, loadOrCreateKey } from './key-file.js';

const extra = process.argv.slice(2);
const latency = flag('--latency');
const ttl = flag('--ttl');

// The same persistent signing key as `npm run auth-server`: tokens the demo page stored survive restarts.
const privateJwk = await loadOrCreateKey(DEFAULT_KEY_FILE, (m) => console.error(`auth-server: ${m}`));

async function start(port: number): Promise<AuthServer> {
  return startAuthServer({
    port,
    privateJwk,
    ...(ttl !== undefined ? { tokenTtlSeconds: Number(ttl) } : {}),
    ...(latency !== undefined ? { faults: { latencyMs: Number(latency) } } : {}),
    log: (line) => console.log(`  [auth] ${line}`),
  });
}

let auth: AuthServer;
const wanted = Number(process.env.AUTH_PORT) || 8787;
try {
  auth = await start(wanted);
} catch (error) {
  if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
  auth = await start(0);
}

console.log(`  auth server: ${auth.url}  (open the demo with ?auth=${encodeURIComponent(auth.url)})`);
const demo = spawn(process.execPath, ['scripts/start.mjs'], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
const lines = createInterface({ input: demo.stdout! });
lines.on('line', (line) => {
  const match = /session-panel demo: (\S+)/.exec(line);
  if (!match) {
    // start.mjs's hint about the dev backend does not apply here.
    if (!line.includes('dev-backend session')) console.log(line);
    return;
  }
  const url = new URL(match[1]!);
  url.searchParams.set('auth', auth.url);
  console.log(`\n  session-panel demo on the HTTP auth server: ${url.href}`);
  console.log(`  JWKS: ${auth.url}/.well-known/jwks.json`);
  console.log(`  faults while it runs: curl -X POST ${auth.url}/__faults -H 'content-type: application/json' -d '{"latencyMs":800}'  (see docs/http-backend.md)\n`);
});

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (demo.exitCode === null && demo.signalCode === null) demo.kill('SIGTERM');
  await auth.close();
  process.exit(code);
}
demo.on('exit', (code) => void stop(code ?? 0));
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

function flag(name: string): string | undefined {
  const at = extra.indexOf(name);
  return at >= 0 ? extra[at + 1] : undefined;
}
