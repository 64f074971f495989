import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// dist/core.js must import and work in plain Node 20 with no DOM (spec §3, §6). Run in a child process so nothing
// from the test environment (happy-dom, vitest's module graph) can help it.
describe('dist/core.js in plain Node', () => {
  it('exists after the build', () => {
    expect(existsSync('dist/core.js')).toBe(true);
  });

  it('exports the public API and runs a session end to end', () => {
    const script = `
      const core = await import(${JSON.stringify(new URL('../../dist/core.js', import.meta.url).href)});
      const out = { exports: ['createSession','createDevBackend','createClientModule','SessionError','uuidFromName'].filter((n) => typeof core[n] === 'function') };
      out.hasDocument = typeof globalThis.document !== 'undefined';
      out.vector = core.uuidFromName('abc');
      const s = core.createSession({ storage: 'memory', devtools: false });
      await s.ready;
      const t = await s.retrieveToken();
      out.token = [typeof t.tokenString, t.expirationDate instanceof Date, t.rlm, t.origin];
      out.regenerated = await s.regenerateUUIDWithClientIdentifier('abc');
      out.seeded = s.getUUID() === core.uuidFromName(s.snapshot().deviceId + 'abc');
      const err = await s.signOut().catch((e) => e);
      out.error = [err instanceof core.SessionError, err.code, err.kind];
      s.dispose();
      console.log(JSON.stringify(out));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({
      exports: ['createSession', 'createDevBackend', 'createClientModule', 'SessionError', 'uuidFromName'],
      hasDocument: false,
      vector: '90015098-3cd2-3fb0-9696-3f7d28e17f72',
      token: ['string', true, 'anonymous_client', 'ANONYMOUS'],
      regenerated: true,
      seeded: true,
      error: [true, 3220, 'already-signed-out'],
    });
  });

  it('ships type declarations for the ./core export, with the public names', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, { types?: string }> };
    const types = pkg.exports['./core']?.types;
    expect(types).toBe('./dist/types/src/core/index.d.ts');
    const dts = readFileSync(types!, 'utf8');
    for (const name of ['createSession', 'createDevBackend', 'createClientModule', 'SessionError', 'uuidFromName', 'createHttpBackend']) {
      expect(dts, name).toContain(name);
    }
    expect(existsSync('dist/types/src/core/types.d.ts')).toBe(true);
  });
});
