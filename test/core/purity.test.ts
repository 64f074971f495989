import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The core runs unchanged in Node and browsers: no Lit, no chrome, no DOM-only globals (spec §3).
const dir = join(import.meta.dirname, '../../src/core');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
const forbidden: [RegExp, string][] = [
  [/from ['"]lit/, 'imports Lit'],
  [/\bchrome\./, 'uses chrome.*'],
  [/\bbrowser\./, 'uses browser.*'],
  [/\b(document|window|HTMLElement|customElements)\b/, 'uses a DOM-only global'],
  // Web Locks (navigator.locks) are the one navigator API the core uses, feature-detected (tab-lock.ts): workers and
  // Node ≥ 22 have them too, and without them the core falls back to a lease in storage.
  [/\bnavigator\b(?!\?(\.|:\s*\{\s*)locks)/, 'uses navigator beyond navigator.locks'],
  [/console\.(log|info|debug|warn|error)/, 'writes to the console'],
];

describe('src/core purity', () => {
  it('has the files we expect to check', () => {
    expect(files).toContain('session.ts');
  });
  for (const file of files) {
    it(`${file} imports no Lit, chrome or DOM-only globals and never logs`, () => {
      const code = readFileSync(join(dir, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      // The one exception: the Synerise facade warns about a failure its caller gave no error callback for (issue
      // #10), as the SDK does; it prints the error's code, kind and message only, never a token.
      const checked = file === 'client-module.ts' ? code.replace(/console\.warn\(`Synerise\.Client\./g, '') : code;
      for (const [pattern, what] of forbidden) expect(pattern.test(checked), `${file} ${what}`).toBe(false);
    });
  }
});
