// A tiny static server on 127.0.0.1 (port 0) for the platform tests: the real bundles
// and the real release .wasm from build/, the shared suite and the browser pages, plus
// the URLs of the fetch-failure scenarios. Serves nothing outside those folders.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, normalize } from 'node:path';

const REPO = new URL('..', import.meta.url);
const SERVED = ['/build/', '/tests/shared/', '/tests/browser/'];
const TYPES = {
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json',
};

/**
 * Starts the server; resolves to { origin, urls, requests, close() }. By default it serves
 * this repository's SERVED folders; tests/package.test.mjs serves a consumer project's.
 */
export async function serve({ root = REPO, served = SERVED } = {}) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    requests.push(path);
    const send = (status, type, body) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (path === '/missing.wasm') return send(404, 'text/plain', 'not found');
    // The real kernel with the wrong content type: compileStreaming refuses it.
    if (path === '/text.wasm') return send(200, 'text/plain', await readFile(new URL('build/kernel.wasm', root)));
    if (!served.some((p) => path.startsWith(p))) return send(404, 'text/plain', 'not served');
    try {
      send(200, TYPES[extname(path)] ?? 'application/octet-stream', await readFile(new URL(`.${path}`, root)));
    } catch {
      send(404, 'text/plain', 'not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    requests,
    urls: { wasm: `${origin}/build/kernel.wasm`, missing: `${origin}/missing.wasm`, wrongType: `${origin}/text.wasm` },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
