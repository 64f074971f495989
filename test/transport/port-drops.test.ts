import { expect, test } from 'vitest';
import { PORT_SOURCE, PROTOCOL_VERSION, asTabId } from '../../src/protocol/messages.js';
import { createPortPair, type MemoryPort } from '../../src/transport/memory-port.js';
import { createPortTransport, droppedLine } from '../../src/transport/port.js';
import type { TransportUpdate } from '../../src/transport/types.js';

const msg = (kind: string, body: object) => ({ source: PORT_SOURCE, v: PROTOCOL_VERSION, kind, ...body });
const flush = () => new Promise((r) => setTimeout(r, 0));

test('drop counts the worker reports are said in the panel in one line, summed over frames; stale or unknown ones are not', async () => {
  let server: MemoryPort | undefined;
  const transport = createPortTransport({
    tabId: asTabId(3)!,
    connect: (name) => {
      const [client, s] = createPortPair(name);
      server = s;
      return client;
    },
  });
  const updates: TransportUpdate[] = [];
  transport.connect((u) => updates.push(u));
  await flush();
  const frame = (frameId: number) => ({ frameId, documentId: `D${frameId}`, origin: 'https://app.example', url: 'https://app.example/' });
  server!.postMessage(msg('welcome', { tabId: 3, frames: [frame(0), frame(2)] }));
  await flush();
  updates.length = 0;
  server!.postMessage(msg('drops', { frameId: 0, count: 40 }));
  server!.postMessage(msg('drops', { frameId: 2, count: 2 }));
  server!.postMessage(msg('drops', { frameId: 2, count: 1 })); // older than what was said: nothing new
  server!.postMessage(msg('drops', { frameId: 9, count: 5 })); // a frame the worker never announced
  await flush();
  const lines = updates.flatMap((u) => (u.type === 'connection' && u.detail ? [u.detail] : []));
  expect(lines).toEqual([droppedLine(40), droppedLine(42)]);
  expect(lines[1]).toBe("Dropped 42 updates from this page: it sent more than the extension's byte limits allow (the latest state is still shown)");
  expect(transport.dropped.snapshot()).toEqual({ 'unknown-frame': 1 });
  transport.close?.();
});
