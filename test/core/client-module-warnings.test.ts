import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClientModule } from '../../src/core/client-module.js';
import { readySession } from './support/session-fixture.js';

/** Defect from the new-user walkthrough: facade calls with bad arguments and no error callback failed silently. */
describe('createClientModule: failures with no error callback are said in the console', () => {
  let warn: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());
  const flush = () => new Promise((r) => setTimeout(r, 0));

  it("regenerateUUIDWithClientIdentifier('') warns with code and kind", async () => {
    const { session } = await readySession();
    createClientModule(session).regenerateUUIDWithClientIdentifier('');
    await flush();
    expect(warn.mock.calls).toEqual([
      ['Synerise.Client.regenerateUUIDWithClientIdentifier() failed: invalid-argument 9001: clientIdentifier must be a non-empty string'],
    ]);
  });

  it('retrieveToken() without onError warns on a 3210; with onError it stays silent and the callback gets it', async () => {
    const { session, clock } = await readySession();
    await session.signIn('ann', 'pw');
    clock.advance(2 * 3_600_000);
    const Client = createClientModule(session);
    Client.retrieveToken(() => undefined);
    await flush();
    expect(warn.mock.calls.map((c: unknown[]) => c[0])).toEqual(['Synerise.Client.retrieveToken() failed: session-expired 3210: The session has expired']);
    const onError = vi.fn();
    Client.retrieveToken(undefined, onError);
    await flush();
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 3210 }));
    expect(warn, 'no second warning when the caller listens').toHaveBeenCalledTimes(1);
  });

  it('never prints a token', async () => {
    const { session } = await readySession();
    const token = session.snapshot().token!.tokenString;
    const Client = createClientModule(session);
    Client.signOut(); // already signed out: 3220
    await flush();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('already-signed-out 3220');
    expect(JSON.stringify(warn.mock.calls)).not.toContain(token);
  });
});
