import type { PortEvent, PortLike, PortSender } from './port-like.js';

/**
 * In-memory ports for tests: two ends of a channel that behave like extension ports where it matters.
 * Messages are structured-cloned and delivered asynchronously, in order; disconnecting one end fires
 * onDisconnect on the other end only (as Chrome does); posting on a closed port throws.
 */

class Emitter<F extends (...args: never[]) => void> implements PortEvent<F> {
  private readonly listeners = new Set<F>();
  addListener(listener: F): void {
    this.listeners.add(listener);
  }
  removeListener(listener: F): void {
    this.listeners.delete(listener);
  }
  emit(...args: Parameters<F>): void {
    for (const l of [...this.listeners]) l(...args);
  }
  clear(): void {
    this.listeners.clear();
  }
}

export class MemoryPort implements PortLike {
  readonly onMessage = new Emitter<(message: unknown) => void>();
  readonly onDisconnect = new Emitter<() => void>();
  peer: MemoryPort | null = null;
  closed = false;
  /** Every message this end posted (after cloning), for assertions. */
  readonly sent: unknown[] = [];

  constructor(
    readonly name: string,
    readonly sender?: PortSender,
  ) {}

  postMessage(message: unknown): void {
    if (this.closed) throw new Error('Attempting to use a disconnected port object');
    const copy = structuredClone(message);
    this.sent.push(copy);
    const peer = this.peer;
    queueMicrotask(() => {
      if (peer && !peer.closed) peer.onMessage.emit(copy);
    });
  }

  disconnect(): void {
    if (this.closed) return;
    this.closed = true;
    const peer = this.peer;
    queueMicrotask(() => {
      if (peer && !peer.closed) {
        peer.closed = true;
        peer.onDisconnect.emit();
      }
    });
  }

  /** Simulates the other side dying (worker stopped, page unloaded): this end sees onDisconnect. */
  sever(): void {
    this.peer?.disconnect();
  }
}

export function createPortPair(name: string, sender?: PortSender): [client: MemoryPort, server: MemoryPort] {
  const client = new MemoryPort(name);
  const server = new MemoryPort(name, sender);
  client.peer = server;
  server.peer = client;
  return [client, server];
}

/**
 * A fake runtime: `connect(name, sender)` hands the server end to the current `onConnect` handler, like
 * chrome.runtime.onConnect in a service worker. `restart()` simulates the worker being stopped: every open port
 * is disconnected and the handler is replaced by a fresh one from the factory (no state survives).
 */
export class MemoryRuntime {
  private handler: ((port: PortLike) => void) | null;
  private readonly open = new Set<MemoryPort>();
  /** While false, connections fail (the client end disconnects at once), as when the extension is reloading. */
  available = true;

  constructor(private readonly factory: () => (port: PortLike) => void) {
    this.handler = factory();
  }

  connect(name: string, sender?: PortSender): MemoryPort {
    const [client, server] = createPortPair(name, sender);
    if (!this.available || !this.handler) {
      queueMicrotask(() => client.sever());
      return client;
    }
    this.open.add(server);
    server.onDisconnect.addListener(() => this.open.delete(server));
    const handler = this.handler;
    queueMicrotask(() => handler(server));
    return client;
  }

  restart(): void {
    for (const port of [...this.open]) port.disconnect();
    this.open.clear();
    this.handler = this.factory();
  }

  get openPorts(): number {
    return this.open.size;
  }
}
