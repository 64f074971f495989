import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { readFileSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
const root = process.argv[2];
const server = createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  const file = u.pathname === '/' ? '/tmp/w10/page.html' : path.join(root, u.pathname);
  try { const body = readFileSync(file); res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' }); res.end(body); }
  catch { res.writeHead(404); res.end(); }
}).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const port = server.address().port;
const ctx = await chromium.launchPersistentContext(mkdtempSync('/tmp/w10/p-'), { executablePath: '/usr/bin/chromium', headless: false,
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run'], viewport: { width: +(process.argv[4] ?? 1200), height: +(process.argv[5] ?? 770) } });
const page = await ctx.newPage();
page.on('console', (m) => console.log('console:', m.type(), m.text()));
await page.goto(`http://127.0.0.1:${port}/?theme=${process.argv[3] ?? 'light'}`);
await page.waitForFunction(() => window.done);
await page.waitForTimeout(500);
await page.screenshot({ path: `/tmp/w10/shot-${process.argv[3] ?? 'light'}-${process.argv[4] ?? 1200}.png` });
await ctx.close(); server.close();
