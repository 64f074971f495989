/**
 * The few things we use of an extension port, so transports and the router run over chrome.runtime ports, the
 * polyfill's ports, or the in-memory ports of the tests alike.
 */
export interface PortEvent<F extends (...args: never[]) => void> {
  addListener(listener: F): void;
  removeListener(listener: F): void;
}

export interface PortSender {
  readonly id?: string;
  readonly url?: string;
  readonly origin?: string;
  readonly frameId?: number;
  /** The sending document (Chrome 106+): a reload or navigation gives the frame a new one. */
  readonly documentId?: string;
  readonly tab?: { readonly id?: number };
}

export interface PortLike {
  readonly name: string;
  readonly sender?: PortSender;
  postMessage(message: unknown): void;
  disconnect(): void;
  readonly onMessage: PortEvent<(message: unknown) => void>;
  readonly onDisconnect: PortEvent<() => void>;
}

/** Opens a port to the extension's service worker. May throw (context invalidated); the caller retries. */
export type PortConnector = (name: string) => PortLike;
