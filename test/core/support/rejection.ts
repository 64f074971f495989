import { expect } from 'vitest';
import { SessionError } from '../../../src/core/errors.js';

/** The SessionError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<SessionError> {
  try {
    await promise;
  } catch (error) {
    expect(error, 'rejects with a SessionError').toBeInstanceOf(SessionError);
    return error as SessionError;
  }
  throw new Error('expected the promise to reject');
}
