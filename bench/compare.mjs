// Before/after on the same machine under the same load: runs one benchmark file alternately in a baseline checkout
// and in this one, so both see the same load (a shared machine's load swings by 2–3× within minutes).
//
//   git worktree add /tmp/sp-baseline <commit> && ln -s "$PWD/node_modules" /tmp/sp-baseline/node_modules
//   (cd /tmp/sp-baseline && node scripts/build.mjs) && npm run build
//   node bench/compare.mjs /tmp/sp-baseline extension 2
//
// Each run prints its own table, headed by which tree, the round and the load average when it started.
// --same-bench runs this checkout's bench file in both trees (it measures each tree's build, dist/ and src/core), so a
// change to the bench itself (a new column, the per-hop table) is not mistaken for a change in what it measures.
// Not a *.bench.mjs file: `npm run bench` does not pick it up.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const sameBench = args.includes('--same-bench');
const [baseline, name = 'extension', roundsArg = '2'] = args.filter((a) => a !== '--same-bench');
if (!baseline || !existsSync(path.join(baseline, 'bench', `${name}.bench.mjs`))) {
  console.error('usage: node bench/compare.mjs <baseline checkout, built> [bench name, default extension] [rounds, default 2] [--same-bench]');
  process.exit(2);
}
const trees = [
  ['before', path.resolve(baseline)],
  ['after', process.cwd()],
];
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
let failed = 0;
for (let round = 1; round <= Number(roundsArg); round++) {
  for (const [label, dir] of trees) {
    const file = sameBench ? path.resolve('bench', `${name}.bench.mjs`) : `bench/${name}.bench.mjs`;
    console.log(`\n=== ${label} (${dir}), round ${round}, ${new Date().toISOString()}, load ${load()}${sameBench ? ', bench file of this checkout' : ''}`);
    const run = spawnSync(process.execPath, ['--expose-gc', file], { cwd: dir, stdio: 'inherit' });
    if (run.status !== 0) failed++;
  }
}
process.exit(failed ? 1 : 0);
