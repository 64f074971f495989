import { parseStoredState, type PersistedState } from './storage.js';
import { SIGN_OUT_REASONS, type SignOutReason } from './types.js';

/**
 * Keeps sessions that share one storage in other tabs in step. Without it each tab works from its own copy in
 * memory and the last writer wins: a sign-out in one tab is undone by a refresh in another (a failure trusted auth
 * SDKs shipped, see ../shared/reliability-notes.md). Each committed state is announced on a BroadcastChannel named
 * after the namespace; the receiving session validates it exactly like a value read from storage and adopts it.
 * BroadcastChannel is a platform global in browsers and Node, so the core stays free of DOM-only APIs.
 */
export interface TabAnnouncement {
  readonly state: PersistedState;
  /** Set when the writer's change signed a customer out, so the other tabs report the same reason. */
  readonly signedOut?: SignOutReason;
}

export interface CrossTabLink {
  announce(stateJson: string, signedOut: SignOutReason | undefined): void;
  close(): void;
  /** Messages that were not ours to adopt: malformed, another version, or a state that does not validate. */
  readonly dropped: number;
}

const VERSION = 1;
const MAX_MESSAGE = 64 * 1024;

interface Wire {
  v: number;
  writer: string;
  state: string;
  signedOut?: string;
}

type ChannelLike = {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  unref?: () => void;
};

export function openCrossTabLink(
  namespace: string,
  writer: string,
  now: () => number,
  onAnnouncement: (announcement: TabAnnouncement) => void,
): CrossTabLink | null {
  const Channel = (globalThis as { BroadcastChannel?: new (name: string) => ChannelLike }).BroadcastChannel;
  if (typeof Channel !== 'function') return null;
  let channel: ChannelLike;
  try {
    channel = new Channel(`session-panel:${namespace}`);
  } catch {
    return null; // e.g. an opaque origin: the session simply works alone
  }
  channel.unref?.(); // Node: an open channel must not keep the process alive
  let dropped = 0;
  channel.onmessage = (event) => {
    const message = event.data as Partial<Wire> | null;
    if (
      typeof message !== 'object' || message === null || message.v !== VERSION || typeof message.writer !== 'string' ||
      typeof message.state !== 'string' || message.state.length > MAX_MESSAGE
    ) {
      dropped++;
      return;
    }
    if (message.writer === writer) return;
    const state = parseStoredState(message.state, now());
    if (typeof state === 'string') {
      dropped++;
      return;
    }
    const reason = (SIGN_OUT_REASONS as readonly unknown[]).includes(message.signedOut) ? (message.signedOut as SignOutReason) : undefined;
    try {
      onAnnouncement(reason ? { state, signedOut: reason } : { state });
    } catch {
      // The receiving session decides; nothing it does may break the channel.
    }
  };
  return {
    announce(state, signedOut) {
      const message: Wire = { v: VERSION, writer, state };
      if (signedOut) message.signedOut = signedOut;
      try {
        channel.postMessage(message);
      } catch {
        // A closed channel (page unloading): nothing to tell.
      }
    },
    close() {
      channel.onmessage = null;
      channel.close();
    },
    get dropped() {
      return dropped;
    },
  };
}
