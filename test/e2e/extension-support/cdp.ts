import type { CDPSession } from 'playwright-core';

/**
 * Talks to targets Playwright's own CDP sessions cannot address (the DevTools window and the extension panel
 * iframe inside it): attach with flatten:false through the browser-level session and exchange messages with
 * Target.sendMessageToTarget / Target.receivedMessageFromTarget.
 */
export class ChildTarget {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly browser: CDPSession,
    readonly sessionId: string,
  ) {
    browser.on('Target.receivedMessageFromTarget', (event: { sessionId: string; message: string }) => {
      if (event.sessionId !== this.sessionId) return;
      const msg = JSON.parse(event.message) as { id?: number; result?: unknown; error?: { message: string } };
      if (msg.id === undefined) return;
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.error) w.reject(new Error(msg.error.message));
      else w.resolve(msg.result);
    });
  }

  static async attach(browser: CDPSession, targetId: string): Promise<ChildTarget> {
    const { sessionId } = (await browser.send('Target.attachToTarget', { targetId, flatten: false })) as { sessionId: string };
    return new ChildTarget(browser, sessionId);
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    const promise = new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
    });
    void this.browser
      .send('Target.sendMessageToTarget', { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) })
      .catch((e: Error) => this.waiting.get(id)?.reject(e));
    return promise;
  }

  /** Evaluates an expression (awaiting promises) and returns its JSON value; throws on exceptions. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send<{ result: { value?: T }; exceptionDetails?: { text: string; exception?: { description?: string } } }>(
      'Runtime.evaluate',
      { expression, awaitPromise: true, returnByValue: true },
    );
    if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
    return r.result.value as T;
  }

  async detach(): Promise<void> {
    await this.browser.send('Target.detachFromTarget', { sessionId: this.sessionId }).catch(() => undefined);
  }
}

/** Retries `fn` until it returns a non-undefined value (no fixed sleeps in assertions; bounded by `timeoutMs`). */
const HUNG = Symbol('hung');

export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    // One call may hang (an evaluate in a target that stopped answering): it counts against the same deadline, so
    // the failure names what was awaited instead of running into the test's own timeout.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hung = new Promise<typeof HUNG>((r) => (timer = setTimeout(() => r(HUNG), Math.max(0, deadline - Date.now()) + 50)));
    try {
      const v = await Promise.race([fn(), hung]);
      if (v === HUNG) throw new Error(`timed out waiting for ${what}: the last check did not answer`);
      if (v !== undefined) return v as T;
    } catch (e) {
      if (e instanceof Error && e.message.startsWith(`timed out waiting for ${what}`)) throw e;
      last = e;
    } finally {
      clearTimeout(timer);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
