import { afterEach, expect, test } from 'vitest';
import { createSession } from '../../src/core/index.js';
import type { Session } from '../../src/core/types.js';
import { messageBytes } from '../../src/protocol/byte-budget.js';
import { PORT_SOURCE, PROTOCOL_VERSION, asTabId } from '../../src/protocol/messages.js';
import { createPortPair, type MemoryPort } from '../../src/transport/memory-port.js';
import { createPortTransport, snapshotsLeftOutLine } from '../../src/transport/port.js';
import type { TransportUpdate } from '../../src/transport/types.js';

/** What the panel keeps of one frame's sessions is bounded in bytes (issue #9, item 1): their snapshots together. */

const msg = (kind: string, body: object) => ({ source: PORT_SOURCE, v: PROTOCOL_VERSION, kind, ...body });
const flush = () => new Promise((r) => setTimeout(r, 0));
const sessions: Session[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.dispose();
});

test("a frame's snapshots over its byte bound: the rest are left out, counted and said (once a second); a session that goes frees its share", async () => {
  const real = createSession({ storage: 'memory', devtools: false, namespace: 'frame' });
  sessions.push(real);
  await real.ready;
  const snapshot = real.snapshot();
  const one = messageBytes(snapshot);
  let server: MemoryPort | undefined;
  const transport = createPortTransport({
    tabId: asTabId(3)!,
    frameSnapshotBytes: one * 3 + 10,
    connect: (name) => {
      const [client, s] = createPortPair(name);
      server = s;
      return client;
    },
  });
  const updates: TransportUpdate[] = [];
  transport.connect((u) => updates.push(u));
  await flush();
  const frame = { frameId: 4, documentId: 'D4', origin: 'null', url: 'https://app.example/boxed' };
  const ids = ['a', 'b', 'c', 'd', 'e'];
  const list = (of: string[]) => msg('update', { frameId: 4, update: { type: 'sessions', sessions: of.map((id) => ({ id, namespace: id, uuid: snapshot.uuid })) } });
  server!.postMessage(msg('welcome', { tabId: 3, frames: [frame] }));
  server!.postMessage(list(ids));
  for (const id of ids) server!.postMessage(msg('update', { frameId: 4, update: { type: 'snapshot', sessionId: id, snapshot } }));
  await flush();
  const shown = () => updates.flatMap((u) => (u.type === 'snapshot' ? [u.sessionId] : []));
  const lines = () => updates.flatMap((u) => (u.type === 'connection' && u.detail?.startsWith('Left out') ? [u.detail] : []));
  expect(shown()).toEqual(['4:a', '4:b', '4:c']);
  expect(transport.dropped.snapshot()).toEqual({ 'frame-snapshot-bytes': 2 });
  expect(lines()).toEqual([snapshotsLeftOutLine(1, 'sandboxed frame (opaque origin)', one * 3 + 10)]);
  expect(lines()[0]).toMatch(/^Left out 1 snapshot from sandboxed frame \(opaque origin\): its sessions together are over the panel's \d+ KiB per frame/);
  // A newer snapshot of a kept session replaces its share instead of adding to it.
  server!.postMessage(msg('update', { frameId: 4, update: { type: 'snapshot', sessionId: 'b', snapshot } }));
  // Session a goes: its share is free for d.
  server!.postMessage(list(['b', 'c', 'd', 'e']));
  server!.postMessage(msg('update', { frameId: 4, update: { type: 'snapshot', sessionId: 'd', snapshot } }));
  await flush();
  expect(shown()).toEqual(['4:a', '4:b', '4:c', '4:b', '4:d']);
  expect(transport.dropped.snapshot()).toEqual({ 'frame-snapshot-bytes': 2 });
  transport.close();
});
