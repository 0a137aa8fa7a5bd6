// Ports of hosts other than the default host (tables/ports.ts hostPorts): an entry
// leaves the table when its last socket unbinds, so the table holds the ports in use,
// and the ports still bound are found after the entries around them were removed.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AF_INET, SOCK_STREAM } from 'socket-kernel';
import { network, SERVER } from './network_helpers.mjs';

describe('port entries of a host other than the default', () => {
  test('unbound ports leave the table; bound ones still conflict', async () => {
    const { k, srv } = await network();
    const bound = (port) => { const fd = srv.socket(AF_INET, SOCK_STREAM); srv.bind(fd, { address: SERVER, port }); return fd; };
    const keep = [];
    for (let port = 20000; port < 20400; port += 4) keep.push(bound(port));   // stay bound
    for (let round = 0; round < 10; round++) {                                 // 10 x 800 ports bound and closed
      const fds = [];
      for (let i = 0; i < 800; i++) fds.push(bound(30000 + round * 800 + i));
      for (const fd of fds) srv.close(fd);
    }
    // 16 bytes an entry, at most half full: sized by the 900 ports bound at once, not
    // by the 8 100 ever bound (which would need 16 384 entries, 256 KiB).
    assert.ok(k.memoryUsage().hostPorts <= 2048 * 16, `table of ${k.memoryUsage().hostPorts} bytes after 8 000 ports came and went`);
    for (let port = 20000; port < 20400; port += 4) {
      const fd = srv.socket(AF_INET, SOCK_STREAM);
      assert.throws(() => srv.bind(fd, { address: SERVER, port }), { code: 'EADDRINUSE' }, `port ${port} is still bound`);
      srv.close(fd);
    }
    for (const fd of keep) srv.close(fd);
    const again = bound(20000);                                                // free again
    srv.close(again);
    srv.check(); k.check();
  });
});
