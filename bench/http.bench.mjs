// HTTP backend benchmark: the built core (dist/core.js) against the reference auth server on 127.0.0.1.
//
//   npm run bench -- http          (after the build, as npm run bench does)
//   node bench/http.bench.mjs      (needs dist/core.js: `node scripts/build.mjs core`)
//
// The server runs in its own Node process (so its signing work does not share the client's event loop), started
// with tsx like `npm run auth-server`. Three ways of doing the same refresh are timed, interleaved in rounds so that
// drift (JIT, GC, CPU frequency) hits all three alike:
//   bare fetch      POST /sauth/v3/auth/refresh/client with fetch() and res.json(): the floor
//   http backend    createHttpBackend().refresh(): + timeout/abort plumbing, bounded stream read, JSON/JWT validation
//   session         createSession({ backend: http }).refreshToken(): + single flight, JWT decode, commit, events, log
// The ratio column is each row's median latency over the bare fetch's median from the same run.
// A last row runs CONCURRENCY sessions refreshing in parallel to show throughput when requests overlap.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 200);
const WARMUP = 300;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const CONCURRENT_MS = Number(process.env.BENCH_CONCURRENT_MS ?? 2000);

if (!existsSync('dist/core.js')) {
  console.error('bench/http: dist/core.js is missing: run `node scripts/build.mjs core` (or npm run bench) first');
  process.exit(1);
}
const core = await import('../dist/core.js');
if (typeof core.createHttpBackend !== 'function') {
  console.error('bench/http: dist/core.js has no createHttpBackend: rebuild it with `node scripts/build.mjs core`');
  process.exit(1);
}
const { createHttpBackend, createSession } = core;

// --- the server, in its own process ------------------------------------------------------------------------------
const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', '0', '--quiet', '--ephemeral-key'], { stdio: ['ignore', 'pipe', 'inherit'] });
const stopServer = async () => {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
};
process.on('exit', () => child.kill('SIGKILL'));
let url;
for await (const line of createInterface({ input: child.stdout })) {
  const match = /^auth-server listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
  if (match) {
    url = match[1];
    break;
  }
}
if (!url) {
  console.error('bench/http: the auth server did not start');
  process.exit(1);
}
child.stdout.resume();

try {
  await run(url);
} finally {
  await stopServer();
}

async function run(baseUrl) {
  const apiKey = 'bench-key';
  const backend = createHttpBackend({ baseUrl, apiKey });
  const token = await backend.anonymous({ uuid: '6f1c1a52-1f1e-4c62-9a3c-5d0b1f1b7d21', deviceId: 'bench' });
  const refreshUrl = `${baseUrl}/sauth/v3/auth/refresh/client`;
  const body = JSON.stringify({ apiKey });
  const headers = { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` };

  const bareFetch = async () => {
    const res = await fetch(refreshUrl, { method: 'POST', headers, body });
    const json = await res.json();
    if (res.status !== 200 || typeof json.token !== 'string') throw new Error(`bare fetch got ${res.status}`);
  };
  const viaBackend = async () => {
    await backend.refresh({ token });
  };
  const session = createSession({ backend: createHttpBackend({ baseUrl, apiKey }), storage: 'memory', devtools: false, autoRefresh: false, logLimit: 500 });
  await session.ready;
  if (!session.snapshot().token) throw new Error('the session got no token from the server');
  const viaSession = async () => {
    await session.refreshToken();
  };

  const cases = [
    ['bare fetch', bareFetch],
    ['http backend', viaBackend],
    ['session.refreshToken()', viaSession],
  ];
  for (const [, fn] of cases) for (let i = 0; i < WARMUP; i++) await fn();
  globalThis.gc?.();

  const samples = new Map(cases.map(([name]) => [name, []]));
  const busy = new Map(cases.map(([name]) => [name, 0]));
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round so no case always runs right after a GC-heavy one.
    for (let k = 0; k < cases.length; k++) {
      const [name, fn] = cases[(round + k) % cases.length];
      const list = samples.get(name);
      const start = performance.now();
      for (let i = 0; i < PER_ROUND; i++) {
        const t0 = performance.now();
        await fn();
        list.push(performance.now() - t0);
      }
      busy.set(name, busy.get(name) + performance.now() - start);
    }
  }

  // Throughput with overlapping requests: CONCURRENCY sessions, each refreshing in a loop.
  const many = [];
  for (let i = 0; i < CONCURRENCY; i++) {
    const s = createSession({ backend: createHttpBackend({ baseUrl, apiKey }), storage: 'memory', devtools: false, autoRefresh: false });
    await s.ready;
    many.push(s);
  }
  let done = 0;
  const until = performance.now() + CONCURRENT_MS;
  const t0 = performance.now();
  await Promise.all(
    many.map(async (s) => {
      while (performance.now() < until) {
        await s.refreshToken();
        done++;
      }
    }),
  );
  const concurrentSeconds = (performance.now() - t0) / 1000;
  const statsRes = await fetch(`${baseUrl}/__stats`);
  const stats = await statsRes.json();
  for (const s of many) s.dispose();
  session.dispose();

  const base = median(samples.get('bare fetch'));
  const rows = cases.map(([name]) => {
    const list = samples.get(name);
    const p50 = median(list);
    return {
      case: name,
      'refreshes/s': fmt(list.length / (busy.get(name) / 1000), 0),
      'p50 ms': fmt(p50, 3),
      'p95 ms': fmt(percentile(list, 0.95), 3),
      'mean ms': fmt(list.reduce((a, b) => a + b, 0) / list.length, 3),
      'added µs (p50)': name === 'bare fetch' ? '—' : fmt((p50 - base) * 1000, 0),
      'ratio vs fetch (p50)': fmt(p50 / base, 3),
    };
  });
  rows.push({
    case: `${CONCURRENCY} sessions in parallel`,
    'refreshes/s': fmt(done / concurrentSeconds, 0),
    'p50 ms': '—',
    'p95 ms': '—',
    'mean ms': fmt((concurrentSeconds * 1000 * CONCURRENCY) / done, 3),
    'added µs (p50)': '—',
    'ratio vs fetch (p50)': '—',
  });

  console.log(`HTTP backend over 127.0.0.1 (server in its own process), Node ${process.version}, ${ROUNDS}×${PER_ROUND} sequential refreshes per case, interleaved`);
  printTable(rows);
  console.log(`server counted ${stats.routes.refresh} refresh requests in total (warm-up included); every one of them was signed ES256 by jose`);
}

function median(list) {
  return percentile(list, 0.5);
}
function percentile(list, q) {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
function fmt(n, digits) {
  return n.toFixed(digits);
}
function printTable(rows) {
  const columns = Object.keys(rows[0]);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => `| ${cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join(' | ')} |`;
  console.log(line(columns));
  console.log(`|${widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`);
  for (const row of rows) console.log(line(columns.map((c) => row[c])));
}
