// Session core figures: seeded UUIDs per second, getUUID()/snapshot() cost, single-flight refresh under 1,000
// concurrent callers (beside one lone caller, same run). Sizes are in size.bench.mjs.
import { percentile, rate, table } from './support.mjs';

const core = await import('../dist/core.js');
const { createSession, createDevBackend, uuidFromName } = core;

let i = 0;
const seeded = rate(() => uuidFromName(`device-1customer-${i++}`), { ms: 700 });

const session = createSession({ storage: 'memory', devtools: false });
await session.ready;
const getUuid = rate(() => session.getUUID(), { ms: 300, batch: 10_000 });
const snapshot = rate(() => session.snapshot(), { ms: 500 });

// Single flight: 1,000 concurrent refreshToken() calls vs one call, alternated so drift hits both alike.
const backend = createDevBackend();
const flightSession = createSession({ storage: 'memory', devtools: false, backend });
await flightSession.ready;
const lone = [];
const crowd = [];
for (let round = 0; round < 20; round++) {
  let t = performance.now();
  await flightSession.refreshToken();
  lone.push(performance.now() - t);
  t = performance.now();
  await Promise.all(Array.from({ length: 1000 }, () => flightSession.refreshToken()));
  crowd.push(performance.now() - t);
}
const median = (xs) => percentile(xs, 50);
const refreshCalls = backend.calls.refresh;

table('session core (node ' + process.version + ')', [
  ['seeded UUIDs (uuidFromName)', `${Math.round(seeded.opsPerSec).toLocaleString('en')} /s`],
  ['getUUID()', `${getUuid.nsPerOp.toFixed(1)} ns/call`],
  ['snapshot()', `${(snapshot.nsPerOp / 1000).toFixed(2)} µs/call`],
  ['refreshToken(), 1 caller (median of 20)', `${median(lone).toFixed(2)} ms`],
  ['refreshToken(), 1,000 concurrent callers (median of 20)', `${median(crowd).toFixed(2)} ms`],
  ['  ratio 1,000 callers / 1 caller', `${(median(crowd) / median(lone)).toFixed(2)}x`],
  ['  backend refreshes for 40 rounds', `${refreshCalls} (expected 40: one per round)`],
]);
if (refreshCalls !== 40) process.exitCode = 1;
