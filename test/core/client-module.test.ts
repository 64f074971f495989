import { describe, expect, it, vi } from 'vitest';
import { createClientModule } from '../../src/core/client-module.js';
import { SessionError } from '../../src/core/errors.js';
import { uuidFromName } from '../../src/core/uuid.js';
import type { Token } from '../../src/core/types.js';
import { HOUR, readySession } from './support/session-fixture.js';

describe('createClientModule: the seed examples, verbatim', () => {
  it('runs the Synerise Client examples as written', async () => {
    const { session } = await readySession();
    const Synerise = { Client: createClientModule(session) };
    const seen: string[] = [];
    let settle: () => void = () => undefined;
    const next = (): Promise<void> => new Promise<void>((resolve) => (settle = resolve));

    // --- the seed's examples, verbatim bodies; each awaited before the next ---
    let done = next();
    Synerise.Client.refreshToken(function (token) {
      seen.push('refreshed ' + token.rlm);
      settle();
    }, function (error) {
      seen.push('refresh error ' + error.code);
      settle();
    });
    await done;
    done = next();
    Synerise.Client.retrieveToken(function (token) {
      seen.push('retrieved ' + token.origin);
      settle();
    }, function (error) {
      seen.push('retrieve error ' + error.code);
      settle();
    });
    await done;
    let uuid = Synerise.Client.getUUID();
    Synerise.Client.regenerateUUID();
    const regenerated = Synerise.Client.getUUID();
    Synerise.Client.regenerateUUIDWithClientIdentifier('clientIdentifier');
    const seeded = Synerise.Client.getUUID();
    Synerise.Client.destroySession();
    // --- end of seed examples ---

    expect(seen).toEqual(['refreshed anonymous_client', 'retrieved ANONYMOUS']);
    expect(new Set([uuid, regenerated, seeded, Synerise.Client.getUUID()]).size, 'each call changed the UUID at once').toBe(4);
    expect(seeded).toBe(uuidFromName(session.snapshot().deviceId + 'clientIdentifier'));
    // The destroy's new anonymous token follows (ES256 signing: a condition, not a fixed sleep, on a loaded machine).
    await vi.waitFor(() => expect(session.snapshot().token?.rlm).toBe('anonymous_client'), { timeout: 5000 });
    expect(Synerise.Client.isSignedIn()).toBe(false);
  });

  it('passes errors to onError as an Error with code and message', async () => {
    const { session, clock } = await readySession();
    await session.signIn('ann', 'pw');
    clock.advance(2 * HOUR);
    const client = createClientModule(session);
    const error = await new Promise<Error & { code: number }>((resolve, reject) =>
      client.retrieveToken(() => reject(new Error('should fail')), resolve),
    );
    expect(error).toBeInstanceOf(Error);
    expect([error.code, error.message]).toEqual([3210, 'The session has expired']);
  });

  it('delivers the Token shape to onSuccess', async () => {
    const { session } = await readySession();
    const token = await new Promise<Token>((resolve, reject) => createClientModule(session).retrieveToken(resolve, reject));
    expect(Object.keys(token).sort()).toEqual(['expirationDate', 'origin', 'rlm', 'tokenString']);
    expect(token.expirationDate).toBeInstanceOf(Date);
  });

  it('works with no callbacks at all and survives a throwing callback', async () => {
    const { session } = await readySession();
    const client = createClientModule(session);
    client.refreshToken();
    const thrown: unknown[] = [];
    const onUncaught = (e: unknown): void => {
      thrown.push(e);
    };
    process.on('uncaughtException', onUncaught);
    client.retrieveToken(() => {
      throw new Error('callback bug');
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    process.off('uncaughtException', onUncaught);
    expect(thrown.map((e) => (e as Error).message)).toEqual(['callback bug']);
    expect(session.snapshot().token).not.toBeNull();
  });

  it('refuses something that is not a session', () => {
    expect(() => createClientModule({} as never)).toThrow(SessionError);
  });
});
