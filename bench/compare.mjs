// Before/after on the same machine under the same load: runs one benchmark file alternately in a baseline checkout
// and in this one, so both see the same load (a shared machine's load swings by 2–3× within minutes).
//
//   git worktree add /tmp/sp-baseline <commit> && ln -s "$PWD/node_modules" /tmp/sp-baseline/node_modules
//   (cd /tmp/sp-baseline && node scripts/build.mjs) && npm run build
//   node bench/compare.mjs /tmp/sp-baseline extension 2
//
// Each run prints its own table, headed by which tree, the round and the load average when it started.
// Not a *.bench.mjs file: `npm run bench` does not pick it up.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const [baseline, name = 'extension', roundsArg = '2'] = process.argv.slice(2);
if (!baseline || !existsSync(path.join(baseline, 'bench', `${name}.bench.mjs`))) {
  console.error('usage: node bench/compare.mjs <baseline checkout, built> [bench name, default extension] [rounds, default 2]');
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
    console.log(`\n=== ${label} (${dir}), round ${round}, ${new Date().toISOString()}, load ${load()}`);
    const run = spawnSync(process.execPath, ['--expose-gc', `bench/${name}.bench.mjs`], { cwd: dir, stdio: 'inherit' });
    if (run.status !== 0) failed++;
  }
}
process.exit(failed ? 1 : 0);
