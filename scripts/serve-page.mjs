// Serves the storm page (build/page/) on 127.0.0.1: a static server with the right
// content types (application/wasm, so the worker can compile kernel.wasm while it
// downloads). `npm run page` builds what is stale and runs this; it prints the URL.
//
//   node scripts/serve-page.mjs [--port N]     (default 8090; 0 picks a free port)
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png', '.map': 'application/json',
};

/** Serves `dir` (default build/page) on 127.0.0.1:port; resolves to { url, requests, close() }. */
export async function servePage({ dir = new URL('../build/page/', import.meta.url).pathname, port = 0 } = {}) {
  const requests = [];
  const server = createServer(async (req, res) => {
    let rel;
    try { rel = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)); } catch { rel = '/'; }
    if (rel.endsWith('/')) rel += 'index.html';
    requests.push(rel);
    const send = (status, type, body) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    // normalize() has resolved every '..' against '/', so the path stays inside dir.
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'only GET');
    try {
      send(200, TYPES[extname(rel)] ?? 'application/octet-stream', await readFile(join(dir, rel)));
    } catch {
      send(404, 'text/plain', 'not found');
    }
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve); });
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  let port;
  try {
    const { values } = parseArgs({ options: { port: { type: 'string', default: '8090' } } });
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer from 0 to 65535; received "${values.port}"`);
  } catch (e) {
    console.error(`serve-page: ${e.message}`);
    process.exit(2);
  }
  try {
    const { url } = await servePage({ port });
    console.log(`socket-kernel storm page: ${url}  (Ctrl+C stops the server)`);
  } catch (e) {
    console.error(`serve-page: cannot listen on 127.0.0.1:${port}: ${e.message}${e.code === 'EADDRINUSE' ? ' (try --port 0)' : ''}`);
    process.exit(1);
  }
}
