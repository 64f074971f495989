import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JWK } from 'jose';
import { generatePrivateJwk } from './index.js';

/**
 * Where the CLI keeps its signing key, so tokens a page stored stay valid when the server restarts (a fresh key per
 * start would make every stored token "not issued by this server"). Inside node_modules/.cache: never committed.
 */
export const DEFAULT_KEY_FILE = path.join('node_modules', '.cache', 'session-panel', 'auth-server-key.json');

/** Reads the private JWK at `file`, or creates one there (mode 0600). An unreadable file is replaced, with a note. */
export async function loadOrCreateKey(file: string, note: (message: string) => void = () => {}): Promise<JWK> {
  try {
    const jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
    if (jwk && jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.d === 'string') return jwk;
    note(`${file} does not hold a private EC P-256 key; making a new one`);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') note(`${file} is unreadable (${(error as Error).message}); making a new key`);
  }
  const jwk = await generatePrivateJwk();
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(jwk)}\n`, { mode: 0o600 });
  return jwk;
}
