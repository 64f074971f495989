// npm run build: the three builds of vite.config.ts plus the custom-elements manifest.
import { existsSync, rmSync } from 'node:fs';
import { build } from 'vite';

const only = process.argv.slice(2);
const modes = [
  ['core', 'src/core/index.ts'],
  ['embed', 'src/embed.ts'],
  ['extension', 'src/extension/vite.extension.ts'],
].filter(([mode]) => only.length === 0 || only.includes(mode));

if (only.length === 0) rmSync('dist', { recursive: true, force: true });
for (const [mode, entry] of modes) {
  if (!existsSync(entry)) {
    console.log(`build: skipping ${mode} (${entry} not written yet)`);
    continue;
  }
  await build({ mode, logLevel: 'warn', configFile: 'vite.config.ts' });
  console.log(`build: ${mode} done`);
}
