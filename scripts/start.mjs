// npm start: the demo page (index.html + demo/) on vite's dev server, bound to 127.0.0.1 only.
// PORT picks the port (default 5173; the next free one if taken). Ctrl+C stops it.
import { createServer } from 'vite';

const server = await createServer({
  configFile: 'vite.config.ts',
  server: { host: '127.0.0.1', port: Number(process.env.PORT) || 5173, strictPort: false, open: false },
});
await server.listen();
const url = server.resolvedUrls?.local[0] ?? 'http://127.0.0.1:5173/';
console.log(`\n  session-panel demo: ${url}\n  (the panel on a dev-backend session; try Synerise.Client.getUUID() in the console)\n`);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close().then(() => process.exit(0)));
